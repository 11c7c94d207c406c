#!/usr/bin/env node
/**
 * State-transition benchmark:
 * `npm run bench:transitions [-- --quick] [-- --only pglite|postgres] [-- --workload pass-chain,choice-loop,mixed]`.
 *
 * What it measures, in one run:
 *
 * 1. pass-chain-100: a chain of 100 Pass states. Each one does a little work — `Parameters` with
 *    a `States.MathAdd` intrinsic and a constant, `ResultPath: "$.n"` merging that into its input
 *    — and the last one ends the execution. N executions run one after another (1 in flight):
 *    StartExecution, then DescribeExecution until the status is no longer RUNNING. A chain of
 *    states that never waits is one decision in Stepstream, so StartExecution returns after the
 *    whole execution has run and Describe sees SUCCEEDED at once (the count of Describe calls
 *    that still saw RUNNING is reported as `runningPolls`).
 *    Transitions per execution = states entered = 100.
 *
 * 2. choice-loop-10: Init (Pass, n = 0) → Increment (Pass, `"n.$": "States.MathAdd($.n, 1)"`) →
 *    Check (Choice: back to Increment while `$.n < 10`, else Done) → Done (Succeed). From that
 *    logic each execution enters Init once, Increment and Check 10 times each and Done once:
 *    22 transitions. 1,000 executions are started with bounded client concurrency (64 in
 *    flight) and each is awaited to completion the same way.
 *
 * 3. mixed-4x6: Pass, Choice, Parallel and an inline Map in one machine, 1,000 executions, 64 in
 *    flight. Init (Pass) sets round = 0, acc = 0; then 4 rounds of: Round (Pass, round + 1) →
 *    Fan (Parallel, 3 branches: [Double (Pass, v = 2·round) → Keep (Pass)], [Size (Choice on
 *    round > 2) → Late or Early (Pass)], [Each (Map, `ProcessorConfig.Mode: INLINE`,
 *    MaxConcurrency 0, over the 6 items [1..6], `ItemSelector` {x: item, r: round}): per item
 *    Add (Pass, y = x + r) → Route (Choice on y > 6) → Hi or Lo (Pass)]) → Fold (Pass, acc +=
 *    v) → Check (Choice: back to Round while round < 4) — then Done (Succeed).
 *    Transitions are counted as AWS counts them and as the history records them: every state
 *    entered, so the Parallel state and the Map state count once each per round, every state a
 *    branch enters counts, and every state an iteration enters counts (6 items × 3); starting a
 *    branch or an iteration is not a transition. Per round: Round, Fan, 2 + 2 in the first two
 *    branches, Each + 18 in the third, Fold, Check = 27; with Init and Done: 1 + 4 × 27 + 1 =
 *    110. Each execution writes 286 history events, today in one append (nothing in it waits);
 *    the run reports the appends and events per execution it read back.
 *    The peer runs the same definition unchanged (it supports Parallel, `ItemProcessor`,
 *    `ItemSelector`, `MaxConcurrency` and accepts `ProcessorConfig`).
 *
 * Each workload runs on three stores — PGlite in memory, PGlite on a data directory in a temp
 * folder, and a Postgres server (`DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test,
 * skipped with a printed reason when it does not answer) — and in two ways:
 *
 * - http: through the real Step Functions HTTP API (`serveApi`) with the AWS SDK v3 `SFNClient`,
 *   as users see it. The server and the SDK client share this one Node process (and, on PGlite,
 *   the database too), so the client's cost (request building, SigV4 signing, parsing) is in the
 *   number.
 * - inproc: `engine.executions.startExecution(...)` called directly, then the read model's row read the way
 *   DescribeExecution reads it (`findExecution`) — no HTTP, no SDK — to show the HTTP overhead.
 *
 * Each store's database is opened once (opening PGlite takes seconds); every cell then gets a
 * fresh engine on a fresh store schema `bench_<random>` and a fresh read-model schema, both dropped
 * after the cell, and a few untimed warm-up executions first.
 *
 * On Postgres the read models live in the fixed schemas `sfn_read` and `audit` (the audit tree). The
 * bench only runs there when neither exists before it starts: it then creates them (through the
 * engine), drops them after each cell and at the end. When one already exists the Postgres cells
 * are skipped with a printed reason, and the schemas are never touched.
 *
 * The peer: the same definitions, same counts and same concurrency run in-process with the npm
 * package `aws-local-stepfunctions` (`new StateMachine(definition)`, `sm.run(input).result`).
 * That package is a pure in-memory interpreter: no persistence, no history, no read model, no
 * API. Stepstream writes every history event to its store and projects the read model before
 * Describe shows the execution, so "Stepstream ÷ peer" is the price of durability and the API,
 * not a like-for-like interpreter comparison.
 *
 * Each execution's output is checked (n.v = 100 for the chain, n = 10 for the loop, the whole
 * output, computed from the logic, for mixed), and after each Stepstream cell every measured
 * execution's stored history is read back to check that its count of *StateEntered events
 * equals the transitions counted from the definition.
 *
 * The raw insert ceiling, after each Stepstream cell, on the same store in the same run: the
 * streams the cell's measured executions wrote are read back and their events grouped exactly
 * as they were appended (the events of one append share `position.commit`, the appending
 * transaction's id). The same groups — same event types, data and metadata, in the same order —
 * are then appended to fresh streams (`ceiling-…`, one per execution) through the same
 * `EventStore` object with `store.appendToStream`: the first group of a stream with
 * `no_stream`, each next one with the revision of the previous group's last event, as the
 * engine appended them; as many streams in flight as the workload had executions in flight
 * (64, or 1 for the chain), each stream's appends one after another. A few streams of the
 * warm-up executions are appended first, untimed. What the ceiling includes: everything behind
 * the port's append — JSON.stringify of each event's data and metadata, the event ids, the one
 * round trip to the store's append function (claiming revisions on the stream's row, inserting
 * the events and their indexes), the commit (with the server's fsync and synchronous_commit),
 * and the store's append signal (on Postgres a coalesced NOTIFY). What it leaves out, and the
 * workload pays: StartExecution's use case (looking up the state machine, naming the
 * execution), the decider (evaluating every state, building the events), the kept fold, the
 * read-model projector (it reads `$all` and updates rows, concurrently with the appends, on the
 * same database and CPU), the wait for the read model before Describe answers, the polling,
 * and in the http cells the HTTP API and the SDK client. The engine is closed before the
 * ceiling runs, so no projector or subscription reads `$all` meanwhile; the ceiling's appends
 * also never wait between two appends of one stream, where the workload's do (for these
 * workloads every execution is one append anyway). It runs after the workload, so its table and
 * indexes already hold the workload's events, where the workload started on an empty store
 * schema: a small handicap for the ceiling. So "÷ ceiling" (workload transitions/s ÷
 * ceiling transitions/s, the ceiling's being its streams/s × transitions per execution) is the
 * share of the store's insert rate the engine keeps once it decides, projects and answers.
 *
 * Progress goes to stderr; a Markdown table (workload, engine, store, executions/s,
 * transitions/s, the ceiling's events/s and transitions/s, ratio vs ceiling, ratio vs peer)
 * goes to stdout; the results are written as JSON to bench-results/transitions-<ISO date>.json.
 *
 * Flags: --quick (fewer executions), --only pglite|postgres (Stepstream stores; the peer always
 * runs), --workload pass-chain|choice-loop|mixed (comma-separated; all three by default), --audit
 * off (the engine without its audit tree and checkpoints, `EngineOptions.audit: false`, to see
 * what they cost; the hash chain stays: it is part of every append).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { makePgPool, openPGlite, openPGliteEventStore, openPostgresEventStore } from '../../packages/eventstore/dist/src/index.js';
import { findExecution } from '../../packages/projections/dist/src/index.js';
import { Engine, locateExecution } from '../../packages/runtime/dist/src/index.js';
import { serveApi } from '../../packages/server/dist/src/index.js';
import { databaseUrl, finishRun, log, machineCpu, parseOptions, percentile, redactedUrl, round, runMain, machineEnvironment } from './common.mjs';

// ---------------------------------------------------------------------------------------------
// Options

const WORKLOAD_KINDS = ['pass-chain', 'choice-loop', 'mixed'];
const { quick, only, workload: chosenKinds, audit: auditChoice } = parseOptions('transitions.mjs', { workload: WORKLOAD_KINDS, audit: ['on', 'off'] });
if (auditChoice !== undefined && auditChoice.length !== 1) {
  console.error('--audit takes on or off, not both');
  process.exit(2);
}
const auditOff = auditChoice?.[0] === 'off';

const config = {
  quick,
  only: only ?? 'all',
  workloads: chosenKinds ?? WORKLOAD_KINDS,
  auditTree: !auditOff,
  passChain: { states: 100, executions: quick ? 20 : 100, concurrency: 1, warmup: quick ? 2 : 5 },
  choiceLoop: { iterations: 10, executions: quick ? 200 : 1000, concurrency: 64, warmup: quick ? 16 : 64 },
  mixed: { rounds: 4, items: [1, 2, 3, 4, 5, 6], executions: quick ? 200 : 1000, concurrency: 64, warmup: quick ? 16 : 64 },
  /** Streams of warm-up executions appended, untimed, before the ceiling is measured. */
  ceilingWarmup: quick ? 8 : 32,
  /** A cell stops starting executions after this long (the count that finished is reported). */
  cellDeadlineMs: quick ? 20_000 : 45_000,
  describePollMs: 5,
};

