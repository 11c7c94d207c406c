import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeStateMachineCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidDefinition,
  InvalidName,
  InvalidToken,
  ListStateMachinesCommand,
  MissingRequiredParameter,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  UpdateStateMachineCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { finished, ROLE, stackTests } from './harness.js';

const test = stackTests();

const passMachine = (result: unknown = { ok: true }) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });
const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;

test('create then describe sees the write, with AWS defaults and the definition byte for byte', async (t) => {
  const { client } = t.context.stack;
  const definition = `{ "StartAt": "P",\n  "States": { "P": { "Type": "Pass", "End": true } } }`;
  const name = unique('sm');
  const created = await client.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }));
  t.is(created.stateMachineArn, `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`);
  t.true(created.creationDate instanceof Date);
  t.true(Math.abs(created.creationDate!.getTime() - Date.now()) < 60_000, 'creationDate is epoch seconds, read as a Date');
  const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
  t.is(described.definition, definition);
  t.is(described.name, name);
  t.is(described.status, 'ACTIVE');
  t.is(described.type, 'STANDARD');
  t.is(described.roleArn, ROLE);
  t.deepEqual(described.loggingConfiguration, { level: 'OFF', includeExecutionData: false });
  t.deepEqual(described.tracingConfiguration, { enabled: false });
  t.is(described.revisionId, undefined, 'no revisionId until the first update');
  t.is(described.creationDate?.getTime(), created.creationDate?.getTime());
});

test('CreateStateMachine is idempotent on the same definition; another definition is StateMachineAlreadyExists', async (t) => {
  const { client } = t.context.stack;
  const name = unique('idem');
  const first = await client.send(new CreateStateMachineCommand({ name, definition: passMachine(), roleArn: ROLE }));
  const again = await client.send(new CreateStateMachineCommand({ name, definition: passMachine(), roleArn: ROLE }));
  t.is(again.stateMachineArn, first.stateMachineArn);
  t.is(again.creationDate?.getTime(), first.creationDate?.getTime());
  const reformatted = JSON.stringify(JSON.parse(passMachine()), null, 2);
  const error = await t.throwsAsync(client.send(new CreateStateMachineCommand({ name, definition: reformatted, roleArn: ROLE })), {
    instanceOf: StateMachineAlreadyExists,
  });
  t.is(error?.message, `State Machine Already Exists: '${first.stateMachineArn}'`);
});

test('bad names, roles and definitions get AWS errors and messages', async (t) => {
  const { client } = t.context.stack;
  const badName = await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: 'has space', definition: passMachine(), roleArn: ROLE })), {
    instanceOf: InvalidName,
  });
  t.is(badName?.message, "Invalid Name: 'has space'");
  await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: unique('r'), definition: passMachine(), roleArn: 'not-an-arn' })), {
    instanceOf: InvalidArn,
  });
  const noStates = await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: unique('d'), definition: '{"StartAt":"A"}', roleArn: ROLE })), {
    instanceOf: InvalidDefinition,
  });
  t.is(noStates?.message, "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'");
  const twoProblems = await t.throwsAsync(
    client.send(
      new CreateStateMachineCommand({
        name: unique('d'),
        definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nope' }, B: { Type: 'Succeed' } } }),
        roleArn: ROLE,
      }),
    ),
    { instanceOf: InvalidDefinition },
  );
  t.is(
    twoProblems?.message,
    `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at /States/A/Next, MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B'`,
  );
  const notJson = await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: unique('d'), definition: '{nope', roleArn: ROLE })), {
    instanceOf: InvalidDefinition,
  });
  t.regex(notJson!.message, /^Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: /);
  const tooLong = await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: 'x'.repeat(81), definition: passMachine(), roleArn: ROLE })), {
    instanceOf: ValidationException,
  });
  t.regex(
    tooLong!.message,
    /^1 validation error detected: Value 'x{81}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80$/,
  );
});

test('update: a new revisionId when something changes, the same when nothing does; errors', async (t) => {
  const { client } = t.context.stack;
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: unique('upd'), definition: passMachine(1), roleArn: ROLE }));
  const first = await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: passMachine(2) }));
  t.regex(first.revisionId!, /^[0-9a-f-]{36}$/);
  const same = await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: passMachine(2) }));
  t.is(same.revisionId, first.revisionId);
  const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
  t.is(described.definition, passMachine(2));
  t.is(described.revisionId, first.revisionId);
  const missing = await t.throwsAsync(client.send(new UpdateStateMachineCommand({ stateMachineArn })), { instanceOf: MissingRequiredParameter });
  t.is(missing?.message, 'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified');
  await t.throwsAsync(client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: '{}' })), { instanceOf: InvalidDefinition });
  await t.throwsAsync(client.send(new UpdateStateMachineCommand({ stateMachineArn: `${stateMachineArn}-gone`, definition: passMachine() })), {
    instanceOf: StateMachineDoesNotExist,
  });
});

