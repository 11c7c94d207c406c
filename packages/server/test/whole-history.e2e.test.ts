import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { eventually, finished, ROLE, stackTests, type Stack } from './harness.js';

// Stepstream.GetWholeHistory: an execution's history in one answer, each event exactly as
// GetExecutionHistory's pages give it (the console reads histories this way).

const test = stackTests();

const call = async (stack: Stack, operation: string, body: Record<string, unknown>) => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `Stepstream.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { events?: Record<string, unknown>[]; nextToken?: string; __type?: string } };
};

/** GetExecutionHistory's raw pages, forwards, as the wire has them. */
const paged = async (stack: Stack, executionArn: string, includeExecutionData?: boolean) => {
  const events: Record<string, unknown>[] = [];
  let nextToken: string | undefined;
  do {
    const res = await fetch(`${stack.api.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.GetExecutionHistory' },
      body: JSON.stringify({
        executionArn,
        maxResults: 1000,
        ...(nextToken ? { nextToken } : {}),
        ...(includeExecutionData === false ? { includeExecutionData } : {}),
      }),
    });
    const page = (await res.json()) as { events: Record<string, unknown>[]; nextToken?: string };
    events.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
};

test('the whole history in one answer equals GetExecutionHistory’s pages, with and without execution data; errors as DescribeExecution’s', async (t) => {
  const { stack } = t.context;
  const loop = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 700, Next: 'Inc' }], Default: 'Done' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Count' },
      Done: { Type: 'Succeed' },
    },
  };
  const machine = await stack.client.send(
    new CreateStateMachineCommand({ name: `whole-${Date.now().toString(36)}`, roleArn: ROLE, definition: JSON.stringify(loop) }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{"n":0}' }));
  await finished(stack, executionArn!);
  const whole = await call(stack, 'GetWholeHistory', { executionArn });
  t.is(whole.status, 200);
  t.is(whole.body.nextToken, undefined);
  const pages = await paged(stack, executionArn!);
  t.true(pages.length > 2000, `${pages.length} events`);
  t.deepEqual(whole.body.events, pages);
  t.deepEqual((await call(stack, 'GetWholeHistory', { executionArn, includeExecutionData: false })).body.events, await paged(stack, executionArn!, false));
  // The SDK reads the same events (its first page).
  const first = await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 10 }));
  t.deepEqual(
    first.events?.map((e) => e.id),
    whole.body.events?.slice(0, 10).map((e) => e['id']),
  );
  t.regex((await call(stack, 'GetWholeHistory', { executionArn: `${executionArn!}-none` })).body.__type ?? '', /ExecutionDoesNotExist$/);
  t.regex((await call(stack, 'GetWholeHistory', { executionArn: 'nope' })).body.__type ?? '', /InvalidArn$/);
  t.regex((await call(stack, 'GetWholeHistory', {})).body.__type ?? '', /ValidationException$/);
});

test('a long history that ended is answered again the same, and whole again after a redrive appends to it', async (t) => {
  const { stack } = t.context;
  // ~1,500 events, then a Task that fails (no such function): FAILED, so it can be redriven.
  const loop = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 500, Next: 'Inc' }], Default: 'Call' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Count' },
      Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:absent', End: true },
    },
  };
  const machine = await stack.client.send(
    new CreateStateMachineCommand({ name: `whole-redrive-${Date.now().toString(36)}`, roleArn: ROLE, definition: JSON.stringify(loop) }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{"n":0}' }));
  t.is((await finished(stack, executionArn!)).status, 'FAILED');
  const first = await call(stack, 'GetWholeHistory', { executionArn });
  const pages = await paged(stack, executionArn!);
  t.true(pages.length > 1000, `${pages.length} events`);
  t.deepEqual(first.body.events, pages);
  t.deepEqual((await call(stack, 'GetWholeHistory', { executionArn })).body.events, pages, 'asked again');
  t.deepEqual((await call(stack, 'GetWholeHistory', { executionArn, includeExecutionData: false })).body.events, await paged(stack, executionArn!, false));

  await stack.client.send(new RedriveExecutionCommand({ executionArn }));
  await eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'FAILED' && d.redriveCount === 1 ? d : undefined;
  });
  const after = await paged(stack, executionArn!);
  t.true(after.length > pages.length, `${after.length} events after the redrive, ${pages.length} before`);
  t.deepEqual((await call(stack, 'GetWholeHistory', { executionArn })).body.events, after);
  t.deepEqual((await call(stack, 'GetWholeHistory', { executionArn, includeExecutionData: false })).body.events, await paged(stack, executionArn!, false));
});