/** The engine's read models' fixed schemas: the Describe/List read model and the audit tree. */
const READ_MODEL_SCHEMAS = ['sfn_read', 'audit'];
const ROLE = 'arn:aws:iam::123456789012:role/stepstream-bench';

// The SDK warns once per process that its releases after January 2027 need Node 22; that says
// nothing about this run, so it is switched off (the SDK's own switch) to keep progress readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const silentLog = { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(m, e) };

/**
 * The engine's logger: silent, but counts "read models are lagging" warnings — a write whose
 * read-your-writes wait (5 s) ran out before the read model showed it.
 */
const engineLog = () => {
  const counts = { lagging: 0 };
  return { counts, log: { ...silentLog, warn: (m) => void (/lagging/.test(m) ? counts.lagging++ : console.error(m)) } };
};

// ---------------------------------------------------------------------------------------------
// Workloads

const stateName = (i) => `S${String(i).padStart(3, '0')}`;

/** 100 Pass states in a chain; each adds 1 to $.n.v and records its name, the last one ends. */
const passChainDefinition = (n) => {
  const States = {};
  for (let i = 0; i < n; i++) {
    States[stateName(i)] = {
      Type: 'Pass',
      Parameters: { 'v.$': 'States.MathAdd($.n.v, 1)', at: stateName(i) },
      ResultPath: '$.n',
      ...(i === n - 1 ? { End: true } : { Next: stateName(i + 1) }),
    };
  }
  return { Comment: `bench: ${n} Pass states`, StartAt: stateName(0), States };
};

