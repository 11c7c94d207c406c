#!/usr/bin/env node
/**
 * Reads at scale: `npm run bench:scale [-- --executions N] [-- --keep] [-- --reuse]`.
 *
 * Grows one Postgres store to N executions of one state machine (default 100,000) and measures,
 * at each checkpoint (1,000, 10,000, 100,000, 1,000,000 up to N), the latency of what a console
 * or a CLI listing does over HTTP with the SDK v3:
 *
 * - ListExecutions, first page of 100, for every filter AWS has: none, statusFilter (SUCCEEDED,
 *   FAILED, RUNNING, and ABORTED which matches nothing), a version ARN, an alias ARN,
 *   redriveFilter REDRIVEN (matches nothing) and NOT_REDRIVEN; and the page after the first;
 * - DescribeExecution of a random execution.
 *
 * How the store grows (stated in the output): through the engine's own command path in process
 * (`engine.executions.startExecution`, 64 in flight; a start answers once stored, as an
 * API call does), not by writing rows; before measuring, the bench waits until the read model has
 * caught up (and reports how long that took). The machine is a Choice on the input: 96% Pass →
 * succeed, 1% Fail, 1% Wait for a year (RUNNING), and 1% each are started through version 1 and
 * through the alias `live`. So every execution is a real history and a real read-model row.
 *
 * Then StartExecution at fixed rates (200/s and 500/s, 10 s each, open loop) from a client in a
 * worker thread (start-load.mjs): the SDK v3, then plain keep-alive HTTP (the SDK's own CPU, ~1 ms a
 * call, is otherwise taken from the two cores the server runs on), and a whole ~25,000-event
 * history (read by an SDK client in a worker thread too, history-client.mjs). Beside the client's
 * times, each fixed-rate run reports the server's own (request to answer) and the appends' (group
 * commit and the round trip to Postgres), so a tail can be placed: the client's side, the
 * server's, or the database's; and, on Linux with a local Postgres, how long per start the
 * server's thread and Postgres ran and how long they were ready to run but waited for a CPU
 * (from the load worker's start to its report), and how busy the machine was.
 *
 * The database `stepstream_scale` on the server of DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test) is created for the run and dropped at the end; with
 * --keep it is kept, and --reuse continues on a kept one (a million executions take a while to
 * grow). Progress goes to stderr, a Markdown table to stdout (p50 and p99 in ms per checkpoint,
 * and the ratio of the largest checkpoint's p50 to the 1,000 one's), JSON to
 * bench-results/scale-<ISO date>.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CreateStateMachineAliasCommand, CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Kysely, PostgresDialect } from 'kysely';
import { makePgPool, openPostgresEventStore } from '../../packages/eventstore/dist/src/index.js';
import { Engine } from '../../packages/runtime/dist/src/index.js';
import { serveApi } from '../../packages/server/dist/src/index.js';
import { historyReadsInWorker, runLongHistory } from './long-history.mjs';
import { admin, parseFlags, databaseUrl, finishRun, log, machineEnvironment, percentile, redactedUrl, round, runMain } from './common.mjs';

const usage = 'usage: node scripts/bench/scale.mjs [--executions N] [--calls K] [--database NAME] [--keep] [--reuse]';
const flags = parseFlags(
  {
    executions: { type: 'string' },
    calls: { type: 'string' },
    database: { type: 'string' },
    keep: { type: 'boolean' },
    reuse: { type: 'boolean' },
  },
  usage,
);
const target = Number(flags.executions ?? 100_000);
const calls = Number(flags.calls ?? 30);
if (!Number.isInteger(target) || target < 1000 || !Number.isInteger(calls) || calls < 5) {
  console.error(`--executions takes a whole number ≥ 1000, --calls one ≥ 5\n${usage}`);
  process.exit(2);
}

const DATABASE = flags.database ?? 'stepstream_scale';
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(DATABASE)) {
  console.error(`--database takes a lower-case SQL identifier, not ${DATABASE}\n${usage}`);
  process.exit(2);
}
const scaleUrl = (() => {
  const u = new URL(databaseUrl);
  u.pathname = `/${DATABASE}`;
  return u.toString();
})();
const ROLE = 'arn:aws:iam::123456789012:role/bench';
const IN_FLIGHT = 64;
const CHECKPOINTS = [1_000, 10_000, 100_000, 1_000_000].filter((n) => n < target).concat([target]);

const definition = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.mode', StringEquals: 'fail', Next: 'Fail' },
        { Variable: '$.mode', StringEquals: 'wait', Next: 'Wait' },
      ],
      Default: 'Done',
    },
    Fail: { Type: 'Fail', Error: 'Bench', Cause: 'one in a hundred fails' },
    Wait: { Type: 'Wait', Seconds: 31_536_000, Next: 'Done' },
    Done: { Type: 'Pass', End: true },
  },
};

/** Which execution `i` is: its input and what it is started through. */
const planOf = (i) => ({
  mode: i % 100 === 7 ? 'fail' : i % 100 === 13 ? 'wait' : 'pass',
  through: i % 100 === 21 ? 'version' : i % 100 === 42 ? 'alias' : 'machine',
});

