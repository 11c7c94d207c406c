import { CreateActivityCommand, CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DirectoryFunctions, loadHttpConnections, MockConfig, type HttpConnections } from '@stepstream/runtime';
import anyTest, { type TestFn } from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertReplays, eventually, ROLE, startStack, type Stack } from './harness.js';

// The files in examples/ that docs/integrations.md shows, run as they are: the activity worker,
// the functions directory, the HTTP connections file, the mock configuration, and the Distributed
// Map over the example buckets.

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const example = (path: string) => `${root}examples/${path}`;
const test = anyTest as TestFn<{ stack: Stack; http: Server; api: string }>;
/** The worker process the first test starts (module state: each test sees a copy of t.context). */
let worker: ChildProcess | undefined;

const BILLING = 'arn:aws:events:us-east-1:123456789012:connection/billing/0002';
/** The example's billing connection, bound to this test's local API instead of billing.example.com (its credentials as in the file). */
const withLocalBilling = (connections: HttpConnections, api: string): HttpConnections => {
  if (!connections[BILLING]?.endpoints?.length) throw new Error(`examples/http-connections.json: ${BILLING} names no endpoints`);
  return { ...connections, [BILLING]: { ...connections[BILLING], endpoints: [`${api}/`] } };
};

test.before(async (t) => {
  const http = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ apiKey: req.headers['x-api-key'] ?? null, path: req.url }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  t.context.http = http;
  t.context.api = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  t.context.stack = await startStack({
    lambda: new DirectoryFunctions(example('functions')),
    httpConnections: withLocalBilling(loadHttpConnections(example('http-connections.json')), t.context.api),
    mocks: MockConfig.load(example('mock-config.json')),
    activityPollMs: 2000,
  });
});
test.after.always(async (t) => {
  if (worker && worker.exitCode === null) {
    const gone = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  const { stack } = t.context;
  if (stack) {
    const checked = await assertReplays(t as never, stack.engine, stack.started);
    console.log(`replay check: ${checked} executions reproduced event for event`);
    await stack.close();
  }
  t.context.http?.close();
});

const machine = async (stack: Stack, name: string, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;
const run = async (stack: Stack, stateMachineArn: string, input: object) => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  stack.started.add(executionArn!);
  return eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
};

test('examples/activity-worker.mjs completes tasks and reports failures that Catch routes', async (t) => {
  const { stack } = t.context;
  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: 'sums' }));
  worker = spawn(process.execPath, [example('activity-worker.mjs'), activityArn!, stack.api.url], { stdio: 'inherit' });
  const sm = await machine(stack, 'sums', {
    StartAt: 'Sum',
    States: {
      Sum: {
        Type: 'Task',
        Resource: activityArn,
        HeartbeatSeconds: 5,
        Catch: [{ ErrorEquals: ['Worker.Refused'], ResultPath: '$.error', Next: 'Refused' }],
        End: true,
      },
      Refused: { Type: 'Pass', End: true },
    },
  });
  const ok = await run(stack, sm, { numbers: [1, 2, 39] });
  t.is(ok.status, 'SUCCEEDED');
  t.is(JSON.parse(ok.output!).sum, 42);
  const refused = await run(stack, sm, { fail: true });
  t.deepEqual(JSON.parse(refused.output!).error, { Error: 'Worker.Refused', Cause: 'asked to fail' });
});

test('examples/functions: greet.mjs by its ARN, echo.py through lambda:invoke', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, 'functions', {
    StartAt: 'Greet',
    States: {
      Greet: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:greet', Next: 'Echo' },
      Echo: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
        OutputPath: '$.Payload',
        End: true,
      },
    },
  });
  const hasPython = spawnSync('python3', ['--version']).status === 0;
  const done = await run(stack, sm, { name: 'Ada' });
  if (!hasPython) {
    t.log('SKIP (echo.py): python3 is not installed');
    t.is(done.status, 'FAILED');
    return;
  }
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { greeting: 'Hello, Ada', function: 'greet' });
});

