import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  SendTaskSuccessCommand,
  DescribeMapRunCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DirectoryFunctions } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReplays, eventually, finished, ROLE, startStack, type Stack } from './harness.js';

// RedriveExecution through SDK v3: an unsuccessful execution starts again from the state it ended in.

const test = anyTest as TestFn<{ stack: Stack; dir: string }>;
test.before(async (t) => {
  t.context.dir = await mkdtemp(join(tmpdir(), 'stepstream-redrive-'));
  // Fails on the first run, succeeds once redriven ($$.Execution.RedriveCount is passed in).
  await writeFile(
    join(t.context.dir, 'flaky.mjs'),
    "export const handler = async (e) => { if (e.redrives === 0) throw Object.assign(new Error('not yet'), { name: 'NotYet' }); return { ok: e.redrives }; };\n",
  );
  // Fails for item 2 until the execution is redriven; says which run produced each result.
  await writeFile(
    join(t.context.dir, 'picky.mjs'),
    "export const handler = async (e) => { if (e.redrives === 0 && e.item === 2) throw Object.assign(new Error('two'), { name: 'NotTwo' }); return { item: e.item, run: e.redrives }; };\n",
  );
  t.context.stack = await startStack({ lambda: new DirectoryFunctions(t.context.dir) });
});
test.after.always(async (t) => {
  const { stack } = t.context;
  if (stack) {
    await assertReplays(t as never, stack.engine, stack.started);
    await stack.close();
  }
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

test('a failed execution redriven starts again from the failed state with $$.Execution.RedriveCount; redriveCount, redriveDate and the filter', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrivable',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Prepare',
        States: {
          Prepare: { Type: 'Pass', Result: { prepared: true }, ResultPath: '$.p', Next: 'Call' },
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:flaky',
            Parameters: { 'redrives.$': '$$.Execution.RedriveCount' },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"a":1}' }));
  stack.started.add(executionArn!);
  const failed = await finished(stack, executionArn!);
  t.is(failed.status, 'FAILED');
  t.is(failed.redriveStatus, 'REDRIVABLE');
  const { redriveDate } = await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  t.truthy(redriveDate);
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { ok: 1 });
  t.is(done.redriveCount, 1);
  t.is(done.redriveDate!.getTime(), redriveDate!.getTime());
  const types = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);
  const redriven = types.indexOf('ExecutionRedriven');
  t.deepEqual(types.slice(redriven), [
    'ExecutionRedriven',
    'TaskStateEntered',
    'LambdaFunctionScheduled',
    'LambdaFunctionStarted',
    'LambdaFunctionSucceeded',
    'TaskStateExited',
    'ExecutionSucceeded',
  ]);
  t.is(types.filter((x) => x === 'PassStateEntered').length, 1, 'the state that succeeded is not run again');
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn })), {
    instanceOf: ExecutionNotRedrivable,
    message: 'Execution is SUCCEEDED and cannot be redriven',
  });
  const redrivenList = await stack.client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));
  t.deepEqual(
    redrivenList.executions!.map((e) => e.executionArn),
    [executionArn],
  );
  t.deepEqual((await stack.client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'NOT_REDRIVEN' }))).executions, []);
});

test('an aborted execution redriven resumes in the state it was stopped in; a running one is not redrivable', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'stoppable',
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'Nap', States: { Nap: { Type: 'Wait', SecondsPath: '$.s', Next: 'Done' }, Done: { Type: 'Pass', End: true } } }),
    }),
  );
  // A Wait long enough that the stop below comes first even on a loaded machine (1 s was not).
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"s":4}' }));
  stack.started.add(executionArn!);
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn })), {
    instanceOf: ExecutionNotRedrivable,
    message: 'Execution is RUNNING and cannot be redriven',
  });
  await stack.client.send(new StopExecutionCommand({ executionArn }));
  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED');
  const types = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);
  t.deepEqual(types, [
    'ExecutionStarted',
    'WaitStateEntered',
    'ExecutionAborted',
    'ExecutionRedriven',
    'WaitStateEntered',
    'WaitStateExited',
    'PassStateEntered',
    'PassStateExited',
    'ExecutionSucceeded',
  ]);
});

