import type { HistoryEventData, HistoryEventType } from '../history.js';
import type { StoredHistoryEvent } from './stored-event.js';

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
  /** The parent execution's task that started this one (`states:startExecution`), if any. */
  readonly parent?: ParentTask;
  /** The mock configuration's test case this execution runs with (`<stateMachineArn>#<TestCase>`). */
  readonly testCase?: string;
  /** The version the execution was started on, if it was started on a version ARN. */
  readonly stateMachineVersionArn?: string;
  /** The alias it was started on (which chose the version). */
  readonly stateMachineAliasArn?: string;
  /** How often it was redriven (`$$.Execution.RedriveCount`) and when last. */
  readonly redriveCount?: number;
  readonly redriveDate?: number;
  /** The engine version that started the execution (ExecutionStarted metadata; absent before version 2). */
  readonly engineVersion?: number;
  /** The execution and event this one was forked from (`ForkExecution`): its history begins with that one's events up to it. */
  readonly forkedFrom?: ForkSource;
  /** Imported from a history AWS recorded (`stepstream import`): the execution as AWS named it. It never runs here (fork it to). */
  readonly imported?: ImportSource;
  /**
   * Task results given for this execution (a fork's `mocks`): by state name, the answers of its
   * successive invocations, the last one repeating. A mocked state's task is answered with them
   * instead of being performed.
   */
  readonly mocks?: Readonly<Record<string, readonly MockedResult[]>>;
  /** `virtual`: this execution's timers fire as soon as it has nothing else to do, its own clock jumping ahead (see the runtime's virtual time). */
  readonly time?: 'virtual';
}

/** A mocked task result, in AWS Step Functions Local's terms: what the task returns, or the error it throws. */
export type MockedResult = { readonly Return: unknown } | { readonly Throw: { readonly Error?: string; readonly Cause?: string } };

/** Where an imported execution ran: its ARN and its state machine's there. */
export interface ImportSource {
  readonly from: 'aws';
  readonly executionArn: string;
  readonly stateMachineArn: string;
}

/** Where a fork came from: the source execution and the last event of it the fork's history copies. */
export interface ForkSource {
  readonly executionArn: string;
  readonly eventId: number;
}

/** A task of a parent execution that waits on (or started) a child execution. */
export interface ParentTask {
  readonly executionArn: string;
  readonly taskId: string;
  /** `mapRun`: a child run of a Distributed Map, item (or batch) `index` of the parent's Map Run. */
  readonly pattern: 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken' | 'mapRun';
  readonly index?: number;
  readonly mapRunArn?: string;
}

