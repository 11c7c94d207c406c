import { describeDiagnostics, unsupportedDiagnostics } from '@stepstream/asl/definition';
import { parseDefinitionText } from '../json-limits.js';
import { invalidDefinition, missingRequiredParameter, validationException } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxLength, minLength, optional } from '../validation.js';
import { checkRoleArn, LoggingConfiguration } from './create-state-machine.js';
import type { Deps } from './deps.js';
import { checkEncryption, EncryptionConfigurationCodec } from './encryption.js';

export const UpdateStateMachineInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({
    definition: optional(t.string),
    roleArn: optional(t.string),
    loggingConfiguration: optional(LoggingConfiguration),
    tracingConfiguration: optional(t.UnknownRecord),
    encryptionConfiguration: optional(EncryptionConfigurationCodec),
    publish: optional(t.boolean),
    versionDescription: optional(t.string),
  }),
]);

export const updateStateMachine =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(UpdateStateMachineInput, body, {
      required: ['stateMachineArn'],
      rules: {
        stateMachineArn: [minLength(1), maxLength(256)],
        definition: [minLength(1), maxLength(1_048_576)],
        roleArn: [minLength(1), maxLength(256)],
        versionDescription: [maxLength(256)],
      },
      sensitive: ['definition', 'versionDescription'],
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    if (
      input.definition == null &&
      input.roleArn == null &&
      input.loggingConfiguration == null &&
      input.tracingConfiguration == null &&
      input.encryptionConfiguration == null
    ) {
      return E.left(missingRequiredParameter('Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified'));
    }
    if (input.versionDescription != null && input.publish !== true) {
      return E.left(validationException('Version description can only be set when publish is true'));
    }
    const encryption = checkEncryption(input.encryptionConfiguration);
    if (E.isLeft(encryption)) return encryption;
    if (input.roleArn != null) {
      const badRole = checkRoleArn(input.roleArn);
      if (badRole) return E.left(badRole);
    }
    if (input.definition != null) {
      const parsed = parseDefinitionText(input.definition);
      if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
      const unsupported = unsupportedDiagnostics(parsed.definition);
      if (unsupported.length > 0) return E.left(invalidDefinition(describeDiagnostics(unsupported)));
    }
    const updated = await engine.resources.updateStateMachine(
      {
        stateMachineArn: input.stateMachineArn,
        ...(input.definition != null ? { definition: input.definition } : {}),
        ...(input.roleArn != null ? { roleArn: input.roleArn } : {}),
        ...(input.loggingConfiguration != null ? { loggingConfiguration: input.loggingConfiguration as never } : {}),
        ...(input.tracingConfiguration != null ? { tracingConfiguration: input.tracingConfiguration as never } : {}),
        ...(encryption.right !== undefined ? { encryptionConfiguration: encryption.right } : {}),
        ...(input.publish === true ? { publish: true } : {}),
        ...(input.versionDescription != null ? { versionDescription: input.versionDescription } : {}),
      },
      { requestId: ctx.requestId },
    );
    return E.map((r: { updateDate: number; revisionId: string | undefined; stateMachineVersionArn?: string }) => ({
      updateDate: epochSeconds(r.updateDate),
      ...(r.revisionId !== undefined ? { revisionId: r.revisionId } : {}),
      ...(r.stateMachineVersionArn !== undefined ? { stateMachineVersionArn: r.stateMachineVersionArn } : {}),
    }))(updated);
  };