const lambda = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const eventsOf = async (stack: Stack, executionArn: string) =>
  (await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;

test('a redriven Parallel runs again only the branch that failed and the one aborted, each from the state it stopped in; variables survive', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrive-parallel',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Remember',
        States: {
          Remember: { Type: 'Pass', Assign: { remembered: 42 }, Next: 'Fan' },
          Fan: {
            Type: 'Parallel',
            Next: 'Report',
            // The waiting branch comes first, so it is paused when the last one fails in the same
            // decision: its abort does not depend on timing. Call fails until the execution is
            // redriven (item $$.Execution.RedriveCount of ['nope', '1'] must parse as JSON).
            Branches: [
              {
                StartAt: 'Setup',
                States: {
                  Setup: { Type: 'Pass', Result: { s: 1 }, Next: 'Nap' },
                  Nap: { Type: 'Wait', SecondsPath: '$.s', Next: 'Woke' },
                  Woke: { Type: 'Pass', Result: 'woke', End: true },
                },
              },
              { StartAt: 'Quick', States: { Quick: { Type: 'Pass', Result: 'quick', End: true } } },
              {
                StartAt: 'Before',
                States: {
                  Before: { Type: 'Pass', Next: 'Call' },
                  Call: {
                    Type: 'Pass',
                    Parameters: { 'ok.$': "States.StringToJson(States.ArrayGetItem(States.Array('nope', '1'), $$.Execution.RedriveCount))" },
                    End: true,
                  },
                },
              },
            ],
          },
          Report: { Type: 'Pass', Parameters: { 'branches.$': '$', 'remembered.$': '$remembered' }, End: true },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  stack.started.add(executionArn!);
  t.is((await finished(stack, executionArn!)).status, 'FAILED');
  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED', done.cause);
  t.deepEqual(JSON.parse(done.output!), { branches: ['woke', 'quick', { ok: 1 }], remembered: 42 });
  const events = await eventsOf(stack, executionArn!);
  const entered = (name: string) => events.filter((e) => e.stateEnteredEventDetails?.name === name).length;
  t.is(entered('Remember'), 1, 'a state that succeeded before the Parallel is not run again');
  t.is(entered('Quick'), 1, 'the branch that succeeded is not run again');
  t.is(entered('Before'), 1, 'the failed branch starts again from the state that failed');
  t.is(entered('Call'), 2);
  t.is(entered('Setup'), 1, 'the aborted branch starts again from the state it was in');
  t.is(entered('Fan'), 2);
  const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
  t.deepEqual(
    events.slice(redriven, redriven + 3).map((e) => e.type),
    ['ExecutionRedriven', 'ParallelStateEntered', 'ParallelStateStarted'],
  );
  t.true(
    events.slice(0, redriven).some((e) => e.type === 'WaitStateAborted'),
    'the waiting branch was aborted when the other failed',
  );
});

test('a redriven inline Map runs again only the iterations that failed; the others keep their first results', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrive-map',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemsPath: '$.items',
            MaxConcurrency: 2,
            ItemProcessor: {
              StartAt: 'Work',
              States: {
                Work: { Type: 'Task', Resource: lambda('picky'), Parameters: { 'item.$': '$', 'redrives.$': '$$.Execution.RedriveCount' }, End: true },
              },
            },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"items":[0,1,2,3,4]}' }));
  stack.started.add(executionArn!);
  const failed = await finished(stack, executionArn!);
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'NotTwo');
  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED', done.cause);
  const output = JSON.parse(done.output!) as { item: number; run: number }[];
  t.deepEqual(
    output.map((o) => o.item),
    [0, 1, 2, 3, 4],
  );
  t.is(output[2]!.run, 1, 'the failed iteration ran again on the redrive');
  t.deepEqual(
    [0, 1].map((i) => output[i]!.run),
    [0, 0],
    'iterations that succeeded before the failure keep their results',
  );
  const events = await eventsOf(stack, executionArn!);
  const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
  const rerun = events
    .slice(redriven)
    .filter((e) => e.type === 'MapIterationStarted')
    .map((e) => e.mapIterationStartedEventDetails!.index);
  t.true(rerun.includes(2));
  t.false(rerun.includes(0) || rerun.includes(1), `iterations 0 and 1 are not started again (started: ${rerun.join(', ')})`);
  t.is(events.slice(redriven).find((e) => e.type === 'MapStateStarted')?.mapStateStartedEventDetails?.length, 5);
});

