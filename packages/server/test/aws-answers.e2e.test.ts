import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  InvalidDefinition,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  ValidationException,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { finished, history, ROLE, stackTests, type Stack } from './harness.js';

// What AWS answers where Stepstream used to answer something else: ListExecutions by version or
// alias, the alias name pattern, States.HeartbeatTimeout in Retry and Catch, and ItemReader (not
// supported yet) refused up front.

const test = stackTests({ activityPollMs: 1500 });

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const pass = (result: string) => JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

const start = async (stack: Stack, stateMachineArn: string) => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn }));
  stack.started.add(executionArn!);
  return executionArn!;
};

const listed = async (stack: Stack, stateMachineArn: string) =>
  ((await stack.client.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? []).map((e) => e.executionArn).sort();

test('ListExecutions with a version or alias ARN lists the executions started through it; an unknown one is StateMachineDoesNotExist', async (t) => {
  const { stack } = t.context;
  const { client } = stack;
  const { stateMachineArn, stateMachineVersionArn: v1 } = await client.send(
    new CreateStateMachineCommand({ name: unique('listed'), definition: pass('one'), roleArn: ROLE, publish: true }),
  );
  const { stateMachineVersionArn: v2 } = await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: pass('two'), publish: true }));
  const { stateMachineAliasArn } = await client.send(
    new CreateStateMachineAliasCommand({ name: 'prod', routingConfiguration: [{ stateMachineVersionArn: v2!, weight: 100 }] }),
  );
  const unqualified = await start(stack, stateMachineArn!);
  const byV1 = await start(stack, v1!);
  const byV2 = await start(stack, v2!);
  const byAlias = await start(stack, stateMachineAliasArn!);
  for (const arn of [unqualified, byV1, byV2, byAlias]) await finished(stack, arn);

  t.deepEqual(await listed(stack, stateMachineArn!), [unqualified, byV1, byV2, byAlias].sort());
  t.deepEqual(await listed(stack, v1!), [byV1]);
  // An alias start runs a version: it is that version's execution too (DescribeExecution reports both ARNs).
  t.deepEqual(await listed(stack, v2!), [byV2, byAlias].sort());
  t.deepEqual(await listed(stack, stateMachineAliasArn!), [byAlias]);
  // Each list item names the version and alias it was started through (ExecutionListItem), as DescribeExecution does.
  const items = new Map((await client.send(new ListExecutionsCommand({ stateMachineArn }))).executions!.map((e) => [e.executionArn, e]));
  t.is(items.get(unqualified)?.stateMachineVersionArn, undefined);
  t.is(items.get(unqualified)?.stateMachineAliasArn, undefined);
  t.is(items.get(byV1)?.stateMachineVersionArn, v1);
  t.is(items.get(byV1)?.stateMachineAliasArn, undefined);
  t.is(items.get(byAlias)?.stateMachineVersionArn, v2);
  t.is(items.get(byAlias)?.stateMachineAliasArn, stateMachineAliasArn);
  const page = await client.send(new ListExecutionsCommand({ stateMachineArn: v2!, maxResults: 1 }));
  t.is(page.executions?.length, 1);
  const rest = await client.send(new ListExecutionsCommand({ stateMachineArn: v2!, maxResults: 1, nextToken: page.nextToken }));
  t.deepEqual([page.executions![0]!.executionArn, rest.executions![0]!.executionArn].sort(), [byV2, byAlias].sort());
  t.is(rest.nextToken, undefined);

  for (const missing of [`${stateMachineArn}:9`, `${stateMachineArn}:staging`, `${stateMachineArn!.replace(/:[^:]+$/, ':nope')}:1`]) {
    const e = await t.throwsAsync(client.send(new ListExecutionsCommand({ stateMachineArn: missing })), { instanceOf: StateMachineDoesNotExist });
    t.is(e?.message, `State Machine Does Not Exist: '${missing}'`);
  }
});

test('CreateStateMachineAlias checks the name against the model’s pattern and length (ValidationException)', async (t) => {
  const { client } = t.context.stack;
  const { stateMachineVersionArn } = await client.send(
    new CreateStateMachineCommand({ name: unique('named'), definition: pass('x'), roleArn: ROLE, publish: true }),
  );
  const routingConfiguration = [{ stateMachineVersionArn: stateMachineVersionArn!, weight: 100 }];
  const digits = await t.throwsAsync(client.send(new CreateStateMachineAliasCommand({ name: '123', routingConfiguration })), {
    instanceOf: ValidationException,
  });
  t.is(
    digits?.message,
    "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$",
  );
  await t.throwsAsync(client.send(new CreateStateMachineAliasCommand({ name: 'has space', routingConfiguration })), {
    instanceOf: ValidationException,
    message: /Member must satisfy regular expression pattern/,
  });
  await t.throwsAsync(client.send(new CreateStateMachineAliasCommand({ name: 'a'.repeat(81), routingConfiguration })), {
    instanceOf: ValidationException,
    message: /Member must have length less than or equal to 80/,
  });
  const ok = await client.send(new CreateStateMachineAliasCommand({ name: 'v1.0-beta_2', routingConfiguration }));
  t.regex(ok.stateMachineAliasArn!, /:v1\.0-beta_2$/);
});

const types = (events: readonly HistoryEvent[]) => events.map((e) => e.type);

