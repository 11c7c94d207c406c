#!/usr/bin/env node
/**
 * The hostile-input suite for longer: `npm run fuzz [-- --minutes 10] [--seed N] [--postgres] [--bound-ms 1000]`.
 *
 * The same generators and properties as packages/server/test/hostile-input.e2e.test.ts (issue 11),
 * run in rounds until the time is up: hostile requests to all 37 operations and odd routes, then
 * mutated ASL definitions (validated, created and run, put into an existing machine, tested with
 * TestState), each round with the next seed. Every answer must be below 500, AWS-shaped
 * (`{__type, message}` strings) when not 200, and within the bound. Afterwards a Pass → Succeed
 * execution must still start, succeed and be listed.
 *
 * The server runs in this process on an in-memory PGlite, or with `--postgres` on a database of its
 * own created on the Postgres server at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
 * and dropped at the end. Progress goes to stderr every 5 s; the summary (requests per operation,
 * p50/p99/max latency, answers by __type, each distinct failure with the smallest request that
 * showed it and its seed and path) to stdout. Exit code 1 when anything failed.
 */
import { Kysely, PostgresDialect } from 'kysely';
import { makePgPool, openPostgresEventStore } from '../../packages/eventstore/dist/src/index.js';
import { ownDatabase, postgresUrl } from '../../packages/eventstore/dist/src/testing/postgres.js';
import {
  createFixtures,
  createUpdatable,
  DEFAULT_BOUND_MS,
  newStats,
  normalExecutionWorks,
  percentile,
  runDefinitions,
  runRequests,
  startHostileStack,
  summarize,
} from '../../packages/server/dist/test/hostile-fuzz.js';

const usage = 'usage: node scripts/fuzz/hostile.mjs [--minutes N] [--seed N] [--postgres] [--bound-ms N]';
const log = (line) => process.stderr.write(`${line}\n`);

const parseOptions = () => {
  const argv = process.argv.slice(2);
  const o = { minutes: 10, seed: Date.now() % 2 ** 31, postgres: false, boundMs: DEFAULT_BOUND_MS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--minutes') o.minutes = Number(value());
    else if (flag === '--seed') o.seed = Number(value());
    else if (flag === '--bound-ms') o.boundMs = Number(value());
    else if (flag === '--postgres') o.postgres = true;
    else if (flag === '--help' || flag === '-h') {
      console.log(usage);
      process.exit(0);
    } else {
      console.error(`unknown argument ${argv[i]}\n${usage}`);
      process.exit(2);
    }
  }
  if (!(o.minutes > 0) || !Number.isInteger(o.seed) || !(o.boundMs > 0)) {
    console.error(usage);
    process.exit(2);
  }
  return o;
};

/** A database of this run's own (the read models live in a fixed schema, so a schema is not enough). */
const openPostgres = async () => {
  const name = `hostile_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const database = ownDatabase(name);
  await database.create();
  const store = await openPostgresEventStore({ connectionString: database.url, schema: 'hostile_store' });
  const db = new Kysely({ dialect: new PostgresDialect({ pool: makePgPool(database.url, 10) }) });
  log(`postgres: database ${name} on ${postgresUrl.replace(/:[^:@/]*@/, ':***@')}`);
  return {
    store,
    db,
    async close() {
      await store.close();
      await db.destroy();
      await database.drop();
    },
  };
};

const main = async () => {
  const o = parseOptions();
  const stack = await startHostileStack(o.postgres ? await openPostgres() : undefined);
  const stats = newStats();
  const started = Date.now();
  const deadline = started + o.minutes * 60_000;
  let rounds = 0;
  let closed = false;
  let progress;
  const finish = async (code, why) => {
    if (closed) return;
    closed = true;
    clearInterval(progress);
    console.log(`\n# hostile-input: ${why}\nseeds ${o.seed}…${o.seed + rounds}, ${((Date.now() - started) / 1000).toFixed(0)} s, bound ${o.boundMs} ms\n`);
    console.log(summarize(stats));
    console.log(`errors logged by the server and engine: ${stack.logged.length}`);
    for (const l of stack.logged.slice(0, 20)) console.log(`  ${l.split('\n').slice(0, 3).join('\n    ')}`);
    await stack.close().catch((e) => log(`close: ${e.message}`));
    process.exit(code);
  };
  // The server runs in this process: a crash is a failure the summary must still show.
  process.on('uncaughtException', (e) => void finish(1, `CRASH: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => void finish(1, `CRASH (unhandled rejection): ${e?.stack ?? e}`));
  process.on('SIGINT', () => void finish(130, 'interrupted'));

  progress = setInterval(() => {
    const max = stats.latencies.reduce((a, b) => Math.max(a, b), 0);
    log(
      `${((Date.now() - started) / 1000).toFixed(0)} s: ${stats.total} requests, ${stats.executions.size} executions, ` +
        `p99 ${percentile(stats.latencies.slice(-2000), 0.99).toFixed(0)} ms (last 2000), max ${max.toFixed(0)} ms, ${stats.failures.size} distinct failures`,
    );
  }, 5_000);

  const fixtures = await createFixtures(stack.client);
  const updatable = await createUpdatable(stack.client);
  const url = stack.api.url;
  while (Date.now() < deadline) {
    const seed = o.seed + rounds;
    const left = deadline - Date.now();
    await runRequests({ url, fixtures, stats, seed, numRuns: 1_000_000, timeLimitMs: Math.min(60_000, left), boundMs: o.boundMs });
    if (Date.now() < deadline) {
      await runDefinitions({
        url,
        fixtures,
        stats,
        seed,
        numRuns: 1_000_000,
        timeLimitMs: Math.min(30_000, deadline - Date.now()),
        boundMs: o.boundMs,
        updatable,
      });
    }
    rounds++;
  }
  const problems = await normalExecutionWorks(stack.client);
  for (const p of problems) log(`after the run: ${p}`);
  const failed = stats.failures.size > 0 || problems.length > 0;
  await finish(
    failed ? 1 : 0,
    failed
      ? `FAILED (${stats.failures.size} distinct failures; after the run: ${problems.join('; ') || 'a normal execution works'})`
      : 'passed; a normal execution works afterwards',
  );
};

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
