/**
 * `stepstream export`: the histories' events and the analytics read model's state runs of a time
 * range, as JSON Lines or Parquet files, each file's SHA-256 recorded in the audit log
 * (`export-record.ts`). Events are read from `$all` page by page and written as they are read:
 * memory holds a page, never the export. Parquet is written by DuckDB from the JSON Lines, with
 * every column's type given.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { mkdir, open as openFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { formatPosition, type EventStore, type Position, type RecordedEvent } from '@stepstream/eventstore';
import { analyticsReadModel, ANALYTICS_SCHEMA, describeSkippedEvent, getProjector, readModelDb } from '@stepstream/projections';
import { sql, type Kysely } from 'kysely';
import type { StoreConfig } from './config.js';
import { ExportRefused, EXPORTS_STREAM, hashFile, recordExport, type ExportedFile, type ExportRecord } from './export-record.js';
import { allPages } from './verify/pages.js';
import { NoStore, withStore } from './open-store.js';

/** What the export reads: the events, and the read models' database. */
export interface ExportStores {
  readonly store: EventStore;
  readonly db: Kysely<any>;
}

/**
 * Opens the configured store and its read models for one run (see {@link withStore}): on Postgres
 * beside running servers (their analytics projectors and this one's take turns on the checkpoint
 * row).
 *
 * @throws NoStore also when EventStoreDB has no read-model database.
 */
export const exportOpener =
  (config: StoreConfig, onLockLost: (e: Error) => void) =>
  <T>(use: (stores: ExportStores) => Promise<T>): Promise<T> =>
    withStore(config, 'export', onLockLost, ({ store, db }) => {
      if (db === undefined) throw new NoStore('export reads the analytics read model: give DATABASE_URL (the read models of EVENTSTORE_URL)');
      return use({ store, db });
    });

/** How far an export is. */
export interface ExportProgress {
  readonly phase: 'analytics' | 'events' | 'state runs' | 'parquet' | 'hashing';
  /** Events read (of `$all` or by the analytics projector) or rows written so far. */
  readonly done: number;
  /** Events written, in the events phase. */
  readonly exported?: number;
}

export interface ExportOptions extends ExportStores {
  readonly since: number;
  readonly until: number;
  readonly format: 'parquet' | 'jsonl';
  readonly out: string;
  /** Called after every page; the caller decides how often to show it. */
  readonly onProgress?: (progress: ExportProgress) => void;
  readonly onSkipped?: (message: string) => void;
  readonly now?: () => number;
}

/** What an export did: the record appended, its event id in {@link EXPORTS_STREAM}. */
export interface ExportResult {
  readonly record: ExportRecord;
  readonly eventId: number;
  readonly out: string;
}

/** A string Parquet can hold (UTF-8): each lone surrogate becomes U+FFFD. JSON Lines keep them, escaped. */
const wellFormed = (s: string): string => s.replace(/[\ud800-\udfff]/gu, '\ufffd');

/** A JSON Lines row: the columns in order, bigints as exact JSON numbers. */
const jsonLine = (columns: readonly (readonly [string, unknown])[], clean: boolean): string =>
  `{${columns
    .map(([k, v]) => `"${k}":${typeof v === 'bigint' ? v.toString() : JSON.stringify(typeof v === 'string' && clean ? wellFormed(v) : (v ?? null))}`)
    .join(',')}}\n`;

/**
 * An event's AWS details member (`stateEnteredEventDetails`' value), or null for an event without
 * one; an event with several extra members (none the engine writes) keeps them all, by name.
 */
const detailsOf = (data: Record<string, unknown>): unknown => {
  const { timestamp: _t, previousEventId: _p, ...rest } = data;
  const keys = Object.keys(rest);
  return keys.length === 0 ? null : keys.length === 1 ? rest[keys[0]!] : rest;
};

/** The chain's canonical JSON ends with the timestamp (keys sorted): the range is checked before the event is parsed. */
const TRAILING_TIMESTAMP = /"timestamp":(\d{1,16})\}$/;

interface Arns {
  readonly executionArn: string;
  readonly stateMachineArn: string;
}