let created = false;
const dropDatabase = () => admin((c) => c.query(`drop database if exists ${DATABASE} with (force)`));

const main = async () => {
  const startedAt = new Date();
  const exists = await admin(async (c) => (await c.query('select 1 from pg_database where datname = $1', [DATABASE])).rowCount > 0);
  if (exists && !flags.reuse) throw new Error(`the database ${DATABASE} exists (a kept run?): pass --reuse to continue on it, or drop it`);
  if (!exists) {
    await admin((c) => c.query(`create database ${DATABASE}`));
    created = true;
  }
  log(`store: Postgres database ${DATABASE} on ${redactedUrl}${exists ? ' (reused)' : ''}; growing to ${target.toLocaleString('en')} executions`);

  const store = await openPostgresEventStore({ connectionString: scaleUrl });
  // Each append's time in the store (group commit and its round trip to Postgres), for the
  // fixed-rate runs' breakdown; the engine chains its appends over this store.
  const appendToStream = store.appendToStream.bind(store);
  store.appendToStream = (stream, events, options) => {
    const began = performance.now();
    const appended = appendToStream(stream, events, options);
    if (timings.on)
      appended.then(
        () => timings.append.push(performance.now() - began),
        () => {},
      );
    return appended;
  };
  const db = new Kysely({ dialect: new PostgresDialect({ pool: makePgPool(scaleUrl, 10) }) });
  const quiet = { debug() {}, info() {}, warn: (m) => log(`engine: ${m}`), error: (m, e) => log(`engine: ${m} ${e ?? ''}`) };
  const engine = new Engine({ store, db, log: quiet });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: quiet });
  // Each StartExecution's time in the server: from its request to the end of its answer.
  api.server.prependListener('request', (req, res) => {
    if (!timings.on || req.headers['x-amz-target'] !== 'AWSStepFunctions.StartExecution') return;
    const began = performance.now();
    res.once('finish', () => timings.server.push(performance.now() - began));
  });
  const client = new SFNClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' }, maxAttempts: 1 });

  try {
    const machine = await client.send(new CreateStateMachineCommand({ name: 'scale', definition: JSON.stringify(definition), roleArn: ROLE, publish: true }));
    const stateMachineArn = machine.stateMachineArn;
    const versionArn = machine.stateMachineVersionArn;
    const alias = await client
      .send(new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: versionArn, weight: 100 }] }))
      .catch(async (e) => {
        if (e.name !== 'ConflictException') throw e;
        return { stateMachineAliasArn: `${stateMachineArn}:live` };
      });
    const aliasArn = alias.stateMachineAliasArn;

    const count = async () =>
      Number(
        (await db.selectFrom('sfn_read.executions').where('state_machine_arn', '=', stateMachineArn).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow())
          .n,
      );
    /** Waits until the read model has applied every event; returns how long that took (s). */
    const caughtUp = async () => {
      const began = performance.now();
      for (let shown = began; (await engine.projector.lag()).behind > 0n;) {
        await new Promise((r) => setTimeout(r, 50));
        if (performance.now() - shown > 5000) {
          shown = performance.now();
          log(`  the read model is ${(await engine.projector.lag()).behind} events behind; waiting`);
        }
      }
      return round((performance.now() - began) / 1000, 1);
    };
    let have = await count();
    const knownArns = [];
    const grow = async (to) => {
      const began = performance.now();
      const from = have;
      let next = have;
      let lastReport = began;
      const worker = async () => {
        while (next < to) {
          const i = next++;
          const plan = planOf(i);
          const arn = plan.through === 'version' ? versionArn : plan.through === 'alias' ? aliasArn : stateMachineArn;
          const r = await engine.executions.startExecution({ stateMachineArn: arn, name: `e-${i}`, input: JSON.stringify({ mode: plan.mode }) });
          if (r._tag !== 'Right') throw new Error(`StartExecution e-${i} failed: ${JSON.stringify(r.left)}`);
          if (knownArns.length < 1000 || Math.random() < 0.001) knownArns.push(r.right.executionArn);
          have++;
          const now = performance.now();
          if (now - lastReport > 5000) {
            lastReport = now;
            const rate = (have - from) / ((now - began) / 1000);
            log(
              `  grown to ${have.toLocaleString('en')} of ${to.toLocaleString('en')} (${Math.round(rate)} starts/s, ~${Math.round((to - have) / rate)} s left)`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      const seconds = (performance.now() - began) / 1000;
      return { grown: to - from, seconds: round(seconds, 1), startsPerSecond: round((to - from) / seconds, 0) };
    };

    const time = async (send) => {
      for (let i = 0; i < 3; i++) await send();
      const ms = [];
      for (let i = 0; i < calls; i++) {
        const a = performance.now();
        await send();
        ms.push(performance.now() - a);
      }
      ms.sort((x, y) => x - y);
      return { p50: round(percentile(ms, 0.5), 2), p99: round(percentile(ms, 0.99), 2) };
    };
    const list = (input, check) => async () => {
      const out = await client.send(new ListExecutionsCommand({ maxResults: 100, ...input }));
      check?.(out);
      return out;
    };
    const queries = async () => {
      const first = await client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }));
      if (first.executions.length !== 100 || !first.nextToken) throw new Error('the first page of a machine with ≥ 1,000 executions has 100 and a next token');
      const cases = {
        'List, no filter': list({ stateMachineArn }),
        'List, next page': list({ stateMachineArn, nextToken: first.nextToken }),
        'List, status SUCCEEDED': list(
          { stateMachineArn, statusFilter: 'SUCCEEDED' },
          (o) => o.executions.every((e) => e.status === 'SUCCEEDED') || fail('status'),
        ),
        'List, status FAILED': list({ stateMachineArn, statusFilter: 'FAILED' }, (o) => o.executions.every((e) => e.status === 'FAILED') || fail('status')),
        'List, status RUNNING': list({ stateMachineArn, statusFilter: 'RUNNING' }, (o) => o.executions.every((e) => e.status === 'RUNNING') || fail('status')),
        'List, status ABORTED (none)': list({ stateMachineArn, statusFilter: 'ABORTED' }, (o) => o.executions.length === 0 || fail('aborted')),
        'List, version ARN': list(
          { stateMachineArn: versionArn },
          (o) => o.executions.every((e) => e.stateMachineVersionArn === versionArn) || fail('version'),
        ),
        'List, alias ARN': list({ stateMachineArn: aliasArn }, (o) => o.executions.every((e) => e.stateMachineAliasArn === aliasArn) || fail('alias')),
        'List, REDRIVEN (none)': list({ stateMachineArn, redriveFilter: 'REDRIVEN' }, (o) => o.executions.length === 0 || fail('redriven')),
        'List, NOT_REDRIVEN': list({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' }),
        DescribeExecution: () => client.send(new DescribeExecutionCommand({ executionArn: knownArns[Math.floor(Math.random() * knownArns.length)] })),
      };
      const out = {};
      for (const [name, send] of Object.entries(cases)) out[name] = await time(send);
      return out;
    };

    const results = {
      bench: 'scale',
      startedAt: startedAt.toISOString(),
      environment: machineEnvironment(),
      store: `Postgres (${redactedUrl.replace(/\/[^/]*$/, `/${DATABASE}`)})`,
      growth: `engine.executions.startExecution in process, ${IN_FLIGHT} in flight (a start answers once stored; the read model follows)`,
      callsPerQuery: calls,
      checkpoints: [],
    };
    for (const checkpoint of CHECKPOINTS) {
      // A reused store already past a checkpoint cannot be measured at it.
      if (have > checkpoint) continue;
      if (have < checkpoint) {
        log(`growing to ${checkpoint.toLocaleString('en')} executions`);
        const growth = { ...(await grow(checkpoint)), readModelCaughtUpAfter: await caughtUp() };
        log(
          `  ${growth.grown.toLocaleString('en')} starts in ${growth.seconds} s (${growth.startsPerSecond}/s); the read model caught up ${growth.readModelCaughtUpAfter} s later`,
        );
        results.checkpoints.push({ executions: checkpoint, growth, queries: undefined });
      } else results.checkpoints.push({ executions: checkpoint, growth: undefined, queries: undefined });
      if (knownArns.length === 0)
        knownArns.push(...(await client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }))).executions.map((e) => e.executionArn));
      log(`measuring at ${checkpoint.toLocaleString('en')} executions (${calls} calls each)`);
      results.checkpoints.at(-1).queries = await queries();
    }
    log(`StartExecution over HTTP at fixed rates (${RATES.join(', ')}/s, ${RATE_SECONDS} s each, open loop)`);
    results.startLatency = [];
    for (const rate of RATES) {
      for (const clientKind of CLIENTS) {
        results.startLatency.push(await startsAtRate(api.url, stateMachineArn, rate, clientKind));
        await caughtUp();
      }
    }
    log('a whole history: one execution of ~25,000 events (a Pass/Choice loop), read in pages of 1,000');
    results.history = await wholeHistory(client, api.url);
    await finishRun('scale', startedAt, results, markdown);
  } finally {
    await api.close();
    await engine.close();
    await store.close();
    await db.destroy();
    if (created && !flags.keep) await dropDatabase();
    else if (flags.keep) log(`kept the database ${DATABASE} (--reuse continues on it; drop it with: psql -c 'drop database ${DATABASE}')`);
  }
};

