import {
  CreateStateMachineCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DirectoryFunctions } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReplays, finished, ROLE, startStack, type Stack } from './harness.js';

// RedriveExecution through SDK v3: an unsuccessful execution starts again from the state it ended in.

const test = anyTest as TestFn<{ stack: Stack; dir: string }>;
test.before(async (t) => {
  t.context.dir = await mkdtemp(join(tmpdir(), 'stepstream-redrive-'));
  // Fails on the first run, succeeds once redriven ($$.Execution.RedriveCount is passed in).
  await writeFile(join(t.context.dir, 'flaky.mjs'), "export const handler = async (e) => { if (e.redrives === 0) throw Object.assign(new Error('not yet'), { name: 'NotYet' }); return { ok: e.redrives }; };\n");
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
          Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:flaky', Parameters: { 'redrives.$': '$$.Execution.RedriveCount' }, End: true },
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
  t.deepEqual(types.slice(redriven), ['ExecutionRedriven', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded']);
  t.is(types.filter((x) => x === 'PassStateEntered').length, 1, 'the state that succeeded is not run again');
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn })), { instanceOf: ExecutionNotRedrivable, message: 'Execution is SUCCEEDED and cannot be redriven' });
  const redrivenList = await stack.client.send(new ListExecutionsCommand({ stateMachineArn, redriveFilter: 'REDRIVEN' }));
  t.deepEqual(redrivenList.executions!.map((e) => e.executionArn), [executionArn]);
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
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: '{"s":1}' }));
  stack.started.add(executionArn!);
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn })), { instanceOf: ExecutionNotRedrivable, message: 'Execution is RUNNING and cannot be redriven' });
  await stack.client.send(new StopExecutionCommand({ executionArn }));
  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED');
  const types = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn }))).events!.map((e) => e.type);
  t.deepEqual(types, ['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted', 'ExecutionRedriven', 'WaitStateEntered', 'WaitStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded']);
});
