import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  PublishStateMachineVersionCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatisticsAnswer } from '../src/stats.js';
import { freePort, historyOf, run, serve, settled, sfnClient, stop } from './stepstream-process.js';

// `stepstream stats` against a real `stepstream serve` (embedded store), the executions started
// through SDK v3: its counts, states and errors equal what the histories say; --alias keeps the
// executions started through the alias; --until before them keeps none; an unknown machine is
// refused with AWS's error.

interface Context {
  server: ChildProcess;
  port: number;
  dir: string;
  client: SFNClient;
  machineArn: string;
  /** Per execution: its ARN, whether it went through the alias, its history. */
  runs: { arn: string; aliased: boolean; events: Awaited<ReturnType<typeof historyOf>> }[];
}
const test = anyTest as TestFn<Context>;
const ROLE = 'arn:aws:iam::123456789012:role/r';

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-stats-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir]);
  const client = sfnClient(port);
  const machine = await client.send(
    new CreateStateMachineCommand({
      name: 'counted',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Count',
        States: {
          Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)', 'fail.$': '$.fail' }, Next: 'More' },
          More: {
            Type: 'Choice',
            Choices: [
              { Variable: '$.i', NumericLessThan: 3, Next: 'Count' },
              { Variable: '$.fail', BooleanEquals: true, Next: 'Broke' },
            ],
            Default: 'Done',
          },
          Broke: { Type: 'Fail', Error: 'Counted.Broke', Cause: 'asked to' },
          Done: { Type: 'Succeed' },
        },
      }),
    }),
  );
  const version = await client.send(new PublishStateMachineVersionCommand({ stateMachineArn: machine.stateMachineArn! }));
  const alias = await client.send(
    new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: version.stateMachineVersionArn!, weight: 100 }] }),
  );
  const started = [];
  for (let i = 0; i < 9; i++) {
    const aliased = i % 3 === 2;
    const x = await client.send(
      new StartExecutionCommand({
        stateMachineArn: aliased ? alias.stateMachineAliasArn! : machine.stateMachineArn!,
        input: JSON.stringify({ i: 0, fail: i % 4 === 1 }),
      }),
    );
    started.push({ arn: x.executionArn!, aliased });
  }
  const runs = [];
  for (const s of started) {
    await settled(client, s.arn);
    runs.push({ ...s, events: await historyOf(client, s.arn) });
  }
  t.context = { server, port, dir, client, machineArn: machine.stateMachineArn!, runs };
});

test.after.always(async (t) => {
  if (t.context.server) await stop(t.context.server);
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

const stats = async (port: number, args: readonly string[]) => {
  const done = await run(['stats', ...args, '--port', String(port), '--json']);
  if (done.code !== 0) throw new Error(`stats exited ${done.code}: ${done.stderr}`);
  return JSON.parse(done.stdout) as StatisticsAnswer;
};

test('stats counts what the histories say: executions by status, state runs, retries-free runs, the top error', async (t) => {
  const { port, machineArn, runs } = t.context;
  const answer = await stats(port, [machineArn]);
  const failed = runs.filter((r) => r.events.some((e) => e.type === 'ExecutionFailed')).length;
  t.true(failed > 0 && failed < runs.length);
  t.is(answer.executions.total, runs.length);
  t.deepEqual(answer.executions.byStatus, { SUCCEEDED: runs.length - failed, FAILED: failed });
  const entered = (name: string) =>
    runs.reduce((n, r) => n + r.events.filter((e) => e.type!.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === name).length, 0);
  t.is(
    answer.executions.stateTransitions,
    runs.reduce((n, r) => n + r.events.filter((e) => e.type!.endsWith('StateEntered')).length, 0),
  );
  for (const name of ['Count', 'More', 'Broke', 'Done']) {
    t.is(answer.states.find((s) => s.name === name)?.runs, entered(name), `${name} runs`);
  }
  t.is(answer.states.find((s) => s.name === 'Broke')?.failed, failed, 'a Fail state ends its run FAILED');
  t.deepEqual(answer.errors, [{ error: 'Counted.Broke', source: 'execution', state: null, count: failed }]);
  // Every ended execution's duration is in the percentiles' range.
  const durations = runs.map((r) => r.events.at(-1)!.timestamp!.getTime() - r.events[0]!.timestamp!.getTime());
  t.is(answer.executions.durationMs.max, Math.max(...durations));
});

test('--alias keeps the executions started through the alias; --until before them keeps none', async (t) => {
  const { port, machineArn, runs } = t.context;
  const aliased = await stats(port, [machineArn, '--alias', 'live']);
  t.is(aliased.aliasArn, `${machineArn}:live`);
  t.is(aliased.executions.total, runs.filter((r) => r.aliased).length);
  const none = await stats(port, [machineArn, '--since', '2000-01-01', '--until', '2000-01-02']);
  t.is(none.executions.total, 0);
  t.deepEqual(none.states, []);
});

test('the table names every state; an unknown state machine is refused with AWS error; a bad --since is a usage error', async (t) => {
  const { port, machineArn } = t.context;
  const table = await run(['stats', machineArn, '--port', String(port)]);
  t.is(table.code, 0, table.stderr);
  for (const name of ['Count', 'More', 'Broke', 'Done', 'Counted.Broke', 'p95']) t.true(table.stdout.includes(name), name);
  const unknown = await run(['stats', `${machineArn}-nope`, '--port', String(port)]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /StateMachineDoesNotExist/);
  const bad = await run(['stats', machineArn, '--since', 'yesterday', '--port', String(port)]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--since takes a span back from now/);
});
