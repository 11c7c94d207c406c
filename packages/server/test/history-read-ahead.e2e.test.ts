import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { finished, history, ROLE, stackTests } from './harness.js';

// GetExecutionHistory reads the page after the one it answers ahead of the ask (ReadAhead). What a
// client is then served must be what a read at the time of its ask returns: the page read ahead is
// kept only when it was full (the stream went on past it), because a short page of a running
// execution grows as the execution goes on.

const test = stackTests({ activityPollMs: 2000 });

/** Every page of an execution's history at `maxResults`, forwards or backwards. */
const pages = async (client: SFNClient, executionArn: string, maxResults: number, reverseOrder: boolean) => {
  const out: number[][] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults, reverseOrder, nextToken }));
    out.push(page.events!.map((e) => e.id!));
    nextToken = page.nextToken;
  } while (nextToken);
  return out;
};

test.serial('a page read ahead of a running execution that came back short is read again at the ask: the events written since are on it', async (t) => {
  const { client } = t.context.stack;
  const { activityArn } = await client.send(new CreateActivityCommand({ name: 'read-ahead-work' }));
  const definition = { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activityArn, End: true } } };
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'read-ahead', definition: JSON.stringify(definition), roleArn: ROLE }));
  const executionArn = (await client.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":1}' }))).executionArn!;
  // ExecutionStarted, TaskStateEntered, ActivityScheduled: the first page of 2 is full, and the
  // page after it (read ahead while the first is answered) holds 1 event of at most 2.
  const first = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
  t.deepEqual(
    first.events!.map((e) => e.type),
    ['ExecutionStarted', 'TaskStateEntered'],
  );
  t.truthy(first.nextToken);
  // The worker takes the task and answers it: ActivityStarted, ActivitySucceeded, TaskStateExited, ExecutionSucceeded follow.
  const task = await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'w' }));
  await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{"done":true}' }));
  await finished(t.context.stack, executionArn);
  const second = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: first.nextToken }));
  t.deepEqual(
    second.events!.map((e) => e.type),
    ['ActivityScheduled', 'ActivityStarted'],
    'the second page holds the events of the stream at the ask, not the one event read ahead',
  );
  t.truthy(second.nextToken, 'and it is followed by a next page');
});

test.serial('paging through a finished history with read-ahead gives every event once, in order, forwards and backwards, at any page size', async (t) => {
  const { client } = t.context.stack;
  const loop = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 60, Next: 'Inc' }], Default: 'Done' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)' }, Next: 'Count' },
      Done: { Type: 'Succeed' },
    },
  };
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'read-ahead-loop', definition: JSON.stringify(loop), roleArn: ROLE }));
  const executionArn = (await client.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":0}' }))).executionArn!;
  await finished(t.context.stack, executionArn);
  const all = (await history(t.context.stack, executionArn)).map((e) => e.id!);
  t.true(all.length > 200);
  for (const size of [1, 7, 50, 100, 1000]) {
    for (const reverse of [false, true]) {
      // Twice: the second pass is served from pages read ahead during the first and the second.
      for (let pass = 0; pass < 2; pass++) {
        const got = await pages(client, executionArn, size, reverse);
        t.deepEqual(got.flat(), reverse ? [...all].reverse() : all, `pages of ${size}, ${reverse ? 'backwards' : 'forwards'}, pass ${pass + 1}`);
        t.true(
          got.slice(0, -1).every((p) => p.length === size),
          'every page but the last is full',
        );
      }
    }
  }
});
