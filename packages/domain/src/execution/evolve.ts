import type { ExecutionStartedMetadata, HistoryEventData } from '../history.js';
import type { ExecutionState, FrameEntry, FrameTable, ParentTask, RestartPoint } from './model.js';
import { initialExecutionState } from './model.js';

export interface StoredHistoryEvent {
  readonly type: string;
  readonly data: HistoryEventData;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

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

/** Folds one history event into the execution's state. */
export const evolveExecution = (state: ExecutionState, event: StoredHistoryEvent): ExecutionState => {
  const lastEventId = state.lastEventId + 1;
  const d = event.data;
  switch (event.type) {
    case 'ExecutionStarted': {
      const m = event.metadata as unknown as ExecutionStartedMetadata;
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
        },
      };
    }
    case 'ExecutionRedriven': {
      if (!state.info) return { ...state, lastEventId };
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
    }
    case 'ExecutionSucceeded':
      return { ...state, lastEventId, status: 'SUCCEEDED', stopDate: d.timestamp, output: d.executionSucceededEventDetails?.output, frames: {} };
    case 'ExecutionFailed':
      return {
        ...state,
        lastEventId,
        status: 'FAILED',
        stopDate: d.timestamp,
        ...errorCause(d.executionFailedEventDetails),
        frames: {},
        ...restartFrom(event),
      };
    case 'ExecutionAborted':
      return {
        ...state,
        lastEventId,
        status: 'ABORTED',
        stopDate: d.timestamp,
        ...errorCause(d.executionAbortedEventDetails),
        frames: {},
        ...restartFrom(event),
      };
    case 'ExecutionTimedOut':
      return {
        ...state,
        lastEventId,
        status: 'TIMED_OUT',
        stopDate: d.timestamp,
        ...errorCause(d.executionTimedOutEventDetails),
        frames: {},
        ...restartFrom(event),
      };
    default: {
      const delta = event.metadata?.['frames'] as FramesDelta | undefined;
      return delta ? { ...state, lastEventId, frames: applyDelta(state.frames, delta) } : { ...state, lastEventId };
    }
  }
};

const restartFrom = (event: StoredHistoryEvent): { restart?: RestartPoint } => {
  const r = event.metadata?.['restart'] as RestartPoint | undefined;
  return r ? { restart: r } : {};
};

const errorCause = (d: { error?: string; cause?: string } | undefined) => ({
  ...(d?.error !== undefined ? { error: d.error } : {}),
  ...(d?.cause !== undefined ? { cause: d.cause } : {}),
});

export const foldExecution = (events: readonly StoredHistoryEvent[]): ExecutionState => events.reduce(evolveExecution, initialExecutionState);
