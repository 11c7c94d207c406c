#!/usr/bin/env node
/**
 * StartSyncExecution latency: `npm run bench:sync [-- --quick]`.
 *
 * A 5-state EXPRESS machine (Pass with Parameters → Choice → Pass with an intrinsic → Wait 0 →
 * Succeed) is run N times one after another, three ways, in one process:
 *
 * - http: `StartSyncExecution` through the real HTTP API with the AWS SDK v3 client (what users
 *   see; the client's signing and parsing are in the number);
 * - inproc: `engine.executions.startSyncExecution(...)` called directly (no HTTP, no SDK);
 * - peer: the same definition and inputs run by `aws-local-stepfunctions` (`sm.run(input).result`),
 *   a pure in-memory interpreter.
 *
 * Express executions are not stored, so no store is involved; the engine runs on an in-memory
 * PGlite only because it needs one to start. Reported: p50, p90, p99 and max latency in ms, and
 * p50/p99 ratios against the peer (peer ÷ Stepstream, so 1 means as fast and below 1 slower).
 * Every output is checked. Progress goes to stderr, a Markdown table to stdout, JSON to
 * bench-results/sync-<ISO date>.json.
 */
import { performance } from 'node:perf_hooks';
import { CreateStateMachineCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { StateMachine } from 'aws-local-stepfunctions';
import { startEmbedded } from './embedded.mjs';
import { finishRun, log, machineEnvironment, parseOptions, percentile, round, runMain } from './common.mjs';

const definition = {
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'B' },
    B: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 0, Next: 'C' }], Default: 'Fail' },
    C: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, Next: 'D' },
    D: { Type: 'Wait', Seconds: 0, Next: 'E' },
    E: { Type: 'Succeed' },
    Fail: { Type: 'Fail', Error: 'NotPositive' },
  },
};

const stats = (ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    n: ms.length,
    p50: round(percentile(sorted, 0.5), 3),
    p90: round(percentile(sorted, 0.9), 3),
    p99: round(percentile(sorted, 0.99), 3),
    max: round(sorted.at(-1), 3),
  };
};

const measure = async (label, n, run) => {
  for (let i = 0; i < Math.min(50, n); i++) await run(i); // warm-up, untimed
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const output = await run(i);
    ms.push(performance.now() - t0);
    if (output?.doubled !== 2 * (i + 1)) throw new Error(`${label}: wrong output for run ${i}: ${JSON.stringify(output)}`);
    if ((i + 1) % 500 === 0) log(`  ${label}: ${i + 1}/${n}`);
  }
  const s = stats(ms);
  log(`${label}: p50 ${s.p50} ms, p99 ${s.p99} ms`);
  return s;
};

let cleanup = async () => {};

const main = async () => {
  const { quick } = parseOptions('sync.mjs');
  const n = quick ? 300 : 2000;
  const startedAt = new Date();
  log(`StartSyncExecution latency, ${n} sequential runs per engine`);
  const { engine, client, close } = await startEmbedded();
  cleanup = async () => {
    await close();
  };

  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: 'bench-sync',
      type: 'EXPRESS',
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/bench',
    }),
  );
  const http = await measure('http (SDK v3)', n, async (i) => {
    const r = await client.send(new StartSyncExecutionCommand({ stateMachineArn, input: JSON.stringify({ n: i + 1 }) }));
    return JSON.parse(r.output);
  });
  const inproc = await measure('inproc', n, async (i) => {
    const r = await engine.executions.startSyncExecution({ stateMachineArn, input: JSON.stringify({ n: i + 1 }) });
    return JSON.parse(r.right.state.output);
  });
  const peerMachine = new StateMachine(definition);
  const peer = await measure('peer (aws-local-stepfunctions)', n, async (i) => peerMachine.run({ n: i + 1 }).result);
  const results = {
    benchmark: 'sync',
    startedAt: startedAt.toISOString(),
    environment: machineEnvironment(),
    runs: n,
    peer: 'aws-local-stepfunctions 3.0.0 (pure in-memory interpreter)',
    cells: [
      { engine: 'stepstream', way: 'http', ...http, p50VsPeer: round(peer.p50 / http.p50, 2), p99VsPeer: round(peer.p99 / http.p99, 2) },
      { engine: 'stepstream', way: 'inproc', ...inproc, p50VsPeer: round(peer.p50 / inproc.p50, 2), p99VsPeer: round(peer.p99 / inproc.p99, 2) },
      { engine: 'aws-local-stepfunctions', way: 'inproc', ...peer, p50VsPeer: 1, p99VsPeer: 1 },
    ],
  };
  await cleanup();
  cleanup = async () => {};
  await finishRun('sync', startedAt, results, (r) =>
    [
      `StartSyncExecution of a 5-state Express machine, ${r.runs} sequential runs (ms; ratio = peer ÷ Stepstream)`,
      '',
      '| engine | way | p50 | p90 | p99 | max | p50 ratio | p99 ratio |',
      '|---|---|---|---|---|---|---|---|',
      ...r.cells.map((c) => `| ${c.engine} | ${c.way} | ${c.p50} | ${c.p90} | ${c.p99} | ${c.max} | ${c.p50VsPeer} | ${c.p99VsPeer} |`),
    ].join('\n'),
  );
};

runMain(main, () => cleanup());