/** Init → (Increment → Check)×iterations → Done. */
const choiceLoopDefinition = (iterations) => ({
  Comment: `bench: a Choice loop of ${iterations} iterations`,
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Parameters: { n: 0, 'tag.$': '$.tag' }, Next: 'Increment' },
    Increment: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'tag.$': '$.tag' }, Next: 'Check' },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.n', NumericLessThan: iterations, Next: 'Increment' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});

/**
 * Transitions (states entered) per execution, from the loop's logic: Init once; Increment then
 * Check while n goes 1..iterations (Check loops back while n < iterations); Done once.
 */
const choiceLoopTransitions = (iterations) => {
  let n = 0;
  let entered = 1; // Init
  for (;;) {
    n += 1;
    entered += 2; // Increment, Check
    if (!(n < iterations)) break;
  }
  return entered + 1; // Done
};

/**
 * Pass, Choice, Parallel and an inline Map: `rounds` rounds of a Parallel whose three branches
 * are two Pass states, a Choice and a Pass, and an inline Map over `$.items` whose iterations are
 * Pass → Choice → Pass; a Choice loops back while round < rounds.
 */
const mixedDefinition = (rounds) => ({
  Comment: `bench: ${rounds} rounds of Pass, Parallel (3 branches, one an inline Map), Choice`,
  StartAt: 'Init',
  States: {
    Init: { Type: 'Pass', Parameters: { round: 0, acc: 0, 'tag.$': '$.tag', 'items.$': '$.items' }, Next: 'Round' },
    Round: { Type: 'Pass', Parameters: { 'round.$': 'States.MathAdd($.round, 1)', 'acc.$': '$.acc', 'tag.$': '$.tag', 'items.$': '$.items' }, Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Double',
          States: {
            Double: { Type: 'Pass', Parameters: { 'v.$': 'States.MathAdd($.round, $.round)' }, Next: 'Keep' },
            Keep: { Type: 'Pass', End: true },
          },
        },
        {
          StartAt: 'Size',
          States: {
            Size: { Type: 'Choice', Choices: [{ Variable: '$.round', NumericGreaterThan: 2, Next: 'Late' }], Default: 'Early' },
            Late: { Type: 'Pass', Parameters: { phase: 'late' }, End: true },
            Early: { Type: 'Pass', Parameters: { phase: 'early' }, End: true },
          },
        },
        {
          StartAt: 'Each',
          States: {
            Each: {
              Type: 'Map',
              ItemsPath: '$.items',
              ItemSelector: { 'x.$': '$$.Map.Item.Value', 'r.$': '$.round' },
              MaxConcurrency: 0,
              ItemProcessor: {
                ProcessorConfig: { Mode: 'INLINE' },
                StartAt: 'Add',
                States: {
                  Add: { Type: 'Pass', Parameters: { 'y.$': 'States.MathAdd($.x, $.r)' }, Next: 'Route' },
                  Route: { Type: 'Choice', Choices: [{ Variable: '$.y', NumericGreaterThan: 6, Next: 'Hi' }], Default: 'Lo' },
                  Hi: { Type: 'Pass', Parameters: { 'y.$': '$.y', hi: true }, End: true },
                  Lo: { Type: 'Pass', Parameters: { 'y.$': '$.y', hi: false }, End: true },
                },
              },
              End: true,
            },
          },
        },
      ],
      ResultPath: '$.fan',
      Next: 'Fold',
    },
    Fold: {
      Type: 'Pass',
      Parameters: { 'round.$': '$.round', 'acc.$': 'States.MathAdd($.acc, $.fan[0].v)', 'tag.$': '$.tag', 'items.$': '$.items', 'fan.$': '$.fan' },
      Next: 'Check',
    },
    Check: { Type: 'Choice', Choices: [{ Variable: '$.round', NumericLessThan: rounds, Next: 'Round' }], Default: 'Done' },
    Done: { Type: 'Succeed' },
  },
});

/**
 * Transitions (states entered) per execution of the mixed machine, from its logic. The Parallel
 * and Map states count once per round; every state a branch or an iteration enters counts.
 */
const mixedTransitions = (rounds, items) => {
  let entered = 1; // Init
  for (let round = 1; ; round++) {
    entered += 2; // Round, Fan (the Parallel state)
    entered += 2; // branch 1: Double, Keep
    entered += 2; // branch 2: Size (Choice), then Late or Early
    entered += 1 + items.length * 3; // branch 3: Each (the Map state); per item Add, Route (Choice), then Hi or Lo
    entered += 2; // Fold, Check
    if (!(round < rounds)) break;
  }
  return entered + 1; // Done
};