test('a redriven Distributed Map reuses its Map Run (MapRunRedriven): child runs that succeeded are kept, the failed one is redriven', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrive-distributed',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            Label: 'items',
            ItemsPath: '$.items',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Work',
              States: {
                Work: { Type: 'Task', Resource: lambda('picky'), Parameters: { 'item.$': '$', 'redrives.$': '$$.Execution.RedriveCount' }, End: true },
              },
            },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"items":[0,1,2,3]}' }));
  stack.started.add(executionArn!);
  const failed = await finished(stack, executionArn!);
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'States.ExceedToleratedFailureThreshold');
  const [run] = (await stack.client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!;
  const mapRunArn = run!.mapRunArn!;
  t.is((await stack.client.send(new DescribeMapRunCommand({ mapRunArn }))).status, 'FAILED');

  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED', done.cause);
  const output = JSON.parse(done.output!) as { item: number; run: number }[];
  t.deepEqual(output, [
    { item: 0, run: 0 },
    { item: 1, run: 0 },
    { item: 2, run: 1 },
    { item: 3, run: 0 },
  ]);

  const events = await eventsOf(stack, executionArn!);
  const redriven = events.findIndex((e) => e.type === 'ExecutionRedriven');
  t.deepEqual(
    events.slice(redriven).map((e) => e.type),
    [
      'ExecutionRedriven',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunRedriven',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ],
  );
  t.deepEqual(events[redriven + 3]!.mapRunRedrivenEventDetails, { mapRunArn, redriveCount: 1 });
  const described = await stack.client.send(new DescribeMapRunCommand({ mapRunArn }));
  t.is(described.status, 'SUCCEEDED');
  t.is(described.redriveCount, 1);
  t.truthy(described.redriveDate);
  t.is(described.executionCounts!.succeeded, 4);
  t.is((await stack.client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!.length, 1, 'the same Map Run, not a new one');
  const children = (await stack.client.send(new ListExecutionsCommand({ mapRunArn }))).executions!;
  t.is(children.length, 4);
  t.deepEqual(children.map((c) => c.redriveCount).sort(), [0, 0, 0, 1], 'only the failed child run was redriven');
  for (const child of children) stack.started.add(child.executionArn!);
});

// Serial (ava runs it before the others, alone): its 25,000 events hold the embedded store for
// ~11 s, and the others' 15-second waits for their executions to end ran out behind it in CI.
test.serial('an execution stopped by the 25,000-event cap is not redrivable: there is no room for ExecutionRedriven', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrive-capped',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Spin',
        States: {
          Spin: { Type: 'Pass', Next: 'Again' },
          Again: { Type: 'Choice', Choices: [{ Variable: '$.forever', IsPresent: true, Next: 'Spin' }], Default: 'Done' },
          Done: { Type: 'Succeed' },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"forever":true}' }));
  // 25,000 events: ~11 s on the embedded store alone, longer while another test file runs beside it.
  const failed = await finished(stack, executionArn!, 90_000);
  t.is(failed.status, 'FAILED');
  t.is(failed.cause, 'The execution reached the maximum number of history events (25000).');
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn })), {
    instanceOf: ExecutionNotRedrivable,
    message: 'Execution history event limit exceeded',
  });
});

test('a Distributed Map stopped and redriven at once: its child runs, stopped with it, are redriven and answer the new task', async (t) => {
  const { stack } = t.context;
  // Each child waits on an activity the test answers only after the redrive: the children are
  // running when the parent is stopped, however busy the machine (a timed Wait was not enough).
  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: 'redrive-stopped-map-work' }));
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: 'redrive-stopped-map',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Each',
        States: {
          Each: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Work',
              States: { Work: { Type: 'Task', Resource: activityArn, End: true } },
            },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '[1, 2, 3]' }));
  stack.started.add(executionArn!);
  const [run] = await eventually(async () => {
    const runs = (await stack.client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!;
    return runs.length > 0 ? runs : undefined;
  });
  await eventually(async () => {
    const children = (await stack.client.send(new ListExecutionsCommand({ mapRunArn: run!.mapRunArn }))).executions!;
    return children.length === 3 ? children : undefined;
  });
  await stack.client.send(new StopExecutionCommand({ executionArn }));
  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  // The redriven children schedule their tasks again: each answers with its item.
  for (let answered = 0; answered < 3;) {
    const task = await stack.client.send(new GetActivityTaskCommand({ activityArn }));
    if (!task.taskToken) continue;
    await stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: task.input! }));
    answered++;
  }
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED', done.cause);
  t.deepEqual(JSON.parse(done.output!), [1, 2, 3]);
  const children = (await stack.client.send(new ListExecutionsCommand({ mapRunArn: run!.mapRunArn }))).executions!;
  t.deepEqual(
    children.map((c) => c.status),
    ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED'],
  );
  t.true(
    children.every((c) => c.redriveCount === 1),
    'each child was stopped with its parent and redriven',
  );
  for (const child of children) stack.started.add(child.executionArn!);
});