/** Takes the activity's next task (polling again while none is offered) and never heartbeats. */
const takeAndForget = async (stack: Stack, activityArn: string) => {
  for (let poll = 0; poll < 10; poll++) {
    const task = await stack.client.send(new GetActivityTaskCommand({ activityArn }));
    if (task.taskToken) return task.taskToken;
  }
  throw new Error('no task was offered in 10 polls');
};

test('States.HeartbeatTimeout in Catch handles a heartbeat expiry (recorded as States.Timeout), not a TimeoutSeconds expiry', async (t) => {
  const { stack } = t.context;
  const activityArn = (await stack.client.send(new CreateActivityCommand({ name: unique('silent') }))).activityArn!;
  const definition = (limits: object) =>
    JSON.stringify({
      StartAt: 'Work',
      States: {
        Work: { Type: 'Task', Resource: activityArn, ...limits, Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], Next: 'Recovered' }], End: true },
        Recovered: { Type: 'Pass', End: true },
      },
    });
  const heartbeat = (
    await stack.client.send(
      new CreateStateMachineCommand({ name: unique('hb'), definition: definition({ HeartbeatSeconds: 1, TimeoutSeconds: 60 }), roleArn: ROLE }),
    )
  ).stateMachineArn!;
  const caught = await start(stack, heartbeat);
  await takeAndForget(stack, activityArn);
  const done = await finished(stack, caught);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { Error: 'States.Timeout', Cause: null });
  const events = await history(stack, caught);
  const timedOut = events.find((e) => e.type === 'ActivityTimedOut');
  t.deepEqual(timedOut?.activityTimedOutEventDetails, { error: 'States.Timeout' }, 'the recorded event is unchanged: States.Timeout, no cause');
  t.true(types(events).includes('PassStateEntered'));

  // The overall TimeoutSeconds is not a heartbeat: the same catcher lets it through (the task is
  // never taken, so no heartbeat clock runs at all).
  const overall = (await stack.client.send(new CreateStateMachineCommand({ name: unique('to'), definition: definition({ TimeoutSeconds: 1 }), roleArn: ROLE })))
    .stateMachineArn!;
  const uncaught = await start(stack, overall);
  const failed = await finished(stack, uncaught);
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'States.Timeout');
});

test('States.HeartbeatTimeout in Retry schedules the task again after a heartbeat expiry', async (t) => {
  const { stack } = t.context;
  const activityArn = (await stack.client.send(new CreateActivityCommand({ name: unique('retried') }))).activityArn!;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({
      name: unique('retry'),
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: activityArn,
            HeartbeatSeconds: 1,
            Retry: [{ ErrorEquals: ['States.HeartbeatTimeout'], IntervalSeconds: 1, MaxAttempts: 1 }],
            End: true,
          },
        },
      }),
    }),
  );
  const executionArn = await start(stack, stateMachineArn!);
  await takeAndForget(stack, activityArn);
  // The retry offers the task again; this worker answers.
  const again = await takeAndForget(stack, activityArn);
  await stack.client.send(new SendTaskSuccessCommand({ taskToken: again, output: '{"second":"try"}' }));
  const done = await finished(stack, executionArn);
  t.is(done.status, 'SUCCEEDED');
  t.is(done.output, '{"second":"try"}');
  const events = await history(stack, executionArn);
  t.is(types(events).filter((x) => x === 'ActivityScheduled').length, 2);
  t.is(types(events).filter((x) => x === 'ActivityTimedOut').length, 1);
});

test('an ItemReader is refused on an inline Map (read by a Distributed Map only) at Create, Update and Validate, at the reader’s location; a Distributed Map takes it', async (t) => {
  const { client } = t.context.stack;
  const reader = (mode: 'INLINE' | 'DISTRIBUTED') => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', Key: 'k' } },
        ItemProcessor: {
          ProcessorConfig: mode === 'INLINE' ? { Mode: 'INLINE' } : { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
        End: true,
      },
    },
  });
  const message =
    "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ItemReader is read by a Distributed Map only: set ItemProcessor.ProcessorConfig.Mode to DISTRIBUTED at /States/M/ItemReader'";
  await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: unique('reader'), definition: JSON.stringify(reader('INLINE')), roleArn: ROLE })), {
    instanceOf: InvalidDefinition,
    message,
  });
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: unique('plain'), definition: pass('x'), roleArn: ROLE }));
  await t.throwsAsync(client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(reader('INLINE')) })), {
    instanceOf: InvalidDefinition,
    message,
  });
  // Nested too: inside a Parallel branch.
  const nested = { StartAt: 'Par', States: { Par: { Type: 'Parallel', Branches: [reader('INLINE')], End: true } } };
  const validated = await client.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(nested) }));
  t.is(validated.result, 'FAIL');
  t.deepEqual(
    validated.diagnostics?.map((d) => [d.code, d.location]),
    [['SCHEMA_VALIDATION_FAILED', '/States/Par/Branches[0]/States/M/ItemReader']],
  );
  const distributed = await client.send(new ValidateStateMachineDefinitionCommand({ definition: JSON.stringify(reader('DISTRIBUTED')) }));
  t.is(distributed.result, 'OK');
  const created = await client.send(
    new CreateStateMachineCommand({ name: unique('reader'), definition: JSON.stringify(reader('DISTRIBUTED')), roleArn: ROLE }),
  );
  t.truthy(created.stateMachineArn);
});
