import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  ListExecutionsCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { assertReplays, eventually, ROLE, startStack, type Stack } from './harness.js';

const test = anyTest as TestFn<{ stack: Stack }>;
test.before(async (t) => {
  t.context.stack = await startStack();
});
test.after.always(async (t) => {
  const { stack } = t.context;
  if (!stack) return;
  // The replay check over every execution this file started.
  const checked = await assertReplays(t as never, stack.engine, stack.started);
  console.log(`replay check: ${checked} executions reproduced event for event`);
  await stack.close();
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

const create = async (stack: Stack, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name: unique('sm'), definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;

const start = async (stack: Stack, stateMachineArn: string, input?: string, name?: string) => {
  const r = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input, name }));
  stack.started.add(r.executionArn!);
  return r;
};

const history = async (stack: Stack, executionArn: string) =>
  (await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;

const brief = (events: HistoryEvent[]) => events.map((e) => `${e.id}<${e.previousEventId} ${e.type}`);

test('a chain of Pass/Choice/Succeed runs in the start decision: Describe sees SUCCEEDED at once, history as AWS writes it', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Result: { n: 3 }, ResultPath: '$.counter', Next: 'Check' },
      Check: {
        Type: 'Choice',
        Choices: [{ Variable: '$.counter.n', NumericGreaterThan: 2, Next: 'Big' }],
        Default: 'Small',
      },
      Big: { Type: 'Pass', Parameters: { 'size.$': '$.counter.n', 'name.$': '$$.Execution.Name' }, Next: 'Done' },
      Small: { Type: 'Fail', Error: 'TooSmall' },
      Done: { Type: 'Succeed' },
    },
  });
  const input = '{ "keep": "me" }';
  const { executionArn, startDate } = await start(stack, arn, input, 'run-1');
  t.true(startDate instanceof Date);
  const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
  t.is(d.status, 'SUCCEEDED');
  t.is(d.input, input, 'the input is echoed exactly as submitted');
  t.deepEqual(JSON.parse(d.output!), { size: 3, name: 'run-1' });
  t.deepEqual(d.inputDetails, { included: true });
  t.deepEqual(d.outputDetails, { included: true });
  t.is(d.redriveCount, 0);
  t.is(d.redriveStatus, 'NOT_REDRIVABLE');
  t.truthy(d.stopDate);
  const events = await history(stack, executionArn!);
  t.deepEqual(brief(events), [
    '1<0 ExecutionStarted',
    '2<0 PassStateEntered',
    '3<2 PassStateExited',
    '4<3 ChoiceStateEntered',
    '5<4 ChoiceStateExited',
    '6<5 PassStateEntered',
    '7<6 PassStateExited',
    '8<7 SucceedStateEntered',
    '9<8 SucceedStateExited',
    '10<9 ExecutionSucceeded',
  ]);
  t.deepEqual(events[0]!.executionStartedEventDetails, { input, inputDetails: { truncated: false }, roleArn: ROLE });
  t.deepEqual(events[2]!.stateExitedEventDetails, { name: 'Init', output: '{"keep":"me","counter":{"n":3}}', outputDetails: { truncated: false } });
  t.true(events.every((e) => e.timestamp instanceof Date));
  const reversed = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }))).events!;
  t.deepEqual(
    reversed.map((e) => e.id),
    [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
  );
  const lean = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }))).events!;
  t.deepEqual(lean[0]!.executionStartedEventDetails, { inputDetails: { truncated: false }, roleArn: ROLE });
});

test('history pages with maxResults and nextToken, forwards and backwards', async (t) => {
  const { stack } = t.context;
  const states: Record<string, object> = {};
  for (let i = 0; i < 20; i++) states[`S${i}`] = { Type: 'Pass', ...(i === 19 ? { End: true } : { Next: `S${i + 1}` }) };
  const { executionArn } = await start(stack, await create(stack, { StartAt: 'S0', States: states }));
  for (const reverseOrder of [false, true]) {
    const ids: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 7, nextToken, reverseOrder }));
      t.true(page.events!.length <= 7);
      ids.push(...page.events!.map((e) => e.id!));
      nextToken = page.nextToken;
    } while (nextToken);
    const expected = Array.from({ length: 42 }, (_, i) => i + 1);
    t.deepEqual(ids, reverseOrder ? expected.reverse() : expected);
  }
});

