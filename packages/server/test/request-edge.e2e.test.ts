import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidOutput,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  TestStateCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { serveApi } from '../src/index.js';
import { finished, ROLE, stackTests, type Stack } from './harness.js';

// The request edge: what the server refuses before anything below sees it — JSON nested past
// Jackson's 1000 levels, strings that cannot be stored as UTF-8, numbers that are not integers —
// and how it words and logs what it refuses.

const test = stackTests();

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
/** JSON text nested `n` levels deep: `[[[…]]]`. */
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const TOO_DEEP = 'Document nesting depth (1001) exceeds the maximum allowed (1000)';

/** A raw call: `service` is the target's prefix, `Stepstream` for the operations of our own namespace. */
const post = async (stack: Stack, operation: string, body: string, service = 'AWSStepFunctions') => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `${service}.${operation}` },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A client for StartSyncExecution and TestState, whose host prefix (`sync-`) a local endpoint does not have. */
const prefixless = (stack: Stack) =>
  new SFNClient({
    endpoint: stack.api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });

const machine = async (stack: Stack, definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
  (await stack.client.send(new CreateStateMachineCommand({ name: unique('sm'), definition: JSON.stringify(definition), roleArn: ROLE, type })))
    .stateMachineArn!;

const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

test('a body nested past 1000 levels is a SerializationException; 1000 levels are read', async (t) => {
  const { stack } = t.context;
  // The body's own object is level 1.
  const over = await post(stack, 'ListStateMachines', `{"x":${deep(5000)}}`);
  t.is(over.status, 400);
  t.is(over.body['__type'], 'SerializationException');
  t.is(over.body['message'], TOO_DEEP);
  t.is((await post(stack, 'ListStateMachines', `{"x":${deep(1000)}}`)).body['__type'], 'SerializationException');
  t.is((await post(stack, 'ListStateMachines', `{"x":${deep(999)}}`)).status, 200);
});

test('JSON text members nested past 1000 levels get their member’s error, in Jackson’s words', async (t) => {
  const { stack } = t.context;
  const { client } = stack;
  const sync = prefixless(stack);
  t.teardown(() => sync.destroy());
  const arn = await machine(stack, PASS);
  for (const input of [deep(1001), deep(5000)]) {
    const e = await t.throwsAsync(client.send(new StartExecutionCommand({ stateMachineArn: arn, input })), { instanceOf: InvalidExecutionInput });
    t.is(e?.message, `Invalid State Machine Execution Input: '${TOO_DEEP}'`);
  }
  const express = await machine(stack, PASS, 'EXPRESS');
  await t.throwsAsync(sync.send(new StartSyncExecutionCommand({ stateMachineArn: express, input: deep(5000) })), {
    instanceOf: InvalidExecutionInput,
    message: `Invalid State Machine Execution Input: '${TOO_DEEP}'`,
  });

  const deepDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":${deep(5000)},"End":true}}}`;
  const definitionError = `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${TOO_DEEP} at /'`;
  await t.throwsAsync(client.send(new CreateStateMachineCommand({ name: unique('deep'), definition: deepDefinition, roleArn: ROLE })), {
    instanceOf: InvalidDefinition,
    message: definitionError,
  });
  await t.throwsAsync(client.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: deepDefinition })), {
    instanceOf: InvalidDefinition,
    message: definitionError,
  });
  const validated = await client.send(new ValidateStateMachineDefinitionCommand({ definition: deepDefinition }));
  t.is(validated.result, 'FAIL');
  t.deepEqual(validated.diagnostics, [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: TOO_DEEP }]);

  const state = JSON.stringify({ Type: 'Pass', End: true });
  await t.throwsAsync(sync.send(new TestStateCommand({ definition: state, input: deep(5000) })), {
    instanceOf: InvalidExecutionInput,
    message: /nesting depth \(1001\)/,
  });
  await t.throwsAsync(sync.send(new TestStateCommand({ definition: state, variables: `{"v":${deep(5000)}}` })), {
    instanceOf: InvalidExecutionInput,
    message: /nesting depth \(1001\)/,
  });
  await t.throwsAsync(sync.send(new TestStateCommand({ definition: `{"Type":"Pass","Result":${deep(5000)},"End":true}` })), {
    instanceOf: InvalidDefinition,
    message: definitionError,
  });
  const task = JSON.stringify({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true });
  await t.throwsAsync(sync.send(new TestStateCommand({ definition: task, mock: { result: '{}' }, context: `{"Execution":${deep(5000)}}` })), {
    instanceOf: ValidationException,
    message: `Invalid Context object provided: ${TOO_DEEP}`,
  });
  await t.throwsAsync(sync.send(new TestStateCommand({ definition: task, mock: { result: deep(5000) } })), {
    instanceOf: ValidationException,
    message: TOO_DEEP,
  });

  // SendTaskSuccess's output, with a real token.
  const activityArn = (await client.send(new CreateActivityCommand({ name: unique('act') }))).activityArn!;
  const worked = await machine(stack, { StartAt: 'W', States: { W: { Type: 'Task', Resource: activityArn, End: true } } });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: worked }));
  stack.started.add(executionArn!);
  const { taskToken } = await client.send(new GetActivityTaskCommand({ activityArn }));
  await t.throwsAsync(client.send(new SendTaskSuccessCommand({ taskToken, output: deep(5000) })), {
    instanceOf: InvalidOutput,
    message: `Invalid Output: '${TOO_DEEP}'`,
  });
  await client.send(new SendTaskSuccessCommand({ taskToken, output: deep(1000) }));
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED');
  t.is(done.output, deep(1000));
});

