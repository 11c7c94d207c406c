import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DirectoryFunctions, MockConfig } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReplays, eventually, finished, history, ROLE, startStack, type Stack } from './harness.js';

// Task integrations through the SDK v3 client over HTTP: Lambda functions from a functions
// directory (JavaScript and Python), callbacks with .waitForTaskToken, nested executions.

const test = anyTest as TestFn<{ stack: Stack; dir: string; http: Server; api: string }>;
const CONNECTION = 'arn:aws:events:us-east-1:123456789012:connection/local/0001';
const MOCKED_MACHINE = 'orders-mocked';
/** Step Functions Local's mock file format: test cases name a mocked response per state. */
const MOCKS = {
  StateMachines: {
    [MOCKED_MACHINE]: {
      TestCases: {
        HappyPath: { Queue: 'QueueOk', Charge: 'FlakyThenOk', Approve: 'Approved' },
        ChargeFails: { Queue: 'QueueOk', Charge: 'AlwaysFails' },
      },
    },
  },
  MockedResponses: {
    QueueOk: { '0': { Return: { MessageId: 'm-1', MD5OfMessageBody: 'x' } } },
    FlakyThenOk: {
      '0': { Throw: { Error: 'Lambda.ServiceException', Cause: 'try again' } },
      '1-2': { Return: { StatusCode: 200, Payload: { charged: true } } },
    },
    AlwaysFails: { '0-9': { Throw: { Error: 'Payment.Declined', Cause: 'card declined' } } },
    Approved: { '0': { Return: { approved: 'yes' } } },
  },
};
const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const hasPython = spawnSync('python3', ['--version']).status === 0;

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-functions-'));
  await writeFile(join(dir, 'echo.mjs'), 'export const handler = async (event) => event;\n');
  await writeFile(join(dir, 'greet.js'), 'export const handler = async (event, context) => ({ hello: event.name, fn: context.functionName });\n');
  await writeFile(join(dir, 'boom.mjs'), "export const handler = async () => { const e = new Error('it broke'); e.name = 'CustomError'; throw e; };\n");
  await writeFile(join(dir, 'pyecho.py'), 'def handler(event, context):\n    return {"got": event, "fn": context.function_name}\n');
  await writeFile(join(dir, 'pyboom.py'), 'def handler(event, context):\n    raise ValueError("bad value")\n');
  t.context.dir = dir;
  // A local HTTP API for the HTTP Task: echoes what it was sent, 404 on /missing, and checks basic auth.
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/missing')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"no such thing"}');
        return;
      }
      const ok = req.headers.authorization === `Basic ${Buffer.from('user:secret').toString('base64')}`;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', 'x-served-by': 'test' });
      res.end(JSON.stringify({ method: req.method, url: req.url, contentType: req.headers['content-type'], trace: req.headers['x-trace'], body }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  t.context.http = http;
  t.context.api = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  t.context.stack = await startStack({
    lambda: new DirectoryFunctions(dir),
    // The connection may call this test's local API (docs/security.md: connections are bound to their endpoints).
    httpConnections: { [CONNECTION]: { basic: { username: 'user', password: 'secret' }, endpoints: [`${t.context.api}/`] } },
    mocks: MockConfig.parse(JSON.stringify(MOCKS)),
  });
});
test.after.always(async (t) => {
  const { stack, dir } = t.context;
  if (stack) {
    const checked = await assertReplays(t as never, stack.engine, stack.started);
    console.log(`replay check: ${checked} executions reproduced event for event`);
    await stack.close();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  t.context.http?.close();
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const machine = async (stack: Stack, definition: object, name = unique('sm')) =>
  (await stack.client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;
const start = async (stack: Stack, stateMachineArn: string, input = '{}') => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input }));
  stack.started.add(executionArn!);
  return executionArn!;
};
const types = (events: HistoryEvent[]) => events.map((e) => e.type);