test('Fail, NoChoiceMatched and path errors fail the execution with AWS errors and causes', async (t) => {
  const { stack } = t.context;
  const fail = await start(stack, await create(stack, { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'MyError', Cause: 'my cause' } } }));
  const fd = await stack.client.send(new DescribeExecutionCommand({ executionArn: fail.executionArn }));
  t.is(fd.status, 'FAILED');
  t.is(fd.error, 'MyError');
  t.is(fd.cause, 'my cause');
  t.is(fd.redriveStatus, 'REDRIVABLE');
  t.deepEqual(brief(await history(stack, fail.executionArn!)), ['1<0 ExecutionStarted', '2<0 FailStateEntered', '3<2 ExecutionFailed']);

  const empty = await start(stack, await create(stack, { StartAt: 'F', States: { F: { Type: 'Fail' } } }));
  const ed = await stack.client.send(new DescribeExecutionCommand({ executionArn: empty.executionArn }));
  t.is(ed.error, undefined);
  t.is(ed.cause, undefined);

  const noMatch = await start(
    stack,
    await create(stack, {
      StartAt: 'C',
      States: { C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'y', Next: 'D' }] }, D: { Type: 'Succeed' } },
    }),
    '{"x":"z"}',
  );
  const nd = await stack.client.send(new DescribeExecutionCommand({ executionArn: noMatch.executionArn }));
  t.is(nd.status, 'FAILED');
  t.is(nd.error, 'States.NoChoiceMatched');

  const badPath = await start(stack, await create(stack, { StartAt: 'pass', States: { pass: { Type: 'Pass', InputPath: '$.NoSuchInputPath', End: true } } }));
  const bd = await stack.client.send(new DescribeExecutionCommand({ executionArn: badPath.executionArn }));
  t.is(bd.error, 'States.Runtime');
  t.is(
    bd.cause,
    "An error occurred while executing the state 'pass' (entered at the event id #2). Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
  );
});

test('Wait is a durable timer: RUNNING while it waits, then it goes on by itself', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, {
    StartAt: 'W',
    States: { W: { Type: 'Wait', Seconds: 1, Next: 'Out' }, Out: { Type: 'Pass', End: true } },
  });
  const { executionArn } = await start(stack, arn, '{"a":1}');
  const running = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
  t.is(running.status, 'RUNNING');
  t.is(running.stopDate, undefined);
  t.is(running.output, undefined);
  t.true(stack.engine.pendingTimers >= 1);
  const done = await eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.status, 'SUCCEEDED');
  t.true(done.stopDate!.getTime() - done.startDate!.getTime() >= 1000);
  t.deepEqual(brief(await history(stack, executionArn!)), [
    '1<0 ExecutionStarted',
    '2<0 WaitStateEntered',
    '3<2 WaitStateExited',
    '4<3 PassStateEntered',
    '5<4 PassStateExited',
    '6<5 ExecutionSucceeded',
  ]);
});

test('Waits inside Map iterations and Parallel branches are durable timers too: the execution finishes by itself with outputs in order', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        MaxConcurrency: 2,
        ItemsPath: '$.items',
        ItemProcessor: {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              End: true,
              Branches: [
                {
                  StartAt: 'W',
                  States: { W: { Type: 'Wait', SecondsPath: '$.s', Next: 'Tag' }, Tag: { Type: 'Pass', Parameters: { 'waited.$': '$.s' }, End: true } },
                },
                { StartAt: 'Now', States: { Now: { Type: 'Pass', Result: 'now', End: true } } },
              ],
            },
          },
        },
        End: true,
      },
    },
  });
  const { executionArn } = await start(stack, arn, '{"items":[{"s":1},{"s":0},{"s":1}]}');
  t.is((await stack.client.send(new DescribeExecutionCommand({ executionArn }))).status, 'RUNNING');
  const done = await eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), [
    [{ waited: 1 }, 'now'],
    [{ waited: 0 }, 'now'],
    [{ waited: 1 }, 'now'],
  ]);
  const events = await history(stack, executionArn!);
  t.is(events.filter((e) => e.type === 'WaitStateExited').length, 3);
  t.is(events.filter((e) => e.type === 'MapIterationSucceeded').length, 3);
  t.deepEqual(
    events.map((e) => e.id),
    events.map((_, i) => i + 1),
    'dense ids',
  );
});

test('StartExecution idempotency: same name and input while running returns the same execution; otherwise ExecutionAlreadyExists', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } });
  const first = await start(stack, arn, '{"a":1}', 'same');
  const again = await start(stack, arn, '{"a":1}', 'same');
  t.is(again.executionArn, first.executionArn);
  t.is(again.startDate?.getTime(), first.startDate?.getTime());
  const other = await t.throwsAsync(start(stack, arn, '{"a":2}', 'same'), { instanceOf: ExecutionAlreadyExists });
  t.is(other?.message, `Execution Already Exists: '${first.executionArn}'`);
  await stack.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  await t.throwsAsync(start(stack, arn, '{"a":1}', 'same'), { instanceOf: ExecutionAlreadyExists });
  const unnamed = await start(stack, arn);
  t.regex(unnamed.executionArn!.split(':').at(-1)!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await stack.client.send(new StopExecutionCommand({ executionArn: unnamed.executionArn }));
});

