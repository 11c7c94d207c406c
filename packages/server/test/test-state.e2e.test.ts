import { InvalidDefinition, SFNClient, TestStateCommand, ValidationException } from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack, type Stack } from './harness.js';

// TestState through SDK v3 (sync- host prefix off against a local endpoint).

const CONNECTION = 'arn:aws:events:us-east-1:123456789012:connection/test-state/0001';

/** What the local HTTP endpoint saw of the last request. */
interface Seen {
  method?: string;
  url?: string;
  headers?: IncomingHttpHeaders;
  body?: string;
}

const test = anyTest as TestFn<{ stack: Stack; client: SFNClient; http: Server; httpUrl: string; seen: Seen }>;
test.before(async (t) => {
  t.context.seen = {};
  t.context.http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      Object.assign(t.context.seen, { method: req.method, url: req.url, headers: req.headers, body });
      const status = req.url?.includes('/missing') ? 404 : 201;
      res.writeHead(status, { 'content-type': 'application/json', 'x-trace': 'yes' });
      res.end(JSON.stringify({ got: body === '' ? null : (JSON.parse(body) as unknown) }));
    });
  });
  await new Promise<void>((r) => t.context.http.listen(0, '127.0.0.1', r));
  t.context.httpUrl = `http://127.0.0.1:${(t.context.http.address() as AddressInfo).port}`;
  // The connection may call the sink's /orders only (docs/security.md).
  t.context.stack = await startStack({
    httpConnections: {
      [CONNECTION]: { basic: { username: 'user', password: 'secret' }, queryParameters: { apiKey: 'k-123' }, endpoints: [`${t.context.httpUrl}/orders`] },
    },
  });
  t.context.client = new SFNClient({
    endpoint: t.context.stack.api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
});
test.after.always(async (t) => {
  await new Promise((r) => t.context.http?.close(r));
  t.context.client?.destroy();
  await t.context.stack?.close();
});

const run = (t: { context: { client: SFNClient } }, state: object, input: object, extra: Record<string, unknown> = {}) =>
  t.context.client.send(new TestStateCommand({ definition: JSON.stringify(state), input: JSON.stringify(input), ...extra }));