test('a function ARN as the Resource runs the module from the functions directory: LambdaFunction* events, its result is the state result', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, { StartAt: 'Greet', States: { Greet: { Type: 'Task', Resource: FN('greet'), ResultPath: '$.greeting', End: true } } });
  const executionArn = await start(stack, sm, '{"name":"Ada"}');
  const done = await finished(stack, executionArn);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { name: 'Ada', greeting: { hello: 'Ada', fn: 'greet' } });
  const events = await history(stack, executionArn);
  t.deepEqual(types(events), [
    'ExecutionStarted',
    'TaskStateEntered',
    'LambdaFunctionScheduled',
    'LambdaFunctionStarted',
    'LambdaFunctionSucceeded',
    'TaskStateExited',
    'ExecutionSucceeded',
  ]);
  t.is(events[2]!.lambdaFunctionScheduledEventDetails?.resource, FN('greet'));
});

test('lambda:invoke answers with AWS’s response shape; a thrown error is the function’s error, caught by Catch; a missing function is Lambda.ResourceNotFoundException', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'FunctionName.$': '$.fn', Payload: { 'x.$': '$.x' } },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Pass', End: true },
    },
  });
  const ok = await finished(stack, await start(stack, sm, JSON.stringify({ fn: 'echo', x: [1, 2] })));
  const response = JSON.parse(ok.output!);
  t.deepEqual(response.Payload, { x: [1, 2] });
  t.is(response.StatusCode, 200);
  t.is(response.ExecutedVersion, '$LATEST');
  t.is(response.SdkHttpMetadata.HttpHeaders['Content-Length'], String(JSON.stringify({ x: [1, 2] }).length));

  const failed = JSON.parse((await finished(stack, await start(stack, sm, JSON.stringify({ fn: FN('boom'), x: 0 })))).output!);
  t.is(failed.error.Error, 'CustomError');
  t.like(JSON.parse(failed.error.Cause), { errorType: 'CustomError', errorMessage: 'it broke' });

  const missing = JSON.parse((await finished(stack, await start(stack, sm, JSON.stringify({ fn: 'nope', x: 0 })))).output!);
  t.is(missing.error.Error, 'Lambda.ResourceNotFoundException');
  t.regex(missing.error.Cause, /^Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope/);
});

if (!hasPython) console.log('SKIP Python functions test: python3 is not installed, so .py functions cannot run here');
(hasPython ? test : test.skip)('Python functions run from the same directory, with Python’s error shape', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { 'FunctionName.$': '$.fn', 'Payload.$': '$.p' },
        OutputPath: '$.Payload',
        End: true,
      },
    },
  });
  const ok = await finished(stack, await start(stack, sm, JSON.stringify({ fn: 'pyecho', p: { a: 1 } })));
  t.deepEqual(JSON.parse(ok.output!), { got: { a: 1 }, fn: 'pyecho' });
  const bad = await finished(stack, await start(stack, sm, JSON.stringify({ fn: 'pyboom', p: {} })));
  t.is(bad.status, 'FAILED');
  t.is(bad.error, 'ValueError');
  t.like(JSON.parse(bad.cause!), { errorType: 'ValueError', errorMessage: 'bad value' });
});

test('a callback: .waitForTaskToken passes $$.Task.Token, the task waits after TaskSubmitted, and SendTaskSuccess from outside completes it verbatim', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, {
    StartAt: 'Ask',
    States: {
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'echo', Payload: { 'token.$': '$$.Task.Token', 'question.$': '$.q' } },
        End: true,
      },
    },
  });
  const executionArn = await start(stack, sm, '{"q":"ready?"}');
  const submitted = await eventually(async () => {
    const events = await history(stack, executionArn);
    return events.some((e) => e.type === 'TaskSubmitted') ? events : undefined;
  });
  t.deepEqual(types(submitted).slice(1), ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted']);
  const token = JSON.parse(submitted[2]!.taskScheduledEventDetails!.parameters!).Payload.token as string;
  t.is(JSON.parse(submitted[4]!.taskSubmittedEventDetails!.output!).Payload.token, token, 'the function received the token');
  t.is((await stack.client.send(new DescribeExecutionCommand({ executionArn }))).status, 'RUNNING');
  await stack.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"answer": "yes"}' }));
  const done = await finished(stack, executionArn);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { answer: 'yes' });
  const events = await history(stack, executionArn);
  t.is(events.find((e) => e.type === 'TaskSucceeded')!.taskSucceededEventDetails!.output, '{"answer": "yes"}');
});

