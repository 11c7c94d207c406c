/**
 * The per-stream hash chain: every event's metadata carries `$hash`, a SHA-256 over its canonical
 * encoding, and `$previousHash`, the `$hash` of the event before it in its stream (`GENESIS` for
 * revision 0). Changing, removing or reordering an event then changes a hash that a later event
 * (and, through the Merkle tree, a signed checkpoint) has already committed to.
 *
 * What is hashed, as RFC 8785 canonical JSON (so member order and spelling do not matter):
 *
 * ```json
 * {"data":…,"metadata":…less $hash and $previousHash…,"previous":"<64 hex>",
 *  "revision":"<decimal>","stream":"<stream name>","type":"<event type>"}
 * ```
 *
 * The revision is a decimal string because revisions are 64-bit and JSON numbers are not. The
 * store's own event id (a UUID) is not hashed: it is not part of what an AWS client sees.
 *
 * @module
 */
import { CanonicalJsonError, canonicalJson } from './canonical.js';
import { fromHex, HASH_BYTES, isHexHash, sha256Hex } from './bytes.js';
import { leafHash } from './merkle.js';

/** The metadata key of an event's own hash. */
export const HASH_FIELD = '$hash';
/** The metadata key of the previous event's hash (in the same stream). */
export const PREVIOUS_HASH_FIELD = '$previousHash';
/** The metadata keys the chain adds; they are left out of the hash itself. */
export const HASH_FIELDS = [HASH_FIELD, PREVIOUS_HASH_FIELD] as const;

/** The previous hash of revision 0: 64 zeros. */
export const GENESIS = '0'.repeat(64);

/** Metadata as the store holds it: a JSON object. */
export type Metadata = Readonly<Record<string, unknown>>;

/** What {@link eventHash} hashes. */
export interface EventHashInput {
  readonly streamName: string;
  /** Its revision in the stream, from 0. */
  readonly revision: bigint;
  readonly type: string;
  /** JSON data; `undefined` counts as `null` (what the store reads back). */
  readonly data: unknown;
  /** The event's metadata; `$hash`/`$previousHash` in it are ignored; `undefined` counts as `{}`. */
  readonly metadata?: Metadata | undefined;
  /** The `$hash` of the event before it in its stream, or {@link GENESIS} for revision 0. */
  readonly previousHash: string;
}

const hasHashField = (metadata: Metadata): boolean =>
  Object.prototype.hasOwnProperty.call(metadata, HASH_FIELD) || Object.prototype.hasOwnProperty.call(metadata, PREVIOUS_HASH_FIELD);

/**
 * `metadata` without `$hash` and `$previousHash`. Returns `metadata` itself (no copy) when it has
 * neither, which is the case on every append.
 *
 * @example
 * withoutHashFields({ requestId: 'r1', $hash: 'ab…', $previousHash: '00…' }); // { requestId: 'r1' }
 */
export const withoutHashFields = (metadata: Metadata): Metadata => {
  if (!hasHashField(metadata)) return metadata;
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(metadata)) {
    if (key !== HASH_FIELD && key !== PREVIOUS_HASH_FIELD) rest[key] = metadata[key];
  }
  return rest;
};

/**
 * The hash of one event: lower-case hex SHA-256 of the UTF-8 of the canonical JSON of
 * `{ stream, revision, type, data, metadata (less the hash fields), previous }`.
 *
 * Throws a `CanonicalJsonError` when data or metadata is not JSON (NaN, a bigint…), and a
 * `TypeError` when `previousHash` is not 64 lower-case hex digits.
 *
 * @example
 * const $hash = eventHash({
 *   streamName: 'execution-orders:run-1', revision: 0n, type: 'ExecutionStarted',
 *   data: { timestamp: 1718000000000 }, metadata: { requestId: 'r1' }, previousHash: GENESIS,
 * });
 * // '…64 hex digits…'; the event is appended with metadata { requestId: 'r1', $previousHash: GENESIS, $hash }
 */
export const eventHash = (input: EventHashInput): string => {
  if (!isHexHash(input.previousHash)) throw new TypeError('previousHash is not 64 lower-case hex digits');
  return hashOfTexts(input, member('data', input.data === undefined ? null : input.data), restMetadataJson(input.metadata));
};

