#!/usr/bin/env node
/**
 * Analytics benchmark: `npm run bench:analytics [-- --executions N] [-- --rows N] [-- --quick]`.
 *
 * Two measurements, on the Postgres server of DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test), each in a database of its own created and dropped here:
 *
 * 1. **Projector lag at full throughput.** An engine in this process (a Postgres store and read
 *    models, then PGlite in memory) runs N executions (default 2,000; --quick 300) of a machine that enters 24 states
 *    (Pass, Choice, a Parallel of two branches, an inline Map of 4 items, a Wait of 0 s), 64 starts in
 *    flight, as fast as the engine goes. The analytics listener records, for every event whose
 *    outcome it hears (executions started and ended, state runs ended), the time from the event's
 *    timestamp (when the engine decided it) to the moment the analytics batch holding it
 *    committed; every 100 ms the projector's `lag()` (events behind the head) is sampled.
 *    Reported: lag p50/p95/p99/max in ms and in events, and the engine's executions per second
 *    with the analytics projector and, in the same run, without it (`analytics: false`): their
 *    ratio is what keeping the analytics read model costs.
 * 2. **"p95 duration of one state over 7 days" over 1,000,000 state runs** (--rows). The rows are
 *    written straight into `analytics.state_run_rows` (the projection's own migrations create the
 *    schema and indexes) with `generate_series`: 20 state machines × 10 states spread evenly over
 *    30 days (case "spread": the state asked for holds 1/200 of the rows, ~1/4 of those in the
 *    window), and all rows one state of one machine within the last 7 days (case "all": the
 *    query reads every row). The query is the one docs/analytics.md gives. Each is run 5 times
 *    after an `analyze`; reported: the median and the slowest, and the plan's top node.
 *
 * Progress goes to stderr, a Markdown table to stdout, JSON to bench-results/analytics-<ISO date>.json.
 */
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { admin, databaseUrl, finishRun, log, machineEnvironment, parseFlags, percentile, round, runMain } from './common.mjs';
import { makePgPool, openPGlite, openPGliteEventStore, openPostgresEventStore } from '../../packages/eventstore/dist/src/index.js';
import { analyticsReadModel, getProjector } from '../../packages/projections/dist/src/index.js';
import { Engine } from '../../packages/runtime/dist/src/index.js';

const usage = 'usage: node scripts/bench/analytics.mjs [--executions N] [--rows N] [--quick]';
const flags = parseFlags({ executions: { type: 'string' }, rows: { type: 'string' }, quick: { type: 'boolean' } }, usage);
const executions = flags.executions !== undefined ? Number(flags.executions) : flags.quick ? 300 : 2000;
const stateRows = flags.rows !== undefined ? Number(flags.rows) : flags.quick ? 100_000 : 1_000_000;
const IN_FLIGHT = 64;
const quiet = { debug() {}, info() {}, warn: (m) => log(`warn: ${m}`), error: (m, e) => log(`error: ${m} ${e ?? ''}`) };

const definition = {
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Result: { n: 0, items: [1, 2, 3, 4] }, Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      ResultPath: null,
      Next: 'Each',
      Branches: [
        { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', End: true } } },
        { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 0, End: true } } },
      ],
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ResultPath: null,
      ItemProcessor: {
        StartAt: 'Add',
        States: {
          Add: { Type: 'Pass', Next: 'Route' },
          Route: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 2, Next: 'Hi' }], Default: 'Lo' },
          Hi: { Type: 'Pass', End: true },
          Lo: { Type: 'Pass', End: true },
        },
      },
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

const databases = [];
const freshDatabase = async (label) => {
  const name = `bench_analytics_${label}_${process.pid}`;
  await admin((c) => c.query(`drop database if exists ${name} with (force)`).then(() => c.query(`create database ${name}`)));
  databases.push(name);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
};
const cleanup = async () => {
  for (const name of databases.splice(0)) await admin((c) => c.query(`drop database if exists ${name} with (force)`));
};

/** A fresh store and read-model database: a Postgres database of its own, or PGlite in memory. */
const openBackend = async (kind, label) => {
  if (kind === 'pglite') {
    const shared = await openPGlite();
    const store = await openPGliteEventStore({ shared });
    return {
      store,
      db: shared.db,
      close: async () => {
        await store.close();
        await shared.db.destroy();
        await shared.pglite.close();
      },
    };
  }
  const url = await freshDatabase(label);
  const store = await openPostgresEventStore({ connectionString: url, maxConnections: 12 });
  const db = new Kysely({ dialect: new PostgresDialect({ pool: makePgPool(url, 6) }) });
  return {
    store,
    db,
    close: async () => {
      await store.close();
      await db.destroy();
    },
  };
};