test('a 1000-level input runs through Pass and Choice; its history and description read back', async (t) => {
  const { stack } = t.context;
  const arn = await machine(stack, {
    StartAt: 'P',
    States: {
      P: { Type: 'Pass', Next: 'C' },
      C: { Type: 'Choice', Choices: [{ Variable: '$[0][0]', IsPresent: true, Next: 'Done' }], Default: 'Done' },
      Done: { Type: 'Pass', ResultPath: '$', End: true },
    },
  });
  const input = deep(1000);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, input }));
  stack.started.add(executionArn!);
  const done = await finished(stack, executionArn!);
  t.is(done.status, 'SUCCEEDED');
  t.is(done.input, input);
  t.is(done.output, input);
  const { events } = await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  t.is(events?.at(-1)?.type, 'ExecutionSucceeded');
  t.is(events?.at(-1)?.executionSucceededEventDetails?.output, input);
});

test('an unpaired surrogate in a request string is a ValidationException naming the member; NUL is kept; escapes inside JSON text are fine', async (t) => {
  const { stack } = t.context;
  const { client } = stack;
  const sync = prefixless(stack);
  t.teardown(() => sync.destroy());
  const arn = await machine(stack, { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: arn }));
  stack.started.add(executionArn!);
  const lone = await t.throwsAsync(client.send(new StopExecutionCommand({ executionArn, cause: 'half a pair: \udfff' })), { instanceOf: ValidationException });
  t.is(lone?.message, "1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must not contain unpaired surrogate characters");
  await t.throwsAsync(client.send(new StopExecutionCommand({ executionArn, error: '\ud800 high' })), { message: /Value at 'error' .* unpaired surrogate/ });
  // Nested members are named by their Coral path.
  const nested = await post(
    stack,
    'TagResource',
    JSON.stringify({
      resourceArn: arn,
      tags: [
        { key: 'a', value: 'b' },
        { key: 'k', value: 'x\udc00' },
      ],
    }),
  );
  t.is(
    nested.body['message'],
    "1 validation error detected: Value at 'tags.2.member.value' failed to satisfy constraint: Member must not contain unpaired surrogate characters",
  );
  const mocked = await sync.send(
    new TestStateCommand({
      definition: JSON.stringify({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true }),
      mock: { errorOutput: { error: 'E', cause: 'ok' } },
    }),
  );
  t.is(mocked.status, 'FAILED');
  await t.throwsAsync(
    sync.send(
      new TestStateCommand({
        definition: JSON.stringify({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true }),
        mock: { errorOutput: { error: 'E', cause: '\udbff' } },
      }),
    ),
    { message: /Value at 'mock\.errorOutput\.cause' .* unpaired surrogate/ },
  );
  // A well-formed pair (an astral character) and a JSON escape inside a JSON text member are fine.
  const escaped = await client.send(new StartExecutionCommand({ stateMachineArn: await machine(stack, PASS), input: '{"a":"\\udfff","b":"😀"}' }));
  stack.started.add(escaped.executionArn!);
  t.is((await finished(stack, escaped.executionArn!)).status, 'SUCCEEDED');
  // NUL is a character like any other: accepted and given back.
  await client.send(new StopExecutionCommand({ executionArn, error: 'E', cause: 'before\u0000after 😀' }));
  const stopped = await client.send(new DescribeExecutionCommand({ executionArn }));
  t.is(stopped.status, 'ABORTED');
  t.is(stopped.cause, 'before\u0000after 😀');
});

