/**
 * RFC 8785 (JSON Canonicalization Scheme) text of a JSON value: one spelling per value, so that
 * a hash or a signature over it means the value and not its formatting.
 *
 * RFC 8785 (https://www.rfc-editor.org/rfc/rfc8785) builds on ECMAScript's serialization of JSON
 * primitives (§3.2.2: literals, strings as JSON.stringify writes them, numbers as
 * Number::toString) and sorts object members recursively by their names as arrays of UTF-16 code
 * units (§3.2.3), with no whitespace.
 *
 * The encoder below is that rule written out for the values the event store holds (plain JSON),
 * because it runs on every append: it is about twice as fast as the `canonicalize` package (the
 * RFC author's implementation), which the tests use as the oracle — byte-identical output over
 * random values, the RFC's own examples and Appendix B's numbers.
 *
 * Two places where the engine's data goes beyond I-JSON, and what we do, deterministically:
 * - lone surrogates (`"\ud800"`): JSON.stringify's escape (`\ud800`), as RFC 8785 §3.2.2.2 says
 *   strings are serialized, although I-JSON forbids them; the text stays well-formed UTF-16, so
 *   its UTF-8 is lossless and `"\ud800"` never hashes like `"\ufffd"`;
 * - NUL and other controls: `\u0000`, `\n` … exactly as JSON.stringify.
 *
 * @module
 */

/** Why a value has no canonical JSON text; `path` says where (`$` is the value itself). */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
  constructor(
    /** What is wrong, without the path. */
    readonly reason: string,
    readonly path: string,
  ) {
    super(`${reason} at ${path}`);
  }
}

// What JSON.stringify would change in a string: quote, backslash, controls, surrogates (paired or
// not: the rare pair goes the slow way, which leaves it as is).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

const quote = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

/** Thrown inside the encoder; turned into a CanonicalJsonError with a path at the top. */
class Refused extends Error {}

const encode = (value: unknown): string => {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // ECMAScript Number::toString, which RFC 8785 §3.2.2.3 adopts; -0 prints as 0.
      if (Number.isFinite(value)) return String(value);
      throw new Refused(`${String(value)} is not allowed in JSON`);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new Refused(`a value of type ${typeof value} is not JSON`);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // As JSON.stringify (and so as the store writes it): a missing element is null.
      text += (i === 0 ? '' : ',') + (item === undefined ? 'null' : encode(item));
    }
    return `${text}]`;
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode((toJSON as () => unknown).call(value));
  const record = value as Record<string, unknown>;
  // Array.prototype.sort compares UTF-16 code units: RFC 8785 §3.2.3's order.
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const member = record[key];
    // As JSON.stringify: an undefined member is absent.
    if (member === undefined) continue;
    text += `${text.length === 1 ? '' : ','}${quote(key)}:${encode(member)}`;
  }
  return `${text}}`;
};

/** Finds where `value` stops being JSON, for the error message; only runs after a failure. */
const locate = (value: unknown, path: string, seen: Set<object>, depth: number): [string, string] | undefined => {
  if (depth > 10_000) return [path, 'nesting too deep'];
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : [path, `${String(value)} is not allowed in JSON`];
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'object':
      break;
    default:
      return [path, `a value of type ${typeof value} is not JSON`];
  }
  if (value === null) return undefined;
  if (seen.has(value)) return [path, 'a cycle'];
  seen.add(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, i) => [`${path}[${String(i)}]`, item])
    : typeof toJSON === 'function'
      ? [[`${path}.toJSON()`, (toJSON as () => unknown).call(value)]]
      : Object.keys(value).map((key) => [`${path}[${JSON.stringify(key)}]`, (value as Record<string, unknown>)[key]]);
  for (const [at, item] of entries) {
    const found = locate(item, at, seen, depth + 1);
    if (found !== undefined) return found;
  }
  seen.delete(value);
  return undefined;
};

/**
 * The RFC 8785 canonical JSON text of `value`: object members sorted by UTF-16 code units, no
 * whitespace, numbers and strings as `JSON.stringify` writes them. Undefined object members are
 * left out and undefined array elements become `null`, as `JSON.stringify` (and so the store)
 * does; a value with `toJSON` is replaced by its result.
 *
 * Throws a {@link CanonicalJsonError} for `undefined` itself, `NaN`, `±Infinity`, bigints,
 * functions, symbols and cycles, naming the path.
 *
 * @example
 * canonicalJson({ b: [1e21, -0], a: 'é\u0000' }); // '{"a":"é\\u0000","b":[1e+21,0]}'
 * canonicalJson({ n: NaN }); // throws CanonicalJsonError: NaN is not allowed in JSON at $["n"]
 */
export const canonicalJson = (value: unknown): string => {
  if (value === undefined) throw new CanonicalJsonError('undefined is not JSON', '$');
  try {
    return encode(value);
  } catch (error) {
    if (!(error instanceof Refused) && !(error instanceof RangeError)) throw error;
    const [path, message] = locate(value, '$', new Set(), 0) ?? ['$', error.message];
    throw new CanonicalJsonError(message, path);
  }
};
