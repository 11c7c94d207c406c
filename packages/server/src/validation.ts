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

/**
 * One constraint violation in Coral's words. A member whose shape is `sensitive` in the model
 * (SensitiveData, SensitiveError, SensitiveCause, Definition, VersionDescription, AliasDescription,
 * TestStateStateName) is named without its value, as AWS does:
 * `Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144`.
 */
export const violation = (path: string, value: unknown, broken: string, sensitive = false): string =>
  sensitive && value !== undefined && value !== null
    ? `Value at '${path}' failed to satisfy constraint: ${broken}`
    : `Value ${show(value)} at '${path}' failed to satisfy constraint: ${broken}`;

/** `1 validation error detected: …` / `N validation errors detected: …; …`. */
export const validationErrors = (problems: readonly string[]): ApiError =>
  validationException(`${problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`}: ${problems.join('; ')}`);

/**
 * The model's whole-number members: `integer` (PageSize, MaxConcurrency, VersionWeight,
 * KmsDataKeyReusePeriodSeconds, RetrierRetryCount…) is a Java int, `long` (ToleratedFailureCount) a
 * Java long (here: what a double holds exactly). A value that is not one — `2.5`, `"10"`,
 * `1e12` for an int — does not deserialize into the member: SerializationException, as on every
 * AWS JSON 1.0 service, never a 5xx further down.
 */
const wholeNumber = (name: 'Integer' | 'Long', min: number, max: number) =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => (typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max ? t.success(u) : t.failure(u, c)),
    t.identity,
  );
export const integer = wholeNumber('Integer', -(2 ** 31), 2 ** 31 - 1);
export const long = wholeNumber('Long', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

/**
 * A decode error's member in Coral's spelling (`routingConfiguration.1.member.weight`): the keys of
 * structures and 1-based list positions, without the branches io-ts adds for unions and
 * intersections (`optional`, required + optional members).
 */
const memberPath = (context: t.Context): string =>
  context
    .slice(1)
    .flatMap((entry, i) => {
      const parent = (context[i]!.type as unknown as { readonly _tag?: string })._tag;
      if (parent === 'InterfaceType' || parent === 'PartialType' || parent === 'ExactType' || parent === 'StrictType') return [entry.key];
      return parent === 'ArrayType' ? [`${Number(entry.key) + 1}.member`] : [];
    })
    .join('.');

const kindOf = (v: unknown) => (typeof v === 'object' ? (Array.isArray(v) ? 'array' : 'object') : typeof v);

/** Decodes a body with a codec, then checks required members and member rules in order. */
export const decodeRequest = <C extends t.Mixed>(
  codec: C,
  body: unknown,
  spec: {
    readonly required?: readonly string[];
    readonly rules?: Readonly<Record<string, readonly Rule[]>>;
    /** Members whose model shape is sensitive: their values are never echoed in a message. */
    readonly sensitive?: readonly string[];
  },
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
        problems.push(violation(member, v, broken, spec.sensitive?.includes(member) === true));
        break;
      }
    }
  }
  const decoded = codec.decode(obj);
  if (E.isLeft(decoded)) {
    const first = decoded.left[0];
    const path = first ? memberPath(first.context) : '';
    const actual = first?.value;
    if (actual !== undefined && actual !== null) {
      const expected = first?.context.at(-1)?.type.name;
      return E.left(
        serializationException(
          (expected === 'Integer' || expected === 'Long') && typeof actual === 'number'
            ? `Unexpected value for member '${path}': ${actual} is not ${expected === 'Integer' ? 'an' : 'a'} ${expected}`
            : `Unexpected value type for member '${path}': ${kindOf(actual)}`,
        ),
      );
    }
  }
  if (problems.length > 0) return E.left(validationErrors(problems));
  return E.isLeft(decoded) ? E.left(validationException('1 validation error detected: the request does not match its shape')) : E.right(decoded.right);
};

/** `string | undefined` that also accepts JSON null as absent (SDKs omit, some tools send null). */
export const optional = <C extends t.Mixed>(c: C) => t.union([c, t.undefined, t.null]);
