import {
  ActivityDoesNotExist,
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  InvalidArn,
  InvalidOutput,
  InvalidToken,
  ListActivitiesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskTimedOut,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { assertReplays, finished, history, ROLE, sleep, startStack, type Stack } from './harness.js';

// Activities through the real SDK v3 client over HTTP: the worker API, task tokens, heartbeats
// and timeouts. GetActivityTask waits 1.5 s here instead of AWS's 60 s.

const test = anyTest as TestFn<{ stack: Stack }>;
test.before(async (t) => {
  t.context.stack = await startStack({ activityPollMs: 1500 });
});
test.after.always(async (t) => {
  const { stack } = t.context;
  if (!stack) return;
  const checked = await assertReplays(t as never, stack.engine, stack.started);
  console.log(`replay check: ${checked} executions reproduced event for event`);
  await stack.close();
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

const activity = async (stack: Stack, name = unique('act')) => (await stack.client.send(new CreateActivityCommand({ name }))).activityArn!;

const machine = async (stack: Stack, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name: unique('sm'), definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;

const start = async (stack: Stack, stateMachineArn: string, input = '{}') => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input }));
  stack.started.add(executionArn!);
  return executionArn!;
};

const types = (events: HistoryEvent[]) => events.map((e) => e.type);

test('CreateActivity is idempotent by name; Describe, List in pages, Delete (then ActivityDoesNotExist); bad ARNs', async (t) => {
  const { client } = t.context.stack;
  const name = unique('idem');
  const first = await client.send(new CreateActivityCommand({ name }));
  const again = await client.send(new CreateActivityCommand({ name, tags: [{ key: 'k', value: 'v' }] }));
  t.is(again.activityArn, first.activityArn);
  t.is(again.creationDate!.getTime(), first.creationDate!.getTime());
  t.regex(first.activityArn!, new RegExp(`^arn:aws:states:us-east-1:123456789012:activity:${name}$`));
  const described = await client.send(new DescribeActivityCommand({ activityArn: first.activityArn }));
  t.is(described.name, name);
  t.is(described.creationDate!.getTime(), first.creationDate!.getTime());

  const names = [unique('page'), unique('page'), unique('page')];
  for (const n of names) await client.send(new CreateActivityCommand({ name: n }));
  const seen: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListActivitiesCommand({ maxResults: 2, ...(nextToken ? { nextToken } : {}) }));
    t.true(page.activities!.length <= 2);
    seen.push(...page.activities!.map((a) => a.name!));
    nextToken = page.nextToken;
  } while (nextToken);
  for (const n of [name, ...names]) t.true(seen.includes(n), `${n} is listed`);
  t.deepEqual(
    seen,
    [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    'by name in code-point order',
  );
  await t.throwsAsync(client.send(new ListActivitiesCommand({ nextToken: 'forged' })), { instanceOf: InvalidToken });

  await client.send(new DeleteActivityCommand({ activityArn: first.activityArn }));
  await client.send(new DeleteActivityCommand({ activityArn: first.activityArn }));
  const gone = await t.throwsAsync(client.send(new DescribeActivityCommand({ activityArn: first.activityArn })), { instanceOf: ActivityDoesNotExist });
  t.is(gone?.message, `Activity Does Not Exist: '${first.activityArn}'`);
  await t.throwsAsync(client.send(new DescribeActivityCommand({ activityArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' })), {
    instanceOf: InvalidArn,
  });
  await t.throwsAsync(client.send(new GetActivityTaskCommand({ activityArn: 'nope' })), { instanceOf: InvalidArn });
});

test('a worker loop: the poll waiting before the task is scheduled gets it at once, with the Parameters input; SendTaskSuccess completes the state', async (t) => {
  const { stack } = t.context;
  const arn = await activity(stack);
  const sm = await machine(stack, {
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: arn, Parameters: { 'n.$': '$.n' }, ResultPath: '$.answer', End: true } },
  });
  const poll = stack.client.send(new GetActivityTaskCommand({ activityArn: arn, workerName: 'worker-1' }));
  await sleep(100);
  const executionArn = await start(stack, sm, '{"n":20}');
  const task = await poll;
  t.truthy(task.taskToken);
  t.deepEqual(JSON.parse(task.input!), { n: 20 });
  await stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify({ doubled: 40 }) }));
  const done = await finished(stack, executionArn);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { n: 20, answer: { doubled: 40 } });
  const events = await history(stack, executionArn);
  t.deepEqual(types(events), [
    'ExecutionStarted',
    'TaskStateEntered',
    'ActivityScheduled',
    'ActivityStarted',
    'ActivitySucceeded',
    'TaskStateExited',
    'ExecutionSucceeded',
  ]);
  t.is(events[3]!.activityStartedEventDetails?.workerName, 'worker-1');
  t.is(events[2]!.activityScheduledEventDetails?.resource, arn);
  await t.throwsAsync(
    stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' })),
    { instanceOf: TaskTimedOut },
    'a token completes once',
  );
});