test('a number that is not an integer, or a string, in an integer member is a SerializationException on every operation', async (t) => {
  const { stack } = t.context;
  const sm = 'arn:aws:states:us-east-1:123456789012:stateMachine:none';
  const execution = 'arn:aws:states:us-east-1:123456789012:execution:none:x';
  const mapRun = 'arn:aws:states:us-east-1:123456789012:mapRun:none/l:x';
  const cases: [string, Record<string, unknown>, string][] = [
    ['ListStateMachines', {}, 'maxResults'],
    ['ListActivities', {}, 'maxResults'],
    ['ListExecutions', { stateMachineArn: sm }, 'maxResults'],
    ['ListMapRuns', { executionArn: execution }, 'maxResults'],
    ['ListStateMachineVersions', { stateMachineArn: sm }, 'maxResults'],
    ['ListStateMachineAliases', { stateMachineArn: sm }, 'maxResults'],
    ['GetExecutionHistory', { executionArn: execution }, 'maxResults'],
    ['ValidateStateMachineDefinition', { definition: JSON.stringify(PASS) }, 'maxResults'],
    ['UpdateMapRun', { mapRunArn: mapRun }, 'maxConcurrency'],
    ['UpdateMapRun', { mapRunArn: mapRun }, 'toleratedFailureCount'],
  ];
  for (const [operation, members, member] of cases) {
    for (const value of [2.5, '10', 1e20]) {
      const r = await post(stack, operation, JSON.stringify({ ...members, [member]: value }));
      t.is(r.status, 400, `${operation}.${member} = ${JSON.stringify(value)}`);
      t.is(r.body['__type'], 'SerializationException', `${operation}.${member} = ${JSON.stringify(value)}`);
    }
  }
  t.is((await post(stack, 'ListStateMachines', '{"maxResults": 2.5}')).body['message'], "Unexpected value for member 'maxResults': 2.5 is not an Integer");
  const weight = await post(
    stack,
    'CreateStateMachineAlias',
    JSON.stringify({ name: 'a', routingConfiguration: [{ stateMachineVersionArn: `${sm}:1`, weight: 50.5 }] }),
  );
  t.is(weight.body['__type'], 'SerializationException');
  t.is(weight.body['message'], "Unexpected value for member 'routingConfiguration.1.member.weight': 50.5 is not an Integer");
  const reuse = await post(
    stack,
    'CreateActivity',
    JSON.stringify({ name: unique('act'), encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: 'k', kmsDataKeyReusePeriodSeconds: 100.5 } }),
  );
  t.is(reuse.body['__type'], 'SerializationException');
  const retries = await post(
    stack,
    'TestState',
    JSON.stringify({ definition: JSON.stringify({ Type: 'Pass', End: true }), stateConfiguration: { retrierRetryCount: 1.5 } }),
  );
  t.is(retries.body['__type'], 'SerializationException');
  // A float stays a float where the model has one; whole numbers still pass everywhere.
  t.is((await post(stack, 'ListStateMachines', '{"maxResults": 2}')).status, 200);
  t.is((await post(stack, 'UpdateMapRun', JSON.stringify({ mapRunArn: mapRun, toleratedFailurePercentage: 2.5 }))).body['__type'], 'ResourceNotFound');
  // Out of range but an integer: still Coral's range message.
  t.is(
    (await post(stack, 'ListStateMachines', '{"maxResults": 1001}')).body['message'],
    "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
  );
});

