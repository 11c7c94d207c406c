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
  const { previousHash } = input;
  if (!isHexHash(previousHash)) throw new TypeError('previousHash is not 64 lower-case hex digits');
  const data = member('data', input.data === undefined ? null : input.data);
  const metadata = member('metadata', input.metadata === undefined ? {} : withoutHashFields(input.metadata));
  // canonicalJson({ data, metadata, previous, revision, stream, type }) written out: the members
  // are already in canonical order, and this skips an object and a sort on every append (the
  // tests check it is the same text).
  return sha256Hex(
    `{"data":${data},"metadata":${metadata},"previous":"${previousHash}","revision":"${input.revision.toString()}",` +
      `"stream":${canonicalJson(input.streamName)},"type":${canonicalJson(input.type)}}`,
  );
};

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
export const chainMetadata = (input: EventHashInput): Metadata & { $hash: string; $previousHash: string } => ({
  ...(input.metadata === undefined ? {} : withoutHashFields(input.metadata)),
  [PREVIOUS_HASH_FIELD]: input.previousHash,
  [HASH_FIELD]: eventHash(input),
});

/**
 * The RFC 6962 leaf hash of an event in the Merkle tree: the leaf data is the 32 raw bytes of its
 * `$hash`, so the tree commits to the chain (and through it to every earlier event of the stream).
 *
 * @example
 * frontier.append(eventLeafHash(event.metadata.$hash));
 */
export const eventLeafHash = (hashHex: string): Uint8Array => leafHash(fromHex(hashHex, HASH_BYTES));