/**
 * What the fixed-rate runs time inside this process, beside the client's own times: each
 * StartExecution in the server (request to answer) and each append in the store.
 */
const timings = { on: false, server: [], append: [] };

/** p50 and p99 of `values` (ms), sorted here. */
const tail = (values) => {
  const sorted = [...values].sort((x, y) => x - y);
  return { count: sorted.length, p50: round(percentile(sorted, 0.5), 1), p99: round(percentile(sorted, 0.99), 1) };
};

/**
 * What the machine's CPUs were doing, read from Linux's /proc (undefined elsewhere, or where
 * Postgres's processes are not visible): the time this process's main thread and every local
 * `postgres` process spent running and spent runnable but waiting for a CPU (schedstat), and the
 * machine's busy share (/proc/stat). A start's tail that is not its own work shows up as waiting.
 * Postgres's counters are kept per process: a backend that ends between two readings (a
 * connection closed) takes its counters with it, and summing over whoever is alive
 * would count that as negative time.
 */
const cpuReading = () => {
  try {
    const schedstat = (path) => readFileSync(path, 'utf8').split(' ').map(Number);
    const [mainRun, mainWait] = schedstat(`/proc/${process.pid}/task/${process.pid}/schedstat`);
    const postgres = new Map();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('postgres')) continue;
        const [run, wait] = schedstat(`/proc/${pid}/schedstat`);
        postgres.set(pid, { run, wait });
      } catch {
        // A process that ended meanwhile.
      }
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = cpu[3] + cpu[4];
    const total = cpu.reduce((a, b) => a + b, 0);
    return postgres.size === 0 ? undefined : { mainRun, mainWait, postgres, idle, total };
  } catch {
    return undefined;
  }
};