test('delete: gone from Describe and List; deleting again answers 200', async (t) => {
  const { client } = t.context.stack;
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: unique('del'), definition: passMachine(), roleArn: ROLE }));
  await client.send(new DeleteStateMachineCommand({ stateMachineArn }));
  const error = await t.throwsAsync(client.send(new DescribeStateMachineCommand({ stateMachineArn })), { instanceOf: StateMachineDoesNotExist });
  t.is(error?.message, `State Machine Does Not Exist: '${stateMachineArn}'`);
  await t.notThrowsAsync(client.send(new DeleteStateMachineCommand({ stateMachineArn })));
  const all = await client.send(new ListStateMachinesCommand({ maxResults: 1000 }));
  t.false(all.stateMachines!.some((m) => m.stateMachineArn === stateMachineArn));
  const badArn = await t.throwsAsync(client.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' })), {
    instanceOf: InvalidArn,
  });
  t.is(badArn?.message, "Invalid Arn: 'Invalid ARN prefix: arn:aws:lambda:us-east-1:123456789012:function:f'");
});

test('ListStateMachines pages by name in code-point order; a forged token is InvalidToken', async (t) => {
  const { client } = t.context.stack;
  const prefix = `aaa${Math.random().toString(36).slice(2, 6)}`;
  const names = ['sm_0', 'sm_1', 'sm_10', 'sm_2', 'Sm_3'].map((n) => `${prefix}${n}`);
  for (const name of names) await client.send(new CreateStateMachineCommand({ name, definition: passMachine(), roleArn: ROLE }));
  const seen: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new ListStateMachinesCommand({ maxResults: 2, nextToken }));
    t.true(page.stateMachines!.length <= 2);
    seen.push(...page.stateMachines!.map((m) => m.name!));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  const ours = seen.filter((n) => n.startsWith(prefix));
  t.deepEqual(
    ours,
    [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  t.true(pages >= 3);
  const first = await client.send(new ListStateMachinesCommand({ maxResults: 1 }));
  const forged = `${first.nextToken!.slice(0, -2)}xx`;
  const error = await t.throwsAsync(client.send(new ListStateMachinesCommand({ nextToken: forged })), { instanceOf: InvalidToken });
  t.is(error?.message, "Invalid Token: 'Invalid token'");
  await t.throwsAsync(client.send(new ListStateMachinesCommand({ maxResults: 1001 })), { instanceOf: ValidationException });
});

test('deleting a state machine stops its running executions at their next transition; others run on', async (t) => {
  const { stack } = t.context;
  const waiting = JSON.stringify({ StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Pass', End: true } } });
  const doomed = await stack.client.send(new CreateStateMachineCommand({ name: unique('doomed'), definition: waiting, roleArn: ROLE }));
  const kept = await stack.client.send(new CreateStateMachineCommand({ name: unique('kept'), definition: waiting, roleArn: ROLE }));
  const a = await stack.client.send(new StartExecutionCommand({ stateMachineArn: doomed.stateMachineArn }));
  const b = await stack.client.send(new StartExecutionCommand({ stateMachineArn: kept.stateMachineArn }));
  stack.started.add(a.executionArn!).add(b.executionArn!);
  await stack.client.send(new DeleteStateMachineCommand({ stateMachineArn: doomed.stateMachineArn }));
  const stopped = await finished(stack, a.executionArn!);
  t.is(stopped.status, 'ABORTED');
  const types = (await stack.client.send(new GetExecutionHistoryCommand({ executionArn: a.executionArn }))).events!.map((e) => e.type);
  t.deepEqual(types, ['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted'], 'stopped when its Wait ended, not before');
  t.true(stopped.stopDate!.getTime() - stopped.startDate!.getTime() >= 900, 'at the next transition (the end of the 1 s Wait)');
  t.is((await finished(stack, b.executionArn!)).status, 'SUCCEEDED');
  await t.throwsAsync(stack.client.send(new RedriveExecutionCommand({ executionArn: a.executionArn })), {
    instanceOf: ExecutionNotRedrivable,
    message: 'State machine is in DELETING status',
  });
});
