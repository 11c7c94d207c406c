import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { replayExecution, type StoredHistoryEvent } from '@stepstream/domain';
import { openPGliteEventStore } from '@stepstream/eventstore';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, freePort, serve as serveWith } from './stepstream-process.js';

/** `stepstream serve` on `dataDir`, resolved once it listens. */
const serve = (dataDir: string, port: number) => serveWith(['--data', dataDir, '--port', String(port)]);

/**
 * Waits (bounded) until an execution's history holds each of `types` (a type listed twice must
 * occur twice): the point a kill is meant to interrupt, reached however slow the machine is.
 */
const historyHas = async (client: SFNClient, executionArn: string, types: readonly string[], timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
    const present = events.map((e) => e.type as string);
    const missing = [...types];
    for (const type of present) {
      const i = missing.indexOf(type);
      if (i >= 0) missing.splice(i, 1);
    }
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${executionArn}: no ${missing.join(', ')} within ${timeoutMs} ms (history: ${present.join(', ')})`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test.serial('kill -9 while executions wait: after a restart every one completes, late timers fire at once, nothing is lost or repeated', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepstream-durability-'));
  const port = await freePort();
  const client = new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });
  try {
    let server = await serve(dataDir, port);
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: 'waits',
        roleArn: 'arn:aws:iam::123456789012:role/r',
        definition: JSON.stringify({
          StartAt: 'Short',
          States: {
            Short: { Type: 'Wait', Seconds: 1, Next: 'Long' },
            Long: { Type: 'Wait', SecondsPath: '$.seconds', Next: 'Done' },
            Done: { Type: 'Pass', Result: 'done', ResultPath: '$.result', End: true },
          },
        }),
      }),
    );
    const executions: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await client.send(new StartExecutionCommand({ stateMachineArn, name: `run-${i}`, input: JSON.stringify({ seconds: 2 + (i % 3), i }) }));
      executions.push(r.executionArn!);
    }
    // Kill -9 once the 1-second waits have ended (some timers fired before the kill) and every
    // execution sits in its second Wait.
    for (const executionArn of executions) await historyHas(client, executionArn, ['WaitStateExited', 'WaitStateEntered', 'WaitStateEntered']);
    server.kill('SIGKILL');
    await exited(server);
    // Stay down past every due time: after the restart the late timers must fire at once.
    await new Promise((r) => setTimeout(r, 4500));
    server = await serve(dataDir, port);
    const restartedAt = Date.now();
    for (const executionArn of executions) {
      let d = await client.send(new DescribeExecutionCommand({ executionArn }));
      while (d.status === 'RUNNING') {
        if (Date.now() - restartedAt > 10_000) t.fail(`${executionArn} still RUNNING 10 s after the restart`);
        await new Promise((r) => setTimeout(r, 50));
        d = await client.send(new DescribeExecutionCommand({ executionArn }));
      }
      t.is(d.status, 'SUCCEEDED');
      t.is(JSON.parse(d.output!).result, 'done');
      const events = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;
      t.deepEqual(
        events.map((e) => e.id),
        events.map((_, i) => i + 1),
        'ids are dense: nothing lost',
      );
      t.deepEqual(
        events.map((e) => e.type),
        [
          'ExecutionStarted',
          'WaitStateEntered',
          'WaitStateExited',
          'WaitStateEntered',
          'WaitStateExited',
          'PassStateEntered',
          'PassStateExited',
          'ExecutionSucceeded',
        ],
        'each event once: nothing repeated',
      );
    }
    const late = Date.now() - restartedAt;
    t.log(`all ${executions.length} executions completed ${late} ms after the restart`);
    server.kill('SIGTERM');
    await exited(server);
    // The replay check on the histories as stored.
    const store = await openPGliteEventStore({ dataDir });
    for (const arn of executions) {
      const [, , , region, account, , smName, name] = arn.split(':');
      const events = (await store.readStream(`execution-${account}:${region}:${smName}:${name}`)) as unknown as StoredHistoryEvent[];
      const replay = replayExecution(events);
      t.true(replay.ok, replay.ok ? '' : replay.reason);
    }
    await store.close();
  } finally {
    client.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.serial(
  'kill -9 with an activity task scheduled and a Wait inside a Parallel branch: after a restart the task is served and the branch resumes',
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'stepstream-durability-'));
    const port = await freePort();
    const client = new SFNClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    try {
      let server = await serve(dataDir, port);
      const { activityArn } = await client.send(new CreateActivityCommand({ name: 'after-restart' }));
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({
          name: 'task-and-wait',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          definition: JSON.stringify({
            StartAt: 'Both',
            States: {
              Both: {
                Type: 'Parallel',
                End: true,
                Branches: [
                  { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activityArn, End: true } } },
                  { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 2, End: true } } },
                ],
              },
            },
          }),
        }),
      );
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '{"job":1}' }));
      // Kill -9 once the task is scheduled and the branch waits.
      await historyHas(client, executionArn!, ['ActivityScheduled', 'WaitStateEntered']);
      server.kill('SIGKILL');
      await exited(server);
      server = await serve(dataDir, port);
      const task = await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'after' }));
      t.deepEqual(JSON.parse(task.input!), { job: 1 }, 'the task scheduled before the kill is served after the restart');
      await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '"worked"' }));
      let d = await client.send(new DescribeExecutionCommand({ executionArn }));
      const deadline = Date.now() + 10_000;
      while (d.status === 'RUNNING' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        d = await client.send(new DescribeExecutionCommand({ executionArn }));
      }
      t.is(d.status, 'SUCCEEDED');
      t.deepEqual(JSON.parse(d.output!), ['worked', { job: 1 }]);
      const events = (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;
      t.deepEqual(
        events.map((e) => e.id),
        events.map((_, i) => i + 1),
      );
      t.is(events.filter((e) => e.type === 'ActivityStarted').length, 1);
      server.kill('SIGTERM');
      await exited(server);
    } finally {
      client.destroy();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