/** An event the decider asks to append: AWS's type and data, our metadata. */
export interface NewHistoryEvent {
  readonly type: HistoryEventType;
  readonly data: HistoryEventData;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** How a state was entered, as a suspended frame keeps it (the input as JSON text: jsonb would reorder keys). */
export interface EnteredRecord {
  readonly name: string;
  readonly input: string;
  readonly enteredId: number;
  /** What the Entered event points to. */
  readonly enteredAfter: number;
  readonly enteredAt: number;
  /** `$$.State.RetryCount` of the current (or next) attempt, and each retrier's count. */
  readonly retryCount: number;
  readonly retryCounts: readonly number[];
  /** What the attempt's first event points to: the Entered event, or the last attempt's failure. */
  readonly attemptStartsAfter: number;
}

/** An activity task scheduled by a Task state and not finished yet. */
export interface PendingTask {
  /** Unique in the execution: the frame's path and the scheduling event's id. */
  readonly id: string;
  /**
   * `activity`: a worker takes it (GetActivityTask). `lambda`: a function ARN as the Resource
   * (LambdaFunction* events). `service`: an `arn:aws:states:::service:action` integration
   * (Task* events); the runtime performs these two. `mapRun`: a Distributed Map's Map Run.
   * `itemReader`: a Distributed Map's ItemReader reading its items (no event of its own: the
   * items it answers are the input of the Map Run that starts next).
   */
  readonly kind: 'activity' | 'lambda' | 'service' | 'mapRun' | 'itemReader';
  /** The Resource as the definition names it. */
  readonly resource: string;
  /** The Task state that scheduled it. */
  readonly state: string;
  /** For `service`: what the Task* events name (`lambda` / `invoke`), and the integration pattern. */
  readonly resourceType?: string;
  readonly action?: string;
  readonly pattern?: 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';
  /** For `.sync` / `waitForTaskToken`: the start call was answered (TaskSubmitted) with this output; now the result is awaited. */
  readonly submitted?: boolean;
  readonly submittedOutput?: string;
  /** The task's input (after Parameters), as JSON text. */
  readonly input: string;
  readonly scheduledAt: number;
  /** The latest event of this task (ActivityScheduled, then ActivityStarted): what the next one points to. */
  readonly lastEventId: number;
  readonly startedAt?: number;
  readonly workerName?: string;
  /** Epoch ms when TimeoutSeconds runs out (measured from scheduling). */
  readonly timeoutAt?: number;
  readonly heartbeatSeconds?: number;
}

/** What a suspended frame's current state waits for. */
export type Suspension =
  /** A Wait state's end. */
  | { readonly kind: 'wait'; readonly dueAt: number }
  /** A retrier's back-off; the next attempt starts after `entered.attemptStartsAfter`. */
  | { readonly kind: 'retry'; readonly dueAt: number }
  /** A Task's resource. */
  | { readonly kind: 'task'; readonly task: PendingTask }
  /** A Parallel whose branches (child frames `<path>/<i>`) are not all finished. */
  | { readonly kind: 'parallel'; readonly startedId: number }
  /**
   * The decision spent its budget (`DecisionBudget`) between two states: the frame goes on by
   * entering `state` with `entered.input` after event `previousEventId`, at once, in the next
   * decision. Nothing of it is in the history (it is only in the frames table).
   */
  | { readonly kind: 'continue'; readonly previousEventId: number }
  /** A Map whose iterations (child frames `<path>/<i>`) are not all finished; `next` is the first not started. */
  | {
      readonly kind: 'map';
      readonly startedId: number;
      readonly next: number;
      readonly lastSucceededId: number;
      /** A Distributed Map's run and its number of child runs. */
      readonly run?: { readonly mapRunArn: string; readonly startedId: number };
      readonly total?: number;
    };

/** A frame (the top of the execution, a Parallel branch, a Map iteration) paused in a state. */
export interface SuspendedFrame {
  readonly kind: 'suspended';
  readonly state: string;
  readonly entered: EnteredRecord;
  readonly on: Suspension;
  /** For a Distributed Map's child run: the last event id of its own (separate) history. */
  readonly ownHistory?: number;
  /** The frame's own workflow variables (JSON texts), kept while it is paused. */
  readonly vars?: Readonly<Record<string, string>>;
}

/** A child frame that has finished while its siblings run on; its output (JSON text) waits for them. */
export interface FinishedFrame {
  readonly kind: 'finished';
  readonly ok: boolean;
  readonly output: string;
}

export type FrameEntry = SuspendedFrame | FinishedFrame;

/**
 * Every frame that is paused, by path: `""` is the top frame, `"<parent>/<i>"` the i-th branch or
 * iteration of the Parallel or Map its parent is in. Each decision writes what it changed
 * (`metadata.frames = {set, del}` on its last event) and the fold applies it, so a long Map does
 * not rewrite the outputs of finished iterations at every step.
 */
export type FrameTable = Readonly<Record<string, FrameEntry>>;

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
  /** The paused frames of a running execution. */
  readonly frames: FrameTable;
  /** Where a redrive starts again: the top-level state the execution was in when it ended unsuccessfully, and below it what its branches or iterations had done. */
  readonly restart?: RestartPoint;
}

/**
 * Where a frame starts again on a redrive: the state it was in when the execution ended
 * unsuccessfully, the input that state was entered with, the frame's own variables then, and for a
 * Parallel or inline Map what its branches or iterations had done.
 */
export interface RestartPoint {
  readonly state: string;
  readonly input: string;
  readonly vars?: Readonly<Record<string, string>>;
  readonly inner?: InnerRestart;
}

/**
 * What a Parallel's branches or an inline Map's iterations had done (keys are their indices):
 * those that succeeded keep their output and do not run again; those that had moved on from their
 * first state start again where they stopped; every other one starts from the top (AWS: a redrive
 * "reschedules and redrives only the iterations and branches that failed or aborted").
 */
export interface InnerRestart {
  readonly done: Readonly<Record<string, string>>;
  readonly resume: Readonly<Record<string, RestartPoint>>;
  /**
   * A Distributed Map whose Map Run did not succeed: the redrive reuses that Map Run
   * (`MapRunRedriven`), and the runtime keeps the child runs that succeeded and redrives the others.
   */
  readonly mapRun?: { readonly mapRunArn: string; readonly redriveCount: number };
}

export const initialExecutionState: ExecutionState = { info: undefined, status: undefined, lastEventId: 0, frames: {} };

