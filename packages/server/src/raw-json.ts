/**
 * A response body that is already JSON text, given as the parts whose concatenation it is: the
 * protocol layer writes the parts as they are instead of `JSON.stringify`-ing an object. For
 * answers composed from JSON texts the store holds (GetExecutionHistory), which would otherwise be
 * parsed and encoded again. Whoever builds one vouches that the parts make one JSON object.
 *
 * @example
 * return E.right(new RawJson(['{"events":[', texts.join(','), ']}']));
 */
export class RawJson {
  constructor(readonly parts: readonly string[]) {}
}

/**
 * A response body as UTF-8 bytes, encoded once: an object through `JSON.stringify`, a
 * {@link RawJson} part by part into one buffer of its exact length (concatenating the parts into
 * one string first would copy them all, and a page of history is ~200 KB of a thousand parts).
 */
export const encodeBody = (body: object | RawJson): Buffer => {
  if (!(body instanceof RawJson)) return Buffer.from(JSON.stringify(body), 'utf8');
  let length = 0;
  for (const part of body.parts) length += Buffer.byteLength(part, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of body.parts) at += bytes.write(part, at, 'utf8');
  return bytes;
};
