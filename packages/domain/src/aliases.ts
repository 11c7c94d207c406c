import * as E from 'fp-ts/lib/Either.js';
import { aliasNotFound, conflict, invalidName, resourceNotFound, serviceQuotaExceeded, validationException, type ApiError } from './api-errors.js';
import type { Decider } from './decider.js';
import { stableJson } from './execution/stable-json.js';
import { isValidName } from './names.js';
import { evolveStateMachine, versionNumberOf, type StateMachineAlias, type StateMachineEvent, type StateMachineState } from './state-machine.js';

/** One entry of an alias's routing: a version ARN and its share of the starts, in percent. */
export interface AliasRoute {
  readonly stateMachineVersionArn: string;
  readonly weight: number;
}

/** AWS: at most 100 aliases per state machine. */
export const MAX_ALIASES = 100;

/** The commands of a state machine's aliases; `now` is the time the command was received. */
export type AliasCommand =
  | {
      readonly type: 'CreateStateMachineAlias';
      readonly name: string;
      readonly description?: string;
      readonly routingConfiguration: readonly AliasRoute[];
      readonly now: number;
    }
  | {
      readonly type: 'UpdateStateMachineAlias';
      readonly stateMachineAliasArn: string;
      readonly description?: string;
      readonly routingConfiguration?: readonly AliasRoute[];
      readonly now: number;
    }
  | { readonly type: 'DeleteStateMachineAlias'; readonly stateMachineAliasArn: string; readonly now: number };

/** The state machine ARN a qualified ARN (version or alias) belongs to: its first seven fields. */
const machineOf = (qualifiedArn: string) => qualifiedArn.split(':').slice(0, 7).join(':');

const invalidRouting = (message: string) => validationException(message, 'INVALID_ROUTING_CONFIGURATION');

/**
 * Checks a routing configuration's shape as AWS does, before anything is read: version ARNs
 * (not aliases or the bare machine), distinct, weights summing to 100, all of one state machine.
 * Answers the machine it routes (the stream an alias created with it lives in). Whether the
 * versions exist is the decider's question, on that machine's state.
 *
 * @example
 * routedMachine([{ stateMachineVersionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sm:1', weight: 100 }])
 * // right('arn:aws:states:us-east-1:123456789012:stateMachine:sm')
 */
export const routedMachine = (routing: readonly AliasRoute[]): E.Either<ApiError, string> => {
  const arns = routing.map((r) => r.stateMachineVersionArn);
  const received = `Received: [${arns.join(', ')}]`;
  if (arns.some((a) => versionNumberOf(a) === undefined))
    return E.left(invalidRouting(`Routing configuration must contain state machine version ARNs. ${received}`));
  if (new Set(arns).size !== arns.length) return E.left(invalidRouting(`Routing configuration must contain distinct state machine version ARNs. ${received}`));
  const sum = routing.reduce((n, r) => n + r.weight, 0);
  if (sum !== 100) return E.left(invalidRouting(`Sum of routing configuration weights must equal 100. Received: [${routing.map((r) => r.weight).join(', ')}]`));
  const machines = new Set(arns.map(machineOf));
  if (machines.size !== 1) return E.left(invalidRouting(`Routing configuration must contain versions of one state machine. ${received}`));
  return E.right([...machines][0]!);
};

/**
 * Why an alias name is refused on create: a valid name that is not all digits (digits name
 * versions), or undefined.
 */
export const aliasNameProblem = (name: string): ApiError | undefined => (!isValidName(name) || /^\d+$/.test(name) ? invalidName(name) : undefined);

/**
 * The routing's shape, then its versions on `s` — the state of the machine it routes. A routing
 * that names another machine than `machineArn` is only shape-checked here: this state cannot see
 * that machine's versions (see {@link routesElsewhere}).
 */
const checkRouting = (s: StateMachineState, machineArn: string, routing: readonly AliasRoute[]): E.Either<ApiError, void> => {
  const routed = routedMachine(routing);
  if (E.isLeft(routed)) return routed;
  if (routed.right !== machineArn) return E.right(undefined);
  const missing = routing.find((r) => s.versions?.[versionNumberOf(r.stateMachineVersionArn)!] === undefined);
  return missing ? E.left(resourceNotFound(missing.stateMachineVersionArn)) : E.right(undefined);
};

/**
 * Whether an update routes an alias to versions of another state machine than its own. The
 * decider cannot see that machine's versions, so the caller checks they exist (as it did before
 * the rules moved here). AWS may refuse such an update outright; nobody has recorded it yet.
 */
export const routesElsewhere = (stateMachineAliasArn: string, routing: readonly AliasRoute[] | undefined): string | undefined => {
  if (routing === undefined) return undefined;
  const routed = routedMachine(routing);
  return E.isRight(routed) && routed.right !== machineOf(stateMachineAliasArn) ? routed.right : undefined;
};

