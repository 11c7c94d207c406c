/**
 * JSON with object keys sorted, members that are `undefined` left out. What was stored comes back
 * with its keys in another order (the hash chain stores canonical JSON, keys sorted), so anything
 * compared with what was stored is compared in this form.
 */
export const stableJson = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(stableJson).join(',')}]`
    : typeof v === 'object' && v !== null
      ? `{${Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);
