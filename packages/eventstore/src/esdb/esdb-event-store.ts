import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type JSONType,
  type ReadableSubscription,
  type RecordedEvent as ClientRecordedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { Observable, Subject, filter as rxFilter, map, share, takeUntil } from 'rxjs';
import { EventStoreUnavailableError, WrongExpectedVersionError } from '../port/errors.js';
import { comparePositions, filterPrefixes, matchesFilter } from '../port/position.js';
import type {
  AllBatch,
  AppendOptions,
  AppendResult,
  CurrentRevision,
  EventData,
  EventStore,
  ExpectedRevision,
  Position,
  RawEvent,
  ReadAllBatchOptions,
  ReadAllOptions,
  ReadStreamOptions,
  ReadStreamRawOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
} from '../port/types.js';

/** Where the EventStoreDB server is. */
export interface EventStoreDBOptions {
  /** An EventStoreDB connection string, e.g. `esdb://127.0.0.1:2113?tls=false`. */
  readonly connectionString: string;
}

const HINT = 'check EVENTSTORE_URL (e.g. esdb://127.0.0.1:2113?tls=false) and that the EventStoreDB server is up and reachable';

/** Connection failures become the port's error, with what to check; everything else passes through. */
const translate = (e: unknown): unknown =>
  e instanceof UnavailableError ||
  e instanceof DeadlineExceededError ||
  // A raw gRPC UNAVAILABLE (status 14) the client did not convert, e.g. from its capability probe.
  (e instanceof Error && (e as { code?: unknown }).code === 14)
    ? new EventStoreUnavailableError(`EventStoreDB is unavailable (${e.message}): ${HINT}`, { cause: e })
    : e;

/** Events the port never shows: server bookkeeping (`$stats-…`, `$$metadata`, `$>` links…). */
const isSystem = (e: ClientRecordedEvent): boolean => e.type.startsWith('$') || e.streamId.startsWith('$');

const isRecord = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m) && !(m instanceof Uint8Array);

/** A client event as a port event; `undefined` for system events and unresolved links. */
const toRecorded = (resolved: { event?: ClientRecordedEvent | undefined }): RecordedEvent | undefined => {
  const e = resolved.event;
  if (!e || isSystem(e)) return undefined;
  // Stream reads carry positions only from server 22.6 on; the port needs them everywhere.
  if (!e.position) throw new EventStoreUnavailableError(`EventStoreDB sent event ${e.id} without a position (server older than 22.6?)`);
  return {
    id: e.id,
    streamName: e.streamId,
    type: e.type,
    data: e.data,
    metadata: isRecord(e.metadata) ? e.metadata : {},
    revision: e.revision,
    position: { commit: e.position.commit, prepare: e.position.prepare },
    // The client already converts .NET ticks to a Date; copy it so callers cannot mutate the client's.
    created: new Date(e.created),
  };
};

/** Drains a read into port events until `limit` are kept; cancels the server-side read when stopping early. */
const drain = async <E>(read: StreamingRead<E>, keep: (resolved: E) => RecordedEvent | undefined, limit: number): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  try {
    for await (const resolved of read) {
      const e = keep(resolved);
      if (e && out.push(e) >= limit) break;
    }
  } finally {
    // Stopped early: tell the server, rather than let it stream the rest of $all to nobody.
    if (out.length >= limit) void read.cancel().catch(() => undefined);
  }
  return out;
};

/**
 * The events up to the byte budget (the first one always), each weighing `bytesOf` it: the 6.x
 * client has no such bound, so the read itself is bounded by its count only, and the budget is
 * applied to what it returned.
 */
const withinBytes = <E>(events: readonly E[], maxBytes: number, bytesOf: (e: E) => number): E[] => {
  const out: E[] = [];
  let bytes = 0;
  for (const e of events) {
    if (out.length > 0 && bytes >= maxBytes) break;
    bytes += bytesOf(e);
    out.push(e);
  }
  return out;
};

/** Bytes of a JSON value's text, as the SQL adapter counts them (`octet_length`). */
const jsonBytes = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));

const toClientExpected = (e: ExpectedRevision): AppendExpectedRevision =>
  e === 'no_stream' ? NO_STREAM : e === 'stream_exists' ? STREAM_EXISTS : e === 'any' ? ANY : e;

/** The client says `no_stream` (or `-1` from older servers) for a missing stream. */
const toCurrent = (v: unknown): CurrentRevision => (typeof v === 'bigint' && v >= 0n ? v : 'no_stream');

/**
 * The EventStoreDB adapter of the {@link EventStore} port, on `@eventstore/db-client`.
 *
 * Mapping: expected revisions are the client's `NO_STREAM`/`STREAM_EXISTS`/`ANY`/bigint; events are
 * written with `jsonEvent` (ids from `randomUUID`, metadata `{}` by default); positions are the
 * server's commit/prepare positions. Reads and subscriptions never show system events (types or
 * streams starting with `$`). `readAll` filters on the client (the 6.x client's `readAll` takes no
 * filter); subscriptions use the server-side `streamNameFilter({ prefixes })`. The client's
 * catch-up subscriptions are exclusive of their start and switch to live by themselves.
 *
 * Connection failures throw {@link EventStoreUnavailableError}; the store is probed once on open.
 */