test('a Pass state runs on its own: its output and the state it would go to; a Choice reports the branch it takes', async (t) => {
  const pass = await run(t, { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a, $.b)' }, Next: 'After' }, { a: 1, b: 2 });
  t.is(pass.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(pass.output!), { sum: 3 });
  t.is(pass.nextState, 'After');
  const choice = await run(t, { Type: 'Choice', Choices: [{ Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' }, { n: 42 });
  t.is(choice.nextState, 'Big');
});

test('a Task with a mocked result: DEBUG shows each data-flow step', async (t) => {
  const r = await run(
    t,
    {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      InputPath: '$.order',
      Parameters: { FunctionName: 'price', 'Payload.$': '$' },
      ResultSelector: { 'price.$': '$.Payload.price' },
      ResultPath: '$.priced',
      End: true,
    },
    { order: { id: 7 } },
    { inspectionLevel: 'DEBUG', mock: { result: JSON.stringify({ StatusCode: 200, Payload: { price: 9.5 } }) } },
  );
  t.is(r.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(r.output!), { order: { id: 7 }, priced: { price: 9.5 } });
  t.is(r.nextState, undefined);
  const d = r.inspectionData!;
  t.deepEqual(JSON.parse(d.afterInputPath!), { id: 7 });
  t.deepEqual(JSON.parse(d.afterParameters!), { FunctionName: 'price', Payload: { id: 7 } });
  t.deepEqual(JSON.parse(d.afterResultSelector!), { price: 9.5 });
  t.deepEqual(JSON.parse(d.afterResultPath!), { order: { id: 7 }, priced: { price: 9.5 } });
});

test('a mocked error: CAUGHT_ERROR with the catcher’s next state, RETRIABLE when a retrier applies, FAILED otherwise', async (t) => {
  const task = (extra: object) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true, ...extra });
  const mock = { errorOutput: { error: 'Custom.Error', cause: 'it broke' } };
  const caught = await run(t, task({ Catch: [{ ErrorEquals: ['Custom.Error'], ResultPath: '$.err', Next: 'Recover' }] }), { x: 1 }, { mock });
  t.is(caught.status, 'CAUGHT_ERROR');
  t.is(caught.nextState, 'Recover');
  t.is(caught.error, 'Custom.Error');
  t.deepEqual(JSON.parse(caught.output!), { x: 1, err: { Error: 'Custom.Error', Cause: 'it broke' } });
  const retriable = await run(t, task({ Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 30 }] }), {}, { mock });
  t.is(retriable.status, 'RETRIABLE');
  t.is(retriable.error, 'Custom.Error');
  const failed = await run(t, task({}), {}, { mock });
  t.is(failed.status, 'FAILED');
  t.is(failed.error, 'Custom.Error');
  t.is(failed.cause, 'it broke');
});

test('a state of a whole machine by stateName, with variables; a bad definition is InvalidDefinition', async (t) => {
  const machine = {
    QueryLanguage: 'JSONata',
    StartAt: 'A',
    States: { A: { Type: 'Pass', Output: '{% $greeting & " " & $states.input.name %}', Next: 'B' }, B: { Type: 'Succeed' } },
  };
  const r = await t.context.client.send(
    new TestStateCommand({ definition: JSON.stringify(machine), stateName: 'A', input: '{"name":"Ada"}', variables: '{"greeting":"Hello"}' }),
  );
  t.is(r.status, 'SUCCEEDED');
  t.is(JSON.parse(r.output!), 'Hello Ada');
  t.is(r.nextState, 'B');
  await t.throwsAsync(run(t, { Type: 'Pass', InputPath: 'no-dollar', End: true }, {}), { instanceOf: InvalidDefinition });
});

const lambdaTask = (extra: object) => ({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true, ...extra });

test('context: the state sees the given context object as $$ (as given, nothing added); Task needs a callback task; bad fields are ValidationException', async (t) => {
  const context = {
    Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:M:given', Name: 'given', Input: { from: 'context' } },
    State: { Name: 'Priced', RetryCount: 2 },
  };
  const r = await run(
    t,
    lambdaTask({
      Parameters: { FunctionName: 'f', 'Payload.$': '$$.Execution.Input', 'name.$': '$$.Execution.Name' },
      ResultSelector: { 'state.$': '$$.State', 'all.$': '$$' },
    }),
    { from: 'input' },
    { context: JSON.stringify(context), mock: { result: '{"StatusCode":200}' }, inspectionLevel: 'DEBUG' },
  );
  t.is(r.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(r.inspectionData!.afterParameters!), { FunctionName: 'f', Payload: { from: 'context' }, name: 'given' });
  t.deepEqual(JSON.parse(r.output!), { state: { Name: 'Priced', RetryCount: 2 }, all: context });
  // JSONata reads it as $states.context; a .waitForTaskToken task passes on the given Task.Token.
  const callback = await run(
    t,
    {
      QueryLanguage: 'JSONata',
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Arguments: { FunctionName: 'f', Payload: { token: '{% $states.context.Task.Token %}', exec: '{% $states.context.Execution.Name %}' } },
      End: true,
    },
    {},
    { context: JSON.stringify({ Execution: { Name: 'given' }, Task: { Token: 'tok-1' } }), mock: { result: '{"ok":true}' }, inspectionLevel: 'DEBUG' },
  );
  t.deepEqual(JSON.parse(callback.inspectionData!.afterArguments!), { FunctionName: 'f', Payload: { token: 'tok-1', exec: 'given' } });
  const rejected = async (extra: Record<string, unknown>, message: string, state: object = lambdaTask({})) => {
    const e = await t.throwsAsync(run(t, state, {}, extra), { instanceOf: ValidationException });
    t.is(e?.message, message);
  };
  const mock = { result: '{}' };
  await rejected({ context: '{"Execution":{"Id":1}}', mock }, 'Invalid Context object provided: Execution.Id must be a string');
  await rejected({ context: '{"Map":{}}', mock }, "Invalid Context object provided: 'Map' field is not supported when mocking a Context object");
  await rejected({ context: '{"Pokedex":{}}', mock }, "Invalid Context object provided: Field 'Pokedex' is not allowed");
  await rejected({ context: '{"Execution":{"pokemon":"squirtle"}}', mock }, "Invalid Context object provided: Field 'pokemon' is not allowed");
  await rejected(
    { context: '{"Task":{"Token":"x"}}', mock },
    "Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
  );
  await rejected({ context: '{}' }, 'TestState does not support Context when a mock is not specified.');
  await rejected({ context: '{}', mock }, "State type 'Pass' is not supported when a mock is specified", { Type: 'Pass', End: true });
});

test('stateConfiguration.retrierRetryCount: RETRIABLE with the back-off while attempts are left, then Catch or FAILED; errorDetails names the retrier and catcher', async (t) => {
  const retry = [
    { ErrorEquals: ['Other'], MaxAttempts: 9 },
    { ErrorEquals: ['MockException'], IntervalSeconds: 1, MaxAttempts: 5, BackoffRate: 2 },
  ];
  const mock = { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } };
  const at = (used: number, extra: object = {}) =>
    run(t, lambdaTask({ Retry: retry, ...extra }), { x: 1 }, { mock, inspectionLevel: 'DEBUG', stateConfiguration: { retrierRetryCount: used } });
  const fourUsed = await at(4);
  t.is(fourUsed.status, 'RETRIABLE');
  t.is(fourUsed.error, 'MockException');
  t.deepEqual(fourUsed.inspectionData?.errorDetails, { retryIndex: 1, retryBackoffIntervalSeconds: 16 });
  const fiveUsed = await at(5);
  t.is(fiveUsed.status, 'FAILED');
  t.is(fiveUsed.cause, 'Mock the cause of the error.');
  t.deepEqual(fiveUsed.inspectionData?.errorDetails, { retryIndex: 1 });
  const caught = await at(5, {
    Catch: [
      { ErrorEquals: ['Nope'], Next: 'A' },
      { ErrorEquals: ['States.ALL'], Next: 'Handle' },
    ],
  });
  t.is(caught.status, 'CAUGHT_ERROR');
  t.is(caught.nextState, 'Handle');
  t.deepEqual(caught.inspectionData?.errorDetails, { catchIndex: 1, retryIndex: 1 });
  const e = await t.throwsAsync(run(t, lambdaTask({}), {}, { mock, stateConfiguration: { retrierRetryCount: -1 } }), { instanceOf: ValidationException });
  t.regex(e!.message, /Value '-1' at 'stateConfiguration.retrierRetryCount' failed to satisfy constraint: Member must have value greater than or equal to 0/);
  const noMock = await t.throwsAsync(
    run(t, { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, End: true }, [], {
      stateConfiguration: { mapIterationFailureCount: 1 },
    }),
    {
      instanceOf: ValidationException,
    },
  );
  t.is(noMock?.message, 'TestState does not support MapIterationFailureCount when a mock is not specified.');
});

