#!/usr/bin/env node
/**
 * Event store benchmark: `npm run bench:eventstore [-- --quick] [-- --only pglite|postgres]`.
 *
 * What it measures, on three backends in one run — PGlite in memory, PGlite on a temporary data
 * directory, and a Postgres server (`DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test;
 * skipped with a printed reason when it does not answer):
 *
 * 1. Appends. `appendToStream` throughput (appends/s and events/s) with 1 and 5 events per append
 *    and 1 and 16 concurrent writers. Each writer owns a few streams of its own and cycles through
 *    them with exact expected revisions (`no_stream` on a stream's first append, then the revision
 *    the previous append returned), so there is no contention on a stream row and no
 *    wrong-expected-version retry: what is measured is the cost of the append statement itself.
 *    Each cell runs for a fixed time after a warm-up; an append counts when it completes inside the
 *    measured window. PGlite has one session, so 16 writers there measure queueing on it, not
 *    parallelism; the cell is reported anyway.
 *
 * 2. The ceiling. Next to every append cell, the same events are written by a raw insert loop at
 *    the same concurrency and batch size: one autocommitted multi-row `INSERT ... VALUES` of 1 or 5
 *    rows per transaction into a plain table with the same columns (stream_name, revision,
 *    event_id, type, data json, metadata jsonb, created default now(), position bigserial primary
 *    key) in a scratch schema — through a `pg.Pool` of as many clients as writers on Postgres, and
 *    through `PGlite.query` directly on PGlite. That loop is the ceiling because it is the least an
 *    append can do: one round trip and one commit (a WAL flush on Postgres) for the same bytes,
 *    with no revision check, no `streams` row to lock and update, no secondary indexes and no query
 *    builder. Whatever the adapter does on top costs throughput, so its ratio to the raw loop
 *    (adapter events/s ÷ raw events/s) says how much of the database's write capacity the adapter
 *    leaves on the table. The target is a ratio of at least 0.5 with 16 writers on Postgres.
 *
 * 3. Reads. `readAll` throughput (events/s) over the whole `$all` of the bench's schema, in pages
 *    of 1000 (`fromPosition` is inclusive, so each page after the first starts with the previous
 *    page's last event, which is skipped), and the time `readStream` takes to read one
 *    25,000-event stream that was appended in batches interleaved with other streams' events. The
 *    ceiling of each is a raw SELECT of the same rows from the adapter's own `events` table
 *    (keyset-paged by (transaction_id, position) for `$all`; one `where stream_name = $1 order by
 *    revision` for the stream), without the visibility horizon and without mapping rows.
 *
 * Payloads look like Step Functions history events (~300–500 bytes of JSON data plus ~200 bytes of
 * metadata). Postgres runs use a fresh schema `bench_<random>` for the store and
 * `bench_<random>_raw` for the raw loop, both dropped at the end.
 *
 * Progress goes to stderr, one line per cell; the final Markdown tables go to stdout; the results
 * are also written as JSON to bench-results/eventstore-<ISO date>.json.
 *
 * Flags: --quick (shorter cells, a 5,000-event stream), --only pglite|postgres.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPGlite, openPGliteEventStore, openPostgresEventStore } from '../../packages/eventstore/dist/src/index.js';
import { databaseUrl, finishRun, log, machineCpu, parseOptions, percentile, redactedUrl, round, runMain, machineEnvironment } from './common.mjs';

// ---------------------------------------------------------------------------------------------
// Options

const { quick, only } = parseOptions('eventstore.mjs');

const config = {
  quick,
  only: only ?? 'all',
  warmupMs: quick ? 200 : 500,
  measureMs: quick ? 800 : 2500,
  writers: [1, 16],
  batchSizes: [1, 5],
  streamsPerWriter: 4,
  readPageSize: 1000,
  bigStreamEvents: quick ? 5_000 : 25_000,
  bigStreamBatch: 50,
  fillerBatch: 10,
  fillerStreams: 8,
  readStreamRepeats: 3,
  readAllMaxMs: quick ? 5_000 : 20_000,
};

// ---------------------------------------------------------------------------------------------
// Payloads: Step Functions-like history events

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const STATES = ['ValidateOrder', 'ReserveInventory', 'ChargePayment', 'ShipOrder', 'NotifyCustomer'];

let eventCounter = 0;
/** One event: a history event of an execution, as the engine would append it. */
const makeEvent = (execution, seq) => {
  const n = eventCounter++;
  const state = STATES[n % STATES.length];
  const timestamp = new Date(1_700_000_000_000 + n * 137).toISOString();
  const input = JSON.stringify({
    orderId: `ord-${(n * 7919) % 1_000_003}`,
    customerId: `cus-${(n * 104729) % 99_991}`,
    amount: Math.round((n % 10_000) * 1.37 * 100) / 100,
    currency: 'EUR',
    items: [{ sku: `SKU-${n % 997}`, qty: 1 + (n % 3) }],
  });
  const kind = n % 4;
  let type;
  let details;
  if (kind === 0) {
    type = 'TaskStateEntered';
    details = { stateEnteredEventDetails: { name: state, input, inputDetails: { truncated: false } } };
  } else if (kind === 1) {
    type = 'TaskScheduled';
    details = {
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        region: REGION,
        parameters: JSON.stringify({ FunctionName: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${state}`, Payload: JSON.parse(input) }),
        timeoutInSeconds: 300,
      },
    };
  } else if (kind === 2) {
    type = 'TaskSucceeded';
    details = {
      taskSucceededEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        output: JSON.stringify({ StatusCode: 200, Payload: { ok: true, state, ref: `ref-${n}` } }),
        outputDetails: { truncated: false },
      },
    };
  } else {
    type = 'TaskStateExited';
    details = { stateExitedEventDetails: { name: state, output: input, outputDetails: { truncated: false } } };
  }
  return {
    id: randomUUID(),
    type,
    data: { timestamp, type, id: seq + 1, previousEventId: seq, ...details },
    metadata: {
      executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:OrderFlow:${execution}`,
      correlationId: execution,
      causationId: `${execution}/${seq}`,
      engine: 'stepstream',
      schemaVersion: 1,
    },
  };
};
const makeBatch = (execution, fromSeq, n) => Array.from({ length: n }, (_, i) => makeEvent(execution, fromSeq + i));

// ---------------------------------------------------------------------------------------------
// Measuring

const cpuCores = os.cpus().length;

/**
 * Runs `writers` concurrent loops of `appendOnce(writer)` for warm-up + measure time, counting the
 * operations that complete inside the measured window.
 */
const runCell = async ({ writers, batch, appendOnce }) => {
  const start = performance.now();
  const measureStart = start + config.warmupMs;
  const end = measureStart + config.measureMs;
  let ops = 0;
  const latencies = [];
  // CPU is sampled from inside the loops, not from timers: PGlite's queries resolve through
  // microtasks only, so a timer would not fire until the cell ends.
  let cpu0;
  let machine0;
  let cpuEnd;
  let machineEnd;
  let cpuWindowMs = 0;
  let cpuStartedAt = 0;
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) {
        if (cpuEnd === undefined && cpu0 !== undefined) {
          cpuEnd = process.cpuUsage(cpu0);
          machineEnd = machineCpu();
          cpuWindowMs = performance.now() - cpuStartedAt;
        }
        return;
      }
      await appendOnce(w);
      const t1 = performance.now();
      if (t1 >= measureStart && t1 <= end) {
        if (cpu0 === undefined) {
          cpu0 = process.cpuUsage();
          machine0 = machineCpu();
          cpuStartedAt = performance.now();
        }
        ops++;
        latencies.push(t1 - t0);
      }
    }
  });
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const seconds = config.measureMs / 1000;
  return {
    ops,
    opsPerSec: round(ops / seconds),
    eventsPerSec: round((ops * batch) / seconds),
    p50Ms: round(percentile(latencies, 0.5), 2),
    p99Ms: round(percentile(latencies, 0.99), 2),
    // CPU time of this Node process (the bench and the adapter, and PGlite itself) as a share of
    // one core, and the whole machine's CPU use as a share of all cores, over the measured window.
    nodeCpuPct: cpuEnd && cpuWindowMs > 0 ? round(((cpuEnd.user + cpuEnd.system) / 1000 / cpuWindowMs) * 100) : null,
    machineCpuPct:
      machine0 && machineEnd && machineEnd.total > machine0.total
        ? round(((machineEnd.busy - machine0.busy) / (machineEnd.total - machine0.total)) * 100)
        : null,
  };
};

