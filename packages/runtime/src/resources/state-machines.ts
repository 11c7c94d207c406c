import {
  decideCreateStateMachine,
  decideDeleteStateMachine,
  decidePublishVersion,
  decideUpdateStateMachine,
  evolveStateMachine,
  foldStateMachine,
  invalidName,
  isValidName,
  stateMachineArn as makeStateMachineArn,
  stateMachineStream,
  tagsProblem,
  tooManyTagsOnCreate,
  type ApiError,
  type EncryptionConfiguration,
  type LoggingConfiguration,
  type StateMachineState,
  type StateMachineType,
  type Tag,
  type TracingConfiguration,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateStateMachine } from '../locate.js';
import { asStateMachineEvents, foldCached, type ResourceDeps } from './resource-deps.js';

/** CreateStateMachine's input, decoded. */
export interface CreateStateMachineInput {
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

/** CreateStateMachine: idempotent for the same configuration; `publish: true` publishes version 1 with it. */
export const createStateMachine = async (
  deps: ResourceDeps,
  input: CreateStateMachineInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stateMachineArn: string; creationDate: number; stateMachineVersionArn?: string }>> => {
  const tagged = tagsProblem(input.tags ?? []) ?? tooManyTagsOnCreate(makeStateMachineArn(deps.scope, input.name), input.tags ?? []);
  if (tagged) return E.left(tagged);
  if (!isValidName(input.name)) return E.left(invalidName(input.name));
  const stateMachineArn = makeStateMachineArn(deps.scope, input.name);
  const stream = stateMachineStream(deps.scope.account, deps.scope.region, input.name);
  const { publish, versionDescription, ...machine } = input;
  const outcome = await handleCommand<E.Either<ApiError, { stateMachineArn: string; creationDate: number; stateMachineVersionArn?: string }>>(
    deps.store,
    stream,
    (events) => {
      const now = deps.clock();
      const before = foldStateMachine(asStateMachineEvents(events));
      const r = decideCreateStateMachine(before, { ...machine, stateMachineArn, stateMachineType: input.type, now });
      if (E.isLeft(r)) return { events: [], result: r };
      if (!publish) return { events: r.right.events, result: E.right({ stateMachineArn, creationDate: r.right.creationDate }) };
      // `publish: true` publishes the new machine as version 1 (or answers the version of an idempotent create).
      const created = r.right.events.reduce(evolveStateMachine, before);
      const v = decidePublishVersion(created, { stateMachineArn, ...(versionDescription !== undefined ? { description: versionDescription } : {}), now });
      if (E.isLeft(v)) return { events: [], result: v };
      return {
        events: [...r.right.events, ...v.right.events],
        result: E.right({ stateMachineArn, creationDate: r.right.creationDate, stateMachineVersionArn: v.right.version.versionArn }),
      };
    },
    { metadata: { ...meta } },
  );
  await deps.readYourWrites(outcome.appended?.position);
  return outcome.result;
};

/** The current state of a state machine, from its stream (authoritative, not the read model). */
export const loadStateMachine = async (
  deps: Pick<ResourceDeps, 'store' | 'machines'>,
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
export const machineDeleted = async (deps: Pick<ResourceDeps, 'store' | 'machines'>, executionStream: string): Promise<boolean> => {
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
  const { publish, versionDescription, ...changes } = input;
  const outcome = await handleCommand<E.Either<ApiError, { updateDate: number; revisionId: string | undefined; stateMachineVersionArn?: string }>>(
    deps.store,
    where.stream,
    (events) => {
      const now = deps.clock();
      const before = foldStateMachine(asStateMachineEvents(events));
      const r = decideUpdateStateMachine(before, { ...changes, now, newRevisionId: deps.uuid() });
      if (E.isLeft(r)) return { events: [], result: r };
      const result = { updateDate: r.right.updateDate, revisionId: r.right.revisionId };
      if (!publish) return { events: r.right.events, result: E.right(result) };
      const v = decidePublishVersion(r.right.events.reduce(evolveStateMachine, before), {
        stateMachineArn: input.stateMachineArn,
        ...(versionDescription !== undefined ? { description: versionDescription } : {}),
        now,
      });
      if (E.isLeft(v)) return { events: [], result: v };
      return { events: [...r.right.events, ...v.right.events], result: E.right({ ...result, stateMachineVersionArn: v.right.version.versionArn }) };
    },
    { metadata: { ...meta } },
  );
  await deps.readYourWrites(outcome.appended?.position);
  return outcome.result;
};

/** DeleteStateMachine: answers 200 whether or not the machine exists. */
export const deleteStateMachine = async (deps: ResourceDeps, arn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateStateMachine(arn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  const outcome = await handleCommand(
    deps.store,
    where.stream,
    (events) => ({ events: decideDeleteStateMachine(foldStateMachine(asStateMachineEvents(events)), arn, deps.clock()), result: undefined }),
    { metadata: { ...meta } },
  );
  await deps.readYourWrites(outcome.appended?.position);
  return E.right({});
};
