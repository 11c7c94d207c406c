import type { Observable } from 'rxjs';

/**
 * A global position in the `$all` stream. It mirrors EventStoreDB's `Position`: events are
 * ordered by `commit`, then by `prepare`.
 *
 * In the SQL adapter `commit` is the id of the Postgres transaction that appended the event
 * (`xid8`) and `prepare` is the event's sequence number; in EventStoreDB they are its commit
 * and prepare positions in the transaction log.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** The event a writer hands to {@link EventStore.appendToStream}. */
export interface EventData<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** A UUID; generated when absent. */
  readonly id?: string;
  /**
   * `data` already written as JSON text, when the writer has it (the hash chain computes the
   * canonical text for its hash): an adapter that stores JSON text stores this one instead of
   * encoding `data` again. It must spell the same value as `data`; adapters that keep no text
   * (EventStoreDB's client encodes for itself) ignore it.
   */
  readonly dataJson?: string;
  /** The same for `metadata`. */
  readonly metadataJson?: string;
}

/** An event as read back from a stream or from `$all`. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly streamName: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Its revision within its stream, from 0. */
  readonly revision: bigint;
  /** Its position in `$all`. */
  readonly position: Position;
  readonly created: Date;
  /**
   * Only from a read that asked for it (`ReadAllOptions.storedJson`) and an adapter that keeps the
   * text: the data as the JSON text the store holds, unparsed; `data` is then `undefined`.
   */
  readonly dataJson?: string;
  /** Likewise the metadata's text; `metadata` is then empty. */
  readonly metadataJson?: string;
}

/**
 * The optimistic-concurrency rule of an append, as in EventStoreDB:
 * - `no_stream`: the stream must not exist yet;
 * - `stream_exists`: it must have at least one event;
 * - `any`: no check;
 * - a revision: the stream's last event must have exactly this revision.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

/** What the store holds for a stream, as reported by a wrong-expected-version error. */
export type CurrentRevision = 'no_stream' | bigint;

export interface AppendOptions {
  /** Defaults to `any`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** The revision of the last event written: pass it as `expectedRevision` on the next append. */
  readonly nextExpectedRevision: bigint;
  /** The position of the last event written. */
  readonly position: Position;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  readonly direction?: Direction;
  /** Inclusive. Defaults to `start` forwards and `end` backwards. */
  readonly fromRevision?: bigint | 'start' | 'end';
  /** Defaults to no limit. */
  readonly maxCount?: number;
  /**
   * Stop before the event that would take the read past this many bytes of stored JSON (data and,
   * when read, metadata); the first event is always returned. A page of small events is then one
   * read, and a read of large ones stays bounded in memory.
   */
  readonly maxBytes?: number;
  /** `false`: events come with empty metadata, which is then neither sent nor parsed. Defaults to true. */
  readonly metadata?: boolean;
}

/**
 * An event as {@link EventStore.readStreamRaw} returns it: its data as the JSON text the store
 * holds, unparsed, and only what places it in its stream.
 */
export interface RawEvent<Type extends string = string> {
  readonly type: Type;
  /** Its revision within its stream, from 0. */
  readonly revision: bigint;
  /**
   * The data's JSON text: `JSON.stringify` of the `data` appended (the SQL adapter returns the
   * stored text itself, EventStoreDB's the same text encoded again from the value its client read).
   */
  readonly data: string;
}

/** The options of {@link EventStore.readStreamRaw}: a stream read's, without metadata (never read). */
export type ReadStreamRawOptions = Omit<ReadStreamOptions, 'metadata'>;

/** Selects events in `$all` by the category of their stream: the part of its name before the first `-`. */
export interface AllFilter {
  readonly categories?: readonly string[];
  /** Stream-name prefixes (a superset of categories: `order-` is the category `order`). */
  readonly streamNamePrefixes?: readonly string[];
  /** Event types; combined with the stream selection above (both must hold). */
  readonly types?: readonly string[];
}

export interface ReadAllOptions {
  readonly direction?: Direction;
  /** Inclusive, as in EventStoreDB. Defaults to `start` forwards and `end` backwards. */
  readonly fromPosition?: Position | 'start' | 'end';
  /** Defaults to 4096. */
  readonly maxCount?: number;
  readonly filter?: AllFilter;
  /** Forwards only: stop after this position (inclusive). */
  readonly toPosition?: Position;
  /**
   * When given, an event whose metadata carries a `$hash` (the hash chain's, which covers its data)
   * and whose type is not listed may come with `data: null` and with that `$hash` alone as its
   * metadata: for readers that need the hash, not the event (the audit tree reads checkpoints'
   * data only). The SQL adapter then neither sends nor parses the rest; EventStoreDB's returns it
   * anyway.
   */
  readonly dataOnlyOfTypes?: readonly string[];
  /**
   * `true`: each event's data and metadata come as the JSON texts the store holds, `dataJson` and
   * `metadataJson`, and are not parsed (`data` is `undefined`, `metadata` empty): for readers that
   * hash the texts (verify). `created` may then be left unread (an invalid date), as the SQL
   * adapter does. Adapters that keep no text (EventStoreDB's) return the event parsed as usual,
   * without the texts.
   */
  readonly storedJson?: boolean;
}

