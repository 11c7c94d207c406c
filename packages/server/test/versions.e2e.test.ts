import {
  ConflictException,
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { eventually, ROLE, stackTests } from './harness.js';

// State machine versions through SDK v3: publish (on create, on update, on its own), list, describe,
// run and delete them.

const test = stackTests();

const pass = (result: string) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

test('versions: publish on create and update, idempotent per revision, revisionId checks, newest first, numbers never reused; executions on a version run it', async (t) => {
  const { client, started } = t.context.stack;
  const created = await client.send(
    new CreateStateMachineCommand({ name: 'versioned', definition: pass('v1'), roleArn: ROLE, publish: true, versionDescription: 'first' }),
  );
  const smArn = created.stateMachineArn!;
  t.is(created.stateMachineVersionArn, `${smArn}:1`);
  const again = await client.send(new PublishStateMachineVersionCommand({ stateMachineArn: smArn }));
  t.is(again.stateMachineVersionArn, `${smArn}:1`, 'the same revision is already published');

  const updated = await client.send(new UpdateStateMachineCommand({ stateMachineArn: smArn, definition: pass('v2') }));
  const stale = await t.throwsAsync(client.send(new PublishStateMachineVersionCommand({ stateMachineArn: smArn, revisionId: 'INITIAL' })), {
    instanceOf: ConflictException,
  });
  t.is(stale?.message, `Failed to publish the State Machine version for revision INITIAL. The current State Machine revision is ${updated.revisionId}.`);
  const v2 = await client.send(new PublishStateMachineVersionCommand({ stateMachineArn: smArn, revisionId: updated.revisionId, description: 'second' }));
  t.is(v2.stateMachineVersionArn, `${smArn}:2`);

  const listed = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: smArn }));
  t.deepEqual(
    listed.stateMachineVersions!.map((v) => v.stateMachineVersionArn),
    [`${smArn}:2`, `${smArn}:1`],
  );
  const paged = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: smArn, maxResults: 1 }));
  t.is(paged.stateMachineVersions!.length, 1);
  const next = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: smArn, maxResults: 1, nextToken: paged.nextToken }));
  t.deepEqual(
    next.stateMachineVersions!.map((v) => v.stateMachineVersionArn),
    [`${smArn}:1`],
  );

  const d1 = await client.send(new DescribeStateMachineCommand({ stateMachineArn: `${smArn}:1` }));
  t.is(d1.definition, pass('v1'));
  t.is(d1.description, 'first');
  t.is(d1.stateMachineArn, `${smArn}:1`);

  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: `${smArn}:1` }));
  started.add(executionArn!);
  const done = await eventually(async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.output, '"v1"', 'the version’s definition ran, not the latest');
  t.is(done.stateMachineVersionArn, `${smArn}:1`);
  const events = (await client.send(new GetExecutionHistoryCommand({ executionArn }))).events!;
  t.is(events[0]!.executionStartedEventDetails?.stateMachineVersionArn, `${smArn}:1`);

  await client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${smArn}:2` }));
  await client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: `${smArn}:2` }));
  const v3 = await client.send(new UpdateStateMachineCommand({ stateMachineArn: smArn, definition: pass('v3'), publish: true }));
  t.is(v3.stateMachineVersionArn, `${smArn}:3`, 'version numbers are never reused');
  t.deepEqual(
    (await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: smArn }))).stateMachineVersions!.map((v) => v.stateMachineVersionArn),
    [`${smArn}:3`, `${smArn}:1`],
  );
});
