import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import { Observable, Subject } from 'rxjs';
import { catchUp, type Page } from '../catch-up.js';
import { LeaseLostError, WrongExpectedVersionError } from '../port/errors.js';
import { LEASE_LOST_SQLSTATE } from './schema.js';

import type {
  AllBatch,
  AllFilter,
  AppendOptions,
  AppendResult,
  CurrentRevision,
  EventData,
  EventStore,
  Position,
  ReadAllBatchOptions,
  ReadAllOptions,
  RawEvent,
  ReadStreamOptions,
  ReadStreamRawOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscribeToStreamOptions,
} from '../port/types.js';
import { withArrayLiterals } from './text-array.js';

/** How an SQL store learns that another writer appended, and tells others that it did. */
export interface AppendSignal {
  /** Fires when events may have been appended elsewhere. */
  readonly wake: Observable<void>;
  /** Called after each successful append of this process (already committed). */
  readonly announce: () => void;
  readonly close: () => Promise<void>;
}

export interface SqlEventStoreOptions {
  readonly db: Kysely<any>;
  /** The Postgres schema that holds the tables (created by `migrateEventStore`). */
  readonly schema: string;
  readonly kind: string;
  readonly signal: AppendSignal;
  /** Called on close, after the signal is closed. */
  readonly onClose?: () => Promise<void>;
  /** Page size of subscriptions' reads. */
  readonly pageSize?: number;
  /**
   * Runs the append call (always the same text). Postgres passes a named prepared statement so
   * the server plans it once per connection; the default sends it through Kysely.
   */
  readonly runAppend?: (text: string, params: readonly unknown[]) => Promise<readonly AppendRow[]>;
}

/** What the append function returns; nulls mean the expected revision did not hold. */
export interface AppendRow {
  revision: string | null;
  transaction_id: string | null;
  position: string | null;
}

interface EventRow {
  position: string;
  transaction_id: string;
  stream_name: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  /** Parsed, or the text when read as `metadata::text`. */
  metadata: Record<string, unknown> | string | null;
  /** Epoch milliseconds (a float8: cheaper to read than a timestamptz the driver parses into a Date). */
  created: number | string | Date;
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  data: row.data,
  metadata: (row.metadata ?? {}) as Record<string, unknown>,
  revision: BigInt(row.revision),
  position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.position) },
  created: row.created instanceof Date ? row.created : new Date(Number(row.created)),
});

/** Where a read leaves `created` out (`ReadAllOptions.storedJson`): an invalid date, shared. */
const NOT_READ = new Date(Number.NaN);

