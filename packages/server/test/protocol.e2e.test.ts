import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { type Stack, stackTests } from './harness.js';

const test = stackTests();

const post = async (stack: Stack, target: string | undefined, body: string) => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', ...(target ? { 'X-Amz-Target': target } : {}) },
    body,
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-amzn-requestid'),
    type: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
};

test('unknown operations, malformed JSON and missing members get AWS errors; the server keeps serving', async (t) => {
  const { stack } = t.context;
  const unknown = await post(stack, 'AWSStepFunctions.LaunchRockets', '{}');
  t.is(unknown.status, 400);
  t.is(unknown.body['__type'], 'UnknownOperationException');
  t.regex(unknown.requestId!, /^[0-9a-f-]{36}$/);
  const noTarget = await post(stack, undefined, '{}');
  t.is(noTarget.body['__type'], 'UnknownOperationException');
  const malformed = await post(stack, 'AWSStepFunctions.ListStateMachines', '{"maxResults": ');
  t.is(malformed.status, 400);
  t.is(malformed.body['__type'], 'SerializationException');
  const array = await post(stack, 'AWSStepFunctions.ListStateMachines', '[]');
  t.is(array.body['__type'], 'SerializationException');
  const missing = await post(stack, 'AWSStepFunctions.DescribeStateMachine', '{}');
  t.is(missing.body['__type'], 'ValidationException');
  t.is(missing.body['message'], "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null");
  const ill = await post(stack, 'AWSStepFunctions.DescribeStateMachine', '{"stateMachineArn": 42}');
  t.is(ill.body['__type'], 'SerializationException');
  const two = await post(stack, 'AWSStepFunctions.CreateStateMachine', '{"roleArn":"arn:aws:iam::123456789012:role/r"}');
  t.is(
    two.body['message'],
    "2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; Value null at 'definition' failed to satisfy constraint: Member must not be null",
  );
  const ok = await post(stack, 'AWSStepFunctions.ListStateMachines', '');
  t.is(ok.status, 200);
  t.is(ok.type, 'application/x-amz-json-1.0');
  t.true(Array.isArray(ok.body['stateMachines']));
  // And the SDK still works on the same server.
  await t.notThrowsAsync(stack.client.send(new ListStateMachinesCommand({})));
});

test('a body over the request size limit is refused without harm', async (t) => {
  const { stack } = t.context;
  const big = await post(stack, 'AWSStepFunctions.ListStateMachines', JSON.stringify({ x: 'y'.repeat(1_200_000) }));
  t.is(big.status, 400);
  t.is(big.body['__type'], 'SerializationException');
  const after = await post(stack, 'AWSStepFunctions.ListStateMachines', '{}');
  t.is(after.status, 200);
});
