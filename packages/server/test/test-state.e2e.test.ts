import { InvalidDefinition, SFNClient, TestStateCommand } from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { startStack, type Stack } from './harness.js';

// TestState through SDK v3 (sync- host prefix off against a local endpoint).

const test = anyTest as TestFn<{ stack: Stack; client: SFNClient }>;
test.before(async (t) => {
  t.context.stack = await startStack();
  t.context.client = new SFNClient({ endpoint: t.context.stack.api.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, disableHostPrefix: true, maxAttempts: 1 });
});
test.after.always(async (t) => {
  t.context.client?.destroy();
  await t.context.stack?.close();
});

const run = (t: { context: { client: SFNClient } }, state: object, input: object, extra: Record<string, unknown> = {}) =>
  t.context.client.send(new TestStateCommand({ definition: JSON.stringify(state), input: JSON.stringify(input), ...extra }));

test('a Pass state runs on its own: its output and the state it would go to; a Choice reports the branch it takes', async (t) => {
  const pass = await run(t, { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a, $.b)' }, Next: 'After' }, { a: 1, b: 2 });
  t.is(pass.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(pass.output!), { sum: 3 });
  t.is(pass.nextState, 'After');
  const choice = await run(t, { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' }, { n: 42 });
  t.is(choice.nextState, 'Big');
});

test('a Task with a mocked result: DEBUG shows each data-flow step', async (t) => {
  const r = await run(
    t,
    {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      InputPath: '$.order',
      Parameters: { FunctionName: 'price', 'Payload.$': '$' },
      ResultSelector: { 'price.$': '$.Payload.price' },
      ResultPath: '$.priced',
      End: true,
    },
    { order: { id: 7 } },
    { inspectionLevel: 'DEBUG', mock: { result: JSON.stringify({ StatusCode: 200, Payload: { price: 9.5 } }) } },
  );
  t.is(r.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(r.output!), { order: { id: 7 }, priced: { price: 9.5 } });
  t.is(r.nextState, undefined);
  const d = r.inspectionData!;
  t.deepEqual(JSON.parse(d.afterInputPath!), { id: 7 });
  t.deepEqual(JSON.parse(d.afterParameters!), { FunctionName: 'price', Payload: { id: 7 } });
  t.deepEqual(JSON.parse(d.afterResultSelector!), { price: 9.5 });
  t.deepEqual(JSON.parse(d.afterResultPath!), { order: { id: 7 }, priced: { price: 9.5 } });
});

test('a mocked error: CAUGHT_ERROR with the catcher’s next state, RETRIABLE when a retrier applies, FAILED otherwise', async (t) => {
  const task = (extra: object) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true, ...extra });
  const mock = { errorOutput: { error: 'Custom.Error', cause: 'it broke' } };
  const caught = await run(t, task({ Catch: [{ ErrorEquals: ['Custom.Error'], ResultPath: '$.err', Next: 'Recover' }] }), { x: 1 }, { mock });
  t.is(caught.status, 'CAUGHT_ERROR');
  t.is(caught.nextState, 'Recover');
  t.is(caught.error, 'Custom.Error');
  t.deepEqual(JSON.parse(caught.output!), { x: 1, err: { Error: 'Custom.Error', Cause: 'it broke' } });
  const retriable = await run(t, task({ Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30 }] }), {}, { mock });
  t.is(retriable.status, 'RETRIABLE');
  t.is(retriable.error, 'Custom.Error');
  const failed = await run(t, task({}), {}, { mock });
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'Custom.Error');
  t.is(failed.cause, 'it broke');
});

test('a state of a whole machine by stateName, with variables; a bad definition is InvalidDefinition', async (t) => {
  const machine = { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $greeting & " " & $states.input.name %}', Next: 'B' }, B: { Type: 'Succeed' } } };
  const r = await t.context.client.send(new TestStateCommand({ definition: JSON.stringify(machine), stateName: 'A', input: '{"name":"Ada"}', variables: '{"greeting":"Hello"}' }));
  t.is(r.status, 'SUCCEEDED');
  t.is(JSON.parse(r.output!), 'Hello Ada');
  t.is(r.nextState, 'B');
  await t.throwsAsync(run(t, { Type: 'Pass', InputPath: 'no-dollar', End: true }, {}), { instanceOf: InvalidDefinition });
});
