import { CreateActivityCommand, CreateStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Inspection } from '@stepstream/domain';
import anyTest, { type TestFn } from 'ava';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callOperation, freePort, run, serve, sfnClient, stackLines, stop } from './stepstream-process.js';

// `stepstream inspect` and `Stepstream.InspectExecution` against a real `stepstream serve`, the
// executions started through SDK v3: the execution after any event of its history.

interface Context {
  server: ChildProcess;
  port: number;
  dir: string;
  client: SFNClient;
  /** Parallel: a Wait of an hour, a Pass, an activity Task; after an Assign. */
  fanArn: string;
  /** A Choice loop of ~1,300 events that ends. */
  loopArn: string;
}
const test = anyTest as TestFn<Context>;
const ROLE = 'arn:aws:iam::123456789012:role/r';

const inspect = (port: number, body: Record<string, unknown>) => callOperation<Inspection>(port, 'InspectExecution', body);

const historyOf = async (client: SFNClient, executionArn: string) => {
  const events = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-inspect-'));
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', dir]);
  const client = sfnClient(port);
  const activity = await client.send(new CreateActivityCommand({ name: 'inspected-work' }));
  const fan = await client.send(
    new CreateStateMachineCommand({
      name: 'inspected-fan',
      roleArn: ROLE,
      definition: JSON.stringify({
        QueryLanguage: 'JSONata',
        StartAt: 'Prep',
        States: {
          Prep: { Type: 'Pass', Assign: { order: '{% $states.input.order %}', attempt: 1 }, Output: { n: 1 }, Next: 'Fan' },
          Fan: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, End: true } } },
              { StartAt: 'Quick', States: { Quick: { Type: 'Pass', Output: { quick: true }, End: true } } },
              { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activity.activityArn, End: true } } },
            ],
            End: true,
          },
        },
      }),
    }),
  );
  const loop = await client.send(
    new CreateStateMachineCommand({
      name: 'inspected-loop',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Count',
        States: {
          Count: { Type: 'Pass', Parameters: { 'i.$': 'States.MathAdd($.i, 1)' }, Next: 'More' },
          More: { Type: 'Choice', Choices: [{ Variable: '$.i', NumericLessThan: 330, Next: 'Count' }], Default: 'Done' },
          Done: { Type: 'Succeed' },
        },
      }),
    }),
  );
  const fanRun = await client.send(new StartExecutionCommand({ stateMachineArn: fan.stateMachineArn, input: '{"order":"o-1"}' }));
  const loopRun = await client.send(new StartExecutionCommand({ stateMachineArn: loop.stateMachineArn, input: '{"i":0}' }));
  // Both run until they wait (the fan) or end (the loop).
  for (let i = 0; i < 400; i++) {
    const [f, l] = await Promise.all([inspect(port, { executionArn: fanRun.executionArn }), inspect(port, { executionArn: loopRun.executionArn })]);
    if (f.body.tasks?.length === 1 && f.body.timers?.length === 1 && l.body.status === 'SUCCEEDED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  Object.assign(t.context, { server, port, dir, client, fanArn: fanRun.executionArn!, loopArn: loopRun.executionArn! });
});