/** A row read with `data::text` and `metadata::text` (`ReadAllOptions.storedJson`): the texts, nothing parsed, no `created`. */
const toRecordedAsText = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  data: undefined,
  metadata: {},
  // A data column left out (`dataOnlyOfTypes`) is null: no text.
  dataJson: typeof row.data === 'string' ? row.data : undefined,
  metadataJson: typeof row.metadata === 'string' ? row.metadata : '{}',
  revision: BigInt(row.revision),
  position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.position) },
  created: NOT_READ,
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Whether Postgres `text` holds this name exactly. A NUL is refused by the server (`invalid byte
 * sequence`), and a lone surrogate is turned into U+FFFD by the driver, so it would match another
 * stream. No stored stream, category or type has such a name: reads for one find nothing without
 * asking the database (a client's ARN may hold anything), and an append to one is refused.
 */
const storableName = (s: string): boolean => !/[\u0000\ud800-\udfff]/u.test(s);

/**
 * The SQL adapter of the {@link EventStore} port, on any Kysely Postgres dialect (a `pg` pool or
 * an in-process PGlite).
 *
 * Commit order: `position` comes from a sequence, and two writers can commit out of sequence
 * order (B takes 11, A took 10, B commits first). Readers of `$all` therefore order by the
 * appending transaction's id and only read events of transactions older than the oldest one still
 * running (`pg_snapshot_xmin(pg_current_snapshot())`). Once a reader has seen a transaction,
 * every older one has ended, so nothing can later appear behind its cursor.
 */
export const getSqlEventStore = (options: SqlEventStoreOptions): EventStore => {
  const { db, signal } = options;
  const pageSize = options.pageSize ?? 1000;
  const t = (name: string) => sql.id(options.schema, name);
  const localAppends = new Subject<void>();
  let closed = false;
  const appendText = `select o_revision::text as revision, o_transaction_id::text as transaction_id, o_position::text as position
    from "${options.schema.replace(/"/g, '""')}".append_events($1, $2, $3::bigint, $4::uuid[], $5::text[], $6::text[], $7::text[])`;
  const runAppend =
    options.runAppend ??
    (async (text: string, params: readonly unknown[]) => (await db.executeQuery<AppendRow>(CompiledQuery.raw(text, withArrayLiterals(params)))).rows);

  // Read as text (bigint columns differ between drivers); ORDER BY must name the table's columns
  // (`e.position`), not these text aliases.
  // `::text` (`storedJson`): the stored texts, which the driver hands over without parsing. Such a
  // read leaves `created` out: its computation is a sixth of a row's cost on the server.
  const columnsOf = (data: RawBuilder<unknown>, metadata: RawBuilder<unknown>, asText: boolean) => sql`position::text as position,
    transaction_id::text as transaction_id, stream_name, revision::text as revision, event_id::text as event_id, type,
    ${data}${asText ? sql`::text` : sql``} as data, ${metadata}${asText ? sql`::text` : sql``} as metadata,
    ${asText ? sql`null::float8` : sql`(extract(epoch from created) * 1000)::float8`} as created`;
  const columnsWith = (metadata: boolean, asText = false) => columnsOf(sql`data`, metadata ? sql`metadata` : sql`null::json`, asText);
  const columns = columnsWith(true);
  /**
   * The columns, but where the metadata holds a `$hash` and the type is not in `types`, `data` null
   * and the metadata that hash alone (`ReadAllOptions.dataOnlyOfTypes`); `join` goes right after
   * `events as e` in the read's FROM.
   */
  const hashedDataOmitted = (types: readonly string[], asText: boolean) => {
    // The hash is read off the metadata's text, never with `->>`: that parses the whole value, and
    // Postgres refuses a lone surrogate's escape (`\ud800`, which `json` stores as written) there,
    // so one such event would stop every read past it (the audit tree's projector was stuck so).
    // The chain writes its metadata as canonical JSON, keys sorted, so it begins `{"$hash":"`, 64
    // of [0-9a-f] and `"`. Only such a text is taken as hashed: then the top-level `$hash` is
    // exactly those 64 characters, as `isHexHash` would find on the parsed metadata. Any other
    // (a `$hash` nested or not first, longer, escaped, of other characters) is read whole, and its
    // leaf computed from it. No regular expression with a bound (`^[0-9a-f]{64}$` costs Postgres
    // ~5 µs a row; this check ~0.3), and computed once a row, in a lateral subquery (`offset 0`
    // keeps the planner from copying it into each of its three uses): the audit tree's batch of
    // 500 events reads in 2.2 ms instead of 11.3 on Postgres, 15–22 instead of 29–44 on PGlite.
    const whole = sql`hx.hash is null or type = any(${types.filter(storableName)}::text[])`;
    return {
      columns: columnsOf(sql`(case when ${whole} then data end)`, sql`(case when ${whole} then metadata else json_build_object('$hash', hx.hash) end)`, asText),
      join: sql`cross join lateral (
        select case when length(c.candidate) = 64 and c.candidate !~ '[^0-9a-f]' then c.candidate end as hash
        from (
          select case when starts_with(m.meta, '{"$hash":"') and substr(m.meta, 75, 1) = '"' then substr(m.meta, 11, 64) end as candidate
          from (select e.metadata::text as meta offset 0) as m offset 0
        ) as c
      ) as hx`,
    };
  };
  /** A read's columns and what its FROM joins to `events as e` for them: `dataOnlyOfTypes` or every column. */
  const readShape = (dataOnlyOfTypes: readonly string[] | undefined, asText: boolean) =>
    dataOnlyOfTypes ? hashedDataOmitted(dataOnlyOfTypes, asText) : { columns: columnsWith(true, asText), join: sql`` };
  const visible = sql`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`;
  /** The newest transaction whose committed events readers cannot see yet (null when there is none): the look for events hidden behind an older writer. */
  const hiddenNewest = sql`select max(transaction_id)::text as newest from ${t('events')} where transaction_id >= pg_snapshot_xmin(pg_current_snapshot())`;

  const filterSql = (filter: AllFilter | undefined): RawBuilder<unknown> => {
    // Names that cannot be stored match nothing; an all-unmatchable list still filters (`false`).
    const categories = (filter?.categories ?? []).filter(storableName);
    const prefixes = (filter?.streamNamePrefixes ?? []).filter(storableName);
    const types = filter?.types === undefined ? sql`true` : sql`type = any(${filter.types.filter(storableName)}::text[])`;
    if (categories.length === 0 && prefixes.length === 0) {
      const named = (filter?.categories?.length ?? 0) + (filter?.streamNamePrefixes?.length ?? 0) > 0;
      return named ? sql`false` : types;
    }
    const parts: RawBuilder<unknown>[] = [];
    if (categories.length > 0) parts.push(sql`category = any(${[...categories]}::text[])`);
    for (const p of prefixes) parts.push(sql`stream_name like ${`${escapeLike(p)}%`}`);
    return sql`(${sql.join(parts, sql` or `)}) and ${types}`;
  };

  const currentRevision = async (streamName: string): Promise<CurrentRevision> => {
    if (!storableName(streamName)) return 'no_stream';
    const { rows } = await sql<{ revision: string }>`
      select revision::text as revision from ${t('streams')} where stream_name = ${streamName}`.execute(db);
    return rows[0] ? BigInt(rows[0].revision) : 'no_stream';
  };

  const appendToStream = async (streamName: string, events: readonly EventData[], appendOptions?: AppendOptions): Promise<AppendResult> => {
    const expected = appendOptions?.expectedRevision ?? 'any';
    if (closed) throw new Error('The event store is closed');
    if (!storableName(streamName)) throw new Error(`Stream name ${JSON.stringify(streamName)} holds a NUL or a lone surrogate: it cannot be stored`);
    if (events.length === 0) return appendNothing(streamName, expected);
    const mode = typeof expected === 'bigint' ? 'exact' : expected;
    const params = [
      streamName,
      mode,
      typeof expected === 'bigint' ? expected.toString() : null,
      events.map((e) => e.id ?? randomUUID()),
      events.map((e) => e.type),
      events.map((e) => e.dataJson ?? JSON.stringify(e.data ?? null)),
      events.map((e) => e.metadataJson ?? JSON.stringify(e.metadata ?? {})),
    ];
    // One call, so one round trip and one implicit transaction: the function claims the
    // revisions on the stream's row (its lock orders concurrent writers), then inserts the events.
    let rows: readonly AppendRow[];
    try {
      rows = await runAppend(appendText, params);
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code === LEASE_LOST_SQLSTATE) throw new LeaseLostError(streamName, (e as Error).message);
      throw e;
    }
    const row = rows[0];
    if (!row || row.revision === null || row.position === null || row.transaction_id === null) {
      throw new WrongExpectedVersionError(streamName, expected, await currentRevision(streamName));
    }
    localAppends.next();
    signal.announce();
    return {
      nextExpectedRevision: BigInt(row.revision),
      position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.position) },
    };
  };

  /** An empty append checks the expected revision and writes nothing, as EventStoreDB does. */
  const appendNothing = async (streamName: string, expected: AppendOptions['expectedRevision'] & {}) => {
    const actual = await currentRevision(streamName);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && actual === 'no_stream') ||
      (expected === 'stream_exists' && actual !== 'no_stream') ||
      (typeof expected === 'bigint' && actual === expected);
    if (!ok) throw new WrongExpectedVersionError(streamName, expected, actual);
    const head = await headPosition();
    return {
      nextExpectedRevision: actual === 'no_stream' ? -1n : actual,
      position: head ?? { commit: 0n, prepare: 0n },
    };
  };

  /**
   * The query of a stream read, given its columns (`revision` among them) and the bytes each row
   * counts against `maxBytes`; undefined when the read cannot return anything.
   */
  const streamQuery = (
    streamName: string,
    o: ReadStreamRawOptions | undefined,
    columns: RawBuilder<unknown>,
    names: readonly string[],
    bytesOf: RawBuilder<unknown>,
  ): RawBuilder<unknown> | undefined => {
    const backwards = o?.direction === 'backwards';
    const from = o?.fromRevision ?? (backwards ? 'end' : 'start');
    const limit = o?.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (limit <= 0 || !storableName(streamName)) return undefined;
    const bound =
      from === 'start'
        ? backwards
          ? sql`false`
          : sql`true`
        : from === 'end'
          ? backwards
            ? sql`true`
            : sql`false`
          : backwards
            ? sql`revision <= ${from.toString()}::bigint`
            : sql`revision >= ${from.toString()}::bigint`;
    // Revisions are dense (0, 1, 2 … in a stream), so a read of `limit` events also bounds the
    // revision range: the rows a plan touches are at most `limit` whatever the statistics say
    // (with stale ones, `revision >= r order by revision limit n` became a bitmap scan and a sort
    // of the rest of a long stream, ~12 ms at 25,000 events instead of ~1).
    const window = !o?.maxCount
      ? sql`true`
      : from === 'start'
        ? backwards
          ? sql`true`
          : sql`revision < ${BigInt(limit).toString()}::bigint`
        : from === 'end'
          ? backwards
            ? sql`revision > (select max(revision) from ${t('events')} where stream_name = ${streamName}) - ${BigInt(limit).toString()}::bigint`
            : sql`true`
          : backwards
            ? sql`revision > ${(from - BigInt(limit)).toString()}::bigint`
            : sql`revision < ${(from + BigInt(limit)).toString()}::bigint`;
    const order = backwards ? sql`desc` : sql`asc`;
    /** The page's rows: chosen by the index and the limit, with `extra` columns. */
    const pageOf = (extra: RawBuilder<unknown>) => sql`
      select ${columns}${extra} from ${t('events')} as e
      where stream_name = ${streamName} and ${bound} and ${window}
      order by e.revision ${order}
      limit ${limit}`;
    if (o?.maxBytes === undefined) return pageOf(sql``);
    // The bytes before each row are summed over the page only; the rows past the budget are
    // neither sent nor parsed, and the columns that sum them are not sent either.
    const outer = sql.join(names.map((n) => sql.ref(`x.${n}`)));
    return sql`
      select ${outer} from (
        select r.*, coalesce(sum(r.bytes) over (order by r.rev ${order} rows between unbounded preceding and 1 preceding), 0) as bytes_before
        from (${pageOf(sql`, e.revision as rev, ${bytesOf} as bytes`)}) r
      ) x
      where x.bytes_before < ${o.maxBytes}
      order by x.rev ${order}`;
  };

  const recordedNames = ['position', 'transaction_id', 'stream_name', 'revision', 'event_id', 'type', 'data', 'metadata', 'created'] as const;

  const readStream = async (streamName: string, o?: ReadStreamOptions): Promise<RecordedEvent[]> => {
    const withMetadata = o?.metadata !== false;
    const bytes = sql`octet_length(e.data::text) + ${withMetadata ? sql`coalesce(octet_length(e.metadata::text), 0)` : sql`0`}`;
    const query = streamQuery(streamName, o, columnsWith(withMetadata), recordedNames, bytes);
    if (!query) return [];
    const { rows } = await sql<EventRow>`${query}`.execute(db);
    return rows.map(toRecorded);
  };

  // Only what a raw read returns: each row is three fields for the driver to decode (PGlite's
  // decoder copies every field), and `data::text` is the stored text, which no driver parses.
  const rawColumns = sql`revision::text as revision, type, data::text as data`;
  //
  // The rows come as one text: `revision US type US data`, joined by RS (the ASCII unit and record
  // separators, which a JSON text never holds unescaped), so the driver decodes one field instead
  // of three per event (25,000 events from PGlite: ~70 ms instead of ~210). A type that holds a
  // separator (no type the engine writes does) sends the read down the row-by-row way instead.
  const readStreamRaw = async (streamName: string, o?: ReadStreamRawOptions): Promise<RawEvent[]> => {
    const query = streamQuery(streamName, o, rawColumns, ['revision', 'type', 'data'], sql`octet_length(e.data::text)`);
    if (!query) return [];
    const backwards = o?.direction === 'backwards';
    // No ORDER BY inside string_agg: Postgres 15 would sort the page again (a fifth of the
    // statement's time for 1,000 events: 2.0-2.2 ms with it, 1.6-1.8 without). The subquery hands
    // the rows over in order and the aggregate keeps it, as Postgres does for a plain scan of a
    // sorted subquery; the loop below checks the revisions anyway and sorts if they ever came
    // otherwise.
    const { rows: joined } = await sql<{ text: string | null; plain: boolean | null }>`
      select string_agg(x.revision || chr(31) || x.type || chr(31) || x.data, chr(30)) as text,
        bool_and(strpos(x.type, chr(30)) = 0 and strpos(x.type, chr(31)) = 0) as plain
      from (${query}) x`.execute(db);
    const { text, plain } = joined[0] ?? { text: null, plain: null };
    if (text === null) return [];
    if (plain !== true) {
      const { rows } = await sql<{ revision: string; type: string; data: string }>`${query}`.execute(db);
      return rows.map((row) => ({ type: row.type, revision: BigInt(row.revision), data: row.data }));
    }
    const events: RawEvent[] = [];
    let outOfOrder = false;
    for (let at = 0; at < text.length;) {
      const end = text.indexOf('\x1e', at);
      const stop = end < 0 ? text.length : end;
      const afterRevision = text.indexOf('\x1f', at);
      const afterType = text.indexOf('\x1f', afterRevision + 1);
      const revision = BigInt(text.slice(at, afterRevision));
      const previous = events.at(-1)?.revision;
      if (previous !== undefined && (backwards ? revision > previous : revision < previous)) outOfOrder = true;
      events.push({ revision, type: text.slice(afterRevision + 1, afterType), data: text.slice(afterType + 1, stop) });
      at = stop + 1;
    }
    if (outOfOrder) events.sort((a, b) => (a.revision === b.revision ? 0 : a.revision < b.revision !== backwards ? -1 : 1));
    return events;
  };

  const positionBound = (from: Position | 'start' | 'end' | undefined, backwards: boolean, inclusive: boolean) => {
    if (from === undefined || from === 'start') return backwards ? sql`false` : sql`true`;
    if (from === 'end') return backwards ? sql`true` : sql`false`;
    const op = sql.raw(backwards ? (inclusive ? '<=' : '<') : inclusive ? '>=' : '>');
    return sql`(transaction_id, position) ${op} (${from.commit.toString()}::text::xid8, ${from.prepare.toString()}::bigint)`;
  };

  const readAllRows = async (
    from: Position | 'start' | 'end' | undefined,
    backwards: boolean,
    inclusive: boolean,
    limit: number,
    filter: AllFilter | undefined,
    to?: Position,
    shape?: Pick<ReadAllOptions, 'dataOnlyOfTypes' | 'storedJson'>,
  ): Promise<RecordedEvent[]> => {
    if (limit <= 0) return [];
    const order = backwards ? sql`desc` : sql`asc`;
    const asText = shape?.storedJson === true;
    const { columns, join } = readShape(shape?.dataOnlyOfTypes, asText);
    // Forwards up to a position (a projector's batch: from its checkpoint to the head), the bound
    // is applied to the page, not in it: with both bounds and a type filter in one WHERE the
    // planner underestimates the rows (it multiplies the two range selectivities), takes a bitmap
    // scan of everything from `from` to `to` and sorts it — each batch of a catch-up then read all
    // the rest of the log (66,000 events: 2.9 s instead of 0.4). The first `limit` events after
    // `from` read off the commit-order index, less those past `to`, are the same events: past
    // `to` in commit order, every later one is too.
    // The page's keys first, its columns after: the columns can be costly (the audit tree's
    // `dataOnlyOfTypes` reads a hash out of each event's metadata text), and a plan that sorts
    // computes them for every row it sorts — every event after `from`, not the page's (a Map Run
    // of 3,000 children made each audit batch of 2,000 events take 2 s on PGlite, in the one thread).
    const keys =
      to !== undefined && !backwards
        ? sql`
      select page.position from (
        select e.transaction_id, e.position from ${t('events')} as e
        where ${visible} and ${positionBound(from, false, inclusive)} and ${filterSql(filter)}
        order by e.transaction_id, e.position
        limit ${limit}) as page
      where (page.transaction_id::xid8, page.position::bigint) <= (${to.commit.toString()}::text::xid8, ${to.prepare.toString()}::bigint)`
        : sql`
      select e.position from ${t('events')} as e
      where ${visible} and ${positionBound(from, backwards, inclusive)} and ${to === undefined ? sql`true` : positionBound(to, true, true)} and ${filterSql(filter)}
      order by e.transaction_id ${order}, e.position ${order}
      limit ${limit}`;
    const { rows } = await sql<EventRow>`
      select ${columns} from ${t('events')} as e ${join}
      where e.position = any(array(${keys}))
      order by e.transaction_id ${order}, e.position ${order}`.execute(db);
    return rows.map(asText ? toRecordedAsText : toRecorded);
  };

  /**
   * The newest transaction that has committed events readers cannot see yet (an older writer is
   * still committing), or undefined when every committed event is visible.
   */
  const invisibleUpTo = async (): Promise<string | undefined> => {
    const { rows } = await sql<{ newest: string | null }>`${hiddenNewest}`.execute(db);
    return rows[0]?.newest ?? undefined;
  };

  /** Waits (bounded) until every transaction up to `xid` has ended, so its events are visible. */
  const awaitHorizon = async (xid: string, maxWaitMs = 30_000): Promise<void> => {
    const deadline = Date.now() + maxWaitMs;
    for (let delay = 1; Date.now() < deadline; delay = Math.min(delay * 2, 50)) {
      const { rows } = await sql<{ passed: boolean }>`
        select pg_snapshot_xmin(pg_current_snapshot()) > ${xid}::text::xid8 as passed`.execute(db);
      if (rows[0]?.passed) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  };

  /**
   * readAll with read-your-writes: an event committed before the call may still be hidden behind
   * an older writer that has not committed yet. So first look for such events (one small indexed
   * query), wait — bounded — for the older writers to end, then read. Checking before reading
   * matters: checking after a short page could miss events that became visible in between and
   * return a page without them.
   */
  const readAll = async (o?: ReadAllOptions): Promise<RecordedEvent[]> => {
    const backwards = o?.direction === 'backwards';
    const from = o?.fromPosition ?? (backwards ? 'end' : 'start');
    const hidden = await invisibleUpTo();
    if (hidden !== undefined) await awaitHorizon(hidden);
    return readAllRows(from, backwards, true, o?.maxCount ?? 4096, o?.filter, backwards ? undefined : o?.toPosition, o);
  };

  /**
   * A subscription's page: up to `limit` visible events after `after`, and — in the same statement,
   * so in the same snapshot as the page — whether events exist beyond what readers can see yet (an
   * older writer is still committing). One round trip instead of two; and the page and the look
   * agree by construction, so a writer committing between them cannot leave the page without its
   * events and report nothing pending.
   */
  const readAllPage = async (after: Position | undefined, limit: number, filter: AllFilter | undefined): Promise<Page<RecordedEvent>> => {
    const { rows } = await sql<EventRow & { pending_newest: string | null }>`
      select ${columns}, h.newest as pending_newest
      from (${hiddenNewest}) as h
      left join lateral (
        select * from ${t('events')}
        where ${visible} and ${positionBound(after, false, false)} and ${filterSql(filter)}
        order by transaction_id, position
        limit ${limit}
      ) as e on true
      order by e.transaction_id, e.position`.execute(db);
    const pending = rows[0]?.pending_newest != null;
    const items = rows.filter((row) => row.position !== null).map(toRecorded);
    return { items, pending: items.length < limit ? pending : false };
  };

  /**
   * A follower's batch ({@link EventStore.readAllBatch}) in one statement, so in one snapshot: the
   * head (the newest event readers can see, of any type), whether a committed event is still
   * hidden behind an older writer, and the page after `after`. A projector's batch read was four
   * statements (the head and the page, each after a look for hidden events and a wait for them).
   * The page needs no upper bound: every event it can see is at or before the head it reads with.
   */
  const readAllBatch = async (o: ReadAllBatchOptions): Promise<AllBatch> => {
    const { columns, join } = readShape(o.dataOnlyOfTypes, false);
    const keys = sql`
      select e.position from ${t('events')} as e
      where ${visible} and ${positionBound(o.after, false, false)} and ${filterSql(o.filter)}
      order by e.transaction_id, e.position
      limit ${Math.max(0, o.maxCount)}`;
    const { rows } = await sql<EventRow & { head_commit: string | null; head_prepare: string | null; pending_newest: string | null }>`
      select p.*, h.head_commit, h.head_prepare, x.newest as pending_newest
      from (${hiddenNewest}) as x
      left join lateral (
        select transaction_id::text as head_commit, position::text as head_prepare from ${t('events')}
        where ${visible} order by transaction_id desc, position desc limit 1
      ) as h on true
      left join lateral (select ${columns} from ${t('events')} as e ${join} where e.position = any(array(${keys}))) as p on true
      order by p.transaction_id::xid8, p.position::bigint`.execute(db);
    const first = rows[0];
    const head =
      first?.head_commit != null && first.head_prepare != null ? { commit: BigInt(first.head_commit), prepare: BigInt(first.head_prepare) } : undefined;
    const events = rows.filter((row) => row.position !== null).map(toRecorded);
    return { events, head, pending: first?.pending_newest != null };
  };

  const headPosition = async (): Promise<Position | undefined> => {
    const [last] = await readAll({ direction: 'backwards', maxCount: 1 });
    return last?.position;
  };

  const wake = new Observable<void>((subscriber) => {
    const a = localAppends.subscribe(subscriber);
    const b = signal.wake.subscribe(subscriber);
    return () => {
      a.unsubscribe();
      b.unsubscribe();
    };
  });

  const subscribeToAll = (o?: SubscribeToAllOptions): Observable<RecordedEvent> =>
    catchUp<RecordedEvent, Position>({
      from: async () => {
        const from = o?.fromPosition ?? 'start';
        return from === 'start' ? undefined : from === 'end' ? await headPosition() : from;
      },
      pageSize,
      wake,
      cursorOf: (e) => e.position,
      // Look for hidden events *before* reading, as readAll does: checked after, an older writer
      // that commits between the two queries would leave the page without its event and report
      // nothing pending, and without a wake (a writer elsewhere whose NOTIFY is lost) the
      // subscription would sleep past it.
      readPage: (after, size) => readAllPage(after, size, o?.filter),
    });

  // Revisions of one stream commit in order (the stream row's lock), so a stream subscription
  // needs no visibility horizon.
  const subscribeToStream = (streamName: string, o?: SubscribeToStreamOptions): Observable<RecordedEvent> =>
    catchUp<RecordedEvent, bigint>({
      from: async () => {
        const from = o?.fromRevision ?? 'start';
        if (from === 'start') return -1n;
        if (from !== 'end') return from;
        const actual = await currentRevision(streamName);
        return actual === 'no_stream' ? -1n : actual;
      },
      pageSize,
      wake,
      cursorOf: (e) => e.revision,
      readPage: async (after, size) => ({
        items: await readStream(streamName, { fromRevision: (after ?? -1n) + 1n, maxCount: size }),
        pending: false,
      }),
    });

  return {
    kind: options.kind,
    appendToStream,
    readStream,
    readStreamRaw,
    readAll,
    readAllBatch,
    headPosition,
    subscribeToAll,
    subscribeToStream,
    appended: () => wake,
    async close() {
      if (closed) return;
      closed = true;
      localAppends.complete();
      await signal.close();
      await options.onClose?.();
    },
  };
};