/**
 * Per start, in ms, between two {@link cpuReading}s; undefined when either is missing. Postgres's
 * time is summed over the processes alive at the second reading (from zero for one that started
 * in between); the processes that ended in between are counted in `postgresEnded`, their time not.
 */
const cpuPerStart = (before, after, starts) => {
  if (!before || !after) return undefined;
  const ms = (ns) => round(ns / 1e6 / starts, 3);
  let run = 0;
  let wait = 0;
  for (const [pid, now] of after.postgres) {
    const then = before.postgres.get(pid) ?? { run: 0, wait: 0 };
    run += now.run - then.run;
    wait += now.wait - then.wait;
  }
  return {
    serverThreadRunning: ms(after.mainRun - before.mainRun),
    serverThreadWaiting: ms(after.mainWait - before.mainWait),
    postgresRunning: ms(run),
    postgresWaiting: ms(wait),
    postgresEnded: [...before.postgres.keys()].filter((pid) => !after.postgres.has(pid)).length,
    machineBusy: round(1 - (after.idle - before.idle) / (after.total - before.total), 2),
  };
};

/** The fixed rates StartExecution is timed at, and for how long each. */
const RATES = [200, 500];
const RATE_SECONDS = 10;
/** The load clients (start-load.mjs): the SDK v3, and plain keep-alive HTTP, which leaves the cores to the server. */
const CLIENTS = ['sdk', 'http'];