test('mock.fieldValidationMode: STRICT (the default) checks required fields and types, PRESENT only the fields given, NONE nothing; other mock rules', async (t) => {
  const start = {
    Type: 'Task',
    Resource: 'arn:aws:states:::states:startExecution',
    Parameters: { StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' },
    End: true,
  };
  const invalid = async (state: object, result: object, mode: string | undefined, message: string) => {
    const e = await t.throwsAsync(run(t, state, {}, { mock: { result: JSON.stringify(result), ...(mode ? { fieldValidationMode: mode } : {}) } }), {
      instanceOf: ValidationException,
    });
    t.is(e?.message, message);
  };
  await invalid(start, { executionArn: 'a', startDate: 'b' }, undefined, "Mock result schema validation error: Required field 'ExecutionArn' is missing");
  await invalid(start, { ExecutionArn: 'a', StartDate: true }, 'PRESENT', "Mock result schema validation error: Field 'StartDate' must be a string");
  await invalid(lambdaTask({}), { StatusCode: '200' }, 'STRICT', "Mock result schema validation error: Field 'StatusCode' must be a number");
  const putEvents = { Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', Parameters: { Entries: [] }, End: true };
  await invalid(
    putEvents,
    { Entries: [{ EventId: 'ok' }, { EventId: ['no'] }] },
    'STRICT',
    "Mock result schema validation error: Field 'EventId' must be a string",
  );
  const present = await run(t, start, {}, { mock: { result: JSON.stringify({ executionArn: 'a' }), fieldValidationMode: 'PRESENT' } });
  t.deepEqual(JSON.parse(present.output!), { executionArn: 'a' });
  const none = await run(t, start, {}, { mock: { result: JSON.stringify({ ExecutionArn: 'a', StartDate: true }), fieldValidationMode: 'NONE' } });
  t.is(none.status, 'SUCCEEDED');
  const unknownField = await run(t, putEvents, {}, { mock: { result: '{"random":"json"}' } });
  t.is(unknownField.status, 'SUCCEEDED');
  await invalid(
    lambdaTask({}),
    {},
    'LOOSE',
    "1 validation error detected: Value 'LOOSE' at 'mock.fieldValidationMode' failed to satisfy constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]",
  );
  const both = await t.throwsAsync(run(t, lambdaTask({}), {}, { mock: { result: '{}', errorOutput: { error: 'E' } } }), { instanceOf: ValidationException });
  t.is(both?.message, 'A test mock should have only one of the following fields: [result, errorOutput].');
  const reveal = await t.throwsAsync(run(t, lambdaTask({}), {}, { mock: { result: '{}' }, revealSecrets: true }), { instanceOf: ValidationException });
  t.is(reveal?.message, 'TestState does not support RevealSecrets when a mock is specified.');
});

// Serial: the sink's `seen` is shared with the TRACE test.
test.serial('a connection calls only its endpoints: elsewhere the task fails with States.Permissions and nothing is sent', async (t) => {
  const task = (endpoint: string) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::http:invoke',
    Parameters: { ApiEndpoint: endpoint, Method: 'GET', Authentication: { ConnectionArn: CONNECTION } },
    End: true,
  });
  // A probe's own sink: it must never see the connection's credentials.
  let probed = 0;
  const probe = createServer((_req, res) => {
    probed++;
    res.end('{}');
  });
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => probe.close(() => r())));
  const probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  for (const endpoint of [`${probeUrl}/orders`, `${t.context.httpUrl}/admin`, `${t.context.httpUrl}/orders-evil`, `${t.context.httpUrl}/orders/../admin`]) {
    t.context.seen.url = undefined;
    const r = await run(t, task(endpoint), {});
    t.is(r.status, 'FAILED', endpoint);
    t.is(r.error, 'States.Permissions', endpoint);
    t.regex(r.cause ?? '', /may not call .* it is bound to /);
    t.is(t.context.seen.url, undefined, `${endpoint}: the sink got nothing`);
  }
  t.is(probed, 0, "the probe never got the connection's credentials");
  const allowed = await run(t, task(`${t.context.httpUrl}/orders/7`), {});
  t.is(allowed.status, 'SUCCEEDED');
});

test('TRACE on an HTTP Task: the request and response; the connection’s credentials only with revealSecrets', async (t) => {
  const state = {
    Type: 'Task',
    Resource: 'arn:aws:states:::http:invoke',
    Parameters: {
      ApiEndpoint: `${t.context.httpUrl}/orders`,
      Method: 'POST',
      Headers: { 'x-from-definition': 'def' },
      'RequestBody.$': '$.order',
      Authentication: { ConnectionArn: CONNECTION },
    },
    ResultSelector: { 'status.$': '$.StatusCode', 'body.$': '$.ResponseBody' },
    End: true,
  };
  const r = await run(t, state, { order: { id: 7 } }, { inspectionLevel: 'TRACE' });
  t.is(r.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(r.output!), { status: 201, body: { got: { id: 7 } } });
  // The endpoint really got the connection's credentials…
  t.is(t.context.seen.headers?.authorization, `Basic ${Buffer.from('user:secret').toString('base64')}`);
  t.is(t.context.seen.url, '/orders?apiKey=k-123');
  // …which TRACE leaves out unless revealSecrets.
  const req = r.inspectionData!.request!;
  t.is(req.method, 'POST');
  t.is(req.protocol, 'http');
  t.is(req.url, `${t.context.httpUrl}/orders`);
  t.is(req.body, '{"id":7}');
  t.true(req.headers!.includes('x-from-definition: def'));
  t.false(req.headers!.includes('Authorization'));
  const res = r.inspectionData!.response!;
  t.is(res.statusCode, '201');
  t.is(res.statusMessage, 'Created');
  t.true(res.headers!.includes('x-trace: yes'));
  t.deepEqual(JSON.parse(res.body!), { got: { id: 7 } });
  t.deepEqual(JSON.parse(r.inspectionData!.result!).StatusCode, 201);
  const revealed = await run(t, state, { order: { id: 8 } }, { inspectionLevel: 'TRACE', revealSecrets: true });
  t.true(revealed.inspectionData!.request!.headers!.includes(`Authorization: Basic ${Buffer.from('user:secret').toString('base64')}`));
  t.is(revealed.inspectionData!.request!.url, `${t.context.httpUrl}/orders?apiKey=k-123`);
  // DEBUG has no HTTP details; a 404 answer fails with its status code and still shows the exchange at TRACE.
  const debug = await run(t, state, { order: { id: 9 } }, { inspectionLevel: 'DEBUG' });
  t.is(debug.inspectionData!.request, undefined);
  const missing = await run(
    t,
    { ...state, Parameters: { ...state.Parameters, ApiEndpoint: `${t.context.httpUrl}/orders/missing` } },
    { order: {} },
    { inspectionLevel: 'TRACE' },
  );
  t.is(missing.status, 'FAILED');
  t.is(missing.error, 'States.Http.StatusCode.404');
  t.is(missing.inspectionData!.response!.statusCode, '404');
});

