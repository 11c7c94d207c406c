import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DirectoryFunctions } from '@stepstream/runtime';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, finished, history, ROLE, stackTests, type Stack } from './harness.js';

// Answering a waiting task by hand (the console does): Stepstream.ListActivityTasks shows an
// activity's backlog with each task's token, Stepstream.InspectExecution the token of each task
// that waits for one; SendTaskSuccess / SendTaskFailure with those tokens answer the task as a
// worker's would.

// The callback's function answers at once (its task then waits for the token).
const functions = mkdtempSync(join(tmpdir(), 'stepstream-by-hand-'));
writeFileSync(join(functions, 'echo.mjs'), 'export const handler = async (event) => event;\n');
const test = stackTests({ lambda: new DirectoryFunctions(functions) });
test.after.always(() => rmSync(functions, { recursive: true, force: true }));

interface Backlog {
  tasks: { executionArn: string; taskId: string; input: string; taskToken: string }[];
  workers: number;
  __type?: string;
}
interface Inspected {
  tasks: { state: string; kind: string; pattern?: string; taskToken?: string }[];
  __type?: string;
}

const call = async <T>(stack: Stack, operation: string, body: Record<string, unknown>) => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `Stepstream.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
};

test('an activity’s backlog with its tokens; a task answered with one, by success and by failure, as a worker would', async (t) => {
  const { stack } = t.context;
  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: `by-hand-${Date.now().toString(36)}` }));
  const machine = await stack.client.send(
    new CreateStateMachineCommand({
      name: `by-hand-${Date.now().toString(36)}`,
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'Pack', States: { Pack: { Type: 'Task', Resource: activityArn, End: true } } }),
    }),
  );
  const started = await Promise.all(
    [1, 2, 3].map((n) => stack.client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: JSON.stringify({ n }) }))),
  );
  const backlog = await eventually(async () => {
    const answer = await call<Backlog>(stack, 'ListActivityTasks', { activityArn });
    return answer.body.tasks.length === 3 ? answer : undefined;
  });
  t.is(backlog.status, 200);
  t.is(backlog.body.workers, 0);
  t.deepEqual(new Set(backlog.body.tasks.map((task) => task.executionArn)), new Set(started.map((s) => s.executionArn)));
  t.deepEqual(
    backlog.body.tasks.map((task) => JSON.parse(task.input) as unknown).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ n: 1 }, { n: 2 }, { n: 3 }],
  );

  // The token InspectExecution shows is the backlog's: either answers the task.
  const [first, second, third] = backlog.body.tasks;
  const inspected = await call<Inspected>(stack, 'InspectExecution', { executionArn: first!.executionArn });
  t.is(inspected.body.tasks.length, 1);
  t.is(inspected.body.tasks[0]!.taskToken, first!.taskToken);
  await stack.client.send(new SendTaskSuccessCommand({ taskToken: first!.taskToken, output: '{"packed":true}' }));
  await finished(stack, first!.executionArn);
  const done = await stack.client.send(new DescribeExecutionCommand({ executionArn: first!.executionArn }));
  t.is(done.status, 'SUCCEEDED');
  t.is(done.output, '{"packed":true}');

  await stack.client.send(new SendTaskFailureCommand({ taskToken: second!.taskToken, error: 'ByHand', cause: 'refused in the console' }));
  await finished(stack, second!.executionArn);
  const failed = await stack.client.send(new DescribeExecutionCommand({ executionArn: second!.executionArn }));
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'ByHand');
  const types = (await history(stack, second!.executionArn)).map((e) => e.type);
  t.true(types.includes('ActivityFailed'), types.join(' '));

  // What was answered leaves the backlog; a worker then gets the one left, and nothing more.
  const after = await call<Backlog>(stack, 'ListActivityTasks', { activityArn });
  t.deepEqual(
    after.body.tasks.map((task) => task.executionArn),
    [third!.executionArn],
  );
  const got = await stack.client.send(new GetActivityTaskCommand({ activityArn }));
  t.is(got.taskToken, third!.taskToken);
  // An answer to a task already answered is TaskTimedOut, as AWS answers a token no longer waited on.
  const again = await stack.client.send(new SendTaskSuccessCommand({ taskToken: first!.taskToken, output: '{}' })).then(
    () => 'accepted',
    (e: Error) => e.name,
  );
  t.is(again, 'TaskTimedOut');
});

test('a .waitForTaskToken task shows in InspectExecution the token its parameters received; an unknown activity has no backlog', async (t) => {
  const { stack } = t.context;
  const machine = await stack.client.send(
    new CreateStateMachineCommand({
      name: `callback-${Date.now().toString(36)}`,
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            End: true,
            Branches: [
              {
                StartAt: 'Ask',
                States: {
                  Ask: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                    Parameters: { FunctionName: 'echo', Payload: { 'token.$': '$$.Task.Token' } },
                    End: true,
                  },
                },
              },
              { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } },
            ],
          },
        },
      }),
    }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
  const inspected = await eventually(async () => {
    const answer = await call<Inspected>(stack, 'InspectExecution', { executionArn });
    return answer.body.tasks.length === 1 ? answer.body : undefined;
  });
  const task = inspected.tasks[0]!;
  t.is(task.pattern, 'waitForTaskToken');
  t.is(typeof task.taskToken, 'string');
  // The token the state's parameters received is the one shown.
  const scheduled = (await history(stack, executionArn!)).find((e) => e.type === 'TaskScheduled');
  const parameters = JSON.parse(scheduled!.taskScheduledEventDetails!.parameters!) as { Payload: { token: string } };
  t.is<string | undefined, string | undefined>(parameters.Payload.token, task.taskToken);

  const unknown = await call<Backlog>(stack, 'ListActivityTasks', { activityArn: 'arn:aws:states:us-east-1:123456789012:activity:none' });
  t.is(unknown.status, 400);
  t.is(unknown.body.__type, 'ActivityDoesNotExist');
});
