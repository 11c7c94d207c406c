import { invalidToken, type StateMachineVersion } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, optional } from '../validation.js';
import { pageSize, type Deps } from './deps.js';
import { DEFAULT_ENCRYPTION, DEFAULT_LOGGING, DEFAULT_TRACING, referencesOf } from './state-machine-shapes.js';

export const PublishStateMachineVersionInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ revisionId: optional(t.string), description: optional(t.string) }),
]);

/** PublishStateMachineVersion: idempotent per revision; `revisionId` must be the current one. */
export const publishStateMachineVersion =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(PublishStateMachineVersionInput, body, {
      required: ['stateMachineArn'],
      rules: { stateMachineArn: [minLength(1), maxLength(256)], description: [maxLength(256)] },
      sensitive: ['description'],
    });
    if (E.isLeft(decoded)) return decoded;
    const { stateMachineArn, revisionId, description } = decoded.right;
    const published = await engine.resources.publishVersion(
      { stateMachineArn, ...(revisionId != null ? { revisionId } : {}), ...(description != null ? { description } : {}) },
      { requestId: ctx.requestId },
    );
    return E.map((r: { stateMachineVersionArn: string; creationDate: number }) => ({
      stateMachineVersionArn: r.stateMachineVersionArn,
      creationDate: epochSeconds(r.creationDate),
    }))(published);
  };

export const ListStateMachineVersionsInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ maxResults: optional(integer), nextToken: optional(t.string) }),
]);

/** ListStateMachineVersions: newest (highest) first (rec), with signed page tokens. */
export const listStateMachineVersions =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ListStateMachineVersionsInput, body, {
      required: ['stateMachineArn'],
      rules: { stateMachineArn: [minLength(1), maxLength(256)], maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const { stateMachineArn, maxResults, nextToken } = decoded.right;
    const below = nextToken != null ? tokens.read<{ version: number }>(`ListStateMachineVersions:${stateMachineArn}`, nextToken) : undefined;
    if (nextToken != null && !below) return E.left(invalidToken());
    const all = await engine.resources.listVersions(stateMachineArn);
    if (E.isLeft(all)) return all;
    const rest = all.right.filter((v) => below === undefined || v.version < below.version);
    const limit = pageSize(maxResults);
    const page = rest.slice(0, limit);
    return E.right({
      stateMachineVersions: page.map((v) => ({ stateMachineVersionArn: v.versionArn, creationDate: epochSeconds(v.creationDate) })),
      ...(rest.length > limit ? { nextToken: tokens.issue(`ListStateMachineVersions:${stateMachineArn}`, { version: page.at(-1)!.version }) } : {}),
    });
  };

/** DeleteStateMachineVersion: 200 for a missing version (rec). */
export const deleteStateMachineVersion =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(t.type({ stateMachineVersionArn: t.string }), body, {
      required: ['stateMachineVersionArn'],
      rules: { stateMachineVersionArn: [minLength(1), maxLength(256)] },
    });
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.deleteVersion(decoded.right.stateMachineVersionArn, { requestId: ctx.requestId });
  };

/** DescribeStateMachine on a version ARN: the version as published. */
export const describeVersionShape = (v: StateMachineVersion) => ({
  stateMachineArn: v.versionArn,
  name: v.stateMachineArn.split(':')[6],
  status: 'ACTIVE',
  definition: v.definition,
  roleArn: v.roleArn,
  type: v.stateMachineType,
  creationDate: epochSeconds(v.creationDate),
  loggingConfiguration: { ...DEFAULT_LOGGING, ...v.loggingConfiguration },
  tracingConfiguration: { ...DEFAULT_TRACING, ...v.tracingConfiguration },
  ...(v.revisionId !== 'INITIAL' ? { revisionId: v.revisionId } : {}),
  ...(v.description !== undefined ? { description: v.description } : {}),
  encryptionConfiguration: v.encryptionConfiguration ?? DEFAULT_ENCRYPTION,
  ...referencesOf(v.definition),
});
