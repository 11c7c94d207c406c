import {
  activityArn as makeActivityArn,
  activityDoesNotExist,
  activityStream,
  activityDecider,
  decodeActivityEvents,
  invalidName,
  isValidName,
  tagsProblem,
  type ActivityCommand,
  type ActivityState,
  type ApiError,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateActivity } from '../locate.js';
import { foldStream, runDecider, type ResourceDeps } from './resource-deps.js';

/** What activities' use cases need: the resources' deps and the set of activities that exist, which they keep current. */
export interface ActivityDeps extends ResourceDeps {
  /** The activities that exist (a Task on any other fails), kept current by this process's writes. */
  readonly activities: Set<string>;
}

/** Runs an activity command on its stream: read what came after the kept fold, fold, decide, append; answers the state after it. */
const runActivityCommand = (deps: Pick<ResourceDeps, 'store' | 'folds'>, stream: string, command: ActivityCommand, meta: CallMetadata) =>
  runDecider(deps, stream, activityDecider, decodeActivityEvents, command, (after: ActivityState) => after, meta);

/** CreateActivity: idempotent for the same name; the activity becomes known to this engine's Tasks at once. */
export const createActivity = async (
  deps: ActivityDeps,
  input: { account?: string; name: string; tags?: readonly { key: string; value: string }[]; encryptionConfiguration?: Record<string, unknown> },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { activityArn: string; creationDate: number }>> => {
  // The name and tags are checked before anything is read (the decider checks them again).
  if (!isValidName(input.name)) return E.left(invalidName(input.name));
  const tagged = tagsProblem(input.tags ?? []);
  if (tagged) return E.left(tagged);
  // In the caller's account when one is given (docs/security.md), else the engine's.
  const scope = input.account !== undefined ? { ...deps.scope, account: input.account } : deps.scope;
  const activityArn = makeActivityArn(scope, input.name);
  const stream = activityStream(scope.account, scope.region, input.name);
  const outcome = await runActivityCommand(
    deps,
    stream,
    {
      type: 'CreateActivity',
      activityArn,
      name: input.name,
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(input.encryptionConfiguration !== undefined ? { encryptionConfiguration: input.encryptionConfiguration } : {}),
      now: deps.clock(),
    },
    meta,
  );
  if (E.isLeft(outcome.result)) return outcome.result;
  // An existing activity answers as it was created (CreateActivity is idempotent by name).
  const created = outcome.result.right.current!;
  deps.activities.add(activityArn);
  deps.acknowledge(outcome.appended?.position);
  return E.right({ activityArn: created.activityArn, creationDate: created.creationDate });
};

/** DeleteActivity: answers 200 whether or not it exists; Tasks on it fail from now on. */
export const deleteActivity = async (deps: ActivityDeps, arn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateActivity(arn);
  if (E.isLeft(located)) return located;
  const outcome = await runActivityCommand(deps, located.right.stream, { type: 'DeleteActivity', activityArn: arn, now: deps.clock() }, meta);
  if (E.isLeft(outcome.result)) return outcome.result;
  deps.activities.delete(arn);
  deps.acknowledge(outcome.appended?.position);
  return E.right({});
};

/** The activity as its stream has it (authoritative), or ActivityDoesNotExist. */
export const loadActivity = async (
  deps: Pick<ResourceDeps, 'store' | 'folds'>,
  arn: string,
): Promise<E.Either<ApiError, NonNullable<ActivityState['current']>>> => {
  const located = locateActivity(arn);
  if (E.isLeft(located)) return located;
  const { current } = await foldStream(deps, located.right.stream, activityDecider, decodeActivityEvents);
  return current ? E.right(current) : E.left(activityDoesNotExist(arn));
};
