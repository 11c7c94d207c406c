import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  InvalidArn,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StateMachineTypeNotSupported,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { eventually, ROLE, startStack, type Stack } from './harness.js';

// Express machines through SDK v3: StartSyncExecution (the client needs disableHostPrefix against a
// local endpoint), asynchronous StartExecution, and the operations AWS refuses on Express.

const test = anyTest as TestFn<{ stack: Stack; sync: SFNClient }>;
test.before(async (t) => {
  t.context.stack = await startStack();
  t.context.sync = new SFNClient({
    endpoint: t.context.stack.api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
});
test.after.always(async (t) => {
  t.context.sync?.destroy();
  await t.context.stack?.close();
});

const express = async (stack: Stack, name: string, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE, type: 'EXPRESS' }))).stateMachineArn!;

const fiveStates = {
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Parameters: { 'n.$': '$.n' }, Next: 'B' },
    B: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 0, Next: 'C' }], Default: 'Fail' },
    C: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.n, $.n)' }, Next: 'D' },
    D: { Type: 'Wait', Seconds: 0, Next: 'E' },
    E: { Type: 'Succeed' },
    Fail: { Type: 'Fail', Error: 'NotPositive', Cause: 'n must be positive' },
  },
};

test('StartSyncExecution answers with the result: SUCCEEDED with output, FAILED with error and cause (both 200), billing details', async (t) => {
  const { stack, sync } = t.context;
  const arn = await express(stack, 'sync-five', fiveStates);
  const ok = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"n":21}', name: 'run-1' }));
  t.is(ok.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(ok.output!), { doubled: 42 });
  t.regex(ok.executionArn!, /^arn:aws:states:us-east-1:123456789012:express:sync-five:run-1:[0-9a-f-]{36}$/);
  t.is(ok.input, '{"n":21}');
  t.true(ok.billingDetails!.billedDurationInMilliseconds! >= 100);
  t.true(ok.stopDate!.getTime() >= ok.startDate!.getTime());
  const failed = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn, input: '{"n":-1}' }));
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'NotPositive');
  t.is(failed.cause, 'n must be positive');
  t.is(failed.output, undefined);
});

test('an Express execution has no 25,000-event history cap: a loop of 13,000 rounds (52,000 events) succeeds, where a Standard one fails at the cap', async (t) => {
  const { stack, sync } = t.context;
  const loop = {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Result: 0, ResultPath: '$.n', Next: 'Inc' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 13_000, Next: 'Inc' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  };
  const r = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: await express(stack, 'sync-long-loop', loop), input: '{}' }));
  t.is(r.status, 'SUCCEEDED', r.cause);
  t.deepEqual(JSON.parse(r.output!), { n: 13_000 });
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({ name: 'standard-long-loop', definition: JSON.stringify(loop), roleArn: ROLE }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  stack.started.add(executionArn!);
  const standard = await eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  }, 60_000);
  t.is(standard.status, 'FAILED');
  t.is(standard.cause, 'The execution reached the maximum number of history events (25000).');
});

test('an Express execution past its TimeoutSeconds is TIMED_OUT', async (t) => {
  const { stack, sync } = t.context;
  const arn = await express(stack, 'sync-timeout', { TimeoutSeconds: 1, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 5, End: true } } });
  const r = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
  t.is(r.status, 'TIMED_OUT');
  t.is(r.error, 'States.Timeout');
  t.true(r.stopDate!.getTime() - r.startDate!.getTime() < 3000);
});

test('what AWS refuses on Express: StartSyncExecution on STANDARD, Describe of an express ARN, ListExecutions; async StartExecution returns an express ARN', async (t) => {
  const { stack, sync } = t.context;
  const standard = (await stack.client.send(new CreateStateMachineCommand({ name: 'not-express', definition: JSON.stringify(fiveStates), roleArn: ROLE })))
    .stateMachineArn!;
  await t.throwsAsync(sync.send(new StartSyncExecutionCommand({ stateMachineArn: standard })), { instanceOf: StateMachineTypeNotSupported });
  const arn = await express(stack, 'async-express', fiveStates);
  const started = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"n":1}' }));
  t.regex(started.executionArn!, /:express:async-express:/);
  const describe = await t.throwsAsync(stack.client.send(new DescribeExecutionCommand({ executionArn: started.executionArn })), { instanceOf: InvalidArn });
  t.is(describe?.message, "Invalid Arn: 'Resource type not valid in this context: express'");
  await t.throwsAsync(stack.client.send(new ListExecutionsCommand({ stateMachineArn: arn })), { instanceOf: StateMachineTypeNotSupported });
});

test('each StartSyncExecution runs the machine as it is now: an update, then a delete, are seen by the very next call', async (t) => {
  const { stack, sync } = t.context;
  const arn = await express(stack, 'sync-updated', { StartAt: 'P', States: { P: { Type: 'Pass', Result: 'first', End: true } } });
  t.is((await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).output, '"first"');
  t.is((await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).output, '"first"');
  await stack.client.send(
    new UpdateStateMachineCommand({
      stateMachineArn: arn,
      definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 'second', End: true } } }),
    }),
  );
  t.is((await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).output, '"second"');
  await stack.client.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
  await t.throwsAsync(sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn })), { instanceOf: StateMachineDoesNotExist });
});

test('an update written by another process (straight to the store) reaches StartSyncExecution once projected', async (t) => {
  const { stack, sync } = t.context;
  const arn = await express(stack, 'sync-elsewhere', { StartAt: 'P', States: { P: { Type: 'Pass', Result: 'mine', End: true } } });
  t.is((await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }))).output, '"mine"');
  // What another engine node sharing the store would append (this engine's own store wrapper is bypassed).
  await stack.engine.options.store.appendToStream('stateMachine-123456789012:us-east-1:sync-elsewhere', [
    {
      type: 'StateMachineUpdated',
      data: {
        stateMachineArn: arn,
        updateDate: Date.now(),
        revisionId: 'elsewhere',
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: 'theirs', End: true } } }),
      },
    },
  ]);
  const output = await eventually(async () => {
    const r = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: arn }));
    return r.output === '"theirs"' ? r.output : undefined;
  }, 5_000);
  t.is(output, '"theirs"');
});
