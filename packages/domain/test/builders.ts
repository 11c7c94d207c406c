import {
  decideExecution,
  evolveExecution,
  foldExecution,
  type DecisionEnv,
  type ExecutionInfo,
  type ExecutionState,
  type NewHistoryEvent,
  type StateMachineEvent,
  type Tag,
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

/** Builders for the resource deciders' tests: a state machine `sm` and its stream's events. */
export const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:sm';
export const OTHER_SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:other';

export const machineCreated = (arn = SM, tags: readonly Tag[] = []): StateMachineEvent => ({
  type: 'StateMachineCreated',
  data: {
    stateMachineArn: arn,
    name: arn.split(':').at(-1)!,
    definition: '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}',
    roleArn: 'arn:aws:iam::123456789012:role/r',
    stateMachineType: 'STANDARD',
    creationDate: T0,
    loggingConfiguration: { level: 'OFF' },
    tracingConfiguration: { enabled: false },
    ...(tags.length > 0 ? { tags } : {}),
  },
});

export const machineDeleted = (arn = SM): StateMachineEvent => ({ type: 'StateMachineDeleted', data: { stateMachineArn: arn, deletionDate: T0 + 9 } });

/** Version `n` of `arn`, published from the initial revision. */
export const versionPublished = (n: number, arn = SM): StateMachineEvent => {
  const created = machineCreated(arn);
  if (created.type !== 'StateMachineCreated') throw new Error('unreachable');
  const { name: _, creationDate: __, tags: ___, ...machine } = created.data;
  return { type: 'StateMachineVersionPublished', data: { ...machine, versionArn: `${arn}:${n}`, version: n, revisionId: 'INITIAL', creationDate: T0 + n } };
};

/** A routing entry to version `n` of `arn`. */
export const route = (n: number, weight: number, arn = SM) => ({ stateMachineVersionArn: `${arn}:${n}`, weight });

export const aliasCreated = (
  name: string,
  routing: readonly { stateMachineVersionArn: string; weight: number }[],
  description?: string,
): StateMachineEvent => ({
  type: 'StateMachineAliasCreated',
  data: { aliasArn: `${SM}:${name}`, name, ...(description !== undefined ? { description } : {}), routingConfiguration: routing, creationDate: T0 + 100 },
});
