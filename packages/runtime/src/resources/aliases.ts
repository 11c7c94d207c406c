import {
  aliasNotFound,
  conflict,
  foldStateMachine,
  invalidName,
  isValidName,
  resourceNotFound,
  serviceQuotaExceeded,
  stateMachineDoesNotExist,
  validationException,
  type ApiError,
  type StateMachineAlias,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateAlias, locateStateMachine, locateVersion } from '../locate.js';
import { asStateMachineEvents, type ResourceDeps } from './resource-deps.js';
import { loadVersion } from './versions.js';

/**
 * Checks a routing configuration as AWS does (1 or 2 distinct version ARNs of one state
 * machine, weights summing to 100, versions that exist) and says which machine it routes.
 */
const checkRouting = async (
  deps: Pick<ResourceDeps, 'store'>,
  routing: readonly { stateMachineVersionArn: string; weight: number }[],
): Promise<E.Either<ApiError, { stream: string; stateMachineArn: string }>> => {
  const arns = routing.map((r) => r.stateMachineVersionArn);
  const located = arns.map((a) => locateVersion(a));
  if (located.some(E.isLeft))
    return E.left(
      validationException(`Routing configuration must contain state machine version ARNs. Received: [${arns.join(', ')}]`, 'INVALID_ROUTING_CONFIGURATION'),
    );
  if (new Set(arns).size !== arns.length)
    return E.left(
      validationException(
        `Routing configuration must contain distinct state machine version ARNs. Received: [${arns.join(', ')}]`,
        'INVALID_ROUTING_CONFIGURATION',
      ),
    );
  const sum = routing.reduce((n, r) => n + r.weight, 0);
  if (sum !== 100)
    return E.left(
      validationException(
        `Sum of routing configuration weights must equal 100. Received: [${routing.map((r) => r.weight).join(', ')}]`,
        'INVALID_ROUTING_CONFIGURATION',
      ),
    );
  const machines = new Set(arns.map((a) => a.split(':').slice(0, 7).join(':')));
  if (machines.size !== 1)
    return E.left(
      validationException(`Routing configuration must contain versions of one state machine. Received: [${arns.join(', ')}]`, 'INVALID_ROUTING_CONFIGURATION'),
    );
  for (const arn of arns) {
    const v = await loadVersion(deps, arn);
    if (E.isLeft(v)) return E.left(resourceNotFound(arn));
  }
  const first = located[0] as E.Right<{ stream: string }>;
  return E.right({ stream: first.right.stream, stateMachineArn: [...machines][0]! });
};

/** CreateStateMachineAlias: idempotent for the same description and routing; at most 100 aliases per machine. */
export const createAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock' | 'readYourWrites'>,
  input: { name: string; description?: string; routingConfiguration: readonly { stateMachineVersionArn: string; weight: number }[] },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stateMachineAliasArn: string; creationDate: number }>> => {
  if (!isValidName(input.name) || /^\d+$/.test(input.name)) return E.left(invalidName(input.name));
  const routed = await checkRouting(deps, input.routingConfiguration);
  if (E.isLeft(routed)) return routed;
  const aliasArn = `${routed.right.stateMachineArn}:${input.name}`;
  const outcome = await handleCommand<E.Either<ApiError, { stateMachineAliasArn: string; creationDate: number }>>(
    deps.store,
    routed.right.stream,
    (events) => {
      const s = foldStateMachine(asStateMachineEvents(events));
      const existing = s.aliases?.[input.name];
      if (existing) {
        const same = existing.description === input.description && JSON.stringify(existing.routingConfiguration) === JSON.stringify(input.routingConfiguration);
        return same
          ? { events: [], result: E.right({ stateMachineAliasArn: aliasArn, creationDate: existing.creationDate }) }
          : {
              events: [],
              result: E.left(conflict('Failed to create alias because an alias with the same name and a different routing configuration already exists.')),
            };
      }
      if (Object.keys(s.aliases ?? {}).length >= 100)
        return {
          events: [],
          result: E.left(serviceQuotaExceeded(`The maximum number of aliases (100) for ${routed.right.stateMachineArn} has been reached.`)),
        };
      const now = deps.clock();
      const data = {
        aliasArn,
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        routingConfiguration: input.routingConfiguration,
        creationDate: now,
      };
      return { events: [{ type: 'StateMachineAliasCreated', data }], result: E.right({ stateMachineAliasArn: aliasArn, creationDate: now }) };
    },
    { metadata: { ...meta } },
  );
  await deps.readYourWrites(outcome.appended?.position);
  return outcome.result;
};

/** The alias an alias ARN names, or ResourceNotFound. */
export const loadAlias = async (deps: Pick<ResourceDeps, 'store'>, aliasArn: string): Promise<E.Either<ApiError, StateMachineAlias & { stream: string }>> => {
  const located = locateAlias(aliasArn);
  if (E.isLeft(located)) return located;
  const s = foldStateMachine(asStateMachineEvents(await deps.store.readStream(located.right.stream)));
  const a = s.aliases?.[located.right.alias];
  return a ? E.right({ ...a, stream: located.right.stream }) : E.left(aliasNotFound());
};

/** UpdateStateMachineAlias: a new description and/or routing (checked as on create). */
export const updateAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock'>,
  input: { stateMachineAliasArn: string; description?: string; routingConfiguration?: readonly { stateMachineVersionArn: string; weight: number }[] },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { updateDate: number }>> => {
  const current = await loadAlias(deps, input.stateMachineAliasArn);
  if (E.isLeft(current)) return current;
  if (input.routingConfiguration) {
    const routed = await checkRouting(deps, input.routingConfiguration);
    if (E.isLeft(routed)) return routed;
  }
  const now = deps.clock();
  await handleCommand(
    deps.store,
    current.right.stream,
    () => ({
      events: [
        {
          type: 'StateMachineAliasUpdated',
          data: {
            aliasArn: input.stateMachineAliasArn,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.routingConfiguration ? { routingConfiguration: input.routingConfiguration } : {}),
            updateDate: now,
          },
        },
      ],
      result: undefined,
    }),
    { metadata: { ...meta } },
  );
  return E.right({ updateDate: now });
};

/** Deleting a missing alias answers 200 (rec). */
export const deleteAlias = async (
  deps: Pick<ResourceDeps, 'store' | 'clock'>,
  aliasArn: string,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Record<string, never>>> => {
  const located = locateAlias(aliasArn);
  if (E.isLeft(located)) return located;
  await handleCommand(
    deps.store,
    located.right.stream,
    (events) => {
      const s = foldStateMachine(asStateMachineEvents(events));
      return s.aliases?.[located.right.alias]
        ? { events: [{ type: 'StateMachineAliasDeleted', data: { aliasArn, name: located.right.alias, deletionDate: deps.clock() } }], result: undefined }
        : { events: [], result: undefined };
    },
    { metadata: { ...meta } },
  );
  return E.right({});
};

/** A state machine's aliases, by name. */
export const listAliases = async (deps: Pick<ResourceDeps, 'store'>, stateMachineArn: string): Promise<E.Either<ApiError, StateMachineAlias[]>> => {
  const located = locateStateMachine(stateMachineArn);
  if (E.isLeft(located)) return located;
  const s = foldStateMachine(asStateMachineEvents(await deps.store.readStream(located.right.stream)));
  if (!s.current) return E.left(stateMachineDoesNotExist(stateMachineArn));
  return E.right(Object.values(s.aliases ?? {}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
};