/** Execution and state machine ARNs by stream, for the streams seen last (ExecutionStarted's metadata holds them). */
const arnCache = (store: EventStore, capacity = 10_000) => {
  const known = new Map<string, Arns>();
  const remember = (stream: string, metadata: Readonly<Record<string, unknown>>): Arns => {
    const arns = { executionArn: String(metadata['executionArn'] ?? ''), stateMachineArn: String(metadata['stateMachineArn'] ?? '') };
    known.set(stream, arns);
    if (known.size > capacity) known.delete(known.keys().next().value as string);
    return arns;
  };
  return {
    remember,
    of: async (stream: string): Promise<Arns> => {
      const hit = known.get(stream);
      if (hit) return hit;
      const [started] = await store.readStream(stream, { maxCount: 1 });
      return remember(stream, started?.metadata ?? {});
    },
  };
};

const metadataOf = (e: RecordedEvent): Readonly<Record<string, unknown>> =>
  e.metadataJson !== undefined ? ((JSON.parse(e.metadataJson) as Record<string, unknown> | null) ?? {}) : e.metadata;

/** The events columns: name, then the DuckDB type they get in Parquet. */
export const EVENT_COLUMNS = [
  ['execution_arn', 'VARCHAR'],
  ['state_machine_arn', 'VARCHAR'],
  ['event_id', 'BIGINT'],
  ['previous_event_id', 'BIGINT'],
  ['type', 'VARCHAR'],
  ['timestamp', 'TIMESTAMPTZ'],
  ['details', 'JSON'],
  ['stream', 'VARCHAR'],
  ['commit_position', 'BIGINT'],
  ['prepare_position', 'BIGINT'],
] as const;

/** The state runs columns (`analytics.state_runs`, docs/analytics.md) and their Parquet types. */
export const STATE_RUN_COLUMNS = [
  ['execution_arn', 'VARCHAR'],
  ['entered_event_id', 'INTEGER'],
  ['ended_event_id', 'INTEGER'],
  ['state_machine_arn', 'VARCHAR'],
  ['version_arn', 'VARCHAR'],
  ['alias_arn', 'VARCHAR'],
  ['state_name', 'VARCHAR'],
  ['state_type', 'VARCHAR'],
  ['frame', 'VARCHAR'],
  ['entered_at', 'TIMESTAMPTZ'],
  ['ended_at', 'TIMESTAMPTZ'],
  ['duration_ms', 'BIGINT'],
  ['attempts', 'INTEGER'],
  ['retries', 'INTEGER'],
  ['status', 'VARCHAR'],
  ['error', 'VARCHAR'],
  ['cause', 'VARCHAR'],
] as const;

const PAGE = 1000;

/** Writes the events of the range up to `head` to `file` as JSON Lines, in `$all` order; resolves with the rows written. */
const writeEvents = async (options: ExportOptions, head: Position | undefined, file: string, clean: boolean): Promise<number> => {
  const { store, since, until } = options;
  const handle = await openFile(file, 'wx');
  let read = 0;
  let rows = 0;
  try {
    if (head === undefined) return 0;
    const arns = arnCache(store);
    for await (const page of allPages(store, head, PAGE, { streamNamePrefixes: ['execution-'] })) {
      let text = '';
      for (const e of page) {
        read += 1;
        const quick = e.dataJson === undefined ? undefined : TRAILING_TIMESTAMP.exec(e.dataJson);
        if (quick && (Number(quick[1]) < since || Number(quick[1]) >= until)) continue;
        const data = (e.dataJson !== undefined ? JSON.parse(e.dataJson) : e.data) as Record<string, unknown> | null;
        const timestamp = data?.['timestamp'];
        if (data === null || typeof timestamp !== 'number' || timestamp < since || timestamp >= until) continue;
        const { executionArn, stateMachineArn } = e.revision === 0n ? arns.remember(e.streamName, metadataOf(e)) : await arns.of(e.streamName);
        const details = detailsOf(data);
        const previous = data['previousEventId'];
        text += jsonLine(
          [
            ['execution_arn', executionArn],
            ['state_machine_arn', stateMachineArn],
            ['event_id', e.revision + 1n],
            ['previous_event_id', typeof previous === 'number' ? previous : null],
            ['type', e.type],
            ['timestamp', new Date(timestamp).toISOString()],
            [
              'details',
              details === null
                ? null
                : clean
                  ? JSON.stringify(details, (_k, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v))
                  : JSON.stringify(details),
            ],
            ['stream', e.streamName],
            ['commit_position', e.position.commit],
            ['prepare_position', e.position.prepare],
          ],
          clean,
        );
        rows += 1;
      }
      if (text !== '') await handle.write(text);
      options.onProgress?.({ phase: 'events', done: read, exported: rows });
    }
    return rows;
  } finally {
    await handle.close();
  }
};

