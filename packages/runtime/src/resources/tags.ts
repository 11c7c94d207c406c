import {
  foldActivity,
  foldStateMachine,
  foldTags,
  MAX_TAGS,
  resourceNotFound,
  tagProblem,
  tooManyTags,
  validationException,
  type ApiError,
  type Tag,
} from '@stepstream/domain';
import type { RecordedEvent } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateTaggable } from '../locate.js';
import { asActivityEvents, asStateMachineEvents, type ResourceDeps } from './resource-deps.js';

/** Whether the resource a taggable stream holds exists (tags of a deleted resource are not found). */
const exists = (kind: 'stateMachine' | 'activity', events: readonly RecordedEvent[]): boolean => {
  return kind === 'activity'
    ? foldActivity(asActivityEvents(events)).current !== undefined
    : foldStateMachine(asStateMachineEvents(events)).current !== undefined;
};

/** TagResource: merges the tags (a key's new value wins); at most 50 per resource. */
export const tagResource = async (
  deps: Pick<ResourceDeps, 'store'>,
  arn: string,
  tags: readonly Tag[],
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) return E.left(validationException(problem));
  }
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  const { stream, kind } = located.right;
  // Duplicate keys in one call collapse, the last value winning (rec).
  const unique = [...new Map(tags.map((t) => [t.key, t.value])).entries()].map(([key, value]) => ({ key, value }));
  const outcome = await handleCommand<E.Either<ApiError, Record<string, never>>>(
    deps.store,
    stream,
    (events) => {
      if (!exists(kind, events)) return { events: [], result: E.left(resourceNotFound(arn)) };
      const merged = foldTags(events);
      for (const t of unique) merged.set(t.key, t.value);
      if (merged.size > MAX_TAGS) return { events: [], result: E.left(tooManyTags(arn)) };
      return { events: [{ type: 'ResourceTagged', data: { resourceArn: arn, tags: unique } }], result: E.right({}) };
    },
    { metadata: { ...meta } },
  );
  return outcome.result;
};

/** UntagResource: removes the keys (missing keys are ignored). */
export const untagResource = async (
  deps: Pick<ResourceDeps, 'store'>,
  arn: string,
  tagKeys: readonly string[],
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  const { stream, kind } = located.right;
  const outcome = await handleCommand<E.Either<ApiError, Record<string, never>>>(
    deps.store,
    stream,
    (events) =>
      exists(kind, events)
        ? { events: [{ type: 'ResourceUntagged', data: { resourceArn: arn, tagKeys } }], result: E.right({}) }
        : { events: [], result: E.left(resourceNotFound(arn)) },
    { metadata: { ...meta } },
  );
  return outcome.result;
};

/** ListTagsForResource: the resource's tags; ResourceNotFound when it does not exist. */
export const listTags = async (deps: Pick<ResourceDeps, 'store'>, arn: string): Promise<E.Either<ApiError, Tag[]>> => {
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  const events = await deps.store.readStream(located.right.stream);
  if (!exists(located.right.kind, events)) return E.left(resourceNotFound(arn));
  return E.right([...foldTags(events as never)].map(([key, value]) => ({ key, value })));
};
