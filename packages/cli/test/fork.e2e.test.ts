import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callOperation, freePort, historyOf, run, said, serve, settled, sfnClient, stackLines, stop } from './stepstream-process.js';

// `stepstream fork` and `Stepstream.ForkExecution` against a real `stepstream serve`, executions
// driven through SDK v3: a failed execution forked where its task was scheduled succeeds; the
// source is unchanged; replay and verify pass over the store afterwards.

interface Context {
  server: ChildProcess;
  port: number;
  dir: string;
  client: SFNClient;
  activityArn: string;
  sourceArn: string;
  /** The source's history when it had failed. */
  source: HistoryEvent[];
  /** The source's ActivityScheduled: the end of its first decision. */
  scheduledId: number;
}
const test = anyTest as TestFn<Context>;
const ROLE = 'arn:aws:iam::123456789012:role/r';

const fork = (port: number, body: Record<string, unknown>) => callOperation<{ executionArn?: string; startDate?: number }>(port, 'ForkExecution', body);

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-fork-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir]);
  const client = sfnClient(port);
  const { activityArn } = await client.send(new CreateActivityCommand({ name: 'charge' }));
  const definition = {
    StartAt: 'Quote',
    States: {
      Quote: { Type: 'Pass', Result: { amount: 5 }, Next: 'Charge' },
      Charge: { Type: 'Task', Resource: activityArn, Next: 'Receipt' },
      Receipt: { Type: 'Pass', Result: 'receipt', End: true },
    },
  };
  const machine = await client.send(new CreateStateMachineCommand({ name: 'pay', roleArn: ROLE, definition: JSON.stringify(definition) }));
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'run-1', input: '{}' }));
  const task = await client.send(new GetActivityTaskCommand({ activityArn }));
  await client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'Card.Declined', cause: 'insufficient funds' }));
  t.is((await settled(client, executionArn!)).status, 'FAILED');
  const source = await historyOf(client, executionArn!);
  const scheduledId = source.find((e) => e.type === 'ActivityScheduled')!.id!;
  Object.assign(t.context, { server, port, dir, client, activityArn, sourceArn: executionArn, source, scheduledId });
});

