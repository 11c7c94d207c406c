import {
  ConflictException,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ResourceNotFound,
  StartExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { assertReplays, eventually, ROLE, startStack, type Stack } from './harness.js';

// State machine aliases through SDK v3: routing to versions by weight, AWS's checks and errors.

const test = anyTest as TestFn<{ stack: Stack }>;
test.before(async (t) => {
  // The engine's randomness, injected: draws alternate 0.25, 0.75, … so a 50/50 split visits both versions.
  let n = 0;
  t.context.stack = await startStack({ random: () => (n++ % 2 === 0 ? 0.25 : 0.75) });
});
test.after.always(async (t) => {
  const { stack } = t.context;
  if (!stack) return;
  await assertReplays(t as never, stack.engine, stack.started);
  await stack.close();
});

const pass = (result: string) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

test('aliases route executions to versions by weight and record both; AWS’s routing checks; a version an alias uses cannot be deleted', async (t) => {
  const { client, started } = t.context.stack;
  const { stateMachineArn, stateMachineVersionArn: v1 } = await client.send(
    new CreateStateMachineCommand({ name: 'aliased', definition: pass('one'), roleArn: ROLE, publish: true }),
  );
  const { stateMachineVersionArn: v2 } = await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: pass('two'), publish: true }));

  const bad = (routingConfiguration: { stateMachineVersionArn: string; weight: number }[]) =>
    client.send(new CreateStateMachineAliasCommand({ name: 'bad', routingConfiguration }));
  const sum = await t.throwsAsync(
    bad([
      { stateMachineVersionArn: v1!, weight: 70 },
      { stateMachineVersionArn: v2!, weight: 29 },
    ]),
    { instanceOf: ValidationException },
  );
  t.is(sum?.message, 'Sum of routing configuration weights must equal 100. Received: [70, 29]');
  const unqualified = await t.throwsAsync(bad([{ stateMachineVersionArn: stateMachineArn!, weight: 100 }]), { instanceOf: ValidationException });
  t.is(unqualified?.message, `Routing configuration must contain state machine version ARNs. Received: [${stateMachineArn}]`);
  await t.throwsAsync(
    bad([
      { stateMachineVersionArn: v1!, weight: 50 },
      { stateMachineVersionArn: v1!, weight: 50 },
    ]),
    { message: /distinct state machine version ARNs/ },
  );
  const tooHeavy = await t.throwsAsync(bad([{ stateMachineVersionArn: v1!, weight: 101 }]), { instanceOf: ValidationException });
  t.regex(tooHeavy!.message, /at 'routingConfiguration\.1\.member\.weight' .* less than or equal to 100/);

  const { stateMachineAliasArn } = await client.send(
    new CreateStateMachineAliasCommand({ name: 'live', description: 'prod traffic', routingConfiguration: [{ stateMachineVersionArn: v2!, weight: 100 }] }),
  );
  t.is(stateMachineAliasArn, `${stateMachineArn}:live`);
  const same = await client.send(
    new CreateStateMachineAliasCommand({ name: 'live', description: 'prod traffic', routingConfiguration: [{ stateMachineVersionArn: v2!, weight: 100 }] }),
  );
  t.is(same.stateMachineAliasArn, stateMachineAliasArn, 'idempotent on the same routing and description');
  await t.throwsAsync(client.send(new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: v1!, weight: 100 }] })), {
    instanceOf: ConflictException,
  });

  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: stateMachineAliasArn }));
  started.add(executionArn!);
  const done = await eventually(async () => {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
  t.is(done.output, '"two"');
  t.is(done.stateMachineAliasArn, stateMachineAliasArn);
  t.is(done.stateMachineVersionArn, v2);

  const inUse = await t.throwsAsync(client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v2! })), { instanceOf: ConflictException });
  t.is(inUse?.message, 'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]');

  await client.send(
    new UpdateStateMachineAliasCommand({
      stateMachineAliasArn,
      routingConfiguration: [
        { stateMachineVersionArn: v1!, weight: 50 },
        { stateMachineVersionArn: v2!, weight: 50 },
      ],
    }),
  );
  const described = await client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }));
  t.is(described.name, 'live');
  t.is(described.description, 'prod traffic');
  t.is(described.routingConfiguration!.length, 2);
  t.truthy(described.updateDate);
  const outputs = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const r = await client.send(new StartExecutionCommand({ stateMachineArn: stateMachineAliasArn }));
    started.add(r.executionArn!);
    const d = await eventually(async () => {
      const x = await client.send(new DescribeExecutionCommand({ executionArn: r.executionArn }));
      return x.status === 'RUNNING' ? undefined : x;
    });
    outputs.add(d.output!);
  }
  t.deepEqual([...outputs].sort(), ['"one"', '"two"'], 'a 50/50 split sends executions to both versions');

  t.deepEqual(
    (await client.send(new ListStateMachineAliasesCommand({ stateMachineArn }))).stateMachineAliases!.map((a) => a.stateMachineAliasArn),
    [stateMachineAliasArn],
  );
  await client.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn }));
  await client.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn }));
  const gone = await t.throwsAsync(client.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn, description: 'x' })), {
    instanceOf: ResourceNotFound,
  });
  t.is(gone?.message, 'Request references a resource that does not exist.');
  await client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v2! }));
});
