import { CreateStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { finished, ROLE, stackTests, type Stack } from './harness.js';

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
