import { serializationException, validationException, type ApiError } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * Decoding a request body at the edge: io-ts checks the shape; AWS's constraint messages come from
 * the member rules below. A member of the wrong JSON type is a SerializationException (the
 * service cannot read it); a missing required member or a broken constraint is a
 * ValidationException in Coral's words:
 * `1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null`.
 */
export type Rule = (value: unknown) => string | undefined;

export const maxLength =
  (n: number): Rule =>
  (v) =>
    typeof v === 'string' && [...v].length > n ? `Member must have length less than or equal to ${n}` : undefined;
export const minLength =
  (n: number): Rule =>
  (v) =>
    typeof v === 'string' && [...v].length < n ? `Member must have length greater than or equal to ${n}` : undefined;
export const maxBytes =
  (n: number): Rule =>
  (v) =>
    typeof v === 'string' && Buffer.byteLength(v, 'utf8') > n ? `Member must have length less than or equal to ${n}` : undefined;
export const between =
  (lo: number, hi: number): Rule =>
  (v) =>
    typeof v === 'number' && v < lo
      ? `Member must have value greater than or equal to ${lo}`
      : typeof v === 'number' && v > hi
        ? `Member must have value less than or equal to ${hi}`
        : undefined;
/**
 * A model `pattern` constraint. `source` is the model's (Java) regex as AWS prints it; `re` the
 * equivalent JS regex, anchored, with the `u` flag so it sees code points (a lone surrogate is one
 * that matches no `\p{…}` class of real characters).
 *
 * @example
 * traceHeader: [maxLength(256), pattern('\\p{ASCII}*', /^\p{ASCII}*$/u)]
 */
export const pattern =
  (source: string, re: RegExp): Rule =>
  (v) =>
    typeof v === 'string' && !re.test(v) ? `Member must satisfy regular expression pattern: ${source}` : undefined;
export const oneOf =
  (values: readonly string[]): Rule =>
  (v) =>
    typeof v === 'string' && !values.includes(v) ? `Member must satisfy enum value set: [${values.join(', ')}]` : undefined;

const show = (v: unknown) => (v === undefined || v === null ? 'null' : typeof v === 'string' ? `'${v}'` : `'${JSON.stringify(v)}'`);

/** Decodes a body with a codec, then checks required members and member rules in order. */
export const decodeRequest = <C extends t.Mixed>(
  codec: C,
  body: unknown,
  spec: { readonly required?: readonly string[]; readonly rules?: Readonly<Record<string, readonly Rule[]>> },
): E.Either<ApiError, t.TypeOf<C>> => {
  const obj = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const problems: string[] = [];
  for (const member of spec.required ?? []) {
    if (obj[member] === undefined || obj[member] === null) {
      problems.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    }
  }
  for (const [member, rules] of Object.entries(spec.rules ?? {})) {
    const v = obj[member];
    if (v === undefined || v === null) continue;
    for (const rule of rules) {
      const broken = rule(v);
      if (broken) {
        problems.push(`Value ${show(v)} at '${member}' failed to satisfy constraint: ${broken}`);
        break;
      }
    }
  }
  const decoded = codec.decode(obj);
  if (E.isLeft(decoded)) {
    const first = decoded.left[0];
    const path =
      first?.context
        .map((c) => c.key)
        .filter((k) => k !== '')
        .join('.') ?? '';
    const actual = first?.value;
    if (actual !== undefined && actual !== null) {
      return E.left(
        serializationException(
          `Unexpected value type for member '${path}': ${typeof actual === 'object' ? (Array.isArray(actual) ? 'array' : 'object') : typeof actual}`,
        ),
      );
    }
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`;
    return E.left(validationException(`${count}: ${problems.join('; ')}`));
  }
  return E.isLeft(decoded) ? E.left(validationException('1 validation error detected: the request does not match its shape')) : E.right(decoded.right);
};

/** `string | undefined` that also accepts JSON null as absent (SDKs omit, some tools send null). */
export const optional = <C extends t.Mixed>(c: C) => t.union([c, t.undefined, t.null]);
