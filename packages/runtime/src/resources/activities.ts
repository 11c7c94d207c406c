import {
  activityArn as makeActivityArn,
  activityDoesNotExist,
  activityStream,
  decideCreateActivity,
  decideDeleteActivity,
  foldActivity,
  invalidName,
  isValidName,
  tagsProblem,
  type ApiError,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateActivity } from '../locate.js';
import { asActivityEvents, type ResourceDeps } from './resource-deps.js';

/** What activities' use cases need: the resources' deps and the set of activities that exist, which they keep current. */
export interface ActivityDeps extends ResourceDeps {
  /** The activities that exist (a Task on any other fails), kept current by this process's writes. */
  readonly activities: Set<string>;
}

/** CreateActivity: idempotent for the same name; the activity becomes known to this engine's Tasks at once. */
export const createActivity = async (
  deps: ActivityDeps,
  input: { name: string; tags?: readonly { key: string; value: string }[]; encryptionConfiguration?: Record<string, unknown> },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { activityArn: string; creationDate: number }>> => {
  if (!isValidName(input.name)) return E.left(invalidName(input.name));
  const tagged = tagsProblem(input.tags ?? []);
  if (tagged) return E.left(tagged);
  const activityArn = makeActivityArn(deps.scope, input.name);
  const stream = activityStream(deps.scope.account, deps.scope.region, input.name);
  const outcome = await handleCommand(
    deps.store,
    stream,
    (events) => {
      const r = decideCreateActivity(foldActivity(asActivityEvents(events)), {
        activityArn,
        name: input.name,
        creationDate: deps.clock(),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        ...(input.encryptionConfiguration !== undefined ? { encryptionConfiguration: input.encryptionConfiguration } : {}),
      });
      return { events: r.events as never, result: { activityArn: r.activityArn, creationDate: r.creationDate } };
    },
    { metadata: { ...meta } },
  );
  deps.activities.add(activityArn);
  await deps.readYourWrites(outcome.appended?.position);
  return E.right(outcome.result);
};

/** DeleteActivity: answers 200 whether or not it exists; Tasks on it fail from now on. */
export const deleteActivity = async (deps: ActivityDeps, arn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateActivity(arn);
  if (E.isLeft(located)) return located;
  const outcome = await handleCommand(
    deps.store,
    located.right.stream,
    (events) => ({ events: decideDeleteActivity(foldActivity(asActivityEvents(events)), arn, deps.clock()) as never, result: undefined }),
    { metadata: { ...meta } },
  );
  deps.activities.delete(arn);
  await deps.readYourWrites(outcome.appended?.position);
  return E.right({});
};

/** The activity as its stream has it (authoritative), or ActivityDoesNotExist. */
export const loadActivity = async (
  deps: Pick<ResourceDeps, 'store'>,
  arn: string,
): Promise<E.Either<ApiError, NonNullable<ReturnType<typeof foldActivity>['current']>>> => {
  const located = locateActivity(arn);
  if (E.isLeft(located)) return located;
  const current = foldActivity(asActivityEvents(await deps.store.readStream(located.right.stream))).current;
  return current ? E.right(current) : E.left(activityDoesNotExist(arn));
};
