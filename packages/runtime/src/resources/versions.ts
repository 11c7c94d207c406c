import { publishVersionAnswer, resourceNotFound, stateMachineDoesNotExist, type ApiError, type StateMachineVersion } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateStateMachine, locateVersion } from '../locate.js';
import { foldCached, runStateMachineCommand, type ResourceDeps } from './resource-deps.js';

/** PublishStateMachineVersion: idempotent for an unchanged revision (the domain decides). */
export const publishVersion = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'machines' | 'folds'>,
  input: { stateMachineArn: string; revisionId?: string; description?: string },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stateMachineVersionArn: string; creationDate: number }>> => {
  const located = locateStateMachine(input.stateMachineArn);
  if (E.isLeft(located)) return located;
  const outcome = await runStateMachineCommand(
    deps,
    located.right.stream,
    {
      type: 'PublishStateMachineVersion',
      stateMachineArn: input.stateMachineArn,
      ...(input.revisionId !== undefined ? { revisionId: input.revisionId } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      now: deps.clock(),
    },
    (after) => publishVersionAnswer(after, input),
    meta,
  );
  return outcome.result;
};

/** A state machine's versions, newest first. */
export const listVersions = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>,
  stateMachineArn: string,
): Promise<E.Either<ApiError, StateMachineVersion[]>> => {
  const located = locateStateMachine(stateMachineArn);
  if (E.isLeft(located)) return located;
  const s = await foldCached(deps, located.right.stream);
  if (!s.current) return E.left(stateMachineDoesNotExist(stateMachineArn));
  return E.right(Object.values(s.versions ?? {}).sort((a, b) => b.version - a.version));
};

/** The version a version ARN names, or ResourceNotFound / InvalidArn. */
export const loadVersion = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>,
  versionArn: string,
): Promise<E.Either<ApiError, StateMachineVersion>> => {
  const located = locateVersion(versionArn);
  if (E.isLeft(located)) return located;
  const s = await foldCached(deps, located.right.stream);
  const v = s.versions?.[located.right.version];
  return v ? E.right(v) : E.left(resourceNotFound(versionArn));
};

/** DeleteStateMachineVersion: refused (Conflict) while an alias routes to the version (the domain decides). */
export const deleteVersion = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'machines' | 'folds'>,
  versionArn: string,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateVersion(versionArn);
  if (E.isLeft(located)) return located;
  const outcome = await runStateMachineCommand(
    deps,
    located.right.stream,
    { type: 'DeleteStateMachineVersion', stateMachineVersionArn: versionArn, now: deps.clock() },
    (): Record<string, never> => ({}),
    meta,
  );
  return outcome.result;
};