test('DEBUG of a JSONata state: afterArguments, result and the variables after Assign', async (t) => {
  const r = await run(
    t,
    {
      QueryLanguage: 'JSONata',
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: { FunctionName: 'price', Payload: { id: '{% $states.input.id %}', currency: '{% $currency %}' } },
      Assign: { total: '{% $states.result.Payload.price * 2 %}' },
      Output: '{% $states.result.Payload %}',
      End: true,
    },
    { id: 7 },
    {
      inspectionLevel: 'DEBUG',
      variables: JSON.stringify({ currency: 'EUR' }),
      mock: { result: JSON.stringify({ StatusCode: 200, Payload: { price: 4.5 } }) },
    },
  );
  t.is(r.status, 'SUCCEEDED');
  const d = r.inspectionData!;
  t.deepEqual(JSON.parse(d.input!), { id: 7 });
  t.deepEqual(JSON.parse(d.afterArguments!), { FunctionName: 'price', Payload: { id: 7, currency: 'EUR' } });
  t.deepEqual(JSON.parse(d.result!), { StatusCode: 200, Payload: { price: 4.5 } });
  t.deepEqual(JSON.parse(d.variables!), { currency: 'EUR', total: 9 });
  t.is(d.afterInputPath, undefined);
  t.deepEqual(JSON.parse(r.output!), { price: 4.5 });
});

// Mocked Map and Parallel states. Definitions, inputs and expected values are the ones recorded
// against AWS in LocalStack's `tests/aws/services/stepfunctions/v2/test_state/*.snapshot.json`.

const VALUES = JSON.stringify({ Values: ['first', 'second', 'third'] });
const THRESHOLD = { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' };
const jsonataMap = (extra: object) => ({
  Type: 'Map',
  QueryLanguage: 'JSONata',
  Items: '{% $states.input.Values %}',
  ItemProcessor: {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: 'TestState',
    States: {
      TestState: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'foo', Payload: 'bar' },
        End: true,
      },
    },
  },
  ...extra,
});
const testMap = (t: { context: { client: SFNClient } }, state: object, extra: Record<string, unknown>) =>
  t.context.client.send(new TestStateCommand({ definition: JSON.stringify(state), input: VALUES, inspectionLevel: 'DEBUG', ...extra }));
const inspection = (d: object | undefined) => Object.fromEntries(Object.entries(d ?? {}).filter(([, v]) => v !== undefined));

test('a mocked Parallel: the mock is its result (the branches do not run), through ResultPath or Output; DEBUG as recorded', async (t) => {
  const branches = [
    { StartAt: 'B1', States: { B1: { Type: 'Pass', End: true } } },
    { StartAt: 'B2', States: { B2: { Type: 'Pass', End: true } } },
  ];
  const mock = { result: JSON.stringify([{ branch1: 'result' }, { branch2: 'result' }]) };
  const input = { parallelInput: { data: 'input_value' } };
  const expected = { parallelInput: { data: 'input_value' }, parallelResult: [{ branch1: 'result' }, { branch2: 'result' }] };
  const jsonPath = await run(
    t,
    { Type: 'Parallel', InputPath: '$.parallelInput', ResultPath: '$.parallelResult', OutputPath: '$', Branches: branches, End: true },
    input,
    { mock, inspectionLevel: 'DEBUG' },
  );
  t.is(jsonPath.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(jsonPath.output!), expected);
  const d = inspection(jsonPath.inspectionData);
  t.deepEqual(Object.keys(d).sort(), ['afterResultPath', 'afterResultSelector', 'input']);
  t.deepEqual(JSON.parse(d['afterResultPath'] as string), expected);
  t.deepEqual(JSON.parse(d['afterResultSelector'] as string), [{ branch1: 'result' }, { branch2: 'result' }]);
  const jsonata = await run(
    t,
    {
      Type: 'Parallel',
      QueryLanguage: 'JSONata',
      Arguments: '{% $states.input.parallelInput %}',
      Output: { parallelInput: '{% $states.input.parallelInput %}', parallelResult: '{% $states.result %}' },
      Branches: branches,
      End: true,
    },
    input,
    { mock, inspectionLevel: 'DEBUG' },
  );
  t.is(jsonata.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(jsonata.output!), expected);
  t.deepEqual(inspection(jsonata.inspectionData), { input: JSON.stringify(input) });
});