test('an oversized sensitive member is refused without echoing its value; other members still show theirs', async (t) => {
  const { stack } = t.context;
  const big = `"${'x'.repeat(300_000)}"`;
  const sm = await machine(stack, PASS);
  const refused = async (operation: string, body: object, message: string) => {
    const r = await post(stack, operation, JSON.stringify(body));
    t.is(r.body['__type'], 'ValidationException', operation);
    t.is(r.body['message'], `1 validation error detected: ${message}`, operation);
  };
  await refused(
    'StartExecution',
    { stateMachineArn: sm, input: big },
    "Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
  );
  await refused(
    'StartSyncExecution',
    { stateMachineArn: sm, input: big },
    "Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
  );
  await refused(
    'SendTaskSuccess',
    { taskToken: 'x', output: big },
    "Value at 'output' failed to satisfy constraint: Member must have length less than or equal to 262144",
  );
  await refused(
    'SendTaskFailure',
    { taskToken: 'x', cause: 'c'.repeat(40_000) },
    "Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768",
  );
  await refused(
    'StopExecution',
    { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:a:b', error: 'e'.repeat(300) },
    "Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256",
  );
  await refused(
    'CreateStateMachine',
    { name: unique('big'), roleArn: ROLE, definition: 'd'.repeat(1_048_577) },
    "Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to 1048576",
  );
  await refused(
    'UpdateStateMachine',
    { stateMachineArn: sm, versionDescription: 'v'.repeat(257), publish: true },
    "Value at 'versionDescription' failed to satisfy constraint: Member must have length less than or equal to 256",
  );
  await refused(
    'TestState',
    { definition: JSON.stringify({ Type: 'Pass', End: true }), variables: big },
    "Value at 'variables' failed to satisfy constraint: Member must have length less than or equal to 262144",
  );
  // A member that is not sensitive keeps its value in the message, as AWS's do.
  const name = 'n'.repeat(81);
  await refused(
    'CreateStateMachine',
    { name, roleArn: ROLE, definition: JSON.stringify(PASS) },
    `Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80`,
  );
});

test('a failed request is one info line (operation, status, type, request id, message cut at 200 characters); a success only a debug line', async (t) => {
  const { stack } = t.context;
  const lines: { level: string; message: string }[] = [];
  const api = await serveApi({
    engine: stack.engine,
    host: '127.0.0.1',
    port: 0,
    log: {
      debug: (message) => lines.push({ level: 'debug', message }),
      info: (message) => lines.push({ level: 'info', message }),
      warn: (message) => lines.push({ level: 'warn', message }),
      error: (message) => lines.push({ level: 'error', message }),
    },
  });
  try {
    const call = (operation: string, body: object) =>
      fetch(`${api.url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${operation}` },
        body: JSON.stringify(body),
      });
    const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${'m'.repeat(200)}`;
    const failed = await call('DescribeStateMachine', { stateMachineArn: arn });
    const requestId = failed.headers.get('x-amzn-requestid')!;
    t.is(failed.status, 400);
    t.is(lines.length, 1);
    const [line] = lines;
    t.is(line?.level, 'info');
    t.regex(line!.message, /AWSStepFunctions\.DescribeStateMachine 400 StateMachineDoesNotExist /);
    t.true(line!.message.includes(requestId));
    t.true(line!.message.endsWith('…'));
    t.true(line!.message.includes(`State Machine Does Not Exist: '${arn}`.slice(0, 200)));
    lines.length = 0;
    t.is((await call('ListStateMachines', {})).status, 200);
    t.deepEqual(
      lines.map((l) => l.level),
      ['debug'],
    );
  } finally {
    await api.close();
  }
});

test('found by the hostile-input suite: a TestState Choices or Catch of the wrong shape, or variables with names Assign refuses, answer 400, not 500', async (t) => {
  const { stack } = t.context;
  for (const choices of ['"Pass"', '{}', '[null]', '[1]']) {
    const r = await post(
      stack,
      'TestState',
      JSON.stringify({ definition: `{"Type":"Choice","Choices":${choices},"Default":"N"}`, roleArn: ROLE, input: '{}' }),
    );
    t.is(r.status, 400, choices);
    t.is(r.body['__type'], 'InvalidDefinition', choices);
  }
  for (const name of ['a b', '', 'a.b', 'states']) {
    const r = await post(
      stack,
      'TestState',
      JSON.stringify({ definition: '{"Type":"Pass","End":true}', roleArn: ROLE, variables: JSON.stringify({ [name]: 1 }) }),
    );
    t.is(r.status, 400, name);
    t.is(r.body['__type'], 'ValidationException', name);
    t.regex(String(r.body['message']), /at 'variables' failed to satisfy constraint: The variable name/);
  }
  const ok = await post(stack, 'TestState', JSON.stringify({ definition: '{"Type":"Pass","End":true}', roleArn: ROLE, variables: '{"fine":1}' }));
  t.is(ok.status, 200);
});