/** Brings the analytics read model up to date with `$all` (the server may have stopped before it did). */
const catchUpAnalytics = async (options: ExportOptions): Promise<void> => {
  const projector = getProjector({
    store: options.store,
    db: options.db,
    projection: analyticsReadModel(),
    batchSize: 1000,
    onSkipped: (skipped) => options.onSkipped?.(`the analytics read model skipped an event. ${describeSkippedEvent(skipped)}`),
  });
  const progress = projector.status$.subscribe((s) => options.onProgress?.({ phase: 'analytics', done: Number(s.eventsApplied) }));
  try {
    await projector.catchUp();
  } finally {
    progress.unsubscribe();
  }
};

/** `timestamptz` as ISO text in UTC, to the millisecond (as the read model stores it). */
const iso = (column: string) => sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Writes the state runs entered in the range to `file` as JSON Lines, page by page (keyset on the view's key). */
const writeStateRuns = async (options: ExportOptions, file: string, clean: boolean): Promise<number> => {
  const reads = readModelDb(options.db);
  const view = sql.id(ANALYTICS_SCHEMA, 'state_runs');
  const since = new Date(options.since).toISOString();
  const until = new Date(options.until).toISOString();
  const handle = await openFile(file, 'wx');
  let rows = 0;
  let after: { arn: string; id: number } | undefined;
  try {
    for (;;) {
      const { rows: page } = await sql<Record<string, unknown> & { execution_arn: string; entered_event_id: number }>`
        select execution_arn, entered_event_id, ended_event_id, state_machine_arn, version_arn, alias_arn, state_name, state_type, frame,
          ${iso('entered_at')} as entered_at, ${iso('ended_at')} as ended_at, duration_ms::text as duration_ms, attempts, retries, status, error, cause
        from ${view}
        where entered_at >= ${since}::timestamptz and entered_at < ${until}::timestamptz
          ${after === undefined ? sql`` : sql`and (execution_arn, entered_event_id) > (${after.arn}, ${after.id})`}
        order by execution_arn, entered_event_id
        limit ${PAGE}`.execute(reads);
      if (page.length === 0) break;
      let text = '';
      for (const r of page) {
        text += jsonLine(
          STATE_RUN_COLUMNS.map(([name]) => [name, name === 'duration_ms' ? BigInt(r[name] as string) : r[name]] as const),
          clean,
        );
      }
      await handle.write(text);
      rows += page.length;
      const last = page[page.length - 1]!;
      after = { arn: last.execution_arn, id: Number(last.entered_event_id) };
      options.onProgress?.({ phase: 'state runs', done: rows });
      if (page.length < PAGE) break;
    }
    return rows;
  } finally {
    await handle.close();
  }
};

/** A path as a DuckDB string literal. */
const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Writes `parquet` from the JSON Lines file `jsonl`, every column typed as `columns` says. */
const toParquet = async (jsonl: string, parquet: string, columns: readonly (readonly [string, string])[]): Promise<void> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    // JSON columns are read as text and parsed by the cast; the others are read as their type.
    const read = columns.map(([name, type]) => `${literal(name)}: ${literal(type === 'JSON' ? 'VARCHAR' : type)}`).join(', ');
    const select = columns.map(([name, type]) => (type === 'JSON' ? `CAST("${name}" AS JSON) AS "${name}"` : `"${name}"`)).join(', ');
    await connection.run(
      `COPY (SELECT ${select} FROM read_json(${literal(jsonl)}, format = 'newline_delimited', maximum_object_size = 268435456, columns = {${read}}))
       TO ${literal(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

/**
 * Exports the range to `out` (created when missing): `events.<ext>` and `state_runs.<ext>`, then
 * appends their record to the audit log. Each file is written under a temporary name and renamed
 * once whole; existing files are never overwritten.
 *
 * @example
 * const { record } = await exportData({ store, db, since: Date.now() - 86_400_000, until: Date.now(), format: 'parquet', out: 'exports/today' });
 * record.files.map((f) => f.sha256);
 */
export const exportData = async (options: ExportOptions): Promise<ExportResult> => {
  const { format, out } = options;
  const now = options.now ?? Date.now;
  const ext = format === 'parquet' ? 'parquet' : 'jsonl';
  const tables = ['events', 'state_runs'] as const;
  await mkdir(out, { recursive: true });
  const existing = tables.map((table) => join(out, `${table}.${ext}`)).filter((f) => existsSync(f));
  if (existing.length > 0)
    throw new ExportRefused(
      `${existing.join(', ')} ${existing.length === 1 ? 'exists already: remove it' : 'exist already: remove them'}, or choose another directory with --out`,
    );
  const head = await options.store.headPosition();
  await catchUpAnalytics(options);
  const temporary: string[] = [];
  const files: ExportedFile[] = [];
  try {
    const rows: Record<(typeof tables)[number], number> = { events: 0, state_runs: 0 };
    for (const table of tables) {
      const jsonl = join(out, `.${table}.${process.pid}.jsonl.partial`);
      temporary.push(jsonl);
      const clean = format === 'parquet';
      rows[table] = table === 'events' ? await writeEvents(options, head, jsonl, clean) : await writeStateRuns(options, jsonl, clean);
      const final = join(out, `${table}.${ext}`);
      if (format === 'parquet') {
        options.onProgress?.({ phase: 'parquet', done: rows[table] });
        const parquet = join(out, `.${table}.${process.pid}.parquet.partial`);
        temporary.push(parquet);
        await toParquet(jsonl, parquet, table === 'events' ? EVENT_COLUMNS : STATE_RUN_COLUMNS);
        await rename(parquet, final);
      } else {
        await rename(jsonl, final);
      }
    }
    for (const table of tables) {
      const name = `${table}.${ext}`;
      options.onProgress?.({ phase: 'hashing', done: files.length });
      files.push({ name, table, format, rows: rows[table], ...(await hashFile(join(out, name))) });
    }
  } finally {
    await Promise.all(temporary.map((f) => rm(f, { force: true })));
  }
  const record: ExportRecord = {
    exportedAt: new Date(now()).toISOString(),
    since: new Date(options.since).toISOString(),
    until: new Date(options.until).toISOString(),
    format,
    ...(head === undefined ? {} : { upTo: formatPosition(head) }),
    files,
  };
  const { eventId } = await recordExport(options.store, record);
  return { record, eventId, out };
};

/** The human report of an export: a line per file, then where it is recorded and how to check it. */
export const exportText = (result: ExportResult): string => {
  const { record } = result;
  const lines = record.files.map((f) => `${join(result.out, f.name)}: ${f.rows} rows, ${f.bytes} bytes, SHA-256 ${f.sha256}`);
  lines.push(
    `recorded in the audit log (${EXPORTS_STREAM} event ${result.eventId}; range ${record.since} to ${record.until}); check the files later with: stepstream export verify ${record.files.map((f) => join(result.out, f.name)).join(' ')}`,
  );
  return `${lines.join('\n')}\n`;
};

const PHASES: Record<ExportProgress['phase'], (p: ExportProgress) => string> = {
  analytics: (p) => `bringing the analytics read model up to date: ${p.done} events applied`,
  events: (p) => `events: ${p.done} read, ${p.exported ?? 0} in the range`,
  'state runs': (p) => `state runs: ${p.done} written`,
  parquet: (p) => `writing Parquet (${p.done} rows)`,
  hashing: () => 'hashing the files',
};

/**
 * Progress on stderr for a long export: nothing in its first second, then a line rewritten at
 * most once a second; `end` finishes the line when one was shown.
 *
 * @example
 * const progress = progressOnStderr();
 * await exportData({ ...stores, ...args, onProgress: progress.show });
 * progress.end();
 */
export const progressOnStderr = (write: (text: string) => void = (t) => process.stderr.write(t), now: () => number = Date.now) => {
  let shown = now();
  let printed = false;
  let width = 0;
  return {
    show: (p: ExportProgress) => {
      if (now() - shown < 1000) return;
      shown = now();
      printed = true;
      const line = `export: ${PHASES[p.phase](p)}`;
      write(`\r${line.padEnd(width)}`);
      width = line.length;
    },
    end: () => {
      if (printed) write('\n');
    },
  };
};