test.after.always(async (t) => {
  t.context.client?.destroy();
  if (t.context.server) await stop(t.context.server);
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

test('at its last event: every active state with its frame, input and variables; the finished branch; the timer and the task', async (t) => {
  const { port, client, fanArn } = t.context;
  const { status, body } = await inspect(port, { executionArn: fanArn });
  t.is(status, 200);
  const history = await historyOf(client, fanArn);
  t.is(body.eventId, history.length);
  t.is(body.lastEventId, history.length);
  t.is(body.framesAsOfEventId, body.eventId);
  t.is(body.status, 'RUNNING');
  t.deepEqual(body.input, { order: 'o-1' });
  t.deepEqual(
    body.activeStates.map((a) => [a.path, a.frame, a.state, a.waitingFor]),
    [
      ['', 'execution', 'Fan', 'parallel'],
      ['/0', 'branch 0 of Fan', 'Nap', 'wait'],
      ['/2', 'branch 2 of Fan', 'Work', 'task'],
    ],
  );
  const top = body.activeStates[0]!;
  t.deepEqual(top.input, { n: 1 });
  t.deepEqual(top.variables, { order: 'o-1', attempt: 1 });
  t.is((top.context as { State: { Name: string } }).State.Name, 'Fan');
  t.is((top.context as { Execution: { Id: string } }).Execution.Id, fanArn);
  const entered = history.find((e) => e.type === 'ParallelStateEntered')!;
  t.is(top.enteredEventId, entered.id!);
  t.deepEqual(body.finishedFrames, [{ path: '/1', ok: true, output: { quick: true } }]);
  const nap = body.activeStates[1]!;
  t.deepEqual(
    body.timers.map((x) => [x.kind, x.state, x.path]),
    [['wait', 'Nap', '/0']],
  );
  t.is(Math.round((body.timers[0]!.dueDate - nap.enteredDate) * 1000), 3_600_000, 'the Wait ends an hour after Nap was entered');
  t.is(body.tasks.length, 1);
  t.like(body.tasks[0], { path: '/2', state: 'Work', kind: 'activity', input: { n: 1 } });
  t.true(body.tasks[0]!.resource.endsWith(':activity:inspected-work'));
});

test('at earlier events: the history as it was then; inside a decision, the states as the decision found them', async (t) => {
  const { port, client, fanArn } = t.context;
  const history = await historyOf(client, fanArn);
  const first = await inspect(port, { executionArn: fanArn, eventId: 1 });
  t.is(first.body.eventId, 1);
  t.is(first.body.event.type, 'ExecutionStarted');
  t.is(first.body.status, 'RUNNING');
  t.deepEqual(first.body.activeStates, []);
  for (const e of history) {
    const { body } = await inspect(port, { executionArn: fanArn, eventId: e.id });
    t.is(body.event.type, e.type!, `event ${e.id}`);
    t.is(body.event.timestamp, e.timestamp!.getTime() / 1000);
    t.true(body.framesAsOfEventId <= body.eventId);
    // A state shown as active was entered at or before the event the frames are as of.
    for (const a of body.activeStates) t.true(a.enteredEventId <= body.framesAsOfEventId, `event ${e.id}: ${a.state}`);
  }
});

test('a long history: any event past the folds kept is answered, with the events of the history; the same event twice, the same answer', async (t) => {
  const { port, client, loopArn } = t.context;
  const history = await historyOf(client, loopArn);
  t.true(history.length > 1300, `${history.length} events`);
  const last = await inspect(port, { executionArn: loopArn });
  t.is(last.body.status, 'SUCCEEDED');
  t.deepEqual(last.body.output, { i: 330 });
  t.is(last.body.eventId, history.length);
  // Folds are kept as the loop's decisions reached them and as the head was read: every inspection
  // past the first one starts from the nearest.
  const cold = await inspect(port, { executionArn: loopArn, eventId: 1234 });
  for (const eventId of [1001, 1000, 999, 1234, history.length - 1]) {
    const again = await inspect(port, { executionArn: loopArn, eventId });
    t.is(again.status, 200);
    t.is(again.body.eventId, eventId);
    t.is(again.body.event.type, history[eventId - 1]!.type!, `event ${eventId}`);
    t.is(again.body.status, 'RUNNING');
  }
  const warm = await inspect(port, { executionArn: loopArn, eventId: 1234 });
  t.deepEqual(warm.body, cold.body);
  t.deepEqual((warm.body.activeStates[0]?.input as { i: number } | undefined)?.i, (cold.body.activeStates[0]?.input as { i: number } | undefined)?.i);
});

test("errors as AWS's: an unknown execution, a malformed ARN, an event past the end, an event id that is not one", async (t) => {
  const { port, fanArn } = t.context;
  const unknown = await inspect(port, { executionArn: `${fanArn}-nope` });
  t.is(unknown.status, 400);
  t.regex(unknown.body.__type ?? '', /ExecutionDoesNotExist$/);
  const malformed = await inspect(port, { executionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' });
  t.regex(malformed.body.__type ?? '', /InvalidArn$/);
  const past = await inspect(port, { executionArn: fanArn, eventId: 10_000 });
  t.regex(past.body.__type ?? '', /ValidationException$/);
  t.regex(past.body.message ?? '', /has \d+ events/);
  const zero = await inspect(port, { executionArn: fanArn, eventId: 0 });
  t.regex(zero.body.__type ?? '', /ValidationException$/);
  const text = await inspect(port, { executionArn: fanArn, eventId: '3' });
  t.regex(text.body.__type ?? '', /SerializationException$/);
  const missing = await inspect(port, {});
  t.regex(missing.body.__type ?? '', /ValidationException$/);
});

test('stepstream inspect: a summary a person reads, --json the whole answer, errors with what to do', async (t) => {
  const { port, fanArn } = t.context;
  const summary = await run(['inspect', fanArn, '--port', String(port)]);
  t.is(summary.code, 0, summary.stderr);
  t.regex(summary.stdout, /status RUNNING/);
  t.regex(summary.stdout, /Nap \(branch 0 of Fan, path \/0\): waiting for wait/);
  t.regex(summary.stdout, /\$order = "o-1"/);
  t.regex(summary.stdout, /timers:\n {2}\S+ wait of Nap \(\/0\)/);
  t.regex(summary.stdout, /tasks:\n {2}Work \(\/2\): activity arn:aws:states:\S+:activity:inspected-work/);
  const json = await run(['inspect', fanArn, '--port', String(port), '--at', '2', '--json']);
  t.is(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as Inspection;
  t.is(parsed.eventId, 2);
  t.is(parsed.executionArn, fanArn);
  const unknown = await run(['inspect', `${fanArn}-nope`, '--port', String(port)]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /ExecutionDoesNotExist/);
  t.deepEqual(stackLines(unknown.stderr), []);
  const usage = await run(['inspect', fanArn, '--at', '0']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--at takes an event id/);
  const nobody = await run(['inspect', fanArn, '--port', String(await freePort())]);
  t.is(nobody.code, 1);
  t.regex(nobody.stderr, /no Stepstream server answered .*stepstream serve/);
});
