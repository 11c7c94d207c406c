import type { HistoryEventData, HistoryEventType } from '../history.js';

export const ExecutionStatus = {
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
} as const;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** What an execution is, fixed at its start (recorded in ExecutionStarted and its metadata). */
export interface ExecutionInfo {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly name: string;
  readonly roleArn: string;
  /** The definition text, a snapshot taken at start. */
  readonly definition: string;
  readonly stateMachineType: 'STANDARD' | 'EXPRESS';
  /** The input text exactly as submitted. */
  readonly input: string;
  readonly startDate: number;
  readonly traceHeader?: string;
  readonly timeoutAt?: number;
}

/** An event the decider asks to append: AWS's type and data, our metadata. */
export interface NewHistoryEvent {
  readonly type: HistoryEventType;
  readonly data: HistoryEventData;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A Wait state in progress: the durable timer the runtime must fire at `dueAt`. */
export interface PendingWait {
  readonly kind: 'wait';
  readonly stateName: string;
  readonly enteredEventId: number;
  readonly enteredAt: number;
  /** The state's raw input (its Entered event's input). */
  readonly input: string;
  readonly dueAt: number;
}

/** A failed Task/Parallel/Map waiting out a retrier's back-off (recorded in the failure's metadata). */
export interface RetryPending {
  readonly kind: 'retry';
  readonly stateName: string;
  readonly enteredEventId: number;
  readonly enteredAt: number;
  readonly input: string;
  readonly dueAt: number;
  /** `$$.State.RetryCount` of the next attempt. */
  readonly retryCount: number;
  /** Each retrier's count so far. */
  readonly retryCounts: readonly number[];
  /** The failure event the next attempt's first event points to. */
  readonly resumeAfterEventId: number;
}

export type Pending = PendingWait | RetryPending;

/** The fold of an execution's history. */
export interface ExecutionState {
  readonly info: ExecutionInfo | undefined;
  readonly status: ExecutionStatus | undefined;
  /** The id of the last event (= the number of events). */
  readonly lastEventId: number;
  readonly stopDate?: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** What the execution waits for, when it waits on a timer. */
  readonly pending?: Pending;
}

export const initialExecutionState: ExecutionState = { info: undefined, status: undefined, lastEventId: 0 };

/** Injected sources: the decider never reads a clock or a random generator itself. */
export interface DecisionEnv {
  /** Epoch ms of the decision; every event of the batch carries it. */
  readonly now: number;
  readonly random: () => number;
  readonly uuid: () => string;
}

export type ExecutionCommand =
  | { readonly type: 'StartExecution'; readonly info: ExecutionInfo }
  /** Fires what is due at `env.now`: a Wait's end, the execution's timeout. */
  | { readonly type: 'FireTimers' }
  | { readonly type: 'StopExecution'; readonly error?: string; readonly cause?: string };

/** The instant the runtime must wake this execution, if any. */
export const nextTimerAt = (state: ExecutionState): number | undefined => {
  if (state.status !== 'RUNNING') return undefined;
  const times = [state.pending?.dueAt, state.info?.timeoutAt].filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
};

/** The ExecutionStarted metadata version of this decider (see STYLE.md §2 on replay). */
export const ENGINE_VERSION = 1;
/** "The execution reached the maximum number of history events (25000)." */
export const HISTORY_EVENT_LIMIT = 25_000;