test('examples/http-connections.json gives the API key to HTTP Tasks through its connection', async (t) => {
  const { stack, api } = t.context;
  const sm = await machine(stack, 'billing', {
    StartAt: 'Call',
    States: {
      Call: {
        Type: 'Task',
        Resource: 'arn:aws:states:::http:invoke',
        Parameters: {
          'ApiEndpoint.$': '$.url',
          Method: 'GET',
          Authentication: { ConnectionArn: 'arn:aws:events:us-east-1:123456789012:connection/billing/0002' },
        },
        OutputPath: '$.ResponseBody',
        End: true,
      },
    },
  });
  const done = await run(stack, sm, { url: `${api}/invoices` });
  t.deepEqual(JSON.parse(done.output!), { apiKey: 'change-me', path: '/invoices' });
});

test('examples/mock-config.json: the orders machine’s HappyPath and Declined test cases', async (t) => {
  const { stack } = t.context;
  const sm = await machine(stack, 'orders', {
    StartAt: 'Queue',
    States: {
      Queue: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'https://sqs.example/orders', 'MessageBody.$': '$' },
        ResultPath: null,
        Next: 'Charge',
      },
      Charge: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'charge', 'Payload.$': '$' },
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 1, MaxAttempts: 1 }],
        OutputPath: '$.Payload',
        End: true,
      },
    },
  });
  const happy = await run(stack, `${sm}#HappyPath`, { order: 1 });
  t.deepEqual(JSON.parse(happy.output!), { charged: true });
  const declined = await run(stack, `${sm}#Declined`, { order: 2 });
  t.is(declined.status, 'FAILED');
  t.is(declined.error, 'Payment.Declined');
});

test('examples/distributed-map.asl.json over examples/buckets (s3=file:DIR): the ratings CSV in batches of 50, the results written back', async (t) => {
  // A copy of the example's buckets, so that the run's results stay out of the repository.
  const buckets = await mkdtemp(join(tmpdir(), 'stepstream-example-buckets-'));
  await cp(example('buckets'), buckets, { recursive: true });
  const stack = await startStack({ endpoints: new Map([['s3', { kind: 'directory', path: buckets }]]) });
  try {
    const sm = await machine(stack, 'ratings', JSON.parse(readFileSync(example('distributed-map.asl.json'), 'utf8')) as object);
    const done = await run(stack, sm, {});
    t.is(done.status, 'SUCCEEDED', done.cause);
    const { ResultWriterDetails } = JSON.parse(done.output!) as { ResultWriterDetails: { Bucket: string; Key: string } };
    const manifest = JSON.parse(readFileSync(join(buckets, ResultWriterDetails.Bucket, ResultWriterDetails.Key), 'utf8')) as {
      ResultFiles: { SUCCEEDED: { Key: string }[] };
    };
    const summaries = JSON.parse(readFileSync(join(buckets, 'results', manifest.ResultFiles.SUCCEEDED[0]!.Key), 'utf8')) as { rows: number; average: number }[];
    // 200 rows in 4 batches; each average from the rows themselves.
    const rows = readFileSync(example('buckets/ratings/ratings.csv'), 'utf8').trim().split('\n').slice(1);
    const average = (part: string[]) => Math.round((part.reduce((a, r) => a + Number(r.split(',')[2]), 0) / part.length) * 100) / 100;
    t.deepEqual(
      summaries,
      [0, 1, 2, 3].map((k) => ({ rows: 50, average: average(rows.slice(k * 50, k * 50 + 50)) })),
    );
    const children = await stack.client.send(new ListExecutionsCommand({ mapRunArn: (JSON.parse(done.output!) as { MapRunArn: string }).MapRunArn }));
    for (const child of children.executions ?? []) stack.started.add(child.executionArn!);
    t.is(await assertReplays(t as never, stack.engine, stack.started), 5, 'the parent and its 4 child runs replay event for event');
  } finally {
    await stack.close();
    await rm(buckets, { recursive: true, force: true });
  }
});