/** The canonical JSON of metadata less the hash fields (`{}` for none). */
const restMetadataJson = (metadata: Metadata | undefined): string => member('metadata', metadata === undefined ? {} : withoutHashFields(metadata));

/**
 * The hash over texts already canonical. `canonicalJson({ data, metadata, previous, revision,
 * stream, type })` written out: the members are in canonical order, and this skips an object and
 * a sort on every append (the tests check it is the same text).
 */
const hashOfTexts = (input: Omit<EventHashInput, 'data' | 'metadata'>, dataJson: string, metadataJson: string): string =>
  sha256Hex(
    `{"data":${dataJson},"metadata":${metadataJson},"previous":"${input.previousHash}","revision":"${input.revision.toString()}",` +
      `"stream":${canonicalJson(input.streamName)},"type":${canonicalJson(input.type)}}`,
  );

/** The chain's fields read off stored metadata text ({@link chainFieldsOfJson}). */
export interface ChainFields {
  /** `$hash`: 64 lower-case hex digits. */
  readonly hash: string;
  /** `$previousHash`: 64 lower-case hex digits. */
  readonly previous: string;
  /** The rest of the metadata as it is spelled there (canonical when the text is). */
  readonly restJson: string;
}

const HASH_HEAD = `{"${HASH_FIELD}":"`;
const PREVIOUS_HEAD = `","${PREVIOUS_HASH_FIELD}":"`;
const PREVIOUS_AT = HASH_HEAD.length + 64;
const REST_AT = PREVIOUS_AT + PREVIOUS_HEAD.length + 64 + 1;

/**
 * `$hash`, `$previousHash` and the rest of an event's metadata, read off its stored text with no
 * parse, when that text has the canonical form the chain writes (`{"$hash":"…","$previousHash":"…"`
 * first: every other key the engine writes sorts after them); `undefined` for any other spelling,
 * which the caller then parses. Nothing here is trusted: the fields are used to recompute the hash,
 * and only a match (which proves the texts are the ones hashed) makes parsing unnecessary.
 *
 * @example
 * chainFieldsOfJson('{"$hash":"ab…","$previousHash":"00…","requestId":"r1"}');
 * // { hash: 'ab…', previous: '00…', restJson: '{"requestId":"r1"}' }
 */
export const chainFieldsOfJson = (metadataJson: string): ChainFields | undefined => {
  const fields = splitChainFields(metadataJson);
  return fields !== undefined && isHexHash(fields.hash) && isHexHash(fields.previous) ? fields : undefined;
};

/**
 * {@link chainFieldsOfJson} without checking that the two hashes are hex: for a caller that only
 * compares them with a recomputed hash. The hash fields have fixed places and lengths in the
 * hashed text, so a match proves them to be the 64 hex digits that were hashed.
 */
export const splitChainFields = (metadataJson: string): ChainFields | undefined => {
  if (!metadataJson.startsWith(HASH_HEAD) || !metadataJson.startsWith(PREVIOUS_HEAD, PREVIOUS_AT) || metadataJson.charCodeAt(REST_AT - 1) !== 0x22)
    return undefined;
  const hash = metadataJson.slice(HASH_HEAD.length, PREVIOUS_AT);
  const previous = metadataJson.slice(PREVIOUS_AT + PREVIOUS_HEAD.length, REST_AT - 1);
  const after = metadataJson.charCodeAt(REST_AT);
  if (after === 0x7d && metadataJson.length === REST_AT + 1) return { hash, previous, restJson: '{}' };
  if (after !== 0x2c) return undefined;
  return { hash, previous, restJson: `{${metadataJson.slice(REST_AT + 1)}` };
};

/**
 * The hash of an event from its stored texts: the data's and, less the hash fields, the
 * metadata's, both as the chain writes them (canonical), with `previousHash` taken as given. A
 * text spelled any other way gives another hash: callers that get a mismatch parse the texts and
 * use {@link eventHash} before they call the event altered.
 *
 * @example
 * const fields = chainFieldsOfJson(metadataJson);
 * fields && eventHashOfJson({ streamName, revision, type, previousHash: fields.previous }, dataJson, fields.restJson) === fields.hash;
 */
