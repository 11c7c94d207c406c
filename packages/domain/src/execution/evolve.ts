import * as E from 'fp-ts/lib/Either.js';
import type { HistoryEventType } from '../history.js';
import type { ExecutionState, FrameEntry, FrameTable, ParentTask, RestartPoint } from './model.js';
import { initialExecutionState } from './model.js';
import { decodeHistoryEvent, executionStartedMetadata, type RecordedHistoryEvent, type StoredHistoryEvent } from './stored-event.js';

/** What one decision changed in the table of paused frames (on the decision's last event). */
export interface FramesDelta {
  readonly set?: Readonly<Record<string, FrameEntry>>;
  readonly del?: readonly string[];
}

const applyDelta = (frames: FrameTable, delta: FramesDelta | undefined): FrameTable => {
  if (!delta) return frames;
  const next: Record<string, FrameEntry> = { ...frames };
  for (const k of delta.del ?? []) delete next[k];
  Object.assign(next, delta.set ?? {});
  return next;
};

/** How one event type changes the state; `lastEventId` is the event's id (its position + 1). */
type Evolver = (state: ExecutionState, event: StoredHistoryEvent, lastEventId: number) => ExecutionState;

const takePlace = (state: ExecutionState, metadata: StoredHistoryEvent['metadata'], lastEventId: number): ExecutionState => {
  const delta = metadata?.['frames'] as FramesDelta | undefined;
  return delta ? { ...state, lastEventId, frames: applyDelta(state.frames, delta) } : { ...state, lastEventId };
};

/**
 * Every other event: it takes its place in the stream (so that ids and expected revisions line
 * up) and, on the last event of a decision, carries what the decision changed in the table of
 * paused frames.
 */
const advance: Evolver = (state, event, lastEventId) => takePlace(state, event.metadata, lastEventId);

const started: Evolver = (_state, event, lastEventId) => {
  const d = event.data;
  const m = executionStartedMetadata(event.metadata);
  const details = d.executionStartedEventDetails!;
  const stateMachineName = m.stateMachineArn.split(':')[6] ?? '';
  return {
    lastEventId,
    status: 'RUNNING',
    frames: applyDelta({}, event.metadata?.['frames'] as FramesDelta | undefined),
    info: {
      executionArn: m.executionArn,
      stateMachineArn: m.stateMachineArn,
      stateMachineName,
      name: m.name,
      roleArn: details.roleArn,
      definition: m.definition,
      stateMachineType: m.stateMachineType,
      input: details.input,
      startDate: d.timestamp,
      ...(m.traceHeader !== undefined ? { traceHeader: m.traceHeader } : {}),
      ...(m.parent !== undefined ? { parent: m.parent } : {}),
      ...(m.testCase !== undefined ? { testCase: m.testCase } : {}),
      ...(details.stateMachineVersionArn !== undefined ? { stateMachineVersionArn: details.stateMachineVersionArn } : {}),
      ...(details.stateMachineAliasArn !== undefined ? { stateMachineAliasArn: details.stateMachineAliasArn } : {}),
      ...(m.timeoutAt !== undefined ? { timeoutAt: m.timeoutAt } : {}),
      ...(m.engineVersion !== undefined ? { engineVersion: m.engineVersion } : {}),
      ...(m.forkedFrom !== undefined ? { forkedFrom: m.forkedFrom } : {}),
      ...(m.imported !== undefined ? { imported: m.imported } : {}),
      ...(m.mocks !== undefined ? { mocks: m.mocks } : {}),
      ...(m.time !== undefined ? { time: m.time } : {}),
    },
  };
};

const redriven: Evolver = (state, event, lastEventId) => {
  if (!state.info) return { ...state, lastEventId };
  const d = event.data;
  const { stopDate: _s, output: _o, error: _e, cause: _c, restart: _r, ...rest } = state;
  const m = event.metadata as { timeoutAt?: number; parent?: ParentTask } | undefined;
  const { timeoutAt: _t, ...info } = state.info;
  return {
    ...rest,
    lastEventId,
    status: 'RUNNING',
    frames: applyDelta({}, event.metadata?.['frames'] as FramesDelta | undefined),
    info: {
      ...info,
      redriveCount: d.executionRedrivenEventDetails?.redriveCount ?? (state.info.redriveCount ?? 0) + 1,
      redriveDate: d.timestamp,
      ...(m?.timeoutAt !== undefined ? { timeoutAt: m.timeoutAt } : {}),
      ...(m?.parent !== undefined ? { parent: m.parent } : {}),
    },
  };
};

const succeeded: Evolver = (state, event, lastEventId) => ({
  ...state,
  lastEventId,
  status: 'SUCCEEDED',
  stopDate: event.data.timestamp,
  output: event.data.executionSucceededEventDetails?.output,
  frames: {},
});