/** Per-writer streams with their revisions, cycled round robin. */
const makeStreams = (tag, writers) =>
  Array.from({ length: writers }, (_, w) => ({
    next: 0,
    streams: Array.from({ length: config.streamsPerWriter }, (_, k) => ({
      name: `execution-${tag}w${w}s${k}`,
      execution: randomUUID(),
      revision: -1n,
    })),
  }));
const nextStream = (writer) => writer.streams[writer.next++ % writer.streams.length];

const adapterAppender = (store, tag, writers, batch) => {
  const state = makeStreams(tag, writers);
  return async (w) => {
    const s = nextStream(state[w]);
    const events = makeBatch(s.execution, Number(s.revision + 1n), batch);
    const expectedRevision = s.revision < 0n ? 'no_stream' : s.revision;
    const result = await store.appendToStream(s.name, events, { expectedRevision });
    s.revision = result.nextExpectedRevision;
  };
};

const rawInsertSql = (table, n) => {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const p = i * 6;
    rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::json, $${p + 6}::jsonb)`);
  }
  return `insert into ${table} (stream_name, revision, event_id, type, data, metadata) values ${rows.join(', ')}`;
};

/** The raw loop: the same events, one autocommitted multi-row INSERT per batch. */
const rawAppender = (query, table, tag, writers, batch) => {
  const state = makeStreams(tag, writers);
  const text = rawInsertSql(table, batch);
  return async (w) => {
    const s = nextStream(state[w]);
    const events = makeBatch(s.execution, Number(s.revision + 1n), batch);
    const params = [];
    events.forEach((e, i) => {
      params.push(s.name, (s.revision + 1n + BigInt(i)).toString(), e.id, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
    });
    await query(text, params);
    s.revision += BigInt(batch);
  };
};

const rawTableDdl = (schema) => [
  `create schema if not exists ${schema}`,
  `create table ${schema}.events (
     position bigserial primary key,
     stream_name text not null,
     revision bigint not null,
     event_id uuid not null,
     type text not null,
     data json not null,
     metadata jsonb not null,
     created timestamptz not null default now()
   )`,
];

// ---------------------------------------------------------------------------------------------
// One backend

/**
 * Runs every append cell (adapter, then the raw loop) and the read measurements on one backend.
 * `rawFor(writers)` gives the raw loop's `query(text, params)` for a cell of that many writers.
 */
const benchBackend = async ({ backend, store, storeSchema, rawSchema, rawFor, selectQuery }) => {
  const cells = [];
  let cellIndex = 0;
  for (const writers of config.writers) {
    for (const batch of config.batchSizes) {
      const label = `${backend} w${writers} b${batch}`;
      const tag = `${cellIndex++}${randomBytes(2).toString('hex')}`;
      const adapter = await runCell({ writers, batch, appendOnce: adapterAppender(store, `a${tag}`, writers, batch) });
      const { query, release } = await rawFor(writers);
      let raw;
      try {
        raw = await runCell({ writers, batch, appendOnce: rawAppender(query, `${rawSchema}.events`, `r${tag}`, writers, batch) });
      } finally {
        await release();
      }
      const ratio = raw.eventsPerSec > 0 ? round(adapter.eventsPerSec / raw.eventsPerSec, 2) : null;
      const cell = { cell: label, backend, writers, eventsPerAppend: batch, adapter, raw, ratio };
      cells.push(cell);
      log(
        `  ${label.padEnd(22)} adapter ${String(adapter.opsPerSec).padStart(6)} appends/s ${String(adapter.eventsPerSec).padStart(6)} ev/s ` +
          `(p50 ${adapter.p50Ms} ms, p99 ${adapter.p99Ms} ms, cpu node ${adapter.nodeCpuPct}% machine ${adapter.machineCpuPct}%) | ` +
          `raw ${String(raw.eventsPerSec).padStart(6)} ev/s (p50 ${raw.p50Ms} ms, cpu node ${raw.nodeCpuPct}% machine ${raw.machineCpuPct}%) | ratio ${ratio}`,
      );
    }
  }

  // The big stream: batches of 50, each followed by a batch to one of a few other streams.
  const bigName = `execution-big${randomBytes(3).toString('hex')}`;
  const bigExecution = randomUUID();
  const fillers = Array.from({ length: config.fillerStreams }, (_, k) => ({
    name: `execution-filler${k}${randomBytes(3).toString('hex')}`,
    execution: randomUUID(),
    revision: -1n,
  }));
  let bigRevision = -1n;
  const fillStart = performance.now();
  let filled = 0;
  for (let i = 0; bigRevision + 1n < BigInt(config.bigStreamEvents); i++) {
    const n = Math.min(config.bigStreamBatch, config.bigStreamEvents - Number(bigRevision + 1n));
    const r = await store.appendToStream(bigName, makeBatch(bigExecution, Number(bigRevision + 1n), n), {
      expectedRevision: bigRevision < 0n ? 'no_stream' : bigRevision,
    });
    bigRevision = r.nextExpectedRevision;
    const f = fillers[i % fillers.length];
    const fr = await store.appendToStream(f.name, makeBatch(f.execution, Number(f.revision + 1n), config.fillerBatch), {
      expectedRevision: f.revision < 0n ? 'no_stream' : f.revision,
    });
    f.revision = fr.nextExpectedRevision;
    filled += n + config.fillerBatch;
  }
  const fillMs = performance.now() - fillStart;
  log(
    `  ${backend}: appended the ${config.bigStreamEvents}-event stream interleaved with ${filled - config.bigStreamEvents} other events in ${round(fillMs)} ms`,
  );

  await selectQuery(`analyze ${storeSchema}.events`, []);
  const [{ count }] = (await selectQuery(`select count(*)::int as count from ${storeSchema}.events`, [])).rows;

  // readAll over the whole $all, pages of 1000, fromPosition inclusive.
  const readAllAdapter = async () => {
    const t0 = performance.now();
    let events = 0;
    let pages = 0;
    let from = 'start';
    let complete = true;
    for (;;) {
      const page = await store.readAll({ fromPosition: from, maxCount: config.readPageSize });
      pages++;
      const fresh = from === 'start' ? page : page.slice(1);
      if (from !== 'start' && page.length > 0) {
        const first = page[0].position;
        if (first.commit !== from.commit || first.prepare !== from.prepare) throw new Error('readAll page does not start at fromPosition');
      }
      events += fresh.length;
      if (page.length < config.readPageSize) break;
      from = page[page.length - 1].position;
      if (performance.now() - t0 > config.readAllMaxMs) {
        complete = false;
        break;
      }
    }
    const ms = performance.now() - t0;
    return { events, pages, ms: round(ms, 1), eventsPerSec: round(events / (ms / 1000)), complete };
  };
  const readAllRaw = async () => {
    const t0 = performance.now();
    let events = 0;
    let pages = 0;
    let cursor;
    let complete = true;
    // ORDER BY and the keyset must name the table's columns (e.*), not the text alias.
    const cols = 'e.position, e.transaction_id::text as transaction_id, e.stream_name, e.revision, e.event_id, e.type, e.data, e.metadata, e.created';
    for (;;) {
      const { rows } = cursor
        ? await selectQuery(
            `select ${cols} from ${storeSchema}.events e where (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
             order by e.transaction_id, e.position limit ${config.readPageSize}`,
            cursor,
          )
        : await selectQuery(`select ${cols} from ${storeSchema}.events e order by e.transaction_id, e.position limit ${config.readPageSize}`, []);
      pages++;
      events += rows.length;
      if (rows.length < config.readPageSize) break;
      const last = rows[rows.length - 1];
      cursor = [String(last.transaction_id), String(last.position)];
      if (performance.now() - t0 > config.readAllMaxMs) {
        complete = false;
        break;
      }
    }
    const ms = performance.now() - t0;
    return { events, pages, ms: round(ms, 1), eventsPerSec: round(events / (ms / 1000)), complete };
  };
  const readAllA = await readAllAdapter();
  const readAllR = await readAllRaw();
  const readAll = {
    cell: `${backend} readAll`,
    tableEvents: count,
    adapter: readAllA,
    raw: readAllR,
    ratio: readAllR.eventsPerSec > 0 ? round(readAllA.eventsPerSec / readAllR.eventsPerSec, 2) : null,
  };
  if (readAllA.complete && readAllA.events !== count) throw new Error(`readAll read ${readAllA.events} events, the table holds ${count}`);
  if (readAllR.complete && readAllR.events !== count) throw new Error(`the raw readAll read ${readAllR.events} events, the table holds ${count}`);
  log(
    `  ${`${backend} readAll`.padEnd(22)} adapter ${readAllA.eventsPerSec} ev/s (${readAllA.events} events, ${readAllA.pages} pages, ${readAllA.ms} ms${readAllA.complete ? '' : ', stopped early'}) | ` +
      `raw ${readAllR.eventsPerSec} ev/s (${readAllR.ms} ms) | ratio ${readAll.ratio}`,
  );

  // readStream of the big stream, repeated; median.
  const adapterMs = [];
  const rawMs = [];
  for (let i = 0; i < config.readStreamRepeats; i++) {
    let t0 = performance.now();
    const events = await store.readStream(bigName);
    adapterMs.push(performance.now() - t0);
    if (events.length !== config.bigStreamEvents || events[events.length - 1].revision !== BigInt(config.bigStreamEvents - 1)) {
      throw new Error(`readStream read ${events.length} events, expected ${config.bigStreamEvents}`);
    }
    t0 = performance.now();
    const { rows } = await selectQuery(
      `select e.position, e.transaction_id::text as transaction_id, e.stream_name, e.revision, e.event_id, e.type, e.data, e.metadata, e.created
       from ${storeSchema}.events e where e.stream_name = $1 order by e.revision`,
      [bigName],
    );
    rawMs.push(performance.now() - t0);
    if (rows.length !== config.bigStreamEvents) throw new Error(`raw select read ${rows.length} events`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const aMs = median(adapterMs);
  const rMs = median(rawMs);
  const readStream = {
    cell: `${backend} readStream ${config.bigStreamEvents}`,
    events: config.bigStreamEvents,
    adapter: { ms: round(aMs, 1), eventsPerSec: round(config.bigStreamEvents / (aMs / 1000)), runsMs: adapterMs.map((x) => round(x, 1)) },
    raw: { ms: round(rMs, 1), eventsPerSec: round(config.bigStreamEvents / (rMs / 1000)), runsMs: rawMs.map((x) => round(x, 1)) },
    ratio: round(rMs / aMs, 2),
  };
  log(`  ${readStream.cell.padEnd(22)} adapter ${readStream.adapter.ms} ms | raw ${readStream.raw.ms} ms | ratio ${readStream.ratio}`);

  return {
    backend,
    cells,
    bigStream: { events: config.bigStreamEvents, interleavedWith: filled - config.bigStreamEvents, appendMs: round(fillMs) },
    readAll,
    readStream,
  };
};

// ---------------------------------------------------------------------------------------------
// Backends

const benchPGlite = async (backend, dataDir) => {
  const { pglite, db } = await openPGlite(dataDir);
  const storeSchema = 'stepstream';
  const rawSchema = 'bench_raw';
  try {
    const store = await openPGliteEventStore({ shared: { pglite, db }, schema: storeSchema });
    try {
      for (const ddl of rawTableDdl(rawSchema)) await pglite.exec(ddl);
      const query = (text, params) => pglite.query(text, params);
      return await benchBackend({
        backend,
        store,
        storeSchema,
        rawSchema,
        // PGlite has one session: PGlite.query queues concurrent callers, as the adapter's dialect does.
        rawFor: async () => ({ query, release: async () => {} }),
        selectQuery: query,
      });
    } finally {
      await store.close();
    }
  } finally {
    await db.destroy();
    await pglite.close();
  }
};

const postgresUnavailable = async () => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return `Postgres at ${redactedUrl} does not answer (${e.message}); start it or set DATABASE_URL`;
  } finally {
    await client.end().catch(() => undefined);
  }
};

const postgresInfo = async () => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select current_setting('server_version') as version, current_setting('synchronous_commit') as synchronous_commit,
              current_setting('fsync') as fsync, current_setting('shared_buffers') as shared_buffers,
              current_setting('max_connections') as max_connections, current_setting('wal_sync_method') as wal_sync_method,
              current_setting('commit_delay') as commit_delay`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
};

