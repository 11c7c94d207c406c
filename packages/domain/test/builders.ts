import {
  decideExecution,
  evolveExecution,
  foldExecution,
  type DecisionEnv,
  type ExecutionInfo,
  type ExecutionState,
  type NewHistoryEvent,
} from '../src/index.js';

/** Builders for the decider's given/when/then tests. */

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

let ids = 0;
/** A decision environment at `now`; ids are distinct, randomness is whatever the test says. */
export const env = (now = T0, random = () => 0.5): DecisionEnv => ({ now, random, uuid: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}` });

export const makeInfo = (definition: object, input = '{}'): ExecutionInfo => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sm:run',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm',
  stateMachineName: 'sm',
  name: 'run',
  roleArn: 'arn:aws:iam::123456789012:role/r',
  definition: JSON.stringify(definition),
  stateMachineType: 'STANDARD',
  input,
  startDate: T0,
});

/** The events of starting an execution of `definition` on `input`. */
export const startWith = (definition: object, input = '{}', e = env()) =>
  decideExecution(foldExecution([]), { type: 'StartExecution', info: makeInfo(definition, input) }, e);

export const fold = (events: readonly NewHistoryEvent[], state: ExecutionState = foldExecution([])) => events.reduce(evolveExecution, state);

/** `id<previousEventId Type` per event, ids counted from `from`. */
export const brief = (events: readonly NewHistoryEvent[], from = 1) => events.map((e, i) => `${from + i}<${e.data.previousEventId} ${e.type}`);