/**
 * StartExecution over HTTP at a fixed rate (open loop: a call is sent every 1/rate s whether or not
 * the earlier ones have been answered, as independent clients would), each timed from its
 * scheduled send to its answer, so a queue that builds up shows in the latency. The client runs in
 * a worker thread (start-load.mjs): its own event loop, as a client elsewhere would have.
 */
const startsAtRate = async (endpoint, stateMachineArn, rate, clientKind) => {
  timings.server = [];
  timings.append = [];
  timings.on = true;
  const cpuBefore = cpuReading();
  const worker = new Worker(new URL('./start-load.mjs', import.meta.url), {
    workerData: { endpoint, stateMachineArn, rate, seconds: RATE_SECONDS, input: '{"mode":"pass"}', client: clientKind },
  });
  const out = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load worker exited (${code}) before it reported`)));
  });
  const cpuAfter = cpuReading();
  await worker.terminate();
  timings.on = false;
  if (out.failed > 0) throw new Error(`${out.failed} of ${out.ms.length} StartExecution calls at ${rate}/s failed; the first: ${out.firstError}`);
  const ms = out.ms.sort((x, y) => x - y);
  return {
    rate,
    client: clientKind,
    calls: ms.length,
    achievedPerSecond: round(ms.length / out.seconds, 0),
    p50: round(percentile(ms, 0.5), 1),
    p99: round(percentile(ms, 0.99), 1),
    max: round(ms.at(-1), 1),
    inServer: tail(timings.server),
    append: tail(timings.append),
    cpu: cpuPerStart(cpuBefore, cpuAfter, ms.length),
  };
};

const cpuText = (c) =>
  c
    ? ` CPU per start: the server's thread ran ${c.serverThreadRunning} ms and waited for a CPU ${c.serverThreadWaiting} ms; Postgres ran ${c.postgresRunning} ms and waited ${c.postgresWaiting} ms${c.postgresEnded > 0 ? ` (not counting ${c.postgresEnded} Postgres process${c.postgresEnded === 1 ? '' : 'es'} that ended during the run)` : ''}; the machine was ${Math.round(c.machineBusy * 100)}% busy.`
    : ' (CPU per start not read: it needs Linux /proc and a local Postgres.)';

/** Times GetExecutionHistory over one ~25,000-event execution: every page forwards and backwards, and one page. */
const wholeHistory = async (client, endpoint) => {
  const { executionArn } = await runLongHistory(client, ROLE, `scale-history-${Date.now()}`);
  const runs = await historyReadsInWorker(endpoint, executionArn, [
    { name: 'forwards', rounds: 5, whole: true },
    { name: 'backwards', rounds: 5, whole: true, reverseOrder: true },
    { name: 'onePage', rounds: 30, whole: false },
  ]);
  const cell = ({ ms }) => ({ p50: round(percentile(ms, 0.5), 1), max: round(ms.at(-1), 1) });
  return { events: runs.forwards.value, wholeForwards: cell(runs.forwards), wholeBackwards: cell(runs.backwards), onePage: cell(runs.onePage) };
};

const fail = (what) => {
  throw new Error(`a filtered page lists an execution that does not match its filter (${what})`);
};

const markdown = (results) => {
  const cps = results.checkpoints;
  if (cps.length === 0) return 'No checkpoint was measured: the reused store is past every one of them.';
  const first = cps[0];
  const last = cps.at(-1);
  const head = `| query | ${cps.map((c) => `p50 / p99 ms at ${c.executions.toLocaleString('en')}`).join(' | ')} | p50 ratio ${last.executions.toLocaleString('en')} ÷ ${first.executions.toLocaleString('en')} |`;
  const rule = `|---|${cps.map(() => '---:|').join('')}---:|`;
  const rows = Object.keys(first.queries).map((q) => {
    const cells = cps.map((c) => `${c.queries[q].p50} / ${c.queries[q].p99}`);
    return `| ${q} | ${cells.join(' | ')} | ${round(last.queries[q].p50 / first.queries[q].p50, 2)} |`;
  });
  const growth = cps
    .filter((c) => c.growth)
    .map((c) => `${c.executions.toLocaleString('en')}: ${c.growth.startsPerSecond} starts/s, read model caught up ${c.growth.readModelCaughtUpAfter} s after`)
    .join('; ');
  const starts = (results.startLatency ?? []).map(
    (r) =>
      `StartExecution at ${r.rate}/s for ${RATE_SECONDS} s (open loop, ${r.client === 'http' ? 'plain HTTP' : 'SDK v3'} client in a worker thread, ${r.achievedPerSecond}/s achieved): p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; in the server p50 ${r.inServer.p50} / p99 ${r.inServer.p99} ms, of which the append (group commit and its round trip to Postgres) p50 ${r.append.p50} / p99 ${r.append.p99} ms.${cpuText(r.cpu)}`,
  );
  const h = results.history;
  const history = h
    ? [
        '',
        `GetExecutionHistory of one execution of ${h.events.toLocaleString('en')} events, pages of 1,000 (ms): whole history forwards p50 ${h.wholeForwards.p50} (max ${h.wholeForwards.max}), backwards p50 ${h.wholeBackwards.p50} (max ${h.wholeBackwards.max}); one page p50 ${h.onePage.p50} (max ${h.onePage.max}).`,
      ]
    : [];
  return [
    `ListExecutions (first page of 100) and DescribeExecution over HTTP with the SDK v3, ${results.callsPerQuery} calls each after 3 warm-up calls.`,
    `Store: ${results.store}; grown by ${results.growth} (${growth || 'reused'}).`,
    '',
    head,
    rule,
    ...rows,
    '',
    ...starts,
    ...history,
  ].join('\n');
};

runMain(main, async () => {
  if (created && !flags.keep) await dropDatabase();
});