const schemasToDrop = new Set();
const dropSchemas = async () => {
  if (schemasToDrop.size === 0) return;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    for (const s of [...schemasToDrop]) {
      await client.query(`drop schema if exists ${pg.escapeIdentifier(s)} cascade`);
      schemasToDrop.delete(s);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
};

const benchPostgres = async () => {
  const suffix = randomBytes(4).toString('hex');
  const storeSchema = `bench_${suffix}`;
  const rawSchema = `bench_${suffix}_raw`;
  schemasToDrop.add(storeSchema);
  schemasToDrop.add(rawSchema);
  try {
    // The pool's default size (20): 16 writers plus the coalesced NOTIFY after appends.
    const store = await openPostgresEventStore({ connectionString: databaseUrl, schema: storeSchema });
    // A pool for the raw reads; each raw append cell gets a pool of its own with exactly
    // `writers` clients, used like Kysely uses the store's pool (check out, query, release).
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: 'stepstream-bench-raw' });
    try {
      for (const ddl of rawTableDdl(rawSchema)) await pool.query(ddl);
      return await benchBackend({
        backend: 'postgres',
        store,
        storeSchema,
        rawSchema,
        rawFor: async (writers) => {
          const cellPool = new pg.Pool({ connectionString: databaseUrl, max: writers, application_name: 'stepstream-bench-raw' });
          return { query: (text, params) => cellPool.query(text, params), release: () => cellPool.end() };
        },
        selectQuery: (text, params) => pool.query(text, params),
      });
    } finally {
      await pool.end();
      await store.close();
    }
  } finally {
    await dropSchemas();
  }
};

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toLocaleString('en-US') : String(x));

