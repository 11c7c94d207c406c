/**
 * A response body that is already JSON text: the protocol layer sends its text as it is instead
 * of `JSON.stringify`-ing an object. For answers composed from JSON texts the store holds
 * (GetExecutionHistory), which would otherwise be parsed and encoded again. Whoever builds one
 * vouches that `text` is one JSON object.
 *
 * @example
 * return E.right(new RawJson(`{"events":[${texts.join(',')}]}`));
 */
export class RawJson {
  constructor(readonly text: string) {}
}
