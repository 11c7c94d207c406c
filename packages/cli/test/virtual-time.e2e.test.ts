import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort, run, serve, sfnClient, stop } from './stepstream-process.js';

// `stepstream serve --time virtual`: a Wait of an hour and a Retry's back-offs fire as soon as the
// engine has nothing else to do, and the history's timestamps still show the hour.

const ROLE = 'arn:aws:iam::123456789012:role/r';

/** An hour's Wait, then a Parallel whose branch fails, retried 3 times (60, 120, 240 s), then caught. */
const definition = {
  StartAt: 'Hour',
  States: {
    Hour: { Type: 'Wait', Seconds: 3600, Next: 'Flaky' },
    Flaky: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'Boom', States: { Boom: { Type: 'Fail', Error: 'Flaky.Error', Cause: 'always' } } }],
      Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }],
      End: true,
    },
    Done: { Type: 'Succeed' },
  },
};

const runToEnd = async (client: SFNClient, name: string) => {
  const machine = await client.send(new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(definition) }));
  const began = performance.now();
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
  return { executionArn: executionArn!, began };
};

const statusAfter = async (client: SFNClient, executionArn: string, ms: number) => {
  const until = performance.now() + ms;
  for (;;) {
    const { status } = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING' || performance.now() > until) return status;
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('under virtual time an hour-long Wait and the back-offs pass at once; the timestamps show them', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-virtual-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir, '--time', 'virtual']);
  const client = sfnClient(port);
  try {
    const { executionArn, began } = await runToEnd(client, 'virtual-hour');
    t.is(await statusAfter(client, executionArn, 30_000), 'SUCCEEDED');
    t.log(`succeeded ${Math.round(performance.now() - began)} ms after the start (wall clock)`);
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const at = (type: string, nth = 0) => events.filter((e) => e.type === type)[nth]!.timestamp!.getTime();
    const waited = at('WaitStateExited') - at('WaitStateEntered');
    t.true(waited >= 3_600_000 && waited < 3_601_000, `the Wait took ${waited} ms of the history's time`);
    const attempts = events.filter((e) => e.type === 'ParallelStateStarted').map((e) => e.timestamp!.getTime());
    t.is(attempts.length, 4, 'the first attempt and three retries');
    const gaps = attempts.slice(1).map((x, i) => x - attempts[i]!);
    for (const [i, expected] of [60_000, 120_000, 240_000].entries())
      t.true(gaps[i]! >= expected && gaps[i]! < expected + 1000, `back-off ${i + 1}: ${gaps[i]} ms`);
    const ids = events.map((e) => e.timestamp!.getTime());
    t.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
      'timestamps never go back',
    );
    // An Express execution's Wait too (Express runs at most 5 minutes): StartSyncExecution answers
    // at once, 4 minutes later by its dates.
    const express = await client.send(
      new CreateStateMachineCommand({
        name: 'virtual-express',
        roleArn: ROLE,
        type: 'EXPRESS',
        definition: JSON.stringify({ StartAt: 'Four', States: { Four: { Type: 'Wait', Seconds: 240, End: true } } }),
      }),
    );
    // StartSyncExecution's endpoint has a host prefix (`sync-`) that a local endpoint does not.
    const syncClient = new SFNClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
      disableHostPrefix: true,
    });
    const sync = await syncClient.send(new StartSyncExecutionCommand({ stateMachineArn: express.stateMachineArn, input: '{}' }));
    syncClient.destroy();
    t.is(sync.status, 'SUCCEEDED');
    const spent = sync.stopDate!.getTime() - sync.startDate!.getTime();
    t.true(spent >= 240_000 && spent < 241_000, `the Express execution spent ${spent} ms of its time`);
  } finally {
    client.destroy();
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  }
});

test('real time stays the default: the same machine is still in its Wait', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-virtual-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir]);
  const client = sfnClient(port);
  try {
    const { executionArn } = await runToEnd(client, 'real-hour');
    t.is(await statusAfter(client, executionArn, 1_000), 'RUNNING');
  } finally {
    client.destroy();
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  }
});

test('--time test-cases: an execution started on a mock test case runs on its own virtual clock; the same machine started plainly waits', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-virtual-'));
  // A test case with no mocked state: it only chooses the clock.
  const mockConfig = join(dir, 'mocks.json');
  await writeFile(mockConfig, JSON.stringify({ StateMachines: { 'tc-hour': { TestCases: { Fast: {} } } }, MockedResponses: {} }));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', join(dir, 'data'), '--time', 'test-cases', '--mock-config', mockConfig]);
  const client = sfnClient(port);
  try {
    const machine = await client.send(new CreateStateMachineCommand({ name: 'tc-hour', roleArn: ROLE, definition: JSON.stringify(definition) }));
    const plain = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
    const began = performance.now();
    const fast = await client.send(new StartExecutionCommand({ stateMachineArn: `${machine.stateMachineArn!}#Fast`, input: '{}' }));
    t.is(await statusAfter(client, fast.executionArn!, 30_000), 'SUCCEEDED');
    const wall = performance.now() - began;
    t.log(`the test case's execution: an hour's Wait and three back-offs in ${wall.toFixed(0)} ms of wall time`);
    const events = (await client.send(new GetExecutionHistoryCommand({ executionArn: fast.executionArn! }))).events ?? [];
    const at = (type: string) => events.find((e) => e.type === type)!.timestamp!.getTime();
    t.true(at('WaitStateExited') - at('WaitStateEntered') >= 3_600_000);
    t.is(await statusAfter(client, plain.executionArn!, 300), 'RUNNING');
  } finally {
    client.destroy();
    await stop(server);
    await rm(dir, { recursive: true, force: true });
  }
});

test('--time takes real, virtual or test-cases', async (t) => {
  const wrong = await run(['serve', '--time', 'fast', '--port', String(await freePort())]);
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, /--time is real, virtual or test-cases, not fast/);
});