/** The mixed machine's output, from its logic: the last round's branch results and acc = Σ 2·round. */
const mixedOutput = (rounds, items, tag) => {
  let acc = 0;
  for (let round = 1; round <= rounds; round++) acc += 2 * round;
  const fan = [{ v: 2 * rounds }, { phase: rounds > 2 ? 'late' : 'early' }, items.map((x) => ({ y: x + rounds, hi: x + rounds > 6 }))];
  return { round: rounds, acc, tag, items, fan };
};

const allWorkloads = [
  {
    kind: 'pass-chain',
    id: `pass-chain-${config.passChain.states}`,
    label: `${config.passChain.states}-state Pass chain, sequential`,
    definition: passChainDefinition(config.passChain.states),
    input: { n: { v: 0, at: null }, tag: 'bench', items: [1, 2, 3] },
    transitions: config.passChain.states,
    counted: `${config.passChain.states} Pass states`,
    executions: config.passChain.executions,
    concurrency: config.passChain.concurrency,
    warmup: config.passChain.warmup,
    check: (out) => out?.n?.v === config.passChain.states && out?.n?.at === stateName(config.passChain.states - 1),
  },
  {
    kind: 'choice-loop',
    id: `choice-loop-${config.choiceLoop.iterations}`,
    label: `Choice loop ×${config.choiceLoop.iterations}, ${config.choiceLoop.concurrency} in flight`,
    definition: choiceLoopDefinition(config.choiceLoop.iterations),
    input: { tag: 'bench' },
    transitions: choiceLoopTransitions(config.choiceLoop.iterations),
    counted: `Init, ${config.choiceLoop.iterations} × Increment + Check, Done`,
    executions: config.choiceLoop.executions,
    concurrency: config.choiceLoop.concurrency,
    warmup: config.choiceLoop.warmup,
    check: (out) => out?.n === config.choiceLoop.iterations && out?.tag === 'bench',
  },
  {
    kind: 'mixed',
    id: `mixed-${config.mixed.rounds}x${config.mixed.items.length}`,
    label:
      `Pass, Choice, Parallel (3 branches) and an inline Map over ${config.mixed.items.length} items, ` +
      `${config.mixed.rounds} rounds, ${config.mixed.concurrency} in flight`,
    definition: mixedDefinition(config.mixed.rounds),
    input: { tag: 'bench', items: config.mixed.items },
    transitions: mixedTransitions(config.mixed.rounds, config.mixed.items),
    counted:
      `Init, ${config.mixed.rounds} × (Round, the Parallel, 2 + 2 states in two branches, the Map and ` +
      `${config.mixed.items.length} × 3 states in its iterations, Fold, Check), Done`,
    executions: config.mixed.executions,
    concurrency: config.mixed.concurrency,
    warmup: config.mixed.warmup,
    check: (out) => isDeepStrictEqual(out, mixedOutput(config.mixed.rounds, config.mixed.items, 'bench')),
  },
];
const workloads = allWorkloads.filter((w) => config.workloads.includes(w.kind));

// ---------------------------------------------------------------------------------------------
// Measuring

/**
 * Runs `count` executions of `runOne(i)` (which resolves to the execution's output once it has
 * finished) with at most `concurrency` in flight; stops starting new ones after the deadline.
 */