test.after.always(async (t) => {
  t.context.client?.destroy();
  // The last test stops the server itself.
  const { server } = t.context;
  if (server && server.exitCode === null && server.signalCode === null) await stop(server);
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

test.serial('a failed execution forked where its task was scheduled: the task is offered again, the fork succeeds, the source is unchanged', async (t) => {
  const { port, client, activityArn, sourceArn, source, scheduledId } = t.context;
  const cli = await run(['fork', sourceArn, '--at', String(scheduledId), '--name', 'retry-1', '--port', String(port)]);
  t.is(cli.code, 0, cli.stderr);
  const forkArn = cli.stdout.trim();
  t.is(forkArn, sourceArn.replace(/:run-1$/, ':retry-1'));
  const task = await client.send(new GetActivityTaskCommand({ activityArn }));
  t.is(task.input, '{"amount":5}');
  await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"paid":true}' }));
  const ended = await settled(client, forkArn);
  t.is(ended.status, 'SUCCEEDED');
  t.is(ended.output, '"receipt"');
  const forked = await historyOf(client, forkArn);
  t.deepEqual(forked.slice(0, scheduledId).map(said), source.slice(0, scheduledId).map(said), "the fork's history begins with the source's events");
  t.deepEqual(
    forked.slice(scheduledId).map((e) => e.type),
    ['ActivityStarted', 'ActivitySucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
  );
  t.deepEqual((await historyOf(client, sourceArn)).map(said), source.map(said), 'the source is unchanged');
  t.is((await client.send(new DescribeExecutionCommand({ executionArn: sourceArn }))).status, 'FAILED');
  // Where the two histories part: the worker failed the source's task and completed the fork's.
  const diff = await run(['diff', sourceArn, forkArn, '--port', String(port)]);
  t.is(diff.code, 1, diff.stderr);
  t.regex(diff.stdout, /alike for events 1–6; they part at event 7:\n {2}A: ActivityFailed .*Card\.Declined.*\n {2}B: ActivitySucceeded .*paid/);
  t.regex(
    diff.stdout,
    /then A: ActivityFailed, ExecutionFailed\nthen B: ActivitySucceeded, TaskStateExited, PassStateEntered, PassStateExited, ExecutionSucceeded/,
  );
  const alike = await run(['diff', sourceArn, sourceArn, '--port', String(port), '--json']);
  t.is(alike.code, 0, alike.stderr);
  t.like(JSON.parse(alike.stdout), { common: source.length, lengths: [source.length, source.length] });
  const inspected = await run(['inspect', forkArn, '--port', String(port)]);
  t.regex(inspected.stdout, new RegExp(`forked from ${sourceArn} after its event ${scheduledId}`));
});

test.serial('a fork with a new definition goes on with it', async (t) => {
  const { port, client, activityArn, sourceArn, scheduledId } = t.context;
  const definition = JSON.stringify({
    StartAt: 'Quote',
    States: {
      Quote: { Type: 'Pass', Result: { amount: 5 }, Next: 'Charge' },
      Charge: { Type: 'Task', Resource: activityArn, ResultPath: '$.charge', Next: 'Receipt' },
      Receipt: { Type: 'Pass', Parameters: { 'fixed.$': '$.charge.paid' }, End: true },
    },
  });
  const file = join(t.context.dir, 'fixed.json');
  await writeFile(file, definition);
  const cli = await run(['fork', sourceArn, '--at', String(scheduledId), '--definition', file, '--json', '--port', String(port)]);
  t.is(cli.code, 0, cli.stderr);
  const { executionArn } = JSON.parse(cli.stdout) as { executionArn: string };
  const task = await client.send(new GetActivityTaskCommand({ activityArn }));
  await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"paid":true}' }));
  const ended = await settled(client, executionArn);
  t.is(ended.status, 'SUCCEEDED');
  t.is(ended.output, '{"fixed":true}');
});

test.serial('a fork with a new input and variables for the state it is in: the execution goes on with them', async (t) => {
  const { port, client } = t.context;
  // Prep assigns x and outputs {n: 1}; Nap waits; Done shows what it was given.
  const machine = await client.send(
    new CreateStateMachineCommand({
      name: 'napper',
      roleArn: ROLE,
      definition: JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'Prep',
        States: {
          Prep: { Type: 'Pass', Assign: { x: 1 }, Output: { n: 1 }, Next: 'Nap' },
          Nap: { Type: 'Wait', Seconds: 1, Next: 'Done' },
          Done: { Type: 'Pass', Output: { x: '{% $x %}', input: '{% $states.input %}' }, End: true },
        },
      }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
  const napping = (await historyOf(client, executionArn!)).find((e) => e.type === 'WaitStateEntered')!.id!;
  const cli = await run(['fork', executionArn!, '--at', String(napping), '--input', '{"n":7}', '--variables', '{"x":42}', '--port', String(port)]);
  t.is(cli.code, 0, cli.stderr);
  const [source, forked] = await Promise.all([settled(client, executionArn!), settled(client, cli.stdout.trim())]);
  t.is(source.output, '{"x":1,"input":{"n":1}}');
  t.is(forked.status, 'SUCCEEDED');
  t.is(forked.output, '{"x":42,"input":{"n":7}}');
  const badInput = await fork(port, { executionArn, eventId: napping, input: '{not json' });
  t.regex(badInput.body.__type ?? '', /InvalidExecutionInput$/);
  const badVariables = await fork(port, { executionArn, eventId: napping, variables: '[1]' });
  t.regex(badVariables.body.message ?? '', /Invalid variables: a JSON object/);
});

test.serial('errors as AWS gives them, saying what to do', async (t) => {
  const { port, sourceArn, scheduledId, source } = t.context;
  const inside = await fork(port, { executionArn: sourceArn, eventId: scheduledId - 1 });
  t.regex(inside.body.__type ?? '', /ValidationException$/);
  t.regex(inside.body.message ?? '', /inside a decision .* fork at an event that ends a decision/);
  const ended = await fork(port, { executionArn: sourceArn, eventId: source.length });
  t.regex(ended.body.message ?? '', /had ended \(FAILED\)/);
  const past = await fork(port, { executionArn: sourceArn, eventId: source.length + 5 });
  t.regex(past.body.message ?? '', /has \d+ events/);
  const taken = await fork(port, { executionArn: sourceArn, eventId: scheduledId, name: 'retry-1' });
  t.regex(taken.body.__type ?? '', /ExecutionAlreadyExists$/);
  const invalid = await fork(port, { executionArn: sourceArn, eventId: scheduledId, definition: '{"StartAt":"Nowhere","States":{}}' });
  t.regex(invalid.body.__type ?? '', /InvalidDefinition$/);
  const without = await fork(port, {
    executionArn: sourceArn,
    eventId: scheduledId,
    definition: JSON.stringify({ StartAt: 'Other', States: { Other: { Type: 'Pass', End: true } } }),
  });
  t.regex(without.body.__type ?? '', /InvalidDefinition$/);
  t.regex(without.body.message ?? '', /the fork is in "Charge" at event \d+, which the new definition does not have/);
  const unknown = await fork(port, { executionArn: `${sourceArn}-nope`, eventId: 1 });
  t.regex(unknown.body.__type ?? '', /ExecutionDoesNotExist$/);
  const missing = await fork(port, { executionArn: sourceArn });
  t.regex(missing.body.__type ?? '', /ValidationException$/);
  const usage = await run(['fork', sourceArn, '--port', String(port)]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /fork needs --at N/);
  const cli = await run(['fork', sourceArn, '--at', String(scheduledId - 1), '--port', String(port)]);
  t.is(cli.code, 1);
  t.regex(cli.stderr, /ValidationException: .*inside a decision/);
  t.deepEqual(stackLines(cli.stderr), []);
});

test.serial(
  'a fork with mocked task results and its own virtual clock: the hour-long Wait and the back-offs pass at once, the source still waits',
  async (t) => {
    const { port, client, activityArn } = t.context;
    const machine = await client.send(
      new CreateStateMachineCommand({
        name: 'patient',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Prep',
          States: {
            Prep: { Type: 'Pass', Result: { n: 1 }, Next: 'Nap' },
            Nap: { Type: 'Wait', Seconds: 3600, Next: 'Charge' },
            Charge: {
              Type: 'Task',
              Resource: activityArn,
              Retry: [{ ErrorEquals: ['Card.Declined'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 3 }],
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'patient-1', input: '{}' }));
    const waiting = (await historyOf(client, executionArn!)).find((e) => e.type === 'WaitStateEntered')!;
    const declined = { Throw: { Error: 'Card.Declined', Cause: 'mocked' } };
    const started = Date.now();
    const cli = await run([
      'fork',
      executionArn!,
      '--at',
      String(waiting.id),
      '--virtual-time',
      '--mock',
      `Charge=${JSON.stringify([declined, declined, { Return: { paid: true } }])}`,
      '--port',
      String(port),
    ]);
    t.is(cli.code, 0, cli.stderr);
    const ended = await settled(client, cli.stdout.trim());
    const wall = Date.now() - started;
    t.is(ended.status, 'SUCCEEDED');
    t.is(ended.output, '{"paid":true}');
    t.log(`the fork waited an hour and two back-offs in ${wall} ms of wall time (the CLI's start included)`);
    const history = await historyOf(client, cli.stdout.trim());
    const at = (type: string, nth = 0) => history.filter((e) => e.type === type)[nth]!.timestamp!.getTime();
    t.true(at('WaitStateExited') - at('WaitStateEntered') >= 3600_000, 'the history shows the hour');
    t.deepEqual(
      history.filter((e) => e.type?.startsWith('Activity')).map((e) => e.type),
      [
        'ActivityScheduled',
        'ActivityStarted',
        'ActivityFailed',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivityFailed',
        'ActivityScheduled',
        'ActivityStarted',
        'ActivitySucceeded',
      ],
    );
    t.true(at('ActivityScheduled', 1) - at('ActivityFailed', 0) >= 60_000, 'the first back-off: 60 s');
    t.true(at('ActivityScheduled', 2) - at('ActivityFailed', 1) >= 120_000, 'the second: 120 s');
    // The source runs on the engine's clock: still in its Wait.
    t.is((await client.send(new DescribeExecutionCommand({ executionArn }))).status, 'RUNNING');
    await client.send(new StopExecutionCommand({ executionArn }));
    const badMocks = await fork(port, { executionArn, eventId: waiting.id, mocks: '{"Charge":{"Retrun":1}}' });
    t.regex(badMocks.body.message ?? '', /Invalid mocks: "Charge" has \{"Retrun":1\}, which is neither/);
    const badTime = await fork(port, { executionArn, eventId: waiting.id, time: 'fast' });
    t.regex(badTime.body.message ?? '', /Member must satisfy enum value set: \[virtual, real\]/);
  },
);

test.serial('afterwards, with the server stopped: replay and verify pass over every history, the forks included', async (t) => {
  const { server, dir } = t.context;
  await stop(server);
  const replayed = await run(['replay', '--data', dir]);
  t.is(replayed.code, 0, replayed.stdout + replayed.stderr);
  t.regex(replayed.stdout, /OK: .*\(7 executions,/);
  const verified = await run(['verify', '--data', dir]);
  t.is(verified.code, 0, verified.stdout + verified.stderr);
});