/** Injected sources: the decider never reads a clock or a random generator itself. */
export interface DecisionEnv {
  /** Epoch ms of the decision; every event of the batch carries it. */
  readonly now: number;
  readonly random: () => number;
  readonly uuid: () => string;
  /** Whether an activity exists (a Task on a deleted activity fails); absent: every activity does. */
  readonly activityExists?: (arn: string) => boolean;
  /** The signed token of a task (`$$.Task.Token` of a `.waitForTaskToken` task); absent: an unsigned one. */
  readonly taskToken?: (taskId: string) => string;
  /**
   * TestState's `context` member: the context object top-level states see as `$$` /
   * `$states.context`, used as given instead of the one computed from the execution.
   */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** What happened to an activity task, reported by the runtime (a worker's poll or its answer). */
export type TaskSignal =
  | { readonly type: 'started'; readonly workerName?: string }
  /** The start call of a `.sync` / `.waitForTaskToken` task was answered; the result comes later. */
  | { readonly type: 'submitted'; readonly output: string }
  | { readonly type: 'succeeded'; readonly output: string }
  | { readonly type: 'failed'; readonly error?: string; readonly cause?: string };

export type ExecutionCommand =
  | { readonly type: 'StartExecution'; readonly info: ExecutionInfo }
  /**
   * Fires what is due at `env.now`: Wait ends, retry back-offs, task timeouts, the execution's
   * timeout. `heartbeats` gives the last heartbeat the runtime has seen per task id (heartbeats
   * write no history event; the trigger metadata records them for replay).
   */
  | { readonly type: 'FireTimers'; readonly heartbeats?: Readonly<Record<string, number>> }
  | { readonly type: 'TaskUpdate'; readonly taskId: string; readonly signal: TaskSignal }
  | { readonly type: 'StopExecution'; readonly error?: string; readonly cause?: string }
  /**
   * Starts a FAILED, ABORTED or TIMED_OUT execution again where it stopped. `parent`: a Map Run's
   * child run redriven by its parent's redrive answers the Map Run's new task.
   */
  | { readonly type: 'RedriveExecution'; readonly parent?: ParentTask }
  /**
   * A new execution whose history begins with `events` (a source execution's first events, up to
   * the end of one of its decisions) and goes on live from there: `info` is the new execution
   * (its ARN, name, and definition, the source's or a new one), `info.forkedFrom` the source.
   */
  | {
      readonly type: 'ForkExecution';
      readonly info: ExecutionInfo;
      readonly events: readonly StoredHistoryEvent[];
      /** For the state the execution's own frame is in at the fork: a new input (JSON text) and variables (name → JSON text) set over its own. */
      readonly overrides?: { readonly input?: string; readonly variables?: Readonly<Record<string, string>> };
    }
  /**
   * A new execution whose whole history is one another engine recorded, decided again by this
   * one (`importAwsHistory`): `events` are that import's, each decision's trigger in place.
   */
  | { readonly type: 'ImportExecution'; readonly events: readonly NewHistoryEvent[] };

const suspensionDue = (s: Suspension, heartbeats: Readonly<Record<string, number>> = {}): number | undefined => {
  switch (s.kind) {
    case 'wait':
    case 'retry':
      return s.dueAt;
    case 'continue':
      return 0;
    case 'task': {
      const t = s.task;
      const beat =
        t.heartbeatSeconds !== undefined && t.startedAt !== undefined ? Math.max(t.startedAt, heartbeats[t.id] ?? 0) + t.heartbeatSeconds * 1000 : undefined;
      const times = [t.timeoutAt, beat].filter((x): x is number => x !== undefined);
      return times.length > 0 ? Math.min(...times) : undefined;
    }
    default:
      return undefined;
  }
};

/** When a suspended frame's own timer is due (a Wait, a back-off, a task's timeout or heartbeat), if it has one. */
export const frameDueAt = (entry: FrameEntry, heartbeats?: Readonly<Record<string, number>>): number | undefined =>
  entry.kind === 'suspended' ? suspensionDue(entry.on, heartbeats) : undefined;

/** The instant the runtime must wake this execution, if any. */
export const nextTimerAt = (state: ExecutionState, heartbeats?: Readonly<Record<string, number>>): number | undefined => {
  if (state.status !== 'RUNNING') return undefined;
  let at = state.info?.timeoutAt;
  for (const entry of Object.values(state.frames)) {
    const due = frameDueAt(entry, heartbeats);
    if (due !== undefined && (at === undefined || due < at)) at = due;
  }
  return at;
};

/** The activity tasks an execution waits on, by task id. */
export const pendingTasks = (state: ExecutionState): PendingTask[] =>
  state.status !== 'RUNNING' ? [] : Object.values(state.frames).flatMap((e) => (e.kind === 'suspended' && e.on.kind === 'task' ? [e.on.task] : []));

/**
 * The ExecutionStarted metadata version of this decider (see STYLE.md §2 on replay).
 * - 3: decisions are sliced by `DECISION_BUDGET` (a `continue` pause between two states), and a
 *   retrier or catcher on `States.HeartbeatTimeout` matches a heartbeat expiry; executions started
 *   by older versions decide as they were recorded.
 * - 4: a failure of a resumed state (a task result its ResultPath cannot place) points at the
 *   state's latest event, a Wait's `EvaluationFailed` at its Entered event, and a Distributed
 *   Map's `MapStateExited` at its `MapRunStarted`, as AWS records them (found importing AWS's
 *   recorded histories).
 * - 5: once a decision's budget is spent, a frame that has not entered its first state yet (a Map
 *   iteration, a Parallel branch) waits for the next slice too, instead of only between two states.
 */
export const ENGINE_VERSION = 5;
/** "The execution reached the maximum number of history events (25000)." */
export const HISTORY_EVENT_LIMIT = 25_000;