const runCell = async ({ name, count, concurrency, runOne, check }) => {
  const latencies = [];
  let next = 0;
  let done = 0;
  let bad = 0;
  let firstBad;
  const t0 = performance.now();
  const deadline = t0 + config.cellDeadlineMs;
  const cpu0 = process.cpuUsage();
  const machine0 = machineCpu();
  let lastProgress = t0;
  const worker = async () => {
    for (;;) {
      if (next >= count || performance.now() > deadline) return;
      const i = next++;
      const s = performance.now();
      const out = await runOne(i);
      const e = performance.now();
      latencies.push(e - s);
      done++;
      if (!check(out)) {
        bad++;
        firstBad ??= out;
      }
      if (e - lastProgress > 5000) {
        lastProgress = e;
        log(`    … ${name}: ${done}/${count} in ${round((e - t0) / 1000, 1)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const machine1 = machineCpu();
  if (bad > 0) throw new Error(`${name}: ${bad} of ${done} executions gave a wrong output, e.g. ${JSON.stringify(firstBad)}`);
  latencies.sort((a, b) => a - b);
  return {
    executions: done,
    complete: done === count,
    seconds: round(ms / 1000, 3),
    executionsPerSec: round(done / (ms / 1000), 1),
    p50Ms: round(percentile(latencies, 0.5), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
    nodeCpuPct: round(((cpu.user + cpu.system) / 1000 / ms) * 100),
    machineCpuPct:
      machine0 && machine1 && machine1.total > machine0.total ? round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100) : null,
  };
};

// ---------------------------------------------------------------------------------------------
// Stepstream stacks

/** `fn` run at most once: later calls get the first call's promise. */
const once = (fn) => {
  let done;
  return () => (done ??= fn());
};

/**
 * Opens one store's database for the whole run. Opening PGlite (initdb in WebAssembly) takes
 * seconds, so each PGlite is opened once, and every cell gets its freshness from schemas instead:
 * `openStack()` puts a fresh engine on a fresh store schema `bench_<random>` and a fresh read-model
 * schema; its `closeEngine()` stops the engine and leaves the store open (for the ceiling), and its
 * `close()` closes both and drops both schemas. On PGlite the whole database is this run's own; on
 * Postgres `sfn_read` is only ever created, used and dropped when it did not exist before.
 */
const openBackend = async (store) => {
  if (store === 'pglite-mem' || store === 'pglite-dir') {
    const dir = store === 'pglite-dir' ? await mkdtemp(path.join(os.tmpdir(), 'stepstream-bench-')) : undefined;
    const shared = await openPGlite(dir);
    return {
      async openStack() {
        const storeSchema = `bench_${randomBytes(4).toString('hex')}`;
        await shared.pglite.exec(READ_MODEL_SCHEMAS.map((name) => `drop schema if exists ${name} cascade`).join('; '));
        const eventStore = await openPGliteEventStore({ shared, schema: storeSchema });
        const { counts, log: engineLogger } = engineLog();
        const engine = new Engine({ store: eventStore, db: shared.db, log: engineLogger, ...(auditOff ? { audit: false } : {}) });
        await engine.start();
        const closeEngine = once(() => engine.close());
        return {
          engine,
          eventStore,
          counts,
          closeEngine,
          async close() {
            await closeEngine();
            await eventStore.close();
            await shared.pglite.exec([storeSchema, ...READ_MODEL_SCHEMAS].map((name) => `drop schema if exists ${name} cascade`).join('; '));
          },
        };
      },
      async close() {
        await shared.db.destroy();
        await shared.pglite.close();
        if (dir) await rm(dir, { recursive: true, force: true });
      },
    };
  }
  return {
    async openStack() {
      // Postgres: a fresh store schema, and the read-model schema that this run creates.
      const storeSchema = `bench_${randomBytes(4).toString('hex')}`;
      for (const name of READ_MODEL_SCHEMAS) {
        if (await schemaExists(name)) throw new Error(`the schema ${name} appeared while the bench was running; not touching it`);
      }
      schemasToDrop.add(storeSchema);
      for (const name of READ_MODEL_SCHEMAS) schemasToDrop.add(name);
      const eventStore = await openPostgresEventStore({ connectionString: databaseUrl, schema: storeSchema });
      const pool = makePgPool(databaseUrl, 10);
      const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
      const { counts, log: engineLogger } = engineLog();
      const engine = new Engine({ store: eventStore, db, log: engineLogger, ...(auditOff ? { audit: false } : {}) });
      await engine.start();
      const closeEngine = once(() => engine.close());
      return {
        engine,
        eventStore,
        counts,
        closeEngine,
        async close() {
          await closeEngine();
          await eventStore.close();
          await db.destroy();
          await dropSchemas();
        },
      };
    },
    async close() {},
  };
};

const createMachine = async (engine, workload) => {
  const name = `bench-${workload.id}-${randomBytes(3).toString('hex')}`;
  const r = await engine.resources.createStateMachine({
    name,
    definition: JSON.stringify(workload.definition),
    roleArn: ROLE,
    type: 'STANDARD',
    loggingConfiguration: {},
    tracingConfiguration: {},
  });
  if (r._tag !== 'Right') throw new Error(`CreateStateMachine failed: ${JSON.stringify(r.left)}`);
  return r.right.stateMachineArn;
};

/**
 * The ARNs of the executions a runner has seen finish, taken in batches (the warm-up's, then the
 * measured ones').
 */
const finishedArns = () => {
  let arns = [];
  return {
    add: (arn) => void arns.push(arn),
    take: () => {
      const taken = arns;
      arns = [];
      return taken;
    },
  };
};

/** The in-process path: engine.executions.startExecution, then the read model's row (what Describe reads). */
const inprocRunner = (engine, stateMachineArn, inputText) => {
  let runningPolls = 0;
  const finished = finishedArns();
  const runOne = async () => {
    const started = await engine.executions.startExecution({ stateMachineArn, input: inputText });
    if (started._tag !== 'Right') throw new Error(`StartExecution failed: ${JSON.stringify(started.left)}`);
    const arn = started.right.executionArn;
    for (;;) {
      const row = await findExecution(await engine.reads.readModel(), arn);
      if (!row) throw new Error(`execution ${arn} is not in the read model after StartExecution returned`);
      if (row.status !== 'RUNNING') {
        if (row.status !== 'SUCCEEDED') throw new Error(`execution ${arn} ended ${row.status}: ${row.error} ${row.cause}`);
        finished.add(arn);
        return JSON.parse(row.output);
      }
      runningPolls++;
      await sleep(config.describePollMs);
    }
  };
  return { runOne, runningPolls: () => runningPolls, takeArns: finished.take };
};

/** The HTTP path: StartExecution, then DescribeExecution until it is not RUNNING, with SDK v3. */
const httpRunner = (client, stateMachineArn, inputText) => {
  let runningPolls = 0;
  const finished = finishedArns();
  const runOne = async () => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: inputText }));
    for (;;) {
      const d = await client.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status !== 'RUNNING') {
        if (d.status !== 'SUCCEEDED') throw new Error(`execution ${executionArn} ended ${d.status}: ${d.error} ${d.cause}`);
        finished.add(executionArn);
        return JSON.parse(d.output);
      }
      runningPolls++;
      await sleep(config.describePollMs);
    }
  };
  return { runOne, runningPolls: () => runningPolls, takeArns: finished.take };
};

/** Runs `work` on every item with at most `concurrency` in flight; the results in the items' order. */
const mapLimit = async (items, concurrency, work) => {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

/**
 * Reads the executions' streams back: each one's appends, as they were made (the events of one
 * append share `position.commit`, its transaction's id), and its count of states entered.
 */
const readWrittenStreams = (store, executionArns) =>
  mapLimit(executionArns, 8, async (executionArn) => {
    const where = locateExecution(executionArn);
    if (where._tag === 'Left') throw new Error(where.left.message);
    const stream = where.right.stream;
    const events = await store.readStream(stream);
    const appends = [];
    let commit;
    for (const e of events) {
      if (appends.length === 0 || e.position.commit !== commit) appends.push([]);
      commit = e.position.commit;
      appends.at(-1).push(e);
    }
    return { stream, appends, statesEntered: events.filter((e) => e.type.endsWith('StateEntered')).length };
  });

/**
 * The ceiling's stream for an execution's: a fresh name of about the same length in a category
 * no projector reads, and the same appends — same types, data and metadata, in the same groups —
 * each with the expected revision the engine appended it with (the first `no_stream`, then the
 * previous group's last revision).
 */
const ceilingStream = ({ stream, appends }) => ({
  stream: `ceiling-${stream.slice(stream.indexOf('-') + 1)}`,
  appends: appends.map((events, i) => ({
    expectedRevision: i === 0 ? 'no_stream' : appends[i - 1].at(-1).revision,
    events: events.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })),
  })),
});

/** Appends every ceiling stream with `concurrency` streams in flight, each stream's appends in order. */
const appendCeiling = async ({ name, store, streams, concurrency }) => {
  let appends = 0;
  let events = 0;
  const runOne = async (i) => {
    const { stream, appends: groups } = streams[i];
    for (const { expectedRevision, events: group } of groups) {
      const r = await store.appendToStream(stream, group, { expectedRevision });
      if (r.nextExpectedRevision !== (expectedRevision === 'no_stream' ? -1n : expectedRevision) + BigInt(group.length)) {
        throw new Error(`${name}: ${stream} is at revision ${r.nextExpectedRevision} after an append of ${group.length} events`);
      }
      appends++;
      events += group.length;
    }
    return true;
  };
  const result = await runCell({ name, count: streams.length, concurrency, runOne, check: (ok) => ok === true });
  return { ...result, appends, events, eventsPerSec: round(events / result.seconds) };
};

/**
 * One Stepstream cell: a fresh stack, warm-up, the measured executions; then, on the same store,
 * the ceiling of the events they wrote.
 */
const benchStepstream = async (backend, store, workload, mode) => {
  const setupStart = performance.now();
  const stack = await backend.openStack();
  let api;
  let client;
  const closeApi = once(async () => {
    client?.destroy();
    await api?.close();
  });
  try {
    const stateMachineArn = await createMachine(stack.engine, workload);
    const inputText = JSON.stringify(workload.input);
    let runner;
    if (mode === 'http') {
      api = await serveApi({ engine: stack.engine, host: '127.0.0.1', port: 0, log: silentLog });
      client = new SFNClient({
        endpoint: api.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        maxAttempts: 1,
        requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: workload.concurrency }) },
      });
      runner = httpRunner(client, stateMachineArn, inputText);
    } else {
      runner = inprocRunner(stack.engine, stateMachineArn, inputText);
    }
    const name = `${workload.id} stepstream-${mode} ${store}`;
    await runCell({ name: `${name} (warm-up)`, count: workload.warmup, concurrency: workload.concurrency, runOne: runner.runOne, check: workload.check });
    const warmupArns = runner.takeArns();
    const setupMs = round(performance.now() - setupStart);
    const pollsBefore = runner.runningPolls();
    const laggingBefore = stack.counts.lagging;
    const result = await runCell({ name, count: workload.executions, concurrency: workload.concurrency, runOne: runner.runOne, check: workload.check });
    const runningPolls = runner.runningPolls() - pollsBefore;
    const readYourWritesTimeouts = stack.counts.lagging - laggingBefore;
    const measuredArns = runner.takeArns();

    // The ceiling runs on the store alone: no API, no engine (so no projector reading $all).
    await closeApi();
    await stack.closeEngine();
    const written = await readWrittenStreams(stack.eventStore, measuredArns);
    const wrong = written.find((w) => w.statesEntered !== workload.transitions);
    if (wrong) throw new Error(`${name}: ${wrong.stream} has ${wrong.statesEntered} states entered, the definition's logic says ${workload.transitions}`);
    const warmupWritten = await readWrittenStreams(stack.eventStore, warmupArns.slice(0, config.ceilingWarmup));
    await appendCeiling({
      name: `${name} ceiling (warm-up)`,
      store: stack.eventStore,
      streams: warmupWritten.map(ceilingStream),
      concurrency: workload.concurrency,
    });
    const ceiling = await appendCeiling({
      name: `${name} ceiling`,
      store: stack.eventStore,
      streams: written.map(ceilingStream),
      concurrency: workload.concurrency,
    });
    return {
      ...result,
      runningPolls,
      readYourWritesTimeouts,
      historyStatesEntered: workload.transitions,
      historiesChecked: written.length,
      appendsPerExecution: round(ceiling.appends / written.length, 2),
      eventsPerExecution: round(ceiling.events / written.length, 1),
      eventsPerSec: round((result.executionsPerSec * ceiling.events) / written.length),
      ceiling: {
        ...ceiling,
        transitionsPerSec: round(ceiling.executionsPerSec * workload.transitions),
      },
      setupMs,
    };
  } finally {
    await closeApi();
    await stack.close();
  }
};

/** The peer: aws-local-stepfunctions, in memory, same counts and concurrency. */
const benchPeer = async (workload) => {
  const sm = new StateMachine(workload.definition);
  const runOne = () => sm.run(structuredClone(workload.input)).result;
  const name = `${workload.id} aws-local-stepfunctions`;
  await runCell({ name: `${name} (warm-up)`, count: workload.warmup, concurrency: workload.concurrency, runOne, check: workload.check });
  return runCell({ name, count: workload.executions, concurrency: workload.concurrency, runOne, check: workload.check });
};

// ---------------------------------------------------------------------------------------------
// Postgres

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

const withClient = async (work) => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
};

const schemaExists = (schema) => withClient(async (c) => (await c.query('select 1 from pg_namespace where nspname = $1', [schema])).rowCount > 0);

const postgresInfo = () =>
  withClient(async (c) => {
    const { rows } = await c.query(
      `select current_setting('server_version') as version, current_setting('synchronous_commit') as synchronous_commit,
              current_setting('fsync') as fsync, current_setting('shared_buffers') as shared_buffers`,
    );
    return rows[0];
  });

/** Schemas this run created (the store's `bench_…` and `sfn_read`), dropped after each cell. */
const schemasToDrop = new Set();
const dropSchemas = async () => {
  if (schemasToDrop.size === 0) return;
  await withClient(async (c) => {
    for (const s of [...schemasToDrop]) {
      await c.query(`drop schema if exists ${pg.escapeIdentifier(s)} cascade`);
      schemasToDrop.delete(s);
    }
  });
};

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (x) => (x === null || x === undefined ? '–' : typeof x === 'number' ? x.toLocaleString('en-US') : String(x));

const markdown = (results) => {
  const lines = [];
  lines.push(
    '| workload | engine | store | executions | executions/s | transitions/s | p50 / p99 ms | ceiling events/s³ | ceiling transitions/s³ | ratio vs ceiling³ | ratio vs peer¹ |',
  );
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.rows) {
    if (r.skipped) {
      lines.push(`| ${r.workload} | ${r.engine} | ${r.store} | skipped² | | | | | | | |`);
      continue;
    }
    const n = `${fmt(r.executions)}${r.complete ? '' : ' (deadline)'}`;
    const ceiling = r.ceiling ? `${fmt(r.ceiling.eventsPerSec)} | ${fmt(r.ceiling.transitionsPerSec)} | ${fmt(r.ratioCeiling)}` : '– | – | –';
    lines.push(
      `| ${r.workload} | ${r.engine} | ${r.store} | ${n} | ${fmt(r.executionsPerSec)} | ${fmt(r.transitionsPerSec)} | ${r.p50Ms} / ${r.p99Ms} | ${ceiling} | ${r.ratio === undefined ? '1 (peer)' : fmt(r.ratio)} |`,
    );
  }
  lines.push(
    '',
    `Workloads: ${workloads.map((w) => `${w.id} = ${w.label}, ${w.transitions} transitions per execution (${w.counted})`).join('; ')}. ` +
      'Transitions = states entered (a Parallel or Map state once, plus every state its branches or iterations enter). ' +
      'Latency is per execution, StartExecution until Describe shows it finished.',
    '',
    '¹ The peer, aws-local-stepfunctions, is a pure in-memory interpreter with no persistence (no event store, no history, ' +
      'no read model, no API). Stepstream durably appends every history event and projects the read model before ' +
      'Describe shows the execution, so "ratio vs peer" (Stepstream executions/s ÷ peer executions/s on the same workload, ' +
      'counts and concurrency) is the cost of that durability and of the API, not an interpreter-vs-interpreter comparison.',
    '',
    ...[...new Set(results.rows.filter((r) => r.skipped).map((r) => `² ${r.store} skipped: ${r.skipped}`))].flatMap((l) => [l, '']),
    '³ The raw insert ceiling, measured right after each Stepstream cell on the same store: the events that cell ' +
      'wrote, read back and appended again in the same groups (one append per commit), with the same types, data, metadata ' +
      'and expected revisions, to fresh streams through the same EventStore port, with as many streams in flight as the ' +
      'workload had executions; the engine is closed meanwhile. It has no decider, no read-model projector, no API; ' +
      'ceiling transitions/s = streams/s × transitions per execution, and "ratio vs ceiling" = transitions/s ÷ that.',
    '',
    'stepstream-http = SDK v3 SFNClient → HTTP API, with client and server in this one process; stepstream-inproc = ' +
      'engine.executions.startExecution + the read-model lookup Describe does, no HTTP.',
  );
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
      peer: 'aws-local-stepfunctions 3.0.0 (pure in-memory interpreter, no persistence)',
    },
    workloads: workloads.map((w) => ({
      kind: w.kind,
      id: w.id,
      label: w.label,
      transitionsPerExecution: w.transitions,
      transitionsCounted: w.counted,
      executions: w.executions,
      concurrency: w.concurrency,
      definition: w.definition,
    })),
    rows: [],
  };
  log(`state-transition benchmark${quick ? ' (quick)' : ''}`);
  // Other work on the machine skews every number here (2 cores): measure it before starting.
  const m0 = machineCpu();
  await sleep(1000);
  const m1 = machineCpu();
  if (m0 && m1 && m1.total > m0.total) {
    const busy = round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100);
    results.environment.machineBusyBeforeStartPct = busy;
    if (busy > 20) log(`warning: the machine was ${busy}% busy before the bench started; the numbers will be low and noisy`);
  }

  const stores = [];
  if (config.only !== 'postgres') stores.push({ store: 'pglite-mem' }, { store: 'pglite-dir' });
  if (config.only !== 'pglite') {
    let reason = await postgresUnavailable();
    for (const name of READ_MODEL_SCHEMAS) {
      if (!reason && (await schemaExists(name))) {
        reason = `the schema ${name} already exists in ${redactedUrl}; the bench drops and recreates its read models there, so it leaves an existing one alone`;
      }
    }
    if (reason) {
      log(`postgres: skipped — ${reason}`);
      stores.push({ store: 'postgres', skipped: reason });
    } else {
      results.environment.postgres = { url: redactedUrl, ...(await postgresInfo()) };
      stores.push({ store: 'postgres' });
    }
  }

  const peers = new Map();
  for (const workload of workloads) {
    log(`${workload.id}: ${workload.executions} executions, ${workload.concurrency} in flight, ${workload.transitions} transitions each`);
    const peer = await benchPeer(workload);
    const peerRow = {
      workload: workload.id,
      engine: 'aws-local-stepfunctions¹',
      store: 'none (memory)',
      ...peer,
      transitionsPerSec: round(peer.executionsPerSec * workload.transitions),
    };
    peers.set(workload.id, peerRow);
    log(
      `  peer                         ${String(peer.executionsPerSec).padStart(8)} exec/s ${String(peerRow.transitionsPerSec).padStart(9)} trans/s (p50 ${peer.p50Ms} ms, cpu ${peer.nodeCpuPct}%)`,
    );
  }

  const stepstreamRows = [];
  for (const { store, skipped } of stores) {
    const modes = ['http', 'inproc'];
    if (skipped) {
      for (const workload of workloads) for (const mode of modes) stepstreamRows.push({ workload: workload.id, engine: `stepstream-${mode}`, store, skipped });
      continue;
    }
    log(`${store}: opening`);
    const backend = await openBackend(store);
    try {
      for (const workload of workloads) {
        const peer = peers.get(workload.id);
        for (const mode of modes) {
          const base = { workload: workload.id, engine: `stepstream-${mode}`, store };
          const r = await benchStepstream(backend, store, workload, mode);
          const transitionsPerSec = round(r.executionsPerSec * workload.transitions);
          const row = {
            ...base,
            ...r,
            transitionsPerSec,
            ratio: round(r.executionsPerSec / peer.executionsPerSec, 3),
            ratioCeiling: round(transitionsPerSec / r.ceiling.transitionsPerSec, 3),
          };
          stepstreamRows.push(row);
          const c = r.ceiling;
          log(
            `  ${`${workload.id} stepstream-${mode}`.padEnd(34)} ${String(r.executionsPerSec).padStart(8)} exec/s ${String(row.transitionsPerSec).padStart(9)} trans/s ` +
              `(p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, cpu node ${r.nodeCpuPct}% machine ${r.machineCpuPct}%, ${r.executions} in ${r.seconds} s` +
              `${r.complete ? '' : ', stopped at the deadline'}${r.runningPolls ? `, ${r.runningPolls} Describe saw RUNNING` : ''}` +
              `${r.readYourWritesTimeouts ? `, ${r.readYourWritesTimeouts} read-your-writes waits timed out` : ''}) ratio vs peer ${row.ratio}`,
          );
          log(
            `  ${'  ceiling'.padEnd(34)} ${String(c.executionsPerSec).padStart(8)} strm/s ${String(c.transitionsPerSec).padStart(9)} trans/s ` +
              `(${c.eventsPerSec} events/s, ${r.appendsPerExecution} appends and ${r.eventsPerExecution} events per stream, p50 ${c.p50Ms} ms, ` +
              `cpu node ${c.nodeCpuPct}% machine ${c.machineCpuPct}%, ${c.executions} in ${c.seconds} s${c.complete ? '' : ', stopped at the deadline'}) ` +
              `ratio vs ceiling ${row.ratioCeiling}`,
          );
        }
      }
    } finally {
      await backend.close();
    }
  }
  for (const workload of workloads) {
    results.rows.push(...stepstreamRows.filter((r) => r.workload === workload.id), peers.get(workload.id));
  }

  await finishRun('transitions', startedAt, results, markdown);
};

runMain(main, dropSchemas);
