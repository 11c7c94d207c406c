import { decodeTaggableEvents, tagsDecider, tagsProblem, resourceNotFound, type ApiError, type Tag, type TagsCommand } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateTaggable } from '../locate.js';
import { foldStream, runDecider, type ResourceDeps } from './resource-deps.js';

/** Runs a tag command on the resource's stream: read what came after the kept fold, fold, decide, append. */
const runTagsCommand = async (deps: Pick<ResourceDeps, 'store' | 'folds'>, stream: string, command: TagsCommand, meta: CallMetadata) =>
  (await runDecider(deps, stream, tagsDecider, decodeTaggableEvents, command, (): Record<string, never> => ({}), meta)).result;

/** TagResource: merges the tags (a key's new value wins); at most 50 per resource (the domain decides). */
export const tagResource = async (
  deps: Pick<ResourceDeps, 'store' | 'folds'>,
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
  deps: Pick<ResourceDeps, 'store' | 'folds'>,
  arn: string,
  tagKeys: readonly string[],
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  return runTagsCommand(deps, located.right.stream, { type: 'UntagResource', resourceArn: arn, tagKeys }, meta);
};

/** ListTagsForResource: the resource's tags; ResourceNotFound when it does not exist. */
export const listTags = async (deps: Pick<ResourceDeps, 'store' | 'folds'>, arn: string): Promise<E.Either<ApiError, Tag[]>> => {
  const located = locateTaggable(arn);
  if (E.isLeft(located)) return located;
  const state = await foldStream(deps, located.right.stream, tagsDecider, decodeTaggableEvents);
  if (!state.exists) return E.left(resourceNotFound(arn));
  return E.right([...state.tags].map(([key, value]) => ({ key, value })));
};