test('a mocked Parallel error: CAUGHT_ERROR, RETRIABLE or FAILED; errorCausedByState decides whether States.TaskFailed matches', async (t) => {
  const parallel = (extra: object) => ({
    Type: 'Parallel',
    Branches: [
      { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' }, End: true } } },
      { StartAt: 'Shape', States: { Shape: { Type: 'Pass', End: true } } },
    ],
    End: true,
    ...extra,
  });
  const mock = { errorOutput: { error: 'MockException', cause: 'Mock the cause of the error.' } };
  const caught = await run(
    t,
    parallel({ Catch: [{ ErrorEquals: ['MockException'], ResultPath: '$.err', Next: 'Handle' }] }),
    { x: 1 },
    { mock, inspectionLevel: 'DEBUG' },
  );
  t.is(caught.status, 'CAUGHT_ERROR');
  t.is(caught.nextState, 'Handle');
  t.deepEqual(JSON.parse(caught.output!), { x: 1, err: { Error: 'MockException', Cause: 'Mock the cause of the error.' } });
  t.deepEqual(caught.inspectionData?.errorDetails, { catchIndex: 0 });
  const retriable = await run(t, parallel({ Retry: [{ ErrorEquals: ['MockException'], IntervalSeconds: 3 }] }), {}, { mock, inspectionLevel: 'DEBUG' });
  t.is(retriable.status, 'RETRIABLE');
  t.deepEqual(retriable.inspectionData?.errorDetails, { retryIndex: 0, retryBackoffIntervalSeconds: 3 });
  const failed = await run(t, parallel({}), {}, { mock });
  t.deepEqual([failed.status, failed.error, failed.cause], ['FAILED', 'MockException', 'Mock the cause of the error.']);
  // States.TaskFailed matches an error that comes from a Task inside, not one from a Pass.
  const taskFailed = parallel({ Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Handle' }] });
  const fromTask = await run(t, taskFailed, {}, { mock, stateConfiguration: { errorCausedByState: 'Call' } });
  t.is(fromTask.status, 'CAUGHT_ERROR');
  t.is(fromTask.nextState, 'Handle');
  const fromPass = await run(t, taskFailed, {}, { mock, stateConfiguration: { errorCausedByState: 'Shape' } });
  t.is(fromPass.status, 'FAILED');
  t.is(fromPass.error, 'MockException');
});

test('mapIterationFailureCount on a mocked Map: over ToleratedFailureCount is States.ExceedToleratedFailureThreshold for Retry/Catch; none set, the Map succeeds', async (t) => {
  // No tolerated failures set: 2 failed iterations of 3 still SUCCEED, the mock is $states.result.
  const plain = await testMap(t, jsonataMap({ Output: '{% $states %}', End: true }), {
    mock: { result: '[0, 0, 1]' },
    stateConfiguration: { mapIterationFailureCount: 2 },
  });
  t.is(plain.status, 'SUCCEEDED');
  const out = JSON.parse(plain.output!) as { input: unknown; result: unknown; context: { State: { Name: string } } };
  t.deepEqual(out.input, { Values: ['first', 'second', 'third'] });
  t.deepEqual(out.result, [0, 0, 1]);
  t.deepEqual(inspection(plain.inspectionData), { input: VALUES, maxConcurrency: 0 });
  const catcher = jsonataMap({
    Catch: [
      { ErrorEquals: ['MockException'], Output: '{% $states %}', Next: 'HandleMockError' },
      { ErrorEquals: ['States.ExceedToleratedFailureThreshold'], Output: '{% $states %}', Next: 'HandleThreshold' },
    ],
    ToleratedFailureCount: 1,
    End: true,
  });
  const below = await testMap(t, catcher, { mock: { result: '[1, 1, 1]' }, stateConfiguration: { mapIterationFailureCount: 0 } });
  t.is(below.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(below.output!), [1, 1, 1]);
  t.deepEqual(inspection(below.inspectionData), { input: VALUES, maxConcurrency: 0, toleratedFailureCount: 1 });
  const caught = await testMap(t, catcher, { mock: { result: '[0, 0, 1]' }, stateConfiguration: { mapIterationFailureCount: 2 } });
  t.is(caught.status, 'CAUGHT_ERROR');
  t.is(caught.error, THRESHOLD.error);
  t.is(caught.cause, THRESHOLD.cause);
  t.is(caught.nextState, 'HandleThreshold');
  const caughtOut = JSON.parse(caught.output!) as { input: unknown; errorOutput: unknown };
  t.deepEqual(caughtOut.input, { Values: ['first', 'second', 'third'] });
  t.deepEqual(caughtOut.errorOutput, { Error: THRESHOLD.error, Cause: THRESHOLD.cause });
  t.deepEqual(inspection(caught.inspectionData), { errorDetails: { catchIndex: 1 }, input: VALUES, maxConcurrency: 0, toleratedFailureCount: 1 });
  const retrier = jsonataMap({
    Retry: [
      { ErrorEquals: ['MockException'], MaxAttempts: 3 },
      { ErrorEquals: ['States.ExceedToleratedFailureThreshold'], MaxAttempts: 2 },
    ],
    ToleratedFailureCount: 1,
    End: true,
  });
  const retriable = await testMap(t, retrier, { mock: { result: '[0, 0, 1]' }, stateConfiguration: { mapIterationFailureCount: 2 } });
  t.is(retriable.status, 'RETRIABLE');
  t.is(retriable.error, THRESHOLD.error);
  t.deepEqual(inspection(retriable.inspectionData), {
    errorDetails: { retryBackoffIntervalSeconds: 1, retryIndex: 1 },
    input: VALUES,
    maxConcurrency: 0,
    toleratedFailureCount: 1,
  });
  // A percentage: 2 of 3 (66.7 %) is over 50 %, 1 of 3 is not.
  const percent = jsonataMap({ ToleratedFailurePercentage: 50, End: true });
  const over = await testMap(t, percent, { mock: { result: '[0, 0, 1]' }, stateConfiguration: { mapIterationFailureCount: 2 } });
  t.deepEqual([over.status, over.error], ['FAILED', THRESHOLD.error]);
  const within = await testMap(t, percent, { mock: { result: '[0, 1, 1]' }, stateConfiguration: { mapIterationFailureCount: 1 } });
  t.is(within.status, 'SUCCEEDED');
  t.deepEqual(inspection(within.inspectionData), { input: VALUES, maxConcurrency: 0, toleratedFailurePercentage: 50 });
});

test('a mocked Map error with errorCausedByState: FAILED with the mocked error whatever the failure count; DEBUG shows the JSONPath Map’s paths and settings', async (t) => {
  const machine = {
    StartAt: 'State0',
    States: {
      State0: {
        Type: 'Map',
        ItemsPath: '$.Values',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'HandleItem',
          States: { HandleItem: { Type: 'Pass', End: true } },
        },
        ToleratedFailureCount: 2,
        End: true,
      },
    },
  };
  for (const mapIterationFailureCount of [0, 2]) {
    const r = await t.context.client.send(
      new TestStateCommand({
        definition: JSON.stringify(machine),
        stateName: 'State0',
        input: VALUES,
        inspectionLevel: 'DEBUG',
        stateConfiguration: { mapIterationFailureCount, errorCausedByState: 'HandleItem' },
        mock: { errorOutput: { error: 'MockException', cause: 'Mock the error cause.' } },
      }),
    );
    t.deepEqual([r.status, r.error, r.cause], ['FAILED', 'MockException', 'Mock the error cause.']);
    const d = inspection(r.inspectionData);
    t.deepEqual(Object.keys(d).sort(), ['afterInputPath', 'afterItemsPath', 'input', 'maxConcurrency', 'toleratedFailureCount']);
    t.deepEqual(JSON.parse(d['afterInputPath'] as string), { Values: ['first', 'second', 'third'] });
    t.deepEqual(JSON.parse(d['afterItemsPath'] as string), ['first', 'second', 'third']);
    t.is(d['maxConcurrency'], 0);
    t.is(d['toleratedFailureCount'], 2);
  }
});

test('a mocked JSONPath Map still reads its items: ItemsPath into the context object, or States.Runtime when it is not an array', async (t) => {
  const context = JSON.stringify({
    Execution: {
      Id: 'arn:aws:states:::execution:MyStateMachine:execution-name-12345',
      Input: { 'input-value': 0, message: 'test data', values: ['charizard', 'pikachu', 'bulbasaur'] },
      Name: 'execution-name-12345',
      RoleArn: 'arn:aws:iam:::role/StepFunctionsRole',
      StartTime: '2025-01-15T10:30:00.000Z',
    },
    State: { EnteredTime: '2025-01-15T10:30:01.500Z', Name: 'MyTaskState', RetryCount: 0 },
    StateMachine: { Id: 'arn:aws:states:::stateMachine:MyStateMachine', Name: 'MyStateMachine' },
  });
  const map = (itemsPath: string) => ({
    Type: 'Map',
    ItemsPath: itemsPath,
    MaxConcurrency: 1,
    ItemProcessor: { StartAt: 'HandleItem', States: { HandleItem: { Type: 'Pass', End: true } } },
    End: true,
  });
  const input = ['fire', 'electricity', 'grass'];
  const mocked = ['CHARIZARD', 'PIKACHU', 'BULBASAUR'];
  const ok = await run(t, map('$$.Execution.Input.values'), input, { inspectionLevel: 'TRACE', context, mock: { result: JSON.stringify(mocked) } });
  t.is(ok.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(ok.output!), mocked);
  const d = inspection(ok.inspectionData);
  t.deepEqual(Object.keys(d).sort(), ['afterInputPath', 'afterItemsPath', 'afterResultPath', 'afterResultSelector', 'input', 'maxConcurrency']);
  t.deepEqual(JSON.parse(d['afterInputPath'] as string), input);
  t.deepEqual(JSON.parse(d['afterItemsPath'] as string), ['charizard', 'pikachu', 'bulbasaur']);
  t.deepEqual(JSON.parse(d['afterResultSelector'] as string), mocked);
  t.deepEqual(JSON.parse(d['afterResultPath'] as string), mocked);
  t.is(d['maxConcurrency'], 1);
  for (const [path, shown] of [
    ['$$', '$'],
    ['$$.Execution.Input', '$.Execution.Input'],
  ] as const) {
    const bad = await run(t, map(path), input, { inspectionLevel: 'TRACE', context, mock: { result: JSON.stringify(mocked) } });
    t.deepEqual([bad.status, bad.error, bad.cause], ['FAILED', 'States.Runtime', `Reference path "${shown}" must point to array.`]);
    t.deepEqual(Object.keys(inspection(bad.inspectionData)).sort(), ['afterInputPath', 'input']);
    // States.Runtime: not even States.ALL catches it.
    const uncaught = await run(t, { ...map(path), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handle' }] }, input, {
      context,
      mock: { result: JSON.stringify(mocked) },
    });
    t.deepEqual([uncaught.status, uncaught.error], ['FAILED', 'States.Runtime']);
  }
  // A JSONata Map's Items that are no array: States.QueryEvaluationError, which Catch handles.
  const items = await testMap(
    t,
    jsonataMap({ Items: '{% $states.input.Values[0] %}', Catch: [{ ErrorEquals: ['States.QueryEvaluationError'], Next: 'BadItems' }], End: true }),
    { mock: { result: '[]' } },
  );
  t.deepEqual([items.status, items.error, items.nextState], ['CAUGHT_ERROR', 'States.QueryEvaluationError', 'BadItems']);
});

test('DEBUG of a mocked Map: MaxConcurrency and ToleratedFailurePercentage as JSONata expressions; ItemSelector and ItemBatcher', async (t) => {
  const result = { mock: { result: '[1, 1, 1]' } };
  const concurrency = await testMap(t, jsonataMap({ Output: '{% $states %}', MaxConcurrency: '{% $variable := 1 %}', End: true }), result);
  t.deepEqual(inspection(concurrency.inspectionData), { input: VALUES, maxConcurrency: 1 });
  const percentage = await testMap(t, jsonataMap({ Output: '{% $states %}', ToleratedFailurePercentage: '{% $variable := 1 %}', End: true }), result);
  t.deepEqual(inspection(percentage.inspectionData), { input: VALUES, maxConcurrency: 0, toleratedFailurePercentage: 1 });
  // Computed by Stepstream (no AWS recording of these two members): one input per item, then batches.
  const selected = await testMap(
    t,
    {
      Type: 'Map',
      ItemsPath: '$.Values',
      ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
      ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { run: 1 } },
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      ResultSelector: { 'count.$': 'States.ArrayLength($)' },
      ResultPath: '$.summary',
      End: true,
    },
    { mock: { result: '[{"ok":1},{"ok":2}]' } },
  );
  t.is(selected.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(selected.output!), { Values: ['first', 'second', 'third'], summary: { count: 2 } });
  const d = selected.inspectionData!;
  t.deepEqual(JSON.parse(d.afterItemSelector!), [
    { value: 'first', index: 0 },
    { value: 'second', index: 1 },
    { value: 'third', index: 2 },
  ]);
  t.deepEqual(JSON.parse(d.afterItemBatcher!), [
    {
      BatchInput: { run: 1 },
      Items: [
        { value: 'first', index: 0 },
        { value: 'second', index: 1 },
      ],
    },
    { BatchInput: { run: 1 }, Items: [{ value: 'third', index: 2 }] },
  ]);
  t.deepEqual(JSON.parse(d.afterResultSelector!), { count: 2 });
  t.is(d.result, undefined);
});

/** A mocked Distributed Map reading `reader` (an s3:getObject ItemReader whose ReaderConfig is `readerConfig`). */
const readerMap = (readerConfig: object, extra: object = {}) => ({
  Type: 'Map',
  ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: readerConfig, Parameters: { Bucket: 'orders', Key: 'orders.data' } },
  ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
  End: true,
  ...extra,
});
const readFrom = (mapItemReaderData: string, extra: Record<string, unknown> = {}) => ({
  inspectionLevel: 'DEBUG',
  mock: { result: '[]' },
  stateConfiguration: { mapItemReaderData },
  ...extra,
});