test('nested executions: request-response, .sync:2 with the child’s output as JSON, a failing child is States.TaskFailed, stopping the parent stops its .sync child', async (t) => {
  const { stack } = t.context;
  const child = await machine(stack, {
    StartAt: 'Branch',
    States: {
      Branch: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.args.fail', IsPresent: true, Next: 'Fail' },
          { Variable: '$.args.wait', IsPresent: true, Next: 'Wait' },
        ],
        Default: 'Done',
      },
      Fail: { Type: 'Fail', Error: 'ChildError', Cause: 'the child failed' },
      Wait: { Type: 'Wait', Seconds: 60, Next: 'Done' },
      Done: { Type: 'Pass', Parameters: { 'doubled.$': 'States.MathAdd($.args.n, $.args.n)' }, End: true },
    },
  });
  const parent = (resource: string) =>
    machine(stack, {
      StartAt: 'Run',
      States: {
        Run: {
          Type: 'Task',
          Resource: resource,
          Parameters: {
            StateMachineArn: child,
            Input: { 'args.$': '$', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
            'Name.$': '$.name',
          },
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    });

  const fire = await parent('arn:aws:states:::states:startExecution');
  const quick = JSON.parse((await finished(stack, await start(stack, fire, JSON.stringify({ n: 1, name: unique('rr') })))).output!);
  t.regex(quick.ExecutionArn, /:execution:/);
  t.is(typeof quick.StartDate, 'number');
  stack.started.add(quick.ExecutionArn);

  const sync2 = await parent('arn:aws:states:::states:startExecution.sync:2');
  const name = unique('child');
  const ran = await finished(stack, await start(stack, sync2, JSON.stringify({ n: 21, name })));
  t.is(ran.status, 'SUCCEEDED', JSON.stringify(ran));
  const result = JSON.parse(ran.output!);
  t.is(result.Status, 'SUCCEEDED');
  t.deepEqual(result.Output, { doubled: 42 }, '.sync:2 gives the output as JSON');
  t.regex(result.Input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID, /:execution:sm-[a-z0-9]+:/, 'the child’s input names the parent execution');
  t.is(result.Name, name);
  // As on AWS, the start call's answer (TaskSubmitted) comes before the child's end, however fast the child ends.
  t.deepEqual(
    types(await history(stack, ran.executionArn!)).filter((type) => type?.startsWith('Task') && type !== 'TaskStateEntered' && type !== 'TaskStateExited'),
    ['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded'],
  );
  stack.started.add(result.ExecutionArn);

  const sync = await parent('arn:aws:states:::states:startExecution.sync');
  const text = JSON.parse((await finished(stack, await start(stack, sync, JSON.stringify({ n: 2, name: unique('child') })))).output!);
  t.is(text.Output, '{"doubled":4}', '.sync gives it as JSON text');
  stack.started.add(text.ExecutionArn);

  const failing = JSON.parse((await finished(stack, await start(stack, sync2, JSON.stringify({ fail: true, name: unique('child') })))).output!);
  t.is(failing.error.Error, 'States.TaskFailed');
  t.like(JSON.parse(failing.error.Cause), { Status: 'FAILED', Error: 'ChildError', Cause: 'the child failed' });

  const waitingName = unique('child');
  const waiting = await start(stack, sync2, JSON.stringify({ wait: true, name: waitingName }));
  const childArn = child.replace(':stateMachine:', ':execution:') + `:${waitingName}`;
  await eventually(async () =>
    (await stack.client.send(new DescribeExecutionCommand({ executionArn: childArn })).catch(() => undefined))?.status === 'RUNNING' ? true : undefined,
  );
  stack.started.add(childArn);
  await stack.client.send(new StopExecutionCommand({ executionArn: waiting }));
  const stoppedChild = await finished(stack, childArn);
  t.is(stoppedChild.status, 'ABORTED');
});

test('an HTTP Task calls the endpoint with the connection’s credentials, headers, query and body; a 404 is States.Http.StatusCode.404', async (t) => {
  const { stack, api } = t.context;
  const sm = await machine(stack, {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        Parameters: {
          'ApiEndpoint.$': '$.url',
          Method: 'POST',
          Authentication: { ConnectionArn: CONNECTION },
          Headers: { 'x-trace': 'abc' },
          QueryParameters: { q: 'one' },
          'RequestBody.$': '$.body',
        },
        Catch: [{ ErrorEquals: ['States.Http.StatusCode.404'], ResultPath: '$.error', Next: 'NotFound' }],
        End: true,
      },
      NotFound: { Type: 'Pass', End: true },
    },
  });
  const ok = await finished(stack, await start(stack, sm, JSON.stringify({ url: `${api}/things`, body: { n: 1 } })));
  t.is(ok.status, 'SUCCEEDED');
  const out = JSON.parse(ok.output!);
  t.is(out.StatusCode, 200);
  t.is(out.StatusText, 'OK');
  t.deepEqual(out.Headers['x-served-by'], ['test']);
  t.deepEqual(out.ResponseBody, { method: 'POST', url: '/things?q=one', contentType: 'application/json', trace: 'abc', body: '{"n":1}' });

  const missing = JSON.parse((await finished(stack, await start(stack, sm, JSON.stringify({ url: `${api}/missing`, body: {} })))).output!);
  t.is(missing.error.Error, 'States.Http.StatusCode.404');
  t.like(JSON.parse(missing.error.Cause), { StatusCode: 404, ResponseBody: { message: 'no such thing' } });
});

