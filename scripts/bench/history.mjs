#!/usr/bin/env node
/**
 * What a task answer costs as the history grows: `npm run bench:history [-- --quick]`.
 *
 * Two executions of one machine wait on an activity task, one after ~20 history events, one after
 * ~20,000 (a Pass/Choice loop counts up first). Rounds alternate between them: a worker takes the
 * task (GetActivityTask), then SendTaskSuccess is timed — the decision that records the answer,
 * leaves the Task, passes a Choice and enters the Task again (`ActivityScheduled`), through the
 * real HTTP API with the AWS SDK v3. The ratio long ÷ short is what the history's length costs;
 * issue 12 asks for ≤ 1.5 (before folds were kept between decisions, every answer re-read and
 * re-folded the whole history). The engine runs on an in-memory PGlite.
 * Progress goes to stderr, a Markdown table to stdout, JSON to bench-results/history-<date>.json.
 */
import { performance } from 'node:perf_hooks';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { openPGlite, openPGliteEventStore } from '../../packages/eventstore/dist/src/index.js';
import { Engine } from '../../packages/runtime/dist/src/index.js';
import { serveApi } from '../../packages/server/dist/src/index.js';
import { finishRun, log, machineEnvironment, parseOptions, percentile, round, runMain } from './common.mjs';

const stats = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: ms.length, p50: round(percentile(sorted, 0.5), 3), p90: round(percentile(sorted, 0.9), 3), max: round(sorted.at(-1), 3) };
};

let cleanup = async () => {};

const main = async () => {
  const { quick } = parseOptions('history.mjs');
  const rounds = quick ? 30 : 150;
  const startedAt = new Date();
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  const engine = new Engine({ store, db: shared.db });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(m, e) } });
  const client = new SFNClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' }, maxAttempts: 1 });
  cleanup = async () => {
    client.destroy();
    await api.close();
    await engine.close();
    await store.close();
    await shared.db.destroy();
    await shared.pglite.close();
  };
  const { activityArn } = await client.send(new CreateActivityCommand({ name: 'bench-history-work' }));
  // Count up to $.target (4 events a lap), then: Work (an activity) → Again (a Choice) → Work … (Done is never reached)
  const definition = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThanPath: '$.target', Next: 'Inc' }], Default: 'Work' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'target.$': '$.target' }, Next: 'Count' },
      Work: { Type: 'Task', Resource: activityArn, ResultPath: null, Next: 'Again' },
      Again: { Type: 'Choice', Choices: [{ Variable: '$.n', IsPresent: true, Next: 'Work' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({ name: 'bench-history', definition: JSON.stringify(definition), roleArn: 'arn:aws:iam::123456789012:role/bench' }),
  );
  const lastId = async (executionArn) => (await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }))).events[0].id;
  const cells = {};
  const runs = [];
  for (const [label, target] of [
    ['short', 4],
    ['long', 4_999],
  ]) {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: label, input: JSON.stringify({ n: 0, target }) }));
    runs.push({ label, executionArn });
    cells[label] = [];
  }
  // Both wait on a task now; each round takes one task and answers it, alternating.
  const take = async () => {
    const t = await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'bench' }));
    if (!t.taskToken) throw new Error('no task came');
    return t;
  };
  const lengths = {};
  for (let i = 0; i < rounds * 2 + 2; i++) {
    const task = await take();
    const label = JSON.parse(task.input).target === 4 ? 'short' : 'long';
    const t0 = performance.now();
    await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }));
    const ms = performance.now() - t0;
    if (i >= 2) cells[label].push(ms); // the first answer of each is a warm-up
    if ((i + 1) % 50 === 0) log(`  ${i + 1}/${rounds * 2 + 2} answers`);
  }
  for (const { label, executionArn } of runs) lengths[label] = await lastId(executionArn);
  const short = stats(cells.short);
  const long = stats(cells.long);
  const results = {
    benchmark: 'history',
    startedAt: startedAt.toISOString(),
    environment: machineEnvironment(),
    rounds,
    cells: [
      { execution: 'short', historyEvents: lengths.short, ...short },
      { execution: 'long', historyEvents: lengths.long, ...long },
    ],
    p50Ratio: round(long.p50 / short.p50, 2),
  };
  await cleanup();
  cleanup = async () => {};
  await finishRun('history', startedAt, results, (r) =>
    [
      `SendTaskSuccess → the next Task entered, over HTTP (SDK v3), ${r.rounds} answers per execution, PGlite in memory (ms)`,
      '',
      '| execution | history events at the end | p50 | p90 | max |',
      '|---|---|---|---|---|',
      ...r.cells.map((c) => `| ${c.execution} | ${c.historyEvents} | ${c.p50} | ${c.p90} | ${c.max} |`),
      '',
      `p50 ratio long ÷ short: ${r.p50Ratio} (issue 12 asks for ≤ 1.5)`,
    ].join('\n'),
  );
};

runMain(main, () => cleanup());