/** Runs the executions on an engine over a fresh database; with `analytics`, hears the outcomes. */
const throughput = async (kind, analytics) => {
  const { store, db, close } = await openBackend(kind, analytics ? 'on' : 'off');
  const engine = new Engine({ store, db, log: quiet, analytics, audit: false });
  await engine.start();
  const lags = [];
  const behind = [];
  engine.onAnalytics((outcomes) => {
    const now = Date.now();
    for (const o of outcomes) {
      const at = o.stateRuns[0]?.ended ?? (o.type === 'ExecutionStarted' ? o.execution.started : o.execution.ended);
      if (at !== undefined) lags.push(now - at);
    }
  });
  try {
    const created = await engine.resources.createStateMachine({
      name: 'analytics-bench',
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/bench',
      type: 'STANDARD',
      loggingConfiguration: {},
      tracingConfiguration: {},
    });
    const machine = created.right.stateMachineArn;
    const sampler = setInterval(() => {
      if (!analytics) return;
      void engine.analyticsProjector.lag().then((l) => behind.push(Number(l.behind ?? 0)));
    }, 100);
    const began = performance.now();
    let next = 0;
    let ended = 0;
    const one = async () => {
      for (;;) {
        const i = next++;
        if (i >= executions) return;
        const started = await engine.executions.startExecution({ stateMachineArn: machine, input: '{}', name: `x-${i}` });
        if (started._tag !== 'Right') throw new Error(`StartExecution: ${started.left.message}`);
        const stream = `execution-${started.right.executionArn.split(':execution:')[1]}`;
        for (;;) {
          const state = await engine.executions.loadExecutionState(stream).catch(() => undefined);
          if (state && state.status !== 'RUNNING') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        ended++;
        if (ended % 200 === 0) log(`  ${kind}, ${analytics ? 'with' : 'without'} analytics: ${ended}/${executions} executions ended`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, one));
    const seconds = (performance.now() - began) / 1000;
    if (analytics) {
      const head = await store.headPosition();
      await engine.analyticsProjector.waitFor(head, 60_000);
    }
    clearInterval(sampler);
    let stateRunCount;
    let rebuild;
    if (analytics) {
      const { rows } = await sql`select count(*)::int as n from analytics.state_runs`.execute(db);
      stateRunCount = rows[0].n;
      // What the projector does alone: a rebuild replays every event into a fresh copy.
      const t0 = performance.now();
      const rebuilt = await engine.analyticsProjector.rebuild();
      const s = (performance.now() - t0) / 1000;
      rebuild = { events: Number(rebuilt.eventsApplied), seconds: round(s, 2), eventsPerSecond: round(Number(rebuilt.eventsApplied) / s) };
      log(`  rebuild: ${rebuild.events} events in ${rebuild.seconds} s`);
    }
    lags.sort((a, b) => a - b);
    behind.sort((a, b) => a - b);
    return {
      store: kind,
      analytics,
      executions,
      seconds: round(seconds, 2),
      executionsPerSecond: round(executions / seconds, 1),
      ...(analytics
        ? {
            stateRuns: stateRunCount,
            rebuild,
            lagMs: { samples: lags.length, p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), p99: percentile(lags, 0.99), max: lags.at(-1) },
            lagEvents: {
              samples: behind.length,
              p50: percentile(behind, 0.5),
              p95: percentile(behind, 0.95),
              p99: percentile(behind, 0.99),
              max: behind.at(-1),
            },
          }
        : {}),
    };
  } finally {
    await engine.close();
    await close();
  }
};

/** The p95 query over `stateRows` synthetic state runs, in two shapes. */
const percentileQuery = async () => {
  const url = await freshDatabase('rows');
  const db = new Kysely({ dialect: new PostgresDialect({ pool: makePgPool(url, 2) }) });
  const results = [];
  try {
    // The projection's own migrations: the real tables, indexes and views.
    const store = await openPostgresEventStore({ connectionString: url, maxConnections: 2 });
    await getProjector({ store, db, projection: analyticsReadModel() }).catchUp();
    await store.close();
    const machine = (m) => `arn:aws:states:us-east-1:123456789012:stateMachine:m${m}`;
    for (const shape of ['spread', 'all']) {
      await sql`truncate analytics.state_run_rows`.execute(db);
      const began = performance.now();
      // spread: 20 machines × 10 states over 30 days; all: one state of one machine, last 7 days.
      const machines = shape === 'spread' ? 20 : 1;
      const states = shape === 'spread' ? 10 : 1;
      const days = shape === 'spread' ? 30 : 7;
      const chunk = 200_000;
      for (let from = 0; from < stateRows; from += chunk) {
        const to = Math.min(stateRows, from + chunk) - 1;
        await sql`insert into analytics.state_run_rows (execution_arn, entered_event_id, ended_event_id, state_machine_arn, state_name, state_type, frame,
            entered_at, ended_at, duration_ms, attempts, status)
          select 'arn:aws:states:us-east-1:123456789012:execution:m' || (g % ${machines}) || ':' || (g / 100), g % 100 + 2, g % 100 + 3,
            'arn:aws:states:us-east-1:123456789012:stateMachine:m' || (g % ${machines}), 'S' || ((g / ${machines}) % ${states}), 'Task', '',
            now() - (g::double precision / ${stateRows}) * interval '1 day' * ${days}, now(), (abs(hashint4(g)) % 5000)::bigint, 1, 'SUCCEEDED'
          from generate_series(${from}::int, ${to}::int) g`.execute(db);
        log(`  ${shape}: ${Math.min(stateRows, to + 1).toLocaleString('en-US')} / ${stateRows.toLocaleString('en-US')} state runs written`);
      }
      await sql`analyze analytics.state_run_rows`.execute(db);
      const loadSeconds = (performance.now() - began) / 1000;
      const query = sql`select percentile_cont(0.95) within group (order by duration_ms) as p95, count(*) as runs
        from analytics.state_runs
        where state_machine_arn = ${machine(0)} and state_name = 'S0' and entered_at >= now() - interval '7 days'`;
      const times = [];
      let answer;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const { rows } = await query.execute(db);
        times.push(performance.now() - t0);
        answer = rows[0];
      }
      const plan = await sql`explain ${query}`.execute(db);
      times.sort((a, b) => a - b);
      results.push({
        shape,
        stateRuns: stateRows,
        runsInWindow: Number(answer.runs),
        p95Ms: Number(answer.p95),
        queryMs: { median: round(times[2], 1), slowest: round(times[4], 1) },
        plan: Object.values(plan.rows[0])[0],
        loadSeconds: round(loadSeconds, 1),
      });
      log(`  ${shape}: p95 query ${round(times[2], 1)} ms (median of 5) over ${Number(answer.runs).toLocaleString('en-US')} runs in the window`);
    }
  } finally {
    await db.destroy();
  }
  return results;
};