/** The execution stopped unsuccessfully; `restart` (metadata) is where a redrive picks it up. */
const stopped =
  (status: 'FAILED' | 'ABORTED' | 'TIMED_OUT', details: (event: StoredHistoryEvent) => { error?: string; cause?: string } | undefined): Evolver =>
  (state, event, lastEventId) => ({
    ...state,
    lastEventId,
    status,
    stopDate: event.data.timestamp,
    ...errorCause(details(event)),
    frames: {},
    ...restartFrom(event),
  });

/**
 * One evolver per history event type: a type added to `HistoryEventType` does not compile until it
 * is listed here (STYLE.md §3).
 */
const evolvers: Readonly<Record<HistoryEventType, Evolver>> = {
  ExecutionStarted: started,
  ExecutionRedriven: redriven,
  ExecutionSucceeded: succeeded,
  ExecutionFailed: stopped('FAILED', (e) => e.data.executionFailedEventDetails),
  ExecutionAborted: stopped('ABORTED', (e) => e.data.executionAbortedEventDetails),
  ExecutionTimedOut: stopped('TIMED_OUT', (e) => e.data.executionTimedOutEventDetails),
  PassStateEntered: advance,
  PassStateExited: advance,
  ChoiceStateEntered: advance,
  ChoiceStateExited: advance,
  WaitStateEntered: advance,
  WaitStateExited: advance,
  WaitStateAborted: advance,
  SucceedStateEntered: advance,
  SucceedStateExited: advance,
  FailStateEntered: advance,
  TaskStateEntered: advance,
  TaskStateExited: advance,
  ParallelStateEntered: advance,
  ParallelStateExited: advance,
  ParallelStateStarted: advance,
  ParallelStateSucceeded: advance,
  ParallelStateFailed: advance,
  ParallelStateAborted: advance,
  MapStateEntered: advance,
  MapStateExited: advance,
  MapStateStarted: advance,
  MapStateSucceeded: advance,
  MapStateFailed: advance,
  MapStateAborted: advance,
  MapIterationStarted: advance,
  MapIterationSucceeded: advance,
  MapIterationFailed: advance,
  MapIterationAborted: advance,
  MapRunStarted: advance,
  MapRunRedriven: advance,
  MapRunSucceeded: advance,
  MapRunFailed: advance,
  MapRunAborted: advance,
  TaskStateAborted: advance,
  ActivityScheduled: advance,
  ActivityScheduleFailed: advance,
  ActivityStarted: advance,
  ActivitySucceeded: advance,
  ActivityFailed: advance,
  ActivityTimedOut: advance,
  LambdaFunctionScheduled: advance,
  LambdaFunctionScheduleFailed: advance,
  LambdaFunctionStarted: advance,
  LambdaFunctionStartFailed: advance,
  LambdaFunctionSucceeded: advance,
  LambdaFunctionFailed: advance,
  LambdaFunctionTimedOut: advance,
  TaskScheduled: advance,
  TaskStarted: advance,
  TaskStartFailed: advance,
  TaskSubmitted: advance,
  TaskSubmitFailed: advance,
  TaskSucceeded: advance,
  TaskFailed: advance,
  TaskTimedOut: advance,
  EvaluationFailed: advance,
};

/**
 * An event of a type this version does not know, written by a newer one: it keeps its place in
 * the stream and its frames delta (our metadata, whose format does not depend on the type), and
 * nothing of its data is read.
 */
const skipUnknown = (state: ExecutionState, event: RecordedHistoryEvent): ExecutionState => takePlace(state, event.metadata, state.lastEventId + 1);

/**
 * Folds one history event into the execution's state.
 *
 * @remarks Typed callers pass only known types. The `hasOwn` check is for a caller that cast a
 * stored record instead of folding it with {@link foldExecution}: a type from a newer version is
 * skipped there as in the fold, not a crash.
 */
export const evolveExecution = (state: ExecutionState, event: StoredHistoryEvent): ExecutionState =>
  Object.hasOwn(evolvers, event.type) ? evolvers[event.type](state, event, state.lastEventId + 1) : skipUnknown(state, event);

const restartFrom = (event: StoredHistoryEvent): { restart?: RestartPoint } => {
  const r = event.metadata?.['restart'] as RestartPoint | undefined;
  return r ? { restart: r } : {};
};

const errorCause = (d: { error?: string; cause?: string } | undefined) => ({
  ...(d?.error !== undefined ? { error: d.error } : {}),
  ...(d?.cause !== undefined ? { cause: d.cause } : {}),
});

/**
 * Folds stored events into the execution's state, from `from` (default: before the first event).
 * The edge of the fold: each event is decoded once with `decodeHistoryEvent`; one of a type this
 * version does not know keeps its place in the stream and is otherwise skipped.
 *
 * @example
 * const state = foldExecution(await store.readStream(stream));
 * const next = foldExecution(page, state); // continue from a kept state
 */
export const foldExecution = (events: readonly RecordedHistoryEvent[], from: ExecutionState = initialExecutionState): ExecutionState =>
  events.reduce((state, event) => {
    const decoded = decodeHistoryEvent(event);
    return E.isRight(decoded) ? evolveExecution(state, decoded.right) : skipUnknown(state, event);
  }, from);
