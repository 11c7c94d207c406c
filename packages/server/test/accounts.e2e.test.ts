import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNServiceException,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { parseCredentials, type RunningServer } from '../src/index.js';
import { startStack } from './harness.js';

// Two accounts on one deployment with SigV4 on (docs/security.md): each key acts in its account;
// neither sees nor touches the other's state machines, executions, activities, task tokens or page
// tokens; the same name may exist in both.

const ROLE = 'arn:aws:iam::111111111111:role/stepstream-test';
const ALICE = { accessKeyId: 'AKIAACCOUNTALICE0001', secretAccessKey: 'alice-secret-0123456789abcdef', account: '111111111111' };
const BOB = { accessKeyId: 'AKIAACCOUNTBOB000001', secretAccessKey: 'bob-secret-0123456789abcdef', account: '222222222222' };
const definition = (activityArn: string) => JSON.stringify({ StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: activityArn, End: true } } });

const test = anyTest as TestFn<{ api: RunningServer; close: () => Promise<void> }>;

test.before(async (t) => {
  const keys = parseCredentials(JSON.stringify({ keys: [ALICE, BOB] }), '123456789012');
  const stack = await startStack({ activityPollMs: 500 }, { guard: { keys, region: 'us-east-1', account: '123456789012' } });
  t.context = { api: stack.api, close: () => stack.close() };
});
test.after.always(async (t) => t.context.close?.());

const client = (url: string, key: { accessKeyId: string; secretAccessKey: string }) =>
  new SFNClient({ endpoint: url, region: 'us-east-1', credentials: key, maxAttempts: 1 });
const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'answered';
  } catch (e) {
    return (e as SFNServiceException).name;
  }
};

test('each account creates in its own; the other sees nothing of it and cannot touch it', async (t) => {
  const { api } = t.context;
  const alice = client(api.url, ALICE);
  const bob = client(api.url, BOB);
  const aliceActivity = await alice.send(new CreateActivityCommand({ name: 'work' }));
  t.regex(aliceActivity.activityArn!, /^arn:aws:states:us-east-1:111111111111:activity:work$/);
  const bobActivity = await bob.send(new CreateActivityCommand({ name: 'work' }));
  t.regex(bobActivity.activityArn!, /^arn:aws:states:us-east-1:222222222222:activity:work$/, 'the same name in another account is another activity');
  const aliceMachine = await alice.send(new CreateStateMachineCommand({ name: 'orders', roleArn: ROLE, definition: definition(aliceActivity.activityArn!) }));
  t.regex(aliceMachine.stateMachineArn!, /:111111111111:stateMachine:orders$/);
  const bobMachine = await bob.send(new CreateStateMachineCommand({ name: 'orders', roleArn: ROLE, definition: definition(bobActivity.activityArn!) }));
  t.regex(bobMachine.stateMachineArn!, /:222222222222:stateMachine:orders$/);

  // Lists show each its own.
  t.deepEqual(
    (await alice.send(new ListStateMachinesCommand({}))).stateMachines!.map((m) => m.stateMachineArn),
    [aliceMachine.stateMachineArn],
  );
  t.deepEqual(
    (await bob.send(new ListStateMachinesCommand({}))).stateMachines!.map((m) => m.stateMachineArn),
    [bobMachine.stateMachineArn],
  );
  t.deepEqual(
    (await bob.send(new ListActivitiesCommand({}))).activities!.map((a) => a.activityArn),
    [bobActivity.activityArn],
  );

  // Alice's execution waits on her activity; Bob can neither read nor stop it, nor take or answer its task.
  const run = await alice.send(new StartExecutionCommand({ stateMachineArn: aliceMachine.stateMachineArn! }));
  t.is(await refusal(bob.send(new DescribeStateMachineCommand({ stateMachineArn: aliceMachine.stateMachineArn! }))), 'AccessDeniedException');
  t.is(await refusal(bob.send(new StartExecutionCommand({ stateMachineArn: aliceMachine.stateMachineArn! }))), 'AccessDeniedException');
  t.is(await refusal(bob.send(new DescribeExecutionCommand({ executionArn: run.executionArn! }))), 'AccessDeniedException');
  t.is(await refusal(bob.send(new ListExecutionsCommand({ stateMachineArn: aliceMachine.stateMachineArn! }))), 'AccessDeniedException');
  t.is(await refusal(bob.send(new StopExecutionCommand({ executionArn: run.executionArn! }))), 'AccessDeniedException');
  t.is(await refusal(bob.send(new GetActivityTaskCommand({ activityArn: aliceActivity.activityArn! }))), 'AccessDeniedException');
  const task = await alice.send(new GetActivityTaskCommand({ activityArn: aliceActivity.activityArn!, workerName: 'alice-worker' }));
  t.truthy(task.taskToken);
  t.is(await refusal(bob.send(new SendTaskSuccessCommand({ taskToken: task.taskToken!, output: '{"by":"bob"}' }))), 'AccessDeniedException');
  t.is((await alice.send(new DescribeExecutionCommand({ executionArn: run.executionArn! }))).status, 'RUNNING', 'untouched by Bob');
  await alice.send(new SendTaskSuccessCommand({ taskToken: task.taskToken!, output: '{"by":"alice"}' }));
  let status = 'RUNNING';
  for (let i = 0; i < 100 && status === 'RUNNING'; i++) {
    status = (await alice.send(new DescribeExecutionCommand({ executionArn: run.executionArn! }))).status!;
    if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 50));
  }
  t.is(status, 'SUCCEEDED');
});

test("a page token is its account's: the other account's is InvalidToken", async (t) => {
  const { api } = t.context;
  const alice = client(api.url, ALICE);
  const bob = client(api.url, BOB);
  for (const name of ['p1', 'p2', 'p3']) await alice.send(new CreateActivityCommand({ name }));
  const page = await alice.send(new ListActivitiesCommand({ maxResults: 1 }));
  t.truthy(page.nextToken);
  t.is((await alice.send(new ListActivitiesCommand({ maxResults: 1, nextToken: page.nextToken! }))).activities!.length, 1);
  t.is(await refusal(bob.send(new ListActivitiesCommand({ maxResults: 1, nextToken: page.nextToken! }))), 'InvalidToken');
});
