/**
 * Small helpers over JSON values (the `unknown` that came out of `JSON.parse`).
 *
 * @internal
 * @module
 */

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** True for JSON objects: not null, not arrays. */
export const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values; numbers compare by value (`1` equals `1.0`). */
export const jsonEquals = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  }
  if (isJsonObject(a)) {
    if (!isJsonObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEquals(a[k], b[k]));
  }
  return false;
};

/** Compact JSON text, as AWS quotes payloads in cause messages (`{"a":1}`). */
export const toJsonText = (v: unknown): string => JSON.stringify(v) ?? 'null';

/** Own-property lookup that does not see `__proto__` or inherited members. */
export const getOwn = (o: JsonObject, key: string): { readonly found: boolean; readonly value: unknown } =>
  Object.prototype.hasOwnProperty.call(o, key) ? { found: true, value: o[key] } : { found: false, value: undefined };
