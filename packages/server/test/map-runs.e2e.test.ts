import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ResourceNotFound,
  StartExecutionCommand,
  UpdateMapRunCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { eventually, ROLE, stackTests } from './harness.js';

// Distributed Map runs through SDK v3: child runs are executions, listed by Map Run; the Map Run's
// description and counts.

const test = stackTests();

test('a Distributed Map’s child runs are executions: ListMapRuns, DescribeMapRun with counts and configuration, ListExecutions by mapRunArn', async (t) => {
  const { client, started } = t.context.stack;
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: 'distributed',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            Label: 'Items',
            MaxConcurrency: 2,
            ToleratedFailureCount: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Check',
              States: {
                Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 3, Next: 'Bad' }], Default: 'Nap' },
                Nap: { Type: 'Wait', Seconds: 1, Next: 'Done' },
                Done: { Type: 'Pass', End: true },
                Bad: { Type: 'Fail', Error: 'Three' },
              },
            },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '[1, 2, 3, 4]' }));
  started.add(executionArn!);
  const done = await eventually(async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.status, 'SUCCEEDED', 'one failure is tolerated');
  t.deepEqual(JSON.parse(done.output!), [1, 2, { Error: 'Three', Cause: null }, 4]);
  const history = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
  t.deepEqual(
    history.map((e) => e.type),
    ['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded'],
  );
  const mapRunArn = history[3]!.mapRunStartedEventDetails!.mapRunArn!;

  const runs = await eventually(async () => {
    const r = await client.send(new ListMapRunsCommand({ executionArn }));
    return r.mapRuns!.length > 0 ? r.mapRuns! : undefined;
  });
  t.deepEqual(
    runs.map((r) => r.mapRunArn),
    [mapRunArn],
  );
  t.is(runs[0]!.stateMachineArn, `${stateMachineArn}/Items`, "the Map Run's sub-workflow (its label ARN), as recorded");

  const described = await eventually(async () => {
    const d = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(described.status, 'SUCCEEDED');
  t.is(described.executionArn, executionArn);
  t.is(described.maxConcurrency, 2);
  t.is(described.toleratedFailureCount, 1);
  t.like(described.executionCounts, { total: 4, succeeded: 3, failed: 1, running: 0, pending: 0, resultsWritten: 3 });
  t.deepEqual(described.itemCounts, described.executionCounts);

  const children = await client.send(new ListExecutionsCommand({ mapRunArn }));
  t.is(children.executions!.length, 4);
  t.true(children.executions!.every((e) => e.mapRunArn === mapRunArn && e.stateMachineArn === `${stateMachineArn}/Items`));
  t.deepEqual(children.executions!.map((e) => e.status).sort(), ['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  for (const e of children.executions!) started.add(e.executionArn!);
  await t.throwsAsync(client.send(new DescribeMapRunCommand({ mapRunArn: `${mapRunArn}x` })), { instanceOf: ResourceNotFound });

  // The sub-workflow under its label ARN: the item processor its child runs execute.
  const sub = await client.send(new DescribeStateMachineCommand({ stateMachineArn: runs[0]!.stateMachineArn }));
  t.is(sub.label, 'Items');
  t.is(sub.type, 'STANDARD');
  t.deepEqual(Object.keys(JSON.parse(sub.definition!).States), ['Check', 'Nap', 'Done', 'Bad']);
  t.is(JSON.parse(sub.definition!).ProcessorConfig, undefined);
  const forChild = await client.send(new DescribeStateMachineForExecutionCommand({ executionArn: children.executions![0]!.executionArn }));
  t.is(forChild.label, 'Items');
  t.is(forChild.mapRunArn, mapRunArn);
  t.is(forChild.definition, sub.definition);
  await t.throwsAsync(client.send(new DescribeStateMachineCommand({ stateMachineArn: `${stateMachineArn}/NoSuchLabel` })), {
    name: 'StateMachineDoesNotExist',
  });
});

test('UpdateMapRun raises MaxConcurrency and the tolerated failures of a running Map Run; a finished one cannot be updated', async (t) => {
  const { client, started } = t.context.stack;
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: 'updatable',
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            MaxConcurrency: 1,
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'Nap',
              States: {
                Nap: { Type: 'Wait', Seconds: 1, Next: 'Check' },
                Check: { Type: 'Choice', Choices: [{ Variable: '$', NumericGreaterThan: 2, Next: 'Bad' }], Default: 'Ok' },
                Ok: { Type: 'Pass', End: true },
                Bad: { Type: 'Fail', Error: 'TooBig' },
              },
            },
            End: true,
          },
        },
      }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '[1, 2, 3, 4]' }));
  started.add(executionArn!);
  const mapRunArn = await eventually(async () => {
    const r = await client.send(new ListMapRunsCommand({ executionArn }));
    return r.mapRuns![0]?.mapRunArn;
  });
  await client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 4, toleratedFailureCount: 2 }));
  const done = await eventually(async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.status, 'SUCCEEDED', 'two failures are tolerated after the update');
  t.true(done.stopDate!.getTime() - done.startDate!.getTime() < 3500, 'the other three items ran together after MaxConcurrency went to 4');
  const described = await eventually(async () => {
    const d = await client.send(new DescribeMapRunCommand({ mapRunArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(described.maxConcurrency, 4);
  t.is(described.toleratedFailureCount, 2);
  const closed = await t.throwsAsync(client.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: 1 })), { instanceOf: ValidationException });
  t.is((closed as { reason?: string } | undefined)?.reason, 'CANNOT_UPDATE_COMPLETED_MAP_RUN');
});

test('ListMapRuns pages newest first with keyset tokens: every Map Run once, a forged token refused', async (t) => {
  const { client, started } = t.context.stack;
  const map = (next: string | undefined) => ({
    Type: 'Map',
    ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
    ResultPath: null,
    ...(next ? { Next: next } : { End: true }),
  });
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: 'three-map-runs',
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'A', States: { A: map('B'), B: map('C'), C: map(undefined) } }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '[1, 2]' }));
  started.add(executionArn!);
  await eventually(async () => ((await client.send(new DescribeExecutionCommand({ executionArn }))).status === 'SUCCEEDED' ? true : undefined));
  const history = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
  const inOrder = history.filter((e) => e.type === 'MapRunStarted').map((e) => e.mapRunStartedEventDetails!.mapRunArn!);
  t.is(inOrder.length, 3);

  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new ListMapRunsCommand({ executionArn, maxResults: 1, ...(nextToken ? { nextToken } : {}) }));
    seen.push(...page.mapRuns!.map((r) => r.mapRunArn!));
    nextToken = page.nextToken;
    pages += 1;
  } while (nextToken && pages < 10);
  t.is(pages, 3, 'one Map Run a page, no empty last page');
  t.deepEqual([...seen].sort(), [...inOrder].sort(), 'every Map Run, once');
  t.is(seen.length, 3);
  const all = (await client.send(new ListMapRunsCommand({ executionArn }))).mapRuns!;
  t.deepEqual(
    all.map((r) => r.mapRunArn),
    seen,
    'the pages, joined, are the one-call list',
  );
  t.true(
    all.every((r, i) => i === 0 || r.startDate!.getTime() <= all[i - 1]!.startDate!.getTime()),
    'newest first',
  );
  const forged = await client.send(new ListMapRunsCommand({ executionArn, nextToken: 'bm90IGEgdG9rZW4' })).catch((e: Error) => e);
  t.is((forged as Error).name, 'InvalidToken');
});