const markdown = (r) =>
  [
    `### Analytics (${r.environment.cpus} vCPU, ${r.environment.node}, Postgres ${r.postgres})`,
    '',
    '| store | engine | executions | executions/s | analytics lag p50 / p95 / p99 / max (ms) | lag in events p50 / p99 / max | projector alone (rebuild), events/s |',
    '|---|---|---:|---:|---|---|---:|',
    ...r.throughput.map((c) =>
      c.analytics
        ? `| ${c.store} | with analytics | ${c.executions} | ${c.executionsPerSecond} | ${c.lagMs.p50} / ${c.lagMs.p95} / ${c.lagMs.p99} / ${c.lagMs.max} | ${c.lagEvents.samples > 0 ? `${c.lagEvents.p50} / ${c.lagEvents.p99} / ${c.lagEvents.max}` : '– (PGlite: lag() waits behind the engine on its one connection)'} | ${c.rebuild.eventsPerSecond} |`
        : `| ${c.store} | without (analytics: false) | ${c.executions} | ${c.executionsPerSecond} | – | – | – |`,
    ),
    '',
    `Throughput with ÷ without analytics: Postgres ${r.throughputRatio.postgres}, PGlite ${r.throughputRatio.pglite}`,
    '',
    '| state runs | shape | runs in the window | p95 query median / slowest (ms) | plan |',
    '|---:|---|---:|---|---|',
    ...r.percentile.map(
      (c) =>
        `| ${c.stateRuns.toLocaleString('en-US')} | ${c.shape} | ${c.runsInWindow.toLocaleString('en-US')} | ${c.queryMs.median} / ${c.queryMs.slowest} | ${c.plan} |`,
    ),
  ].join('\n');

runMain(async () => {
  const startedAt = new Date();
  const postgres = await admin((c) => c.query('show server_version').then((r) => r.rows[0].server_version));
  log(`analytics bench: ${executions} executions, ${stateRows.toLocaleString('en-US')} state runs`);
  const throughputCells = [];
  // Without first, then with: the same session, the same machine.
  for (const kind of ['postgres', 'pglite']) {
    for (const analytics of [false, true]) {
      log(`throughput on ${kind} ${analytics ? 'with' : 'without'} the analytics projector`);
      throughputCells.push(await throughput(kind, analytics));
      await cleanup();
    }
  }
  log('p95 of one state over 7 days');
  const percentileCells = await percentileQuery();
  await cleanup();
  const ratio = (kind) => {
    const [off, on] = [false, true].map((a) => throughputCells.find((c) => c.store === kind && c.analytics === a));
    return round(on.executionsPerSecond / off.executionsPerSecond, 3);
  };
  await finishRun(
    'analytics',
    startedAt,
    {
      environment: machineEnvironment(),
      postgres,
      throughput: throughputCells,
      throughputRatio: { postgres: ratio('postgres'), pglite: ratio('pglite') },
      percentile: percentileCells,
    },
    markdown,
  );
}, cleanup);
