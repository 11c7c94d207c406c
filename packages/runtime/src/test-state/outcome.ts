/**
 * What TestState answers, read off the events of the run: the status, the output or the error and
 * cause, the state it would go to next.
 *
 * @module
 */
import type { ExecutionState, NewHistoryEvent } from '@stepstream/domain';
import { VARIABLES_STATE } from './machine.js';
import type { InspectionData, TestStateResult, TestStatus } from './types.js';

/** What the run of one state says about it. */
export interface Outcome {
  readonly status: TestStatus;
  /** The state's StateExited event (when it left the state: SUCCEEDED or CAUGHT_ERROR). */
  readonly exited?: NewHistoryEvent;
  /** The first state entered after it. */
  readonly nextState?: string;
  /** The last failure of something the state ran (a task, a Map's iteration…), not of a state or the execution. */
  readonly failure?: NewHistoryEvent;
  /** Whether that failure is a task's (which `States.TaskFailed` matches). */
  readonly failedInTask: boolean;
  /** The error and cause of that failure, or of the Fail state a retriable error went to. */
  readonly failureDetails?: { readonly error?: string; readonly cause?: string };
}

/** Error details of a failing event: the object among its data members that carries error or cause. */
const detailsOf = (e: NewHistoryEvent | undefined) =>
  e
    ? (Object.values(e.data).find((v) => typeof v === 'object' && v !== null && ('error' in v || 'cause' in v)) as
        { error?: string; cause?: string } | undefined)
    : undefined;

/**
 * The outcome of the state `name` from the run's events. `retriable`: the run stopped at the
 * back-off before a retry (RETRIABLE). Otherwise the state SUCCEEDED when it exited with nothing
 * failed, CAUGHT_ERROR when it exited after a failure (a catcher took it on), FAILED when it never
 * exited.
 *
 * @example
 * ```ts
 * outcomeOf([…, TaskFailed { error: 'E' }, TaskStateExited { name: 'T' }, PassStateEntered { name: 'Handler' }, …], 'T', false);
 * // → { status: 'CAUGHT_ERROR', nextState: 'Handler', failedInTask: true, failureDetails: { error: 'E' }, … }
 * ```
 */
export const outcomeOf = (events: readonly NewHistoryEvent[], name: string, retriable: boolean): Outcome => {
  const exited = events.find((e) => e.data.stateExitedEventDetails?.name === name);
  const entered = events.flatMap((e) => (e.data.stateEnteredEventDetails !== undefined ? [e.data.stateEnteredEventDetails.name] : []));
  const nextState = entered.find((n, i) => i > 0 && n !== name && n !== VARIABLES_STATE);
  const latestFirst = [...events].reverse();
  const failure = latestFirst.find((e) => /(Failed|TimedOut)$/.test(e.type) && !e.type.startsWith('Execution') && !e.type.endsWith('StateFailed'));
  const failureDetails = detailsOf(failure) ?? (retriable ? detailsOf(latestFirst.find((e) => e.type === 'FailStateEntered')) : undefined);
  return {
    status: retriable ? 'RETRIABLE' : exited ? (failure ? 'CAUGHT_ERROR' : 'SUCCEEDED') : 'FAILED',
    ...(exited ? { exited } : {}),
    ...(nextState !== undefined ? { nextState } : {}),
    ...(failure ? { failure } : {}),
    failedInTask: failure ? /^(Task|Lambda|Activity)/.test(failure.type) : false,
    ...(failureDetails ? { failureDetails } : {}),
  };
};

/**
 * The answer: a RETRIABLE state's error; a state that exited, its output and next state (and the
 * error it caught); a FAILED one, the error of what failed in it, else its own (the execution's)
 * error and cause, from `run`'s final state.
 */
export const resultOf = (outcome: Outcome, run: Pick<ExecutionState, 'error' | 'cause'>, inspectionData: InspectionData | undefined): TestStateResult => {
  const { status, exited, nextState, failureDetails } = outcome;
  const common = {
    ...(failureDetails?.error !== undefined && status !== 'SUCCEEDED' ? { error: failureDetails.error } : {}),
    ...(failureDetails?.cause !== undefined && status !== 'SUCCEEDED' ? { cause: failureDetails.cause } : {}),
    ...(inspectionData ? { inspectionData } : {}),
  };
  switch (status) {
    case 'RETRIABLE':
      return { status, ...common };
    case 'CAUGHT_ERROR':
    case 'SUCCEEDED':
      return { status, output: exited!.data.stateExitedEventDetails!.output, ...(nextState ? { nextState } : {}), ...common };
    case 'FAILED': {
      // A failure of the state itself (not of its task): the execution's error and cause.
      const own = failureDetails ?? { ...(run.error !== undefined ? { error: run.error } : {}), ...(run.cause !== undefined ? { cause: run.cause } : {}) };
      return {
        status,
        ...(own.error !== undefined ? { error: own.error } : {}),
        ...(own.cause !== undefined ? { cause: own.cause } : {}),
        ...(inspectionData ? { inspectionData } : {}),
      };
    }
  }
};
