import {
  createStateMachineAnswer,
  invalidName,
  isValidName,
  stateMachineArn as makeStateMachineArn,
  stateMachineStream,
  tagsProblem,
  tooManyTagsOnCreate,
  updateStateMachineAnswer,
  type ApiError,
  type EncryptionConfiguration,
  type LoggingConfiguration,
  type StateMachineCommand,
  type StateMachineState,
  type StateMachineType,
  type Tag,
  type TracingConfiguration,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateStateMachine } from '../locate.js';
import { foldCached, runStateMachineCommand, type ResourceDeps } from './resource-deps.js';

/** CreateStateMachine's input, decoded. */
export interface CreateStateMachineInput {
  /** The account it is created in (a verified caller's, docs/security.md); the engine's by default. */
  account?: string;
  name: string;
  definition: string;
  roleArn: string;
  type: StateMachineType;
  loggingConfiguration: LoggingConfiguration;
  tracingConfiguration: TracingConfiguration;
  encryptionConfiguration?: EncryptionConfiguration;
  tags?: readonly Tag[];
  publish?: boolean;
  versionDescription?: string;
}

/** UpdateStateMachine's input, decoded. */
export interface UpdateStateMachineInput {
  stateMachineArn: string;
  definition?: string;
  roleArn?: string;
  loggingConfiguration?: LoggingConfiguration;
  tracingConfiguration?: TracingConfiguration;
  encryptionConfiguration?: EncryptionConfiguration;
  publish?: boolean;
  versionDescription?: string;
}

/** The publishing a create or update input asks for, as its command carries it (keys absent when not given). */
const publishOf = (input: { readonly publish?: boolean; readonly versionDescription?: string }) => ({
  ...(input.publish !== undefined ? { publish: input.publish } : {}),
  ...(input.versionDescription !== undefined ? { versionDescription: input.versionDescription } : {}),
});

/** CreateStateMachine: idempotent for the same configuration; `publish: true` publishes version 1 with it. */
export const createStateMachine = async (
  deps: ResourceDeps,
  input: CreateStateMachineInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stateMachineArn: string; creationDate: number; stateMachineVersionArn?: string }>> => {
  const scope = input.account !== undefined ? { ...deps.scope, account: input.account } : deps.scope;
  const tagged = tagsProblem(input.tags ?? []) ?? tooManyTagsOnCreate(makeStateMachineArn(scope, input.name), input.tags ?? []);
  if (tagged) return E.left(tagged);
  if (!isValidName(input.name)) return E.left(invalidName(input.name));
  const stateMachineArn = makeStateMachineArn(scope, input.name);
  const stream = stateMachineStream(scope.account, scope.region, input.name);
  const command: StateMachineCommand = {
    type: 'CreateStateMachine',
    stateMachineArn,
    name: input.name,
    definition: input.definition,
    roleArn: input.roleArn,
    stateMachineType: input.type,
    loggingConfiguration: input.loggingConfiguration,
    tracingConfiguration: input.tracingConfiguration,
    ...(input.encryptionConfiguration !== undefined ? { encryptionConfiguration: input.encryptionConfiguration } : {}),
    ...(input.tags !== undefined ? { tags: input.tags } : {}),
    ...publishOf(input),
    now: deps.clock(),
  };
  const outcome = await runStateMachineCommand(
    deps,
    stream,
    command,
    (after) => createStateMachineAnswer(after, { stateMachineArn, ...publishOf(input) }),
    meta,
  );
  deps.acknowledge(outcome.appended?.position);
  return outcome.result;
};

/** The current state of a state machine, from its stream (authoritative, not the read model). */
export const loadStateMachine = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>,
  arn: string,
): Promise<E.Either<ApiError, StateMachineState & { stream: string }>> => {
  const located = locateStateMachine(arn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  const state = await foldCached(deps, where.stream);
  return E.right({ ...state, stream: where.stream });
};

/**
 * Whether an execution's state machine has been deleted (a Map Run's child run answers to its
 * parent instead). Cheap: state machines are cached.
 */
export const machineDeleted = async (deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>, executionStream: string): Promise<boolean> => {
  const [account, region, machine] = executionStream.slice('execution-'.length).split(':');
  if (account === undefined || region === undefined || machine === undefined || machine.includes('/')) return false;
  const state = await foldCached(deps, stateMachineStream(account, region, machine));
  return state.current === undefined;
};

/** UpdateStateMachine: a new revision; `publish: true` also publishes it as a version. */
export const updateStateMachine = async (
  deps: ResourceDeps,
  input: UpdateStateMachineInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { updateDate: number; revisionId: string | undefined; stateMachineVersionArn?: string }>> => {
  const located = locateStateMachine(input.stateMachineArn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  const { publish: _, versionDescription: __, ...changes } = input;
  const command: StateMachineCommand = { type: 'UpdateStateMachine', ...changes, ...publishOf(input), now: deps.clock(), newRevisionId: deps.uuid() };
  const outcome = await runStateMachineCommand(
    deps,
    where.stream,
    command,
    (after) => updateStateMachineAnswer(after, { stateMachineArn: input.stateMachineArn, ...publishOf(input) }),
    meta,
  );
  deps.acknowledge(outcome.appended?.position);
  return outcome.result;
};

/** DeleteStateMachine: answers 200 whether or not the machine exists. */
export const deleteStateMachine = async (deps: ResourceDeps, arn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateStateMachine(arn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  const outcome = await runStateMachineCommand(deps, where.stream, { type: 'DeleteStateMachine', stateMachineArn: arn, now: deps.clock() }, () => ({}), meta);
  deps.acknowledge(outcome.appended?.position);
  return E.right({});
};