const markdown = (results) => {
  const lines = [];
  lines.push(`### Appends (${config.measureMs / 1000} s per cell after ${config.warmupMs / 1000} s warm-up)`, '');
  lines.push('| cell | adapter appends/s | adapter events/s | adapter p50 / p99 ms | raw events/s | ratio |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const b of results.backends) {
    if (b.skipped) {
      lines.push(`| ${b.backend} | skipped: ${b.skipped} | | | | |`);
      continue;
    }
    for (const c of b.cells) {
      lines.push(
        `| ${c.cell} | ${fmt(c.adapter.opsPerSec)} | ${fmt(c.adapter.eventsPerSec)} | ${c.adapter.p50Ms} / ${c.adapter.p99Ms} | ${fmt(c.raw.eventsPerSec)} | ${fmt(c.ratio)} |`,
      );
    }
  }
  lines.push('', '### Reads', '');
  lines.push('| cell | adapter | adapter events/s | raw | raw events/s | ratio |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const b of results.backends) {
    if (b.skipped) continue;
    const ra = b.readAll;
    lines.push(
      `| ${ra.cell} (${fmt(ra.adapter.events)} events, pages of ${config.readPageSize}) | ${fmt(ra.adapter.ms)} ms${ra.adapter.complete ? '' : ' (stopped early)'} | ${fmt(ra.adapter.eventsPerSec)} | ${fmt(ra.raw.ms)} ms | ${fmt(ra.raw.eventsPerSec)} | ${fmt(ra.ratio)} |`,
    );
    const rs = b.readStream;
    lines.push(
      `| ${rs.cell} | ${fmt(rs.adapter.ms)} ms | ${fmt(rs.adapter.eventsPerSec)} | ${fmt(rs.raw.ms)} ms | ${fmt(rs.raw.eventsPerSec)} | ${fmt(rs.ratio)} |`,
    );
  }
  lines.push('', 'ratio = adapter events/s ÷ raw events/s (raw = the plain INSERT / SELECT loop on the same backend, same concurrency and batch size).');
  return lines.join('\n');
};

// ---------------------------------------------------------------------------------------------
// Main

const main = async () => {
  const startedAt = new Date();
  const results = {
    startedAt: startedAt.toISOString(),
    config,
    environment: {
      ...machineEnvironment(),
    },
    backends: [],
  };
  log(`event store benchmark${quick ? ' (quick)' : ''}: ${config.measureMs} ms per cell after ${config.warmupMs} ms warm-up`);

  if (config.only !== 'postgres') {
    log('pglite (in memory)');
    results.backends.push(await benchPGlite('pglite-mem'));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'stepstream-bench-'));
    try {
      log(`pglite (data directory ${dir})`);
      results.backends.push(await benchPGlite('pglite-dir', dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  if (config.only !== 'pglite') {
    const reason = await postgresUnavailable();
    if (reason) {
      log(`postgres: skipped — ${reason}`);
      results.backends.push({ backend: 'postgres', skipped: reason });
    } else {
      results.environment.postgres = { url: redactedUrl, ...(await postgresInfo()) };
      log(`postgres (${redactedUrl}, server ${results.environment.postgres.version})`);
      results.backends.push(await benchPostgres());
    }
  }

  await finishRun('eventstore', startedAt, results, markdown);
};

runMain(main, dropSchemas);
