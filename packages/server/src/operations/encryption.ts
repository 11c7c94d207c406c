import { encryptionProblem, validationException, type ApiError, type EncryptionConfiguration } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { between, integer, maxLength, minLength, oneOf, optional, type Rule } from '../validation.js';

/** `encryptionConfiguration` of CreateStateMachine, UpdateStateMachine and CreateActivity. */
export const EncryptionConfigurationCodec = t.partial({
  type: optional(t.string),
  kmsKeyId: optional(t.string),
  kmsDataKeyReusePeriodSeconds: optional(integer),
});

const RULES: Readonly<Record<string, readonly Rule[]>> = {
  type: [oneOf(['AWS_OWNED_KEY', 'CUSTOMER_MANAGED_KMS_KEY'])],
  kmsKeyId: [minLength(1), maxLength(2048)],
  kmsDataKeyReusePeriodSeconds: [between(60, 900)],
};

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : `'${JSON.stringify(v)}'`);

/**
 * The model's constraints on the members (ValidationException in Coral's words, e.g. `Value null
 * at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null`), then
 * the service's own rules (InvalidEncryptionConfiguration).
 */
export const checkEncryption = (
  raw: t.TypeOf<typeof EncryptionConfigurationCodec> | null | undefined,
): E.Either<ApiError, EncryptionConfiguration | undefined> => {
  if (raw == null) return E.right(undefined);
  const problems: string[] = [];
  if (raw.type == null) problems.push(`Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null`);
  for (const [member, rules] of Object.entries(RULES)) {
    const v = (raw as Record<string, unknown>)[member];
    if (v === undefined || v === null) continue;
    const broken = rules.map((r) => r(v)).find((m) => m !== undefined);
    if (broken) problems.push(`Value ${show(v)} at 'encryptionConfiguration.${member}' failed to satisfy constraint: ${broken}`);
  }
  if (problems.length > 0) {
    return E.left(
      validationException(`${problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`}: ${problems.join('; ')}`),
    );
  }
  const config: EncryptionConfiguration = {
    type: raw.type as EncryptionConfiguration['type'],
    ...(raw.kmsKeyId != null ? { kmsKeyId: raw.kmsKeyId } : {}),
    ...(raw.kmsDataKeyReusePeriodSeconds != null ? { kmsDataKeyReusePeriodSeconds: raw.kmsDataKeyReusePeriodSeconds } : {}),
  };
  const problem = encryptionProblem(config);
  return problem ? E.left(problem) : E.right(config);
};
