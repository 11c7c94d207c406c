import type { ExecutionStartedMetadata, HistoryEventData, WaitStateEnteredMetadata } from '../history.js';
import type { ExecutionState, RetryPending } from './model.js';

export interface StoredHistoryEvent {
  readonly type: string;
  readonly data: HistoryEventData;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

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
          ...(m.timeoutAt !== undefined ? { timeoutAt: m.timeoutAt } : {}),
        },
      };
    }
    case 'WaitStateEntered': {
      const m = event.metadata as unknown as WaitStateEnteredMetadata | undefined;
      const details = d.stateEnteredEventDetails!;
      return m?.dueAt === undefined
        ? { ...state, lastEventId, pending: undefined }
        : {
            ...state,
            lastEventId,
            pending: { kind: 'wait', stateName: details.name, enteredEventId: lastEventId, enteredAt: d.timestamp, input: details.input, dueAt: m.dueAt },
          };
    }
    case 'ExecutionSucceeded':
      return { ...state, lastEventId, status: 'SUCCEEDED', stopDate: d.timestamp, output: d.executionSucceededEventDetails?.output, pending: undefined };
    case 'ExecutionFailed':
      return { ...state, lastEventId, status: 'FAILED', stopDate: d.timestamp, ...errorCause(d.executionFailedEventDetails), pending: undefined };
    case 'ExecutionAborted':
      return { ...state, lastEventId, status: 'ABORTED', stopDate: d.timestamp, ...errorCause(d.executionAbortedEventDetails), pending: undefined };
    case 'ExecutionTimedOut':
      return { ...state, lastEventId, status: 'TIMED_OUT', stopDate: d.timestamp, ...errorCause(d.executionTimedOutEventDetails), pending: undefined };
    default: {
      // A retry's back-off rides on the last event of the failed attempt; any other event means
      // the execution moved on.
      const retry = event.metadata?.['retry'] as RetryPending | undefined;
      return { ...state, lastEventId, pending: retry };
    }
  }
};

const errorCause = (d: { error?: string; cause?: string } | undefined) => ({
  ...(d?.error !== undefined ? { error: d.error } : {}),
  ...(d?.cause !== undefined ? { cause: d.cause } : {}),
});

export const foldExecution = (events: readonly StoredHistoryEvent[]): ExecutionState =>
  events.reduce(evolveExecution, { info: undefined, status: undefined, lastEventId: 0 } as ExecutionState);
