import { CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { openPGlite } from '@stepstream/eventstore';
import { locateExecution } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayReport } from '../src/replay.js';
import { freePort, run, serve, sfnClient, stackLines, stop } from './stepstream-process.js';

// `stepstream replay` on an embedded store written by a real `stepstream serve` (executions
// started through SDK v3): every history decided again by this engine; an edited history is
// reported at the event that differs.

interface Context {
  dir: string;
  /** Execution ARNs by machine: `steps` (ten Pass states), `fan` (a Parallel and a Map), `loop` (a Choice loop). */
  runs: Record<string, string[]>;
  machines: Record<string, string>;
}
const test = anyTest as TestFn<Context>;
const ROLE = 'arn:aws:iam::123456789012:role/r';

const definitions: Record<string, unknown> = {
  steps: {
    StartAt: 'S0',
    States: Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `S${i}`,
        { Type: 'Pass', Result: { step: i }, ResultPath: `$.r${i}`, ...(i === 9 ? { End: true } : { Next: `S${i + 1}` }) },
      ]),
    ),
  },
  fan: {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Result: 'a', End: true } } },
          {
            StartAt: 'Each',
            States: {
              Each: { Type: 'Map', ItemsPath: '$.items', Iterator: { StartAt: 'Double', States: { Double: { Type: 'Pass', End: true } } }, End: true },
            },
          },
        ],
        End: true,
      },
    },
  },
  loop: {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'More' },
      More: { Type: 'Choice', Choices: [{ Variable: '$.i', NumericLessThan: 50, Next: 'Count' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  },
};
const inputs: Record<string, string> = { steps: '{}', fan: '{"items":[1,2,3]}', loop: '{"i":0}' };

const settled = async (client: SFNClient, executionArn: string) => {
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d.status;
    await new Promise((r) => setTimeout(r, 20));
  }
};

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-replay-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir]);
  const client = sfnClient(port);
  const runs: Record<string, string[]> = {};
  const machines: Record<string, string> = {};
  try {
    for (const [name, definition] of Object.entries(definitions)) {
      const machine = await client.send(new CreateStateMachineCommand({ name: `replayed-${name}`, roleArn: ROLE, definition: JSON.stringify(definition) }));
      machines[name] = machine.stateMachineArn!;
      runs[name] = [];
      for (let i = 0; i < 3; i++) {
        const started = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: inputs[name] }));
        runs[name].push(started.executionArn!);
      }
    }
    for (const arns of Object.values(runs)) for (const arn of arns) t.is(await settled(client, arn), 'SUCCEEDED');
  } finally {
    client.destroy();
    await stop(server);
  }
  Object.assign(t.context, { dir, runs, machines });
});

test.after.always(async (t) => {
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

// The tests run one after another: the last one edits the store.
test.serial('every stored history is decided again as it was written: exit 0, the counts, JSON on request', async (t) => {
  const { dir } = t.context;
  const text = await run(['replay', '--data', dir]);
  t.is(text.code, 0, text.stderr);
  t.regex(
    text.stdout,
    /replay of every execution: OK: engine version \d+ decides every stored history as it was written \(9 executions, \d+ events, \d+ decisions\)/,
  );
  const json = await run(['replay', '--data', dir, '--json']);
  t.is(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as ReplayReport;
  t.is(report.executions, 9);
  t.deepEqual(report.divergences, []);
  t.true(report.events > 9 * 10, `${report.events} events`);
});

test.serial('one execution or one state machine: only those', async (t) => {
  const { dir, runs, machines } = t.context;
  const one = await run(['replay', '--data', dir, '--execution', runs.loop![1]!, '--json']);
  t.is(one.code, 0, one.stderr);
  t.is((JSON.parse(one.stdout) as ReplayReport).executions, 1);
  const machine = await run(['replay', '--data', dir, '--state-machine', machines.fan!, '--json']);
  t.is((JSON.parse(machine.stdout) as ReplayReport).executions, 3);
  const unknown = await run(['replay', '--data', dir, '--execution', `${runs.loop![1]!}-nope`]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no execution is stored in execution-\S+-nope: check the ARN/);
  t.deepEqual(stackLines(unknown.stderr), []);
  const both = await run(['replay', '--data', dir, '--execution', runs.loop![1]!, '--state-machine', machines.fan!]);
  t.is(both.code, 2);
  t.regex(both.stderr, /replay takes --execution or --state-machine, not both/);
  const wrong = await run(['replay', '--data', dir, '--execution', machines.fan!]);
  t.is(wrong.code, 2);
  t.regex(wrong.stderr, /--execution: Invalid Arn/);
});

test.serial('a history edited in the store: the execution and the first event that differs, exit 1; the others still pass', async (t) => {
  const { dir, runs } = t.context;
  const edited = runs.steps![2]!;
  // An operator's edit, the append-only trigger bypassed: S3's result in its PassStateExited.
  const { pglite, db } = await openPGlite(dir);
  let eventId: number;
  try {
    await pglite.exec('alter table stepstream.events disable trigger events_no_update_or_delete');
    const located = locateExecution(edited);
    const stream = located._tag === 'Right' ? located.right.stream : '';
    const { rows } = await pglite.query<{ revision: string }>(
      // The output is JSON text inside the event's JSON: its quotes are escaped.
      `update stepstream.events set data = replace(data::text, '\\"step\\":3}', '\\"step\\":33}')::json
       where stream_name = $1 and type = 'PassStateExited' and data::text like '%"S3"%' returning revision::text as revision`,
      [stream],
    );
    t.is(rows.length, 1, `one event of ${stream} edited`);
    eventId = Number(rows[0]!.revision) + 1;
  } finally {
    await db.destroy();
    await pglite.close();
  }
  const text = await run(['replay', '--data', dir]);
  t.is(text.code, 1);
  t.regex(
    text.stdout,
    new RegExp(
      `${edited.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: event ${eventId} differs: stored .*step.{1,3}:33.* but the decider produced .*step.{1,3}:3[^3]`,
    ),
  );
  t.regex(text.stdout, /replay of every execution: 1 of 9 executions differ/);
  const json = JSON.parse((await run(['replay', '--data', dir, '--json'])).stdout) as ReplayReport;
  t.deepEqual(
    json.divergences.map((d) => [d.executionArn, d.eventId]),
    [[edited, eventId]],
  );
});