/** The options of {@link EventStore.readAllBatch}. */
export interface ReadAllBatchOptions {
  /** Exclusive: the batch starts after it. Undefined: from the beginning. */
  readonly after?: Position;
  /** At most this many events. */
  readonly maxCount: number;
  readonly filter?: AllFilter;
  /** As {@link ReadAllOptions.dataOnlyOfTypes}. */
  readonly dataOnlyOfTypes?: readonly string[];
}

/** What {@link EventStore.readAllBatch} returns. */
export interface AllBatch {
  /** Up to `maxCount` events after `after` that match the filter, in commit order. */
  readonly events: RecordedEvent[];
  /**
   * The newest event a reader could see when the batch was read, of any type: every event up to it
   * was considered. When `events` is short of `maxCount`, a follower has seen everything up to
   * here, even events the filter left out. Undefined when `$all` is empty.
   */
  readonly head: Position | undefined;
  /**
   * True when committed events exist that no reader can see yet (an older writer is still
   * committing): they come after `head`, and a follower should read again shortly rather than
   * wait for the next append's signal, which may not come.
   */
  readonly pending: boolean;
}

export interface SubscribeToAllOptions {
  /** Exclusive: the first event delivered is the one after it. Defaults to `start`. */
  readonly fromPosition?: Position | 'start' | 'end';
  readonly filter?: AllFilter;
}

export interface SubscribeToStreamOptions {
  /** Exclusive: the first event delivered has the next revision. Defaults to `start`. */
  readonly fromRevision?: bigint | 'start' | 'end';
}

/**
 * The event store port. Every adapter (SQL on Postgres or PGlite, EventStoreDB) passes the same
 * contract suite (`@stepstream/eventstore/testing`).
 *
 * @example
 * const { nextExpectedRevision } = await store.appendToStream(
 *   'execution-sm:run1', [{ type: 'ExecutionStarted', data: { input: '{}' } }],
 *   { expectedRevision: 'no_stream' });
 */
export interface EventStore {
  /** Which adapter this is, for logs: `pglite`, `postgres`, `eventstoredb`. */
  readonly kind: string;
  /**
   * Appends events atomically.
   * @throws WrongExpectedVersionError when `expectedRevision` does not hold.
   */
  appendToStream(streamName: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads a stream; a stream that does not exist reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Reads a stream as {@link readStream} does (same events, order, `maxCount` and `maxBytes`,
   * which counts the data's bytes only), but returns each event's data as its JSON text, neither
   * parsed nor re-encoded, and nothing else but its type and revision. For readers that pass the
   * data on as JSON (GetExecutionHistory writes it into its answer).
   *
   * @example
   * const [e] = await store.readStreamRaw('execution-sm:run1', { maxCount: 1 });
   * // e.data === '{"timestamp":1733480000000,"previousEventId":0,"executionStartedEventDetails":{…}}'
   */
  readStreamRaw(streamName: string, options?: ReadStreamRawOptions): Promise<RawEvent[]>;
  /** Reads `$all` in commit order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * A follower's next batch (a projector's): the events after a position that match a filter,
   * the head of `$all` it was read up to, and whether events are still hidden behind an older
   * writer. Unlike {@link readAll} it does not wait for hidden events: it says they exist. The
   * SQL adapter reads it in one statement.
   */
  readAllBatch(options: ReadAllBatchOptions): Promise<AllBatch>;
  /** The position of the last event in `$all` that a reader can see, or `undefined` when empty. */
  headPosition(): Promise<Position | undefined>;
  /**
   * Catches up from a position, then follows new events live, with no gap and no duplicate.
   * Delivery is in commit order; an event that commits later with a smaller sequence number is
   * never skipped.
   */
  subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent>;
  /** Catches up on one stream, then follows it live. */
  subscribeToStream(streamName: string, options?: SubscribeToStreamOptions): Observable<RecordedEvent>;
  /**
   * Emits (without payload) whenever events may have been appended to `$all`, by this process or
   * another. Pull-based consumers (projectors) read with {@link readAll} on each signal.
   */
  appended(): Observable<void>;
  close(): Promise<void>;
}
