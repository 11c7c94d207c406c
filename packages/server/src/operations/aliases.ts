import { invalidToken, validationException, type StateMachineAlias } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, optional, pattern, type Rule } from '../validation.js';
import { pageSize, type Deps } from './deps.js';

/**
 * CharacterRestrictedName, the model's pattern for an alias name: at least one character that is
 * not a digit, so an alias ARN can never be read as a version ARN (`…:stateMachine:name:3`).
 */
const ALIAS_NAME = pattern('^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$', /^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]+$/);

const Routing = t.array(t.type({ stateMachineVersionArn: t.string, weight: integer }));

/** AWS: one or two routes, weights 0–100 (rec: `at 'routingConfiguration.1.member.weight'`). */
const routingRules: Rule[] = [(v) => (Array.isArray(v) && (v.length < 1 || v.length > 2) ? 'Member must have length less than or equal to 2' : undefined)];

const checkWeights = (routing: { weight: number }[]) => {
  const i = routing.findIndex((r) => !Number.isInteger(r.weight) || r.weight < 0 || r.weight > 100);
  return i < 0 ? undefined : i;
};

/** Coral's words for a weight out of range (rec: `at 'routingConfiguration.1.member.weight'`). */
const weightError = (routing: { weight: number }[], i: number) => {
  const w = routing[i]!.weight;
  const constraint = w > 100 ? 'Member must have value less than or equal to 100' : 'Member must have value greater than or equal to 0';
  return validationException(
    `1 validation error detected: Value '${w}' at 'routingConfiguration.${i + 1}.member.weight' failed to satisfy constraint: ${constraint}`,
  );
};

const aliasShape = (a: StateMachineAlias) => ({
  stateMachineAliasArn: a.aliasArn,
  name: a.name,
  ...(a.description !== undefined ? { description: a.description } : {}),
  routingConfiguration: a.routingConfiguration,
  creationDate: epochSeconds(a.creationDate),
  ...(a.updateDate !== undefined ? { updateDate: epochSeconds(a.updateDate) } : {}),
});

export const createStateMachineAlias =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(
      t.intersection([t.type({ name: t.string, routingConfiguration: Routing }), t.partial({ description: optional(t.string) })]),
      body,
      {
        required: ['name', 'routingConfiguration'],
        rules: { name: [minLength(1), maxLength(80), ALIAS_NAME], description: [maxLength(256)], routingConfiguration: routingRules },
        sensitive: ['description'],
      },
    );
    if (E.isLeft(decoded)) return decoded;
    const { name, routingConfiguration, description } = decoded.right;
    const bad = checkWeights(routingConfiguration);
    if (bad !== undefined) return E.left(weightError(routingConfiguration, bad));
    const created = await engine.resources.createAlias(
      { name, routingConfiguration, ...(description != null ? { description } : {}) },
      { requestId: ctx.requestId },
    );
    return E.map((r: { stateMachineAliasArn: string; creationDate: number }) => ({
      stateMachineAliasArn: r.stateMachineAliasArn,
      creationDate: epochSeconds(r.creationDate),
    }))(created);
  };

const AliasArn = t.type({ stateMachineAliasArn: t.string });
const aliasRules = { required: ['stateMachineAliasArn'], rules: { stateMachineAliasArn: [minLength(1), maxLength(256)] } };

export const describeStateMachineAlias =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(AliasArn, body, aliasRules);
    if (E.isLeft(decoded)) return decoded;
    return E.map(aliasShape)(await engine.resources.loadAlias(decoded.right.stateMachineAliasArn));
  };

export const updateStateMachineAlias =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(t.intersection([AliasArn, t.partial({ description: optional(t.string), routingConfiguration: optional(Routing) })]), body, {
      ...aliasRules,
      rules: { ...aliasRules.rules, description: [maxLength(256)], routingConfiguration: routingRules },
      sensitive: ['description'],
    });
    if (E.isLeft(decoded)) return decoded;
    const { stateMachineAliasArn, description, routingConfiguration } = decoded.right;
    const bad = routingConfiguration != null ? checkWeights(routingConfiguration) : undefined;
    if (bad !== undefined) return E.left(weightError(routingConfiguration!, bad));
    const updated = await engine.resources.updateAlias(
      { stateMachineAliasArn, ...(description != null ? { description } : {}), ...(routingConfiguration != null ? { routingConfiguration } : {}) },
      { requestId: ctx.requestId },
    );
    return E.map((r: { updateDate: number }) => ({ updateDate: epochSeconds(r.updateDate) }))(updated);
  };

export const deleteStateMachineAlias =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(AliasArn, body, aliasRules);
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.deleteAlias(decoded.right.stateMachineAliasArn, { requestId: ctx.requestId });
  };

export const listStateMachineAliases =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(
      t.intersection([t.type({ stateMachineArn: t.string }), t.partial({ maxResults: optional(integer), nextToken: optional(t.string) })]),
      body,
      {
        required: ['stateMachineArn'],
        rules: { stateMachineArn: [minLength(1), maxLength(256)], maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] },
      },
    );
    if (E.isLeft(decoded)) return decoded;
    const { stateMachineArn, maxResults, nextToken } = decoded.right;
    const after = nextToken != null ? tokens.read<{ name: string }>(`ListStateMachineAliases:${stateMachineArn}`, nextToken) : undefined;
    if (nextToken != null && !after) return E.left(invalidToken());
    const all = await engine.resources.listAliases(stateMachineArn);
    if (E.isLeft(all)) return all;
    const rest = all.right.filter((a) => after === undefined || a.name > after.name);
    const limit = pageSize(maxResults);
    const page = rest.slice(0, limit);
    return E.right({
      stateMachineAliases: page.map((a) => ({ stateMachineAliasArn: a.aliasArn, creationDate: epochSeconds(a.creationDate) })),
      ...(rest.length > limit ? { nextToken: tokens.issue(`ListStateMachineAliases:${stateMachineArn}`, { name: page.at(-1)!.name }) } : {}),
    });
  };