test('found by the hostile-input suite: a number out of the double range (1e400) is a SerializationException; a logging configuration of the wrong shape is refused, never stored', async (t) => {
  const { stack } = t.context;
  const arn = await machine(stack, PASS);
  const out = await post(
    stack,
    'UpdateStateMachine',
    `{"stateMachineArn":"${arn}","loggingConfiguration":{"level":"OFF","destinations":-1e400},"publish":true}`,
  );
  t.is(out.status, 400);
  t.is(out.body['__type'], 'SerializationException');
  t.regex(String(out.body['message']), /Numeric value out of range of double at 'loggingConfiguration\.destinations'/);
  const inList = await post(stack, 'StartExecution', `{"stateMachineArn":"${arn}","input":"{}","traceHeader":"x","name":"n","extra":[1,1e999]}`);
  t.is(inList.body['__type'], 'SerializationException');
  const shape = await post(
    stack,
    'UpdateStateMachine',
    JSON.stringify({ stateMachineArn: arn, loggingConfiguration: { level: 'OFF', destinations: 'nowhere' } }),
  );
  t.is(shape.status, 400);
  t.not(shape.body['__type'], 'InternalFailure');
  // The machine is as it was, and still updates.
  const fine = await post(stack, 'UpdateStateMachine', JSON.stringify({ stateMachineArn: arn, loggingConfiguration: { level: 'OFF' } }));
  t.is(fine.status, 200);
});

test('found by the hostile-input suite: a definition nested past 1000 levels given to ImportExecution or ForkExecution is an InvalidDefinition, not a 500', async (t) => {
  const { stack } = t.context;
  const deepDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":${deep(5000)},"End":true}}}`;
  const own = (operation: string, body: Record<string, unknown>) => post(stack, operation, JSON.stringify(body), 'Stepstream');
  const events = [{ id: 1, previousEventId: 0, type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', roleArn: ROLE } }];
  const imported = await own('ImportExecution', { events, stateMachine: { definition: deepDefinition, name: 'deep' } });
  t.is(imported.status, 400);
  t.is(imported.body['__type'], 'InvalidDefinition');
  t.regex(String(imported.body['message']), /nesting depth/);
  const arn = await machine(stack, PASS);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn }));
  const forked = await own('ForkExecution', { executionArn, eventId: 1, definition: deepDefinition });
  t.is(forked.status, 400);
  t.is(forked.body['__type'], 'InvalidDefinition');
});

test('found by the hostile-input suite: a fork’s input, variables or mocks nested past 1000 levels answer 400, not 500; the server serves on', async (t) => {
  const { stack } = t.context;
  const fork = (body: Record<string, unknown>) => post(stack, 'ForkExecution', JSON.stringify(body), 'Stepstream');
  const arn = await machine(stack, PASS);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn }));
  // The fuzz's request: 5,000 nested arrays in the input overflowed the stack where it was written out again.
  const input = await fork({ executionArn, eventId: 1, input: `{"x":${deep(5000)}}` });
  t.is(input.status, 400);
  t.is(input.body['__type'], 'InvalidExecutionInput');
  t.regex(String(input.body['message']), /nesting depth \(1001\)/);
  for (const field of ['variables', 'mocks']) {
    const answer = await fork({ executionArn, eventId: 1, [field]: `{"x":${deep(5000)}}` });
    t.is(answer.status, 400, field);
    t.is(answer.body['__type'], 'ValidationException', field);
    t.regex(String(answer.body['message']), new RegExp(`^Invalid ${field}: Document nesting depth`), field);
  }
  // 1000 levels are still an input: it gets past the edge to the engine, whose answer is about the
  // event forked at (event 1 does not end a decision), not the input.
  const fine = await fork({ executionArn, eventId: 1, name: unique('fork-deep'), input: deep(1000) });
  t.is(fine.body['__type'], 'ValidationException', JSON.stringify(fine.body));
  t.regex(String(fine.body['message']), /^Invalid eventId/);
  const described = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
  t.truthy(described.status, 'the server serves on');
});