test('mapItemReaderData: a mocked Distributed Map’s CSV ItemReader gives the items ItemSelector and ItemBatcher work on', async (t) => {
  const map = readerMap(
    { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', CSVDelimiter: 'SEMICOLON' },
    {
      InputPath: '$.run',
      ItemSelector: { 'order.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'batch.$': '$.id' },
      ItemBatcher: { MaxItemsPerBatch: 2 },
    },
  );
  const csv = 'id;qty\nA-1;2\n"B;2";"5"\nC-3;7\n';
  const r = await run(t, map, { run: { id: 'r1' } }, readFrom(csv, { mock: { result: '[{"ok":true}]' } }));
  t.is(r.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(r.output!), [{ ok: true }]);
  const d = inspection(r.inspectionData);
  // No ItemsPath and no ItemsPointer: the reader's items show through ItemSelector and ItemBatcher only.
  t.deepEqual(Object.keys(d).sort(), [
    'afterInputPath',
    'afterItemBatcher',
    'afterItemSelector',
    'afterResultPath',
    'afterResultSelector',
    'input',
    'maxConcurrency',
  ]);
  t.deepEqual(JSON.parse(d['afterInputPath'] as string), { id: 'r1' });
  const selected = [
    { order: { id: 'A-1', qty: '2' }, index: 0, batch: 'r1' },
    { order: { id: 'B;2', qty: '5' }, index: 1, batch: 'r1' },
    { order: { id: 'C-3', qty: '7' }, index: 2, batch: 'r1' },
  ];
  t.deepEqual(JSON.parse(d['afterItemSelector'] as string), selected);
  t.deepEqual(JSON.parse(d['afterItemBatcher'] as string), [{ Items: selected.slice(0, 2) }, { Items: selected.slice(2) }]);
  // A JSONata Map: GIVEN headers, ItemSelector over $states.context.Map.Item.
  const jsonata = await run(
    t,
    readerMap(
      { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['sku', 'qty'] },
      { QueryLanguage: 'JSONata', ItemSelector: '{% $states.context.Map.Item.Value.sku & "#" & $states.context.Map.Item.Index %}' },
    ),
    {},
    readFrom('x,1\ny,2\n'),
  );
  t.is(jsonata.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(jsonata.inspectionData!.afterItemSelector!), ['x#0', 'y#1']);
  // Without mapItemReaderData a reader Map reads nothing, as before: no items, no selector output.
  const unread = await run(t, map, { run: { id: 'r1' } }, { inspectionLevel: 'DEBUG', mock: { result: '[]' } });
  t.is(unread.status, 'SUCCEEDED');
  t.deepEqual(Object.keys(inspection(unread.inspectionData)).sort(), ['afterInputPath', 'afterResultPath', 'afterResultSelector', 'input', 'maxConcurrency']);
});

test('mapItemReaderData with an ItemsPointer: afterItemsPointer shows the items it points to; MaxItems, MaxItemsPath and a JSONata MaxItems limit them', async (t) => {
  const data = JSON.stringify({ inventory: { featured: [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }], other: [] } });
  const pointed = await run(t, readerMap({ InputType: 'JSON', ItemsPointer: '/inventory/featured' }), {}, readFrom(data));
  t.is(pointed.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(pointed.inspectionData!.afterItemsPointer!), [{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }]);
  t.is(pointed.inspectionData!.afterItemSelector, undefined);
  // No ItemsPointer: no afterItemsPointer.
  const whole = await run(t, readerMap({ InputType: 'JSON' }, { ItemSelector: { 'v.$': '$$.Map.Item.Value' } }), {}, readFrom('[1, 2]'));
  t.is(whole.inspectionData!.afterItemsPointer, undefined);
  t.deepEqual(JSON.parse(whole.inspectionData!.afterItemSelector!), [{ v: 1 }, { v: 2 }]);
  // MaxItems as a literal, from MaxItemsPath on the effective input, and as a JSONata expression.
  const literal = await run(t, readerMap({ InputType: 'JSON', ItemsPointer: '/inventory/featured', MaxItems: 2 }), {}, readFrom(data));
  t.deepEqual(JSON.parse(literal.inspectionData!.afterItemsPointer!), [{ sku: 'a' }, { sku: 'b' }]);
  const byPath = await run(
    t,
    readerMap({ InputType: 'JSONL', MaxItemsPath: '$.limit' }, { InputPath: '$.settings', ItemBatcher: { MaxItemsPerBatch: 5 } }),
    { settings: { limit: 1 } },
    readFrom('{"n":1}\n{"n":2}\n{"n":3}\n'),
  );
  t.is(byPath.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(byPath.inspectionData!.afterItemBatcher!), [{ Items: [{ n: 1 }] }]);
  const jsonata = await run(
    t,
    readerMap(
      { InputType: 'JSON', ItemsPointer: '/inventory/featured', MaxItems: '{% $states.input.limit %}' },
      { QueryLanguage: 'JSONata', ItemSelector: '{% $states.context.Map.Item.Value.sku %}' },
    ),
    { limit: 2 },
    readFrom(data),
  );
  t.is(jsonata.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(jsonata.inspectionData!.afterItemSelector!), ['a', 'b']);
  t.deepEqual(JSON.parse(jsonata.inspectionData!.afterItemsPointer!), [{ sku: 'a' }, { sku: 'b' }]);
  // The items read are the Map's iterations when the mocked result is not an array (a ResultWriter's):
  // 2 failed of the 3 read is over 50 %; without mapItemReaderData no total is known and nothing is over.
  const writer = readerMap(
    { InputType: 'JSON', ItemsPointer: '/inventory/featured' },
    { ToleratedFailurePercentage: 50, ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out', Prefix: 'r' } } },
  );
  const written = { result: '{"MapRunArn":"arn","ResultWriterDetails":{"Bucket":"out","Key":"r/manifest.json"}}' };
  const over = await run(t, writer, {}, { mock: written, stateConfiguration: { mapItemReaderData: data, mapIterationFailureCount: 2 } });
  t.deepEqual([over.status, over.error], ['FAILED', THRESHOLD.error]);
  const within = await run(t, writer, {}, { mock: written, stateConfiguration: { mapItemReaderData: data, mapIterationFailureCount: 1 } });
  t.is(within.status, 'SUCCEEDED');
  const unknown = await run(t, writer, {}, { mock: written, stateConfiguration: { mapIterationFailureCount: 2 } });
  t.is(unknown.status, 'SUCCEEDED');
});

test('mapItemReaderData that cannot be read: FAILED with States.ItemReaderFailed and the reader’s cause, which Catch handles', async (t) => {
  const cases: [object, string, string][] = [
    [{ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }, 'a,a\n1,2\n', 'CSV headers cannot contain duplicates.'],
    [{ InputType: 'JSON' }, '{"items": [1]}', 'Attempting to map over non-iterable node.'],
    // A literal MaxItems below 0 is an invalid definition; one read from MaxItemsPath fails the reader.
    [{ InputType: 'JSON', MaxItemsPath: '$.limit' }, '[1]', 'field MaxItems must be positive'],
  ];
  for (const [config, data, cause] of cases) {
    const r = await run(t, readerMap(config), { limit: -1 }, readFrom(data));
    t.deepEqual([r.status, r.error, r.cause], ['FAILED', 'States.ItemReaderFailed', cause]);
    t.deepEqual(Object.keys(inspection(r.inspectionData)).sort(), ['afterInputPath', 'input']);
  }
  const json = await run(t, readerMap({ InputType: 'JSON' }), {}, readFrom('[1, 2'));
  t.is(json.error, 'States.ItemReaderFailed');
  t.regex(json.cause!, /not valid JSON/);
  // An error of the reader, not the mock: it wins over a mocked error, and Catch handles it.
  const caught = await run(
    t,
    readerMap({ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Handle' }] }),
    {},
    {
      mock: { errorOutput: { error: 'MockException' } },
      stateConfiguration: { mapItemReaderData: 'a,a\n' },
    },
  );
  t.deepEqual([caught.status, caught.error, caught.nextState], ['CAUGHT_ERROR', 'States.ItemReaderFailed', 'Handle']);
  // A MaxItemsPath that does not lead to an integer is the path's own States.Runtime error.
  const badPath = await run(t, readerMap({ InputType: 'JSON', MaxItemsPath: '$.limit' }), { limit: 'many' }, readFrom('[1]'));
  t.deepEqual([badPath.status, badPath.error], ['FAILED', 'States.Runtime']);
});