test('StopExecution aborts a waiting execution with the given error and cause; the timer never fires', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 2, Next: 'P' }, P: { Type: 'Pass', End: true } } });
  const { executionArn } = await start(stack, arn);
  const stopped = await stack.client.send(new StopExecutionCommand({ executionArn, error: 'Halt', cause: 'operator said so' }));
  t.true(stopped.stopDate instanceof Date);
  const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
  t.is(d.status, 'ABORTED');
  t.is(d.error, 'Halt');
  t.is(d.cause, 'operator said so');
  await new Promise((r) => setTimeout(r, 2500));
  const events = await history(stack, executionArn!);
  t.deepEqual(brief(events), ['1<0 ExecutionStarted', '2<0 WaitStateEntered', '3<0 ExecutionAborted']);
  t.deepEqual(events[2]!.executionAbortedEventDetails, { error: 'Halt', cause: 'operator said so' });
  const again = await stack.client.send(new StopExecutionCommand({ executionArn }));
  t.is(again.stopDate?.getTime(), stopped.stopDate?.getTime(), 'stopping a closed execution reports its stop date and writes nothing');
  t.is((await history(stack, executionArn!)).length, 3);
});

test('ListExecutions: newest first, status filter, pages that stay correct while new executions start', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  const names: string[] = [];
  for (let i = 0; i < 5; i++) {
    names.push(`e${i}`);
    await start(stack, arn, undefined, `e${i}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const first = await stack.client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2 }));
  t.deepEqual(
    first.executions!.map((e) => e.name),
    ['e4', 'e3'],
  );
  await start(stack, arn, undefined, 'late');
  const rest: string[] = [];
  let nextToken = first.nextToken;
  while (nextToken) {
    const page = await stack.client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 2, nextToken }));
    rest.push(...page.executions!.map((e) => e.name!));
    nextToken = page.nextToken;
  }
  t.deepEqual(rest, ['e2', 'e1', 'e0'], 'a new execution does not shift later pages');
  const succeeded = await stack.client.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'SUCCEEDED' }));
  t.is(succeeded.executions!.length, 6);
  t.true(succeeded.executions!.every((e) => e.status === 'SUCCEEDED' && e.redriveCount === 0));
  const none = await stack.client.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }));
  t.deepEqual(none.executions, []);
  await t.throwsAsync(stack.client.send(new ListExecutionsCommand({ stateMachineArn: `${arn}x` })), { instanceOf: StateMachineDoesNotExist });
});

test('DescribeStateMachineForExecution returns the definition the execution started with', async (t) => {
  const { stack } = t.context;
  const v1 = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 30, End: true } } };
  const arn = await create(stack, v1);
  const { executionArn } = await start(stack, arn);
  await stack.client.send(
    new UpdateStateMachineCommand({ stateMachineArn: arn, definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) }),
  );
  const d = await stack.client.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
  t.is(d.definition, JSON.stringify(v1));
  t.is(d.stateMachineArn, arn);
  t.is(d.roleArn, ROLE);
  await stack.client.send(new StopExecutionCommand({ executionArn }));
});

test('execution errors: missing state machine, bad input, bad ARNs, missing executions', async (t) => {
  const { stack } = t.context;
  const arn = await create(stack, { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  const gone = `${arn}-nope`;
  const missing = await t.throwsAsync(start(stack, gone), { instanceOf: StateMachineDoesNotExist });
  t.is(missing?.message, `State Machine Does Not Exist: '${gone}'`);
  const empty = await t.throwsAsync(start(stack, arn, ''), { instanceOf: InvalidExecutionInput });
  t.is(empty?.message, "Invalid State Machine Execution Input: 'Invalid execution input.'");
  await t.throwsAsync(start(stack, arn, 'not json'), { instanceOf: InvalidExecutionInput });
  for (const input of ['2', '"some text"', 'null']) {
    const r = await start(stack, arn, input);
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn: r.executionArn }));
    t.is(d.status, 'SUCCEEDED');
    t.is(d.output, input);
  }
  const notExec = await t.throwsAsync(stack.client.send(new DescribeExecutionCommand({ executionArn: arn })), { instanceOf: InvalidArn });
  t.is(notExec?.message, "Invalid Arn: 'Resource type not valid in this context: stateMachine'");
  const noSuch = arn.replace(':stateMachine:', ':execution:') + ':nope';
  const e = await t.throwsAsync(stack.client.send(new DescribeExecutionCommand({ executionArn: noSuch })), { instanceOf: ExecutionDoesNotExist });
  t.is(e?.message, `Execution Does Not Exist: '${noSuch}'`);
  await t.throwsAsync(stack.client.send(new GetExecutionHistoryCommand({ executionArn: noSuch })), { instanceOf: ExecutionDoesNotExist });
  await t.throwsAsync(stack.client.send(new StopExecutionCommand({ executionArn: noSuch })), { instanceOf: ExecutionDoesNotExist });
  await t.throwsAsync(stack.client.send(new GetExecutionHistoryCommand({ executionArn: 'arn:aws:states:us-east-1:123456789012:express:a:b:c' })), {
    instanceOf: InvalidArn,
    message: "Invalid Arn: 'Resource type not valid in this context: express'",
  });
});
