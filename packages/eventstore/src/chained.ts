import { chainEvent, chainFieldsOfJson, eventHash, fromHex, GENESIS, HASH_BYTES, HASH_FIELD, isHexHash } from '@stepstream/audit';
import { isWrongExpectedVersionError, WrongExpectedVersionError } from './port/errors.js';
import type { AppendOptions, AppendResult, EventData, EventStore, ExpectedRevision, RecordedEvent } from './port/types.js';

/** The newest event of a stream as the chain needs it: its revision (-1 for none) and its `$hash`. */
interface Tip {
  readonly revision: bigint;
  readonly hash: string;
}

const noop = () => {};

export interface ChainOptions {
  /** How many streams' tips are remembered, so an append at the revision it expects reads nothing first. Defaults to 50,000. */
  readonly tips?: number;
  /** How often an append that expects `any` or `stream_exists` is tried again when another process moved the stream meanwhile. Defaults to 100. */
  readonly retries?: number;
}

/**
 * An {@link EventStore} whose appends chain each event to the one before it in its stream: its
 * metadata gets `$previousHash` (the previous event's `$hash`, or 64 zeros at revision 0) and
 * `$hash`, the SHA-256 of the canonical JSON of its stream, revision, type, data, metadata and
 * previous hash (`@stepstream/audit`'s `eventHash`). Done here, above the port, so every adapter
 * stores the same chain; reads pass through unchanged. Each event also goes down with the
 * canonical texts of its data and metadata (`EventData.dataJson`, `metadataJson`, computed for the
 * hash anyway): the SQL adapter stores those instead of encoding the event a second time, so
 * verify can hash them as read.
 *
 * The chain needs the previous event's hash and the revisions the events will get, so every
 * append is made at an exact revision:
 * - at an expected revision the tip is known from this process's own last append to the stream
 *   (remembered for `tips` streams) or else read (one read of the stream's last event);
 * - `no_stream` starts at the genesis hash;
 * - `any` and `stream_exists` read the tip and append at it; if another process appended in
 *   between, the store refuses and the append is tried again on the new tip (`retries` times,
 *   after a short random pause).
 *
 * Appends to one stream from this process go one after another (each after the one before it
 * ended), so they never race each other for a tip; other streams are not held up.
 *
 * A stream written before the chain existed has no `$hash` on its last event: its next event
 * links to the genesis hash, and the chain starts there (verify reports the events before it as
 * unchained).
 *
 * @example
 * const store = chainedEventStore(await openPostgresEventStore({ connectionString }));
 * await store.appendToStream('execution-sm:run1', [{ type: 'ExecutionStarted', data: {} }], { expectedRevision: 'no_stream' });
 * (await store.readStream('execution-sm:run1'))[0].metadata.$hash; // 64 hex digits
 */
