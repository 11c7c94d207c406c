import {
  aliasDecider,
  aliasNameProblem,
  aliasNotFound,
  decodeStateMachineEvents,
  foldDecider,
  resourceNotFound,
  routedMachine,
  routesElsewhere,
  stateMachineDoesNotExist,
  type AliasCommand,
  type AliasRoute,
  type ApiError,
  type StateMachineAlias,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateAlias, locateStateMachine, locateVersion } from '../locate.js';
import { foldCached, onStateMachineStream, type ResourceDeps } from './resource-deps.js';
import { loadVersion } from './versions.js';

/** Runs an alias command on a state machine's stream: read, fold, decide, append. */
const runAliasCommand = onStateMachineStream(aliasDecider);

/** CreateStateMachineAlias: idempotent for the same description and routing; at most 100 aliases per machine (the domain decides). */
export const createAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'acknowledge' | 'machines' | 'folds'>,
  input: { name: string; description?: string; routingConfiguration: readonly AliasRoute[] },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stateMachineAliasArn: string; creationDate: number }>> => {
  // The name and the routing's shape are checked before anything is read: the routing says which stream the alias lives in.
  const named = aliasNameProblem(input.name);
  if (named) return E.left(named);
  const routed = routedMachine(input.routingConfiguration);
  if (E.isLeft(routed)) return routed;
  const stream = (locateVersion(input.routingConfiguration[0]!.stateMachineVersionArn) as E.Right<{ stream: string }>).right.stream;
  const outcome = await runAliasCommand(
    deps,
    stream,
    {
      type: 'CreateStateMachineAlias',
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      routingConfiguration: input.routingConfiguration,
      now: deps.clock(),
    },
    (after) => {
      const alias = after.aliases![input.name]!;
      return { stateMachineAliasArn: alias.aliasArn, creationDate: alias.creationDate };
    },
    meta,
  );
  deps.acknowledge(outcome.appended?.position);
  return outcome.result;
};

/** The alias an alias ARN names, or ResourceNotFound. */
export const loadAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>,
  aliasArn: string,
): Promise<E.Either<ApiError, StateMachineAlias & { stream: string }>> => {
  const located = locateAlias(aliasArn);
  if (E.isLeft(located)) return located;
  const s = await foldCached(deps, located.right.stream);
  const a = s.aliases?.[located.right.alias];
  return a ? E.right({ ...a, stream: located.right.stream }) : E.left(aliasNotFound());
};

/** UpdateStateMachineAlias: a new description and/or routing, checked as on create (the domain decides). */
export const updateAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'machines' | 'folds'>,
  input: { stateMachineAliasArn: string; description?: string; routingConfiguration?: readonly AliasRoute[] },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { updateDate: number }>> => {
  const located = locateAlias(input.stateMachineAliasArn);
  if (E.isLeft(located)) return located;
  const now = deps.clock();
  // A routing to another machine's versions: the alias's stream cannot see them, so they are
  // looked up there; a missing one is answered only if the decider accepts everything else,
  // which keeps the order of the checks.
  const elsewhere = routesElsewhere(input.stateMachineAliasArn, input.routingConfiguration)
    ? await missingVersion(deps, input.routingConfiguration!)
    : undefined;
  const outcome = await handleCommand<E.Either<ApiError, { updateDate: number }>>(
    deps.store,
    located.right.stream,
    (events) => {
      const decided = aliasDecider.decide(foldDecider(aliasDecider, decodeStateMachineEvents(events)), {
        type: 'UpdateStateMachineAlias',
        stateMachineAliasArn: input.stateMachineAliasArn,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.routingConfiguration !== undefined ? { routingConfiguration: input.routingConfiguration } : {}),
        now,
      });
      if (E.isLeft(decided)) return { events: [], result: decided };
      if (elsewhere !== undefined) return { events: [], result: E.left(resourceNotFound(elsewhere)) };
      return { events: decided.right, result: E.right({ updateDate: now }) };
    },
    { metadata: { ...meta } },
  );
  return outcome.result;
};

/** The first version of a routing that does not exist, read from its own machine's stream. */
const missingVersion = async (deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>, routing: readonly AliasRoute[]): Promise<string | undefined> => {
  for (const r of routing) if (E.isLeft(await loadVersion(deps, r.stateMachineVersionArn))) return r.stateMachineVersionArn;
  return undefined;
};

/** DeleteStateMachineAlias: deleting a missing alias answers 200 (rec; the domain decides). */
export const deleteAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'machines' | 'folds'>,
  aliasArn: string,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateAlias(aliasArn);
  if (E.isLeft(located)) return located;
  const outcome = await runAliasCommand(
    deps,
    located.right.stream,
    { type: 'DeleteStateMachineAlias', stateMachineAliasArn: aliasArn, now: deps.clock() },
    () => ({}),
    meta,
  );
  return outcome.result;
};

/** A state machine's aliases, by name. */
export const listAliases = async (
  deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>,
  stateMachineArn: string,
): Promise<E.Either<ApiError, StateMachineAlias[]>> => {
  const located = locateStateMachine(stateMachineArn);
  if (E.isLeft(located)) return located;
  const s = await foldCached(deps, located.right.stream);
  if (!s.current) return E.left(stateMachineDoesNotExist(stateMachineArn));
  return E.right(Object.values(s.aliases ?? {}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
};