test('SendTaskFailure is routed by Catch like any task error; bad tokens and outputs get AWS errors', async (t) => {
  const { stack } = t.context;
  const arn = await activity(stack);
  const sm = await machine(stack, {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: arn, Catch: [{ ErrorEquals: ['Custom.Error'], ResultPath: '$.error', Next: 'Recovered' }], End: true },
      Recovered: { Type: 'Pass', End: true },
    },
  });
  const executionArn = await start(stack, sm, '{"x":1}');
  const task = await stack.client.send(new GetActivityTaskCommand({ activityArn: arn }));
  await t.throwsAsync(stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{not json' })), { instanceOf: InvalidOutput });
  await t.throwsAsync(stack.client.send(new SendTaskSuccessCommand({ taskToken: 'forged.token', output: '{}' })), { instanceOf: InvalidToken });
  const [payload] = task.taskToken!.split('.');
  await t.throwsAsync(
    stack.client.send(new SendTaskSuccessCommand({ taskToken: `${payload}.AAAA`, output: '{}' })),
    { instanceOf: InvalidToken },
    'a re-signed token is refused',
  );
  await stack.client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'Custom.Error', cause: 'the worker gave up' }));
  const done = await finished(stack, executionArn);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { x: 1, error: { Error: 'Custom.Error', Cause: 'the worker gave up' } });
  t.deepEqual(types(await history(stack, executionArn)).slice(2, 6), ['ActivityScheduled', 'ActivityStarted', 'ActivityFailed', 'TaskStateExited']);
});

test('heartbeats keep a task alive past HeartbeatSeconds; without them it times out with States.Timeout and the token is dead', async (t) => {
  const { stack } = t.context;
  const arn = await activity(stack);
  const sm = await machine(stack, { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: arn, HeartbeatSeconds: 1, TimeoutSeconds: 30, End: true } } });

  const alive = await start(stack, sm);
  const task = await stack.client.send(new GetActivityTaskCommand({ activityArn: arn }));
  for (let i = 0; i < 6; i++) {
    await sleep(400);
    await stack.client.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken }));
  }
  t.is((await stack.client.send(new DescribeExecutionCommand({ executionArn: alive }))).status, 'RUNNING', '2.4 s of heartbeats every 0.4 s');
  await stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '"ok"' }));
  t.is((await finished(stack, alive)).status, 'SUCCEEDED');

  const silent = await start(stack, sm);
  const lost = await stack.client.send(new GetActivityTaskCommand({ activityArn: arn }));
  const done = await finished(stack, silent);
  t.is(done.status, 'FAILED');
  t.is(done.error, 'States.Timeout');
  const events = await history(stack, silent);
  t.deepEqual(types(events).slice(-2), ['ActivityTimedOut', 'ExecutionFailed']);
  t.deepEqual(events.at(-2)!.activityTimedOutEventDetails, { error: 'States.Timeout' });
  await t.throwsAsync(stack.client.send(new SendTaskHeartbeatCommand({ taskToken: lost.taskToken })), { instanceOf: TaskTimedOut });
  await t.throwsAsync(stack.client.send(new SendTaskSuccessCommand({ taskToken: lost.taskToken, output: '{}' })), { instanceOf: TaskTimedOut });
});

test('many pollers, one task each: every task goes to exactly one worker; the rest get an empty answer', async (t) => {
  const { stack } = t.context;
  const arn = await activity(stack);
  const sm = await machine(stack, { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: arn, End: true } } });
  const polls = Array.from({ length: 10 }, (_, i) => stack.client.send(new GetActivityTaskCommand({ activityArn: arn, workerName: `w${i}` })));
  await sleep(100);
  const executions = await Promise.all(Array.from({ length: 4 }, (_, i) => start(stack, sm, JSON.stringify({ i }))));
  const answers = await Promise.all(polls);
  const got = answers.filter((a) => a.taskToken);
  t.is(got.length, 4);
  t.is(new Set(got.map((a) => a.taskToken)).size, 4);
  t.deepEqual(got.map((a) => JSON.parse(a.input!).i).sort(), [0, 1, 2, 3]);
  for (const a of answers.filter((x) => !x.taskToken)) t.is(a.input, undefined);
  for (const a of got) await stack.client.send(new SendTaskSuccessCommand({ taskToken: a.taskToken, output: a.input }));
  for (const executionArn of executions) {
    t.is((await finished(stack, executionArn)).status, 'SUCCEEDED');
    t.is(types(await history(stack, executionArn)).filter((x) => x === 'ActivityStarted').length, 1);
  }
});

test('a Task on a deleted activity fails the execution with States.Runtime and no Activity events', async (t) => {
  const { stack } = t.context;
  const arn = await activity(stack);
  const sm = await machine(stack, { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: arn, End: true } } });
  await stack.client.send(new DeleteActivityCommand({ activityArn: arn }));
  const executionArn = await start(stack, sm);
  const done = await finished(stack, executionArn);
  t.is(done.status, 'FAILED');
  t.is(done.error, 'States.Runtime');
  t.is(done.cause, `An error occurred while executing the state 'Work' (entered at the event id #2). The activity ${arn} does not exist.`);
  t.deepEqual(types(await history(stack, executionArn)), ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
  await t.throwsAsync(stack.client.send(new GetActivityTaskCommand({ activityArn: arn })), { instanceOf: ActivityDoesNotExist });
});