export const chainedEventStore = (store: EventStore, options: ChainOptions = {}): EventStore => {
  const capacity = options.tips ?? 50_000;
  const retries = options.retries ?? 100;
  /** Per stream, the end of the last append this process began on it: appends to one stream go one after another. */
  const queues = new Map<string, Promise<unknown>>();
  const tips = new Map<string, Tip>();

  const remember = (streamName: string, tip: Tip) => {
    tips.delete(streamName);
    tips.set(streamName, tip);
    if (tips.size > capacity) tips.delete(tips.keys().next().value as string);
  };

  const readTip = async (streamName: string): Promise<Tip> => {
    const [last] = await store.readStream(streamName, { direction: 'backwards', maxCount: 1 });
    if (!last) return { revision: -1n, hash: GENESIS };
    const hash = last.metadata[HASH_FIELD];
    return { revision: last.revision, hash: typeof hash === 'string' ? hash : GENESIS };
  };

  /** The tip an append at `expected` can chain onto without reading anything, if this process knows it. */
  const knownTip = (streamName: string, expected: ExpectedRevision): Tip | undefined => {
    if (expected === 'no_stream') return { revision: -1n, hash: GENESIS };
    if (typeof expected !== 'bigint') return undefined;
    const known = tips.get(streamName);
    return known?.revision === expected ? known : undefined;
  };

  /** The tip to chain onto: known, or read from the store. */
  const tipFor = async (streamName: string, expected: ExpectedRevision): Promise<Tip> => knownTip(streamName, expected) ?? readTip(streamName);

  /** The events with their chain metadata, from `tip` on. */
  const chained = (streamName: string, events: readonly EventData[], tip: Tip): { events: EventData[]; last: string } => {
    let previousHash = tip.hash;
    const out = events.map((e, i) => {
      const { dataJson, metadata, metadataJson } = chainEvent({
        streamName,
        revision: tip.revision + 1n + BigInt(i),
        type: e.type,
        data: e.data,
        metadata: e.metadata,
        previousHash,
      });
      previousHash = metadata.$hash;
      // The canonical texts that were hashed are what the store writes: verify hashes them as read.
      // Written out, not spread: one shape for every event, which the store's reads of it keep fast.
      const out: EventData = { type: e.type, data: e.data, id: e.id, dataJson, metadata, metadataJson };
      return out;
    });
    return { events: out, last: previousHash };
  };

  /** Appends at the exact revision after `tip` and remembers the new tip; forgets the tip when the store refuses. */
  const appendAt = (streamName: string, events: readonly EventData[], exact: ExpectedRevision, tip: Tip): Promise<AppendResult> => {
    let prepared: ReturnType<typeof chained>;
    try {
      prepared = chained(streamName, events, tip);
    } catch (error) {
      // Data that is not JSON: the caller's promise rejects, as every append's does.
      return Promise.reject(error as Error);
    }
    const { events: withChain, last } = prepared;
    return store.appendToStream(streamName, withChain, { expectedRevision: exact }).then(
      (result) => {
        remember(streamName, { revision: result.nextExpectedRevision, hash: last });
        return result;
      },
      (error: unknown) => {
        tips.delete(streamName);
        throw error;
      },
    );
  };

  const appendNow = async (streamName: string, events: readonly EventData[], expected: ExpectedRevision): Promise<AppendResult> => {
    // `any` and `stream_exists` become the exact revision read; another process may take it first.
    const loose = expected === 'any' || expected === 'stream_exists';
    for (let attempt = 0; ; attempt++) {
      const tip = await tipFor(streamName, expected);
      if (expected === 'stream_exists' && tip.revision < 0n) throw new WrongExpectedVersionError(streamName, expected, 'no_stream');
      const exact: ExpectedRevision = loose ? (tip.revision < 0n ? 'no_stream' : tip.revision) : expected;
      try {
        return await appendAt(streamName, events, exact, tip);
      } catch (e) {
        if (!loose || !isWrongExpectedVersionError(e) || attempt >= retries) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 20)));
      }
    }
  };

  const appendToStream = (streamName: string, events: readonly EventData[], appendOptions?: AppendOptions): Promise<AppendResult> => {
    const expected = appendOptions?.expectedRevision ?? 'any';
    if (events.length === 0) return store.appendToStream(streamName, events, appendOptions);
    const before = queues.get(streamName);
    // The engine's usual append: nothing under way on the stream and its tip known. It goes down
    // at once, with no read and no extra turn of the event loop.
    const tip = before === undefined ? knownTip(streamName, expected) : undefined;
    const run =
      tip !== undefined
        ? appendAt(streamName, events, expected, tip)
        : before
          ? before.then(noop, noop).then(() => appendNow(streamName, events, expected))
          : appendNow(streamName, events, expected);
    const append: Promise<AppendResult> = run.finally(() => {
      if (queues.get(streamName) === append) queues.delete(streamName);
    });
    queues.set(streamName, append);
    return append;
  };

  return { ...store, appendToStream };
};

/**
 * The data of an event's leaf in the audit tree (RFC 6962 leaf input): the 32 bytes of its
 * `$hash`, or — for an event appended before the chain existed (no `$hash`) — of the hash its
 * content would have with the genesis hash as previous, so that the tree still commits to it from
 * the time it is added. Every tree over `$all` (the projector's, `stepstream verify`'s) uses this.
 *
 * @example
 * frontier.append(leafHash(leafDataOf(event)));
 */
export const leafDataOf = (event: RecordedEvent): Uint8Array => {
  if (event.metadataJson !== undefined) {
    // Read as text (`storedJson`): the chain's own spelling gives the hash with no parse.
    const fields = chainFieldsOfJson(event.metadataJson);
    if (fields !== undefined) return Buffer.from(fields.hash, 'hex');
    return leafDataOf({ ...event, metadata: JSON.parse(event.metadataJson) ?? {}, metadataJson: undefined });
  }
  const stored = event.metadata[HASH_FIELD];
  const hex =
    typeof stored === 'string' && isHexHash(stored)
      ? stored
      : eventHash({
          streamName: event.streamName,
          revision: event.revision,
          type: event.type,
          data: event.dataJson === undefined ? event.data : JSON.parse(event.dataJson),
          metadata: event.metadata,
          previousHash: GENESIS,
        });
  return fromHex(hex, HASH_BYTES);
};