test('mocked integrations: <arn>#<TestCase> answers mocked states by invocation index (activities too); unmocked services fail saying how to mock them', async (t) => {
  const { stack } = t.context;
  const sm = await machine(
    stack,
    {
      StartAt: 'Queue',
      States: {
        Queue: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Parameters: { QueueUrl: 'https://sqs.example/q', 'MessageBody.$': '$' },
          ResultPath: '$.queued',
          Next: 'Charge',
        },
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'charge', 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 }],
          ResultSelector: { 'charged.$': '$.Payload.charged' },
          ResultPath: '$.charge',
          Next: 'Approve',
        },
        Approve: { Type: 'Task', Resource: 'arn:aws:states:us-east-1:123456789012:activity:approvals', ResultPath: '$.approval', End: true },
      },
    },
    MOCKED_MACHINE,
  );
  await stack.client.send(new CreateActivityCommand({ name: 'approvals' }));
  const happy = await finished(stack, await start(stack, `${sm}#HappyPath`, '{"order":7}'));
  t.is(happy.status, 'SUCCEEDED', `${happy.error}: ${happy.cause}`);
  t.deepEqual(JSON.parse(happy.output!), {
    order: 7,
    queued: { MessageId: 'm-1', MD5OfMessageBody: 'x' },
    charge: { charged: true },
    approval: { approved: 'yes' },
  });
  t.is(happy.stateMachineArn, sm);
  const events = types(await history(stack, happy.executionArn!));
  t.deepEqual(
    events.filter((e) => e === 'TaskFailed' || e === 'TaskSucceeded' || e === 'ActivitySucceeded'),
    ['TaskSucceeded', 'TaskFailed', 'TaskSucceeded', 'ActivitySucceeded'],
    'the first Charge invocation threw, the retry got "1-2"',
  );

  const declined = await finished(stack, await start(stack, `${sm}#ChargeFails`, '{"order":8}'));
  t.is(declined.status, 'FAILED');
  t.is(declined.error, 'Payment.Declined');

  const real = await finished(stack, await start(stack, sm, '{"order":9}'));
  t.is(real.status, 'FAILED');
  t.regex(real.cause!, /STEPSTREAM_MOCK_CONFIG/);
  await t.throwsAsync(stack.client.send(new StartExecutionCommand({ stateMachineArn: `${sm}#NoSuchCase`, input: '{}' })), {
    message: /Test case NoSuchCase is not defined/,
  });
});