export const eventHashOfJson = (input: Omit<EventHashInput, 'data' | 'metadata'>, dataJson: string, restMetadataJson: string): string =>
  hashOfTexts(input, dataJson, restMetadataJson);

/** The canonical JSON of one member of the hashed object, an error naming its path. */
const member = (name: string, value: unknown): string => {
  try {
    return canonicalJson(value);
  } catch (error) {
    if (!(error instanceof CanonicalJsonError)) throw error;
    throw new CanonicalJsonError(error.reason, `$[${JSON.stringify(name)}]${error.path.slice(1)}`);
  }
};

/**
 * The metadata to append an event with: `metadata` plus `$previousHash` and its `$hash`.
 *
 * @example
 * const metadata = chainMetadata({ streamName, revision: 5n, type, data, metadata: { requestId }, previousHash });
 * metadata.$hash; // the previousHash of revision 6
 */
export const chainMetadata = (input: EventHashInput): Metadata & { $hash: string; $previousHash: string } => chainEvent(input).metadata;

/** An event as the chain appends it: {@link chainMetadata}'s metadata, and the canonical JSON texts of its data and metadata. */
export interface ChainedEvent {
  /** The canonical JSON of the data (RFC 8785), the text that was hashed: store it as the data, and a verifier hashes it as read. */
  readonly dataJson: string;
  readonly metadata: Metadata & { $hash: string; $previousHash: string };
  /** The canonical JSON of `metadata`: the hash fields first, then the rest as hashed (see {@link chainFieldsOfJson}). */
  readonly metadataJson: string;
}

/**
 * What the chain appends for one event: its metadata with `$previousHash` and `$hash`, and the
 * canonical JSON texts of its data and of that metadata, computed once for the hash. A store that
 * writes those texts (the SQL adapter does) holds them in canonical form, so verify hashes them
 * as read, without parsing either.
 *
 * @example
 * const { dataJson, metadataJson } = chainEvent({ streamName, revision: 0n, type, data: { b: 1, a: 2 }, previousHash: GENESIS });
 * dataJson; // '{"a":2,"b":1}'
 * metadataJson; // '{"$hash":"…","$previousHash":"000…"}'
 */
export const chainEvent = (input: EventHashInput): ChainedEvent => {
  const { previousHash } = input;
  if (!isHexHash(previousHash)) throw new TypeError('previousHash is not 64 lower-case hex digits');
  const dataJson = member('data', input.data === undefined ? null : input.data);
  const rest = input.metadata === undefined ? {} : withoutHashFields(input.metadata);
  const restJson = member('metadata', rest);
  const hash = hashOfTexts(input, dataJson, restJson);
  // Built key by key: a spread with computed keys takes V8's slow path (a third of this call).
  const metadata: Record<string, unknown> = {};
  // The hash fields sort before any key that starts with a letter or a digit: then the canonical
  // text is theirs followed by the rest's, with no second encoding.
  let simple = true;
  for (const key in rest) {
    if (!Object.prototype.hasOwnProperty.call(rest, key)) continue;
    // An own `__proto__` (JSON.parse makes one) is a member, not the prototype.
    if (key === '__proto__') Object.defineProperty(metadata, key, { value: rest[key], enumerable: true, writable: true, configurable: true });
    else metadata[key] = rest[key];
    if (key <= PREVIOUS_HASH_FIELD) simple = false;
  }
  metadata[PREVIOUS_HASH_FIELD] = previousHash;
  metadata[HASH_FIELD] = hash;
  const metadataJson = simple
    ? `${HASH_HEAD}${hash}${PREVIOUS_HEAD}${previousHash}"${restJson === '{}' ? '}' : `,${restJson.slice(1)}`}`
    : canonicalJson(metadata);
  return { dataJson, metadata: metadata as ChainedEvent['metadata'], metadataJson };
};

/**
 * The RFC 6962 leaf hash of an event in the Merkle tree: the leaf data is the 32 raw bytes of its
 * `$hash`, so the tree commits to the chain (and through it to every earlier event of the stream).
 *
 * @example
 * frontier.append(eventLeafHash(event.metadata.$hash));
 */
export const eventLeafHash = (hashHex: string): Uint8Array => leafHash(fromHex(hashHex, HASH_BYTES));