/** The same routes in the same order, whatever the order of each route's members (read back from the store, its keys are sorted). */
const sameRouting = (a: readonly AliasRoute[], b: readonly AliasRoute[]) => stableJson(a) === stableJson(b);

/**
 * CreateStateMachineAlias on the state of the machine its routing names. In AWS's order: the
 * name (letters needed: digits name versions), the routing's shape, its versions exist; then an
 * alias of that name with the same description and routing answers as it is (idempotent), a
 * different one is a ConflictException; the 101st alias is a ServiceQuotaExceededException.
 */
const decideCreate = (s: StateMachineState, c: Extract<AliasCommand, { type: 'CreateStateMachineAlias' }>): E.Either<ApiError, StateMachineEvent[]> => {
  const named = aliasNameProblem(c.name);
  if (named) return E.left(named);
  const routed = routedMachine(c.routingConfiguration);
  if (E.isLeft(routed)) return routed;
  const checked = checkRouting(s, routed.right, c.routingConfiguration);
  if (E.isLeft(checked)) return checked;
  const existing = s.aliases?.[c.name];
  if (existing) {
    return existing.description === c.description && sameRouting(existing.routingConfiguration, c.routingConfiguration)
      ? E.right([])
      : E.left(conflict('Failed to create alias because an alias with the same name and a different routing configuration already exists.'));
  }
  if (Object.keys(s.aliases ?? {}).length >= MAX_ALIASES)
    return E.left(serviceQuotaExceeded(`The maximum number of aliases (${MAX_ALIASES}) for ${routed.right} has been reached.`));
  const data: StateMachineAlias = {
    aliasArn: `${routed.right}:${c.name}`,
    name: c.name,
    ...(c.description !== undefined ? { description: c.description } : {}),
    routingConfiguration: c.routingConfiguration,
    creationDate: c.now,
  };
  return E.right([{ type: 'StateMachineAliasCreated', data }]);
};

/** UpdateStateMachineAlias: the alias must exist (ResourceNotFound); a new routing is checked as on create. */
const decideUpdate = (s: StateMachineState, c: Extract<AliasCommand, { type: 'UpdateStateMachineAlias' }>): E.Either<ApiError, StateMachineEvent[]> => {
  const name = c.stateMachineAliasArn.split(':').at(-1)!;
  if (!s.aliases?.[name]) return E.left(aliasNotFound());
  if (c.routingConfiguration !== undefined) {
    const checked = checkRouting(s, machineOf(c.stateMachineAliasArn), c.routingConfiguration);
    if (E.isLeft(checked)) return checked;
  }
  return E.right([
    {
      type: 'StateMachineAliasUpdated',
      data: {
        aliasArn: c.stateMachineAliasArn,
        ...(c.description !== undefined ? { description: c.description } : {}),
        ...(c.routingConfiguration !== undefined ? { routingConfiguration: c.routingConfiguration } : {}),
        updateDate: c.now,
      },
    },
  ]);
};

/** DeleteStateMachineAlias: deleting a missing alias succeeds and writes nothing (AWS answers 200, recorded). */
const decideDelete = (s: StateMachineState, c: Extract<AliasCommand, { type: 'DeleteStateMachineAlias' }>): E.Either<ApiError, StateMachineEvent[]> => {
  const name = c.stateMachineAliasArn.split(':').at(-1)!;
  return E.right(s.aliases?.[name] ? [{ type: 'StateMachineAliasDeleted', data: { aliasArn: c.stateMachineAliasArn, name, deletionDate: c.now } }] : []);
};

/**
 * Decides an alias command on the state of its state machine's stream.
 *
 * @example
 * decideAlias(machineWithVersion1, { type: 'CreateStateMachineAlias', name: 'prod', routingConfiguration: [{ stateMachineVersionArn: `${sm}:1`, weight: 100 }], now })
 * // right([{ type: 'StateMachineAliasCreated', data: { aliasArn: `${sm}:prod`, name: 'prod', routingConfiguration: […], creationDate: now } }])
 */
export const decideAlias = (s: StateMachineState, c: AliasCommand): E.Either<ApiError, StateMachineEvent[]> => {
  switch (c.type) {
    case 'CreateStateMachineAlias':
      return decideCreate(s, c);
    case 'UpdateStateMachineAlias':
      return decideUpdate(s, c);
    case 'DeleteStateMachineAlias':
      return decideDelete(s, c);
  }
};

/** A state machine's aliases as a decider over its stream (the stream's other events fold as {@link evolveStateMachine} says). */
export const aliasDecider: Decider<StateMachineState, AliasCommand, StateMachineEvent, ApiError> = {
  initialState: () => ({}),
  evolve: evolveStateMachine,
  decide: decideAlias,
};
