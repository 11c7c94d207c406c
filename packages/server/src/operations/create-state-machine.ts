import { describeDiagnostics, unsupportedDiagnostics } from '@stepstream/asl/definition';
import { parseDefinitionText } from '../json-limits.js';
import { invalidArn, invalidDefinition, validationException } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { TagList, tagsOf } from './tags.js';
import { expressDiagnostics } from './validate-state-machine-definition.js';
import { checkEncryption, EncryptionConfigurationCodec } from './encryption.js';

export const LoggingConfiguration = t.partial({
  level: optional(t.string),
  includeExecutionData: optional(t.boolean),
  destinations: optional(t.array(t.unknown)),
});
const TracingConfiguration = t.partial({ enabled: optional(t.boolean) });

export const CreateStateMachineInput = t.intersection([
  t.type({ name: t.string, definition: t.string, roleArn: t.string }),
  t.partial({
    type: optional(t.string),
    loggingConfiguration: optional(LoggingConfiguration),
    tracingConfiguration: optional(TracingConfiguration),
    encryptionConfiguration: optional(EncryptionConfigurationCodec),
    tags: optional(TagList),
    publish: optional(t.boolean),
    versionDescription: optional(t.string),
  }),
]);

/** The role is only recorded (Stepstream calls no AWS service with it), but it must be an IAM ARN. */
export const checkRoleArn = (roleArn: string) => (/^arn:[a-z-]+:iam::\d{12}:role\/.+$/.test(roleArn) ? undefined : invalidArn(roleArn, { kind: 'prefix' }));

export const createStateMachine =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(CreateStateMachineInput, body, {
      required: ['name', 'definition', 'roleArn'],
      rules: {
        name: [minLength(1), maxLength(80)],
        definition: [minLength(1), maxLength(1_048_576)],
        roleArn: [minLength(1), maxLength(256)],
        type: [oneOf(['STANDARD', 'EXPRESS'])],
        versionDescription: [maxLength(256)],
      },
      sensitive: ['definition', 'versionDescription'],
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    if (input.versionDescription != null && input.publish !== true) {
      return E.left(validationException('Version description can only be set when publish is true'));
    }
    const badRole = checkRoleArn(input.roleArn);
    if (badRole) return E.left(badRole);
    const encryption = checkEncryption(input.encryptionConfiguration);
    if (E.isLeft(encryption)) return encryption;
    const parsed = parseDefinitionText(input.definition);
    if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
    if (input.type === 'EXPRESS') {
      const express = expressDiagnostics(parsed.definition);
      if (express.length > 0) return E.left(invalidDefinition(describeDiagnostics(express)));
    }
    const unsupported = unsupportedDiagnostics(parsed.definition);
    if (unsupported.length > 0) return E.left(invalidDefinition(describeDiagnostics(unsupported)));
    const created = await engine.resources.createStateMachine(
      {
        ...(ctx.account !== undefined ? { account: ctx.account } : {}),
        name: input.name,
        definition: input.definition,
        roleArn: input.roleArn,
        type: (input.type ?? 'STANDARD') as 'STANDARD' | 'EXPRESS',
        loggingConfiguration: (input.loggingConfiguration ?? {}) as never,
        tracingConfiguration: (input.tracingConfiguration ?? {}) as never,
        ...(encryption.right !== undefined ? { encryptionConfiguration: encryption.right } : {}),
        ...(input.tags != null ? { tags: tagsOf(input.tags) } : {}),
        ...(input.publish === true ? { publish: true } : {}),
        ...(input.versionDescription != null ? { versionDescription: input.versionDescription } : {}),
      },
      { requestId: ctx.requestId },
    );
    return E.map((r: { stateMachineArn: string; creationDate: number; stateMachineVersionArn?: string }) => ({
      stateMachineArn: r.stateMachineArn,
      creationDate: epochSeconds(r.creationDate),
      ...(r.stateMachineVersionArn !== undefined ? { stateMachineVersionArn: r.stateMachineVersionArn } : {}),
    }))(created);
  };