test('ImportExecution: a recorded JSON text nested past 1000 levels is refused by name, before the engine walks it', async (t) => {
  const { stack } = t.context;
  const own = (body: Record<string, unknown>) => post(stack, 'ImportExecution', JSON.stringify(body), 'Stepstream');
  const history = (input: string, output: string) => [
    { id: 1, previousEventId: 0, type: 'ExecutionStarted', executionStartedEventDetails: { input, roleArn: ROLE } },
    { id: 2, previousEventId: 1, type: 'PassStateEntered', stateEnteredEventDetails: { name: 'P', input } },
    { id: 3, previousEventId: 2, type: 'PassStateExited', stateExitedEventDetails: { name: 'P', output } },
    { id: 4, previousEventId: 3, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output } },
  ];
  const stateMachine = { definition: JSON.stringify(PASS), name: unique('import-deep') };
  // It was a 400 whose message was the engine's stack overflow ("Maximum call stack size exceeded").
  const deepInput = await own({ events: history(`{"x":${deep(5000)}}`, '{}'), stateMachine });
  t.is(deepInput.status, 400);
  t.is(deepInput.body['__type'], 'ValidationException');
  t.is(
    deepInput.body['message'],
    'Invalid history: event 1 (ExecutionStarted): executionStartedEventDetails.input: Document nesting depth (1001) exceeds the maximum allowed (1000). ' +
      'AWS never records such a text: give the events as get-execution-history prints them',
  );
  const deepOutput = await own({ events: history('{}', deep(1001)), stateMachine });
  t.is(deepOutput.status, 400);
  t.regex(
    String(deepOutput.body['message']),
    /^Invalid history: event 3 \(PassStateExited\): stateExitedEventDetails\.output: Document nesting depth \(1001\)/,
  );
  // A text that only looks nested (brackets inside its strings) gets past the edge to the engine,
  // whose answer is about how this sketch of a history differs from what it writes.
  const brackets = JSON.stringify({ s: '['.repeat(2000) });
  const past = await own({ events: history(brackets, brackets), stateMachine });
  t.regex(String(past.body['message']), /^Stepstream decides differently from the recorded history at its event 1:/);
});

test('found by the hostile-input suite: ImportExecution refuses a timestamp that is not a date between the years 1 and 9999; nothing is stored', async (t) => {
  const { stack } = t.context;
  const own = (body: Record<string, unknown>) => post(stack, 'ImportExecution', JSON.stringify(body), 'Stepstream');
  const arn = await machine(stack, PASS);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"a":1}' }));
  let recorded: Record<string, unknown>[] = [];
  for (let tries = 0; tries < 100; tries++) {
    const history = await post(stack, 'GetExecutionHistory', JSON.stringify({ executionArn }));
    recorded = history.body['events'] as Record<string, unknown>[];
    if (recorded.some((e) => e['type'] === 'ExecutionSucceeded')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  t.is(typeof recorded[2]?.['timestamp'], 'number', 'epoch seconds, as the AWS CLI prints them');
  const name = unique('import-dates');
  const stateMachine = { definition: JSON.stringify(PASS), name };
  // 1e300 was stored: the read models could not hold it, and the analytics projector skipped the
  // event with an error in the log.
  for (const bad of [1e300, -1e300, '+275760-09-13T00:00:00.000Z']) {
    const events = recorded.map((e, i) => (i === 2 ? { ...e, timestamp: bad } : e));
    const refused = await own({ events, stateMachine });
    t.is(refused.status, 400, String(bad));
    t.is(refused.body['__type'], 'ValidationException');
    t.is(
      refused.body['message'],
      `Invalid history: event 3 (PassStateExited): timestamp ${JSON.stringify(bad)} is not a date between the years 1 and 9999: ` +
        'give the events as get-execution-history prints them',
    );
  }
  // Nothing was stored under the name: the history as recorded imports under it now.
  const imported = await own({ events: recorded, stateMachine });
  t.is(imported.status, 200, JSON.stringify(imported.body));
  t.regex(String(imported.body['executionArn']), new RegExp(`:execution:${name}:`));
});

test('found by the hostile-input suite: headers over 16 KiB get an AWS-shaped answer from the HTTP layer', async (t) => {
  const { stack } = t.context;
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${'a'.repeat(17_000)}` },
    body: '{}',
  });
  t.is(res.status, 431);
  const body = (await res.json()) as Record<string, unknown>;
  t.is(body['__type'], 'SerializationException');
  t.regex(String(body['message']), /headers are larger than the 16 KiB/);
});