export const openEventStoreDB = async (options: EventStoreDBOptions): Promise<EventStore> => {
  // Credentials may sit in the connection string; keep them out of error messages.
  const where = options.connectionString.replace(/\/\/[^@/]*@/, '//***@');
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(options.connectionString);
  } catch (e) {
    throw new EventStoreUnavailableError(`Bad EventStoreDB connection string ${where} (${String(e)}): ${HINT}`, { cause: e });
  }
  try {
    // The client connects lazily; read one record so a wrong URL fails here, not on first use.
    await drain(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }), () => undefined, 1);
  } catch (e) {
    await client.dispose().catch(() => undefined);
    throw new EventStoreUnavailableError(`Cannot use EventStoreDB at ${where} (${String(e)}): ${HINT}`, { cause: e });
  }
  return eventStoreOn(client);
};

const eventStoreOn = (client: EventStoreDBClient): EventStore => {
  const closing = new Subject<void>();
  let closed = false;

  const readStream = async (streamName: string, o?: ReadStreamOptions): Promise<RecordedEvent[]> => {
    const limit = o?.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (limit <= 0) return [];
    const backwards = o?.direction === 'backwards';
    const fromRevision = o?.fromRevision ?? (backwards ? END : START);
    try {
      const read = client.readStream(streamName, { direction: backwards ? BACKWARDS : FORWARDS, fromRevision, maxCount: limit });
      const events = await drain(read, toRecorded, limit);
      // Metadata counts against the budget only when it is read, as in the SQL adapter.
      const shaped = o?.metadata === false ? events.map((e) => ({ ...e, metadata: {} })) : events;
      const bytesOf = o?.metadata === false ? (e: RecordedEvent) => jsonBytes(e.data) : (e: RecordedEvent) => jsonBytes(e.data) + jsonBytes(e.metadata);
      return o?.maxBytes === undefined ? shaped : withinBytes(shaped, o.maxBytes, bytesOf);
    } catch (e) {
      if (e instanceof StreamNotFoundError) return [];
      throw translate(e);
    }
  };

  // The client hands out JSON data parsed (it keeps no bytes), so the text is encoded again from
  // that value: the same text that was appended, which `JSON.stringify` wrote (encoding a value
  // parsed from `JSON.stringify`'s output gives that output back).
  const readStreamRaw = async (streamName: string, o?: ReadStreamRawOptions): Promise<RawEvent[]> => {
    const events = await readStream(streamName, { ...o, maxBytes: undefined, metadata: false });
    const raw = events.map((e) => ({ type: e.type, revision: e.revision, data: JSON.stringify(e.data ?? null) }));
    return o?.maxBytes === undefined ? raw : withinBytes(raw, o.maxBytes, (e) => Buffer.byteLength(e.data));
  };

  const currentRevision = async (streamName: string): Promise<CurrentRevision> => {
    const [last] = await readStream(streamName, { direction: 'backwards', maxCount: 1 });
    return last ? last.revision : 'no_stream';
  };

  const readAll = async (o?: ReadAllOptions): Promise<RecordedEvent[]> => {
    const limit = o?.maxCount ?? 4096;
    if (limit <= 0) return [];
    const from = o?.fromPosition ?? (o?.direction === 'backwards' ? END : START);
    const keep = (r: AllStreamResolvedEvent) => {
      const e = toRecorded(r);
      return e && matchesFilter(e, o?.filter) ? e : undefined;
    };
    try {
      if (o?.direction !== 'backwards') {
        // The 6.x client cannot stop a read at a position: events past `toPosition` are read and
        // dropped until `limit` are kept or $all ends.
        const to = o?.toPosition;
        const read = client.readAll({ fromPosition: from });
        const events = await drain(
          read,
          (r) => {
            const e = keep(r);
            return e && (to === undefined || comparePositions(e.position, to) <= 0) ? e : undefined;
          },
          limit,
        );
        return events;
      }
      if (typeof from === 'string') return await drain(client.readAll({ direction: BACKWARDS, fromPosition: from }), keep, limit);
      // The port's bound is inclusive; a backward read of the log may start before the record at
      // `from`. Fetch that record forwards, and keep only what lies strictly before it backwards,
      // which is right whichever way the server treats the bound.
      const near = (sign: 0 | -1) => (r: AllStreamResolvedEvent) => {
        const e = keep(r);
        return e && comparePositions(e.position, from) === sign ? e : undefined;
      };
      const first = await drain(client.readAll({ fromPosition: from, maxCount: 1 }), near(0), 1);
      const rest = first.length < limit ? await drain(client.readAll({ direction: BACKWARDS, fromPosition: from }), near(-1), limit - first.length) : [];
      return [...first, ...rest];
    } catch (e) {
      throw translate(e);
    }
  };

  const headPosition = async (): Promise<Position | undefined> => {
    try {
      const [last] = await drain(client.readAll({ direction: BACKWARDS, fromPosition: END }), toRecorded, 1);
      return last?.position;
    } catch (e) {
      throw translate(e);
    }
  };

  /** The head, then the events after `after` up to it: EventStoreDB commits in log order, so nothing is ever hidden. */
  const readAllBatch = async (o: ReadAllBatchOptions): Promise<AllBatch> => {
    const head = await headPosition();
    if (head === undefined || o.maxCount <= 0 || (o.after !== undefined && comparePositions(head, o.after) <= 0)) return { events: [], head, pending: false };
    const page = await readAll({ fromPosition: o.after ?? 'start', toPosition: head, maxCount: o.maxCount + 1, ...(o.filter ? { filter: o.filter } : {}) });
    const events = (o.after !== undefined && page[0] && comparePositions(page[0].position, o.after) === 0 ? page.slice(1) : page).slice(0, o.maxCount);
    return { events, head, pending: false };
  };

  /** An empty append checks the expected revision and writes nothing, as the SQL adapter does. */
  const appendNothing = async (streamName: string, expected: ExpectedRevision): Promise<AppendResult> => {
    const actual = await currentRevision(streamName);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      (typeof expected === 'bigint' && actual === expected);
    if (!ok) throw new WrongExpectedVersionError(streamName, expected, actual);
    return {
      nextExpectedRevision: actual === 'no_stream' ? -1n : actual,
      position: (await headPosition()) ?? { commit: 0n, prepare: 0n },
    };
  };

  const appendToStream = async (streamName: string, events: readonly EventData[], o?: AppendOptions): Promise<AppendResult> => {
    const expected = o?.expectedRevision ?? 'any';
    if (closed) throw new EventStoreUnavailableError('The event store is closed');
    if (events.length === 0) return appendNothing(streamName, expected);
    const data = events.map((e) =>
      // The port's data is any JSON value; the client's JSONType is narrower but it only JSON.stringifies it.
      jsonEvent({ id: e.id ?? randomUUID(), type: e.type, data: e.data as JSONType, metadata: e.metadata ?? {} }),
    );
    try {
      const result = await client.appendToStream(streamName, data, { expectedRevision: toClientExpected(expected) });
      // Only with `throwOnAppendFailure=false` in the connection string; its revision is unreliable.
      if (!result.success) throw new WrongExpectedVersionError(streamName, expected, await currentRevision(streamName));
      const position = result.position ?? (await readStream(streamName, { direction: 'backwards', maxCount: 1 }))[0]?.position;
      if (!position) throw new EventStoreUnavailableError(`EventStoreDB returned no position for the append to '${streamName}'`);
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (e) {
      // `expected` is the caller's own value: the client's `expectedVersion` can come back as a
      // bigint (-1) for `no_stream`, and the port promises the value that was passed.
      if (e instanceof ClientWrongExpectedVersionError) {
        throw new WrongExpectedVersionError(streamName, expected, toCurrent(e.actualVersion));
      }
      throw translate(e);
    }
  };

  /** A client catch-up subscription as an Observable: unsubscribed on teardown, completed on close. */
  const follow = <E extends { event?: ClientRecordedEvent | undefined }>(open: () => ReadableSubscription<E>): Observable<RecordedEvent> =>
    new Observable<RecordedEvent>((subscriber) => {
      const subscription = open();
      subscription.on('data', (resolved: E) => {
        try {
          const e = toRecorded(resolved);
          if (e) subscriber.next(e);
        } catch (error) {
          subscriber.error(error);
        }
      });
      subscription.on('error', (error: Error) => subscriber.error(translate(error)));
      subscription.on('end', () => subscriber.complete());
      return () => void subscription.unsubscribe().catch(() => undefined);
    }).pipe(takeUntil(closing));

  const subscribeToAll = (o?: SubscribeToAllOptions): Observable<RecordedEvent> => {
    const prefixes = filterPrefixes(o?.filter);
    // Without a category filter, still drop system event types on the server; streams starting
    // with `$` whose events have ordinary types are dropped by `toRecorded`.
    const filter = prefixes ? streamNameFilter({ prefixes }) : excludeSystemEvents();
    const all = follow(() => client.subscribeToAll({ fromPosition: o?.fromPosition ?? START, filter }));
    // Event types are filtered here; the server-side filter selects streams.
    return o?.filter?.types ? all.pipe(rxFilter((e) => matchesFilter(e, o.filter))) : all;
  };

  const subscribeToStream = (streamName: string, o?: SubscribeToStreamOptions): Observable<RecordedEvent> =>
    follow(() => client.subscribeToStream(streamName, { fromRevision: o?.fromRevision ?? START }));

  // One live subscription to $all, shared by every pull consumer and dropped when none is left.
  const appended = subscribeToAll({ fromPosition: 'end' }).pipe(
    map((): void => undefined),
    share(),
  );

  return {
    kind: 'eventstoredb',
    appendToStream,
    readStream,
    readStreamRaw,
    readAll,
    readAllBatch,
    headPosition,
    subscribeToAll,
    subscribeToStream,
    appended: () => appended,
    async close() {
      if (closed) return;
      closed = true;
      closing.next();
      closing.complete();
      await client.dispose();
    },
  };
};
