import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { TaskTokens } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { makeOperations, makeStepstreamOperations, PageTokens } from '../src/index.js';
import { assertReplays } from './harness.js';
import type { Fixtures } from './hostile-arbitraries.js';
import {
  createFixtures,
  createUpdatable,
  DEFAULT_BOUND_MS,
  type HostileStack,
  newStats,
  normalExecutionWorks,
  pathologicalMachines,
  ROLE,
  runDefinitions,
  runRequests,
  sendAndJudge,
  startHostileStack,
  type Stats,
  summarize,
} from './hostile-fuzz.js';
import { ALL_SHAPES, OPERATION_SHAPES, STEPSTREAM_SHAPES } from './hostile-shapes.js';

// Issue 11, "nothing lost, nothing poisoned": malformed, oversized, deeply nested and unicode-edge
// requests to every operation (AWS's and Stepstream's own), and mutated ASL definitions, must give no crash, no 5xx, only
// AWS-shaped errors and no request slower than 1 s; afterwards a normal execution still runs.
// The 1 s bound is the property the issue asks for, so this file does assert a duration (STYLE §8
// says not to, for behaviour that merely happens to be fast). About a minute in all; longer and
// with progress: `npm run fuzz -- --minutes 10`. The seed is printed; set HOSTILE_SEED to replay.

const test = anyTest as TestFn<{ stack: HostileStack; fixtures: Fixtures; seed: number; started: Set<string> }>;

const seed = process.env['HOSTILE_SEED'] !== undefined ? Number(process.env['HOSTILE_SEED']) : Date.now() % 2 ** 31;

test.before(async (t) => {
  t.context.stack = await startHostileStack();
  t.context.fixtures = await createFixtures(t.context.stack.client);
  t.context.seed = seed;
  t.context.started = new Set();
  console.log(`hostile-input: seed ${seed} (HOSTILE_SEED=${seed} to replay)`);
});

test.after.always(async (t) => {
  const { stack, started } = t.context;
  if (!stack) return;
  try {
    // The executions the fuzz started must replay to the same history (nothing poisoned in the store).
    await assertReplays(t as never, stack.engine, started ?? []);
  } finally {
    await stack.close();
  }
});

const report = (stats: Stats, logged: readonly string[]) =>
  `${summarize(stats)}\nerrors logged by the server and engine: ${logged.length}${
    logged.length > 0
      ? `\n${logged
          .slice(0, 5)
          .map((l) => `  ${l.split('\n').slice(0, 4).join('\n    ')}`)
          .join('\n')}`
      : ''
  }`;

test.serial('the suite knows every operation the server serves', (t) => {
  const deps = { engine: t.context.stack.engine, tokens: new PageTokens(Buffer.alloc(32)), taskTokens: new TaskTokens(Buffer.alloc(32)) };
  const served = Object.keys(makeOperations(deps));
  t.deepEqual(OPERATION_SHAPES.map((s) => s.name).sort(), served.sort());
  t.is(served.length, 37);
  t.deepEqual(STEPSTREAM_SHAPES.map((s) => `Stepstream.${s.name}`).sort(), Object.keys(makeStepstreamOperations(deps)).sort());
});

test.serial('hostile requests to every operation: no 5xx, AWS-shaped errors, each answered within 1 s', async (t) => {
  const { stack, fixtures } = t.context;
  const stats = newStats();
  const runs = await runRequests({ url: stack.api.url, fixtures, stats, seed, numRuns: 10_000, timeLimitMs: 35_000 });
  t.log(`seed ${seed}, ${runs} runs\n${report(stats, stack.logged)}`);
  for (const op of ALL_SHAPES) t.true((stats.perOperation.get(op.name) ?? 0) > 0, `${op.name} was never fuzzed`);
  t.is(stats.failures.size, 0, `distinct failures (seed ${seed}):\n${summarize(stats)}`);
});

test.serial('mutated definitions to Validate, Create (then run), Update and TestState: no 5xx, AWS-shaped errors, within 1 s', async (t) => {
  const { stack, fixtures, started } = t.context;
  const stats = newStats();
  const updatable = await createUpdatable(stack.client);
  const runs = await runDefinitions({ url: stack.api.url, fixtures, stats, seed, numRuns: 1_000, timeLimitMs: 20_000, updatable });
  for (const arn of stats.executions) started.add(arn);
  t.log(`seed ${seed}, ${runs} runs, ${stats.executions.size} executions started\n${report(stats, stack.logged)}`);
  t.is(stats.failures.size, 0, `distinct failures (seed ${seed}):\n${summarize(stats)}`);
});

test.serial('while pathological executions run, a request is answered within 1 s and they end', async (t) => {
  const { stack, fixtures, started } = t.context;
  const stats = newStats();
  const origin = { seed, path: '-', property: 'pathological' };
  const post = (op: string, body: object) => ({
    label: op,
    method: 'POST',
    path: '/',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${op}` },
    body: JSON.stringify(body),
  });
  const executions: string[] = [];
  for (const m of pathologicalMachines(fixtures.activityArn)) {
    const created = await sendAndJudge(
      stack.api.url,
      post('CreateStateMachine', { name: `hostile-${m.name}-${seed}`, roleArn: ROLE, definition: JSON.stringify(m.definition) }),
      stats,
      DEFAULT_BOUND_MS,
      origin,
    );
    t.is(created.status, 200, `${m.name}: ${created.text}`);
    if (created.status !== 200) continue;
    const { stateMachineArn } = JSON.parse(created.text) as { stateMachineArn: string };
    const run = await sendAndJudge(stack.api.url, post('StartExecution', { stateMachineArn, input: JSON.stringify(m.input) }), stats, DEFAULT_BOUND_MS, origin);
    const { executionArn } = JSON.parse(run.text) as { executionArn: string };
    executions.push(executionArn);
    started.add(executionArn);
    // Right after the start, while the engine evaluates the pattern.
    await sendAndJudge(stack.api.url, post('ListStateMachines', {}), stats, DEFAULT_BOUND_MS, origin);
    await sendAndJudge(stack.api.url, post('DescribeExecution', { executionArn }), stats, DEFAULT_BOUND_MS, origin);
  }
  t.log(summarize(stats));
  t.is(stats.failures.size, 0, summarize(stats));
  // Each ends (the glob one after its 1 s task timeout): the engine did not stall on the pattern.
  for (const executionArn of executions) {
    let status = 'RUNNING';
    for (let i = 0; i < 200 && status === 'RUNNING'; i++) {
      status = (await stack.client.send(new DescribeExecutionCommand({ executionArn }))).status!;
      if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 100));
    }
    t.not(status, 'RUNNING', `${executionArn} still running after 20 s`);
  }
});

test.serial('afterwards a normal execution starts, succeeds and is listed and described; nothing logged an error', async (t) => {
  const { stack } = t.context;
  const problems = await normalExecutionWorks(stack.client);
  t.deepEqual(problems, []);
  // Nothing the fuzz sent may have poisoned the engine's background work either: a projector that
  // cannot read past an event logs an error on every retry (the audit tree's once did, on a lone
  // surrogate's escape in stored metadata).
  t.deepEqual(
    stack.logged.map((l) => l.split('\n')[0]),
    [],
    'errors logged by the server and engine during the whole file',
  );
});
