import { foldDecider, tagsDecider, tagsProblem, resourceNotFound, type ApiError, type Tag, type TaggableEvent, type TagsCommand } from '@stepstream/domain';
import type { RecordedEvent } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateTaggable } from '../locate.js';
import type { ResourceDeps } from './resource-deps.js';

/** A taggable stream's events as the domain types them (they are stored as the deciders made them). */
const asTaggableEvents = (events: readonly RecordedEvent[]) => events as unknown as TaggableEvent[];

/** Runs a tag command on the resource's stream: read, fold, decide, append. */
const runTagsCommand = async (deps: Pick<ResourceDeps, 'store'>, stream: string, command: TagsCommand, meta: CallMetadata) => {
  const outcome = await handleCommand<E.Either<ApiError, Record<string, never>>>(
    deps.store,
    stream,
    (events) => {
      const decided = tagsDecider.decide(foldDecider(tagsDecider, asTaggableEvents(events)), command);
      return E.isLeft(decided) ? { events: [], result: decided } : { events: decided.right, result: E.right({}) };
    },
    { metadata: { ...meta } },
  );
  return outcome.result;
};

/** TagResource: merges the tags (a key's new value wins); at most 50 per resource (the domain decides). */
export const tagResource = async (
  deps: Pick<ResourceDeps, 'store'>,
  arn: string,
  tags: readonly Tag[],
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  // Invalid tags are answered before the ARN is looked at (the decider checks them again).
  const invalid = tagsProblem(tags);
  if (invalid) return E.left(invalid);
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  return runTagsCommand(deps, located.right.stream, { type: 'TagResource', resourceArn: arn, tags }, meta);
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
  return runTagsCommand(deps, located.right.stream, { type: 'UntagResource', resourceArn: arn, tagKeys }, meta);
};

/** ListTagsForResource: the resource's tags; ResourceNotFound when it does not exist. */
export const listTags = async (deps: Pick<ResourceDeps, 'store'>, arn: string): Promise<E.Either<ApiError, Tag[]>> => {
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  const state = foldDecider(tagsDecider, asTaggableEvents(await deps.store.readStream(located.right.stream)));
  if (!state.exists) return E.left(resourceNotFound(arn));
  return E.right([...state.tags].map(([key, value]) => ({ key, value })));
};
