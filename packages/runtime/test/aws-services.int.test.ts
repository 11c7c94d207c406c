import type { PendingTask, TaskSignal } from '@stepstream/domain';
import anyTest, { type TestFn } from 'ava';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { AwsServices, Integrations, NoFunctions, type TaskContext } from '../src/index.js';
import type { ServiceEndpoints } from '../src/aws/endpoints.js';
import { startS3Server, type S3Server } from '../src/testing/index.js';

// aws-sdk:<service>:<action> and the optimized integrations against real local servers: DynamoDB
// (dynalite) and S3 (s3rver, @stepstream/runtime/testing). SQS, SNS and EventBridge have no server
// that runs here (fauxqs needs Node 22; the others speak only the query protocol): they are untested.

interface Listening {
  listen(port: number, host: string, done: () => void): void;
  address(): AddressInfo;
  close(done?: () => void): void;
}
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Listening;

interface Context {
  dynamo: Listening;
  s3: S3Server;
  /** Accepts connections and never answers. */
  silent: TcpServer;
  endpoints: ServiceEndpoints;
  services: AwsServices;
}
const test = anyTest as TestFn<Context>;

const ctx: TaskContext = {
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:orders:run-1',
  region: 'us-east-1',
  account: '123456789012',
};

const listen = (server: Listening | TcpServer) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

test.before(async (t) => {
  t.context.dynamo = dynalite({ createTableMs: 0 });
  const dynamoPort = await listen(t.context.dynamo);
  t.context.s3 = await startS3Server();
  t.context.silent = createTcpServer(() => undefined);
  const silentPort = await listen(t.context.silent);
  t.context.endpoints = new Map([
    ['dynamodb', { kind: 'url', url: `http://127.0.0.1:${dynamoPort}` }],
    ['s3', { kind: 'url', url: t.context.s3.endpoint }],
    ['sns', { kind: 'url', url: `http://127.0.0.1:${silentPort}` }],
  ]);
  t.context.services = new AwsServices(t.context.endpoints, { timeoutMs: 1_000 });
  const created = await t.context.services.call(
    sdkTask('dynamodb', 'createTable', {
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
    ctx,
  );
  if (created.type !== 'succeeded') throw new Error(`createTable: ${JSON.stringify(created)}`);
  const bucket = await t.context.services.call(sdkTask('s3', 'createBucket', { Bucket: 'results' }), ctx);
  if (bucket.type !== 'succeeded') throw new Error(`createBucket: ${JSON.stringify(bucket)}`);
});

test.after.always(async (t) => {
  t.context.services?.close();
  await new Promise<void>((resolve) => (t.context.dynamo ? t.context.dynamo.close(() => resolve()) : resolve()));
  await t.context.s3?.stop();
  t.context.silent?.close();
});

/** A pending Task of Resource `arn:aws:states:::<resourceType>:<action>` with `parameters` as its input. */
const task = (resourceType: string, action: string, parameters: unknown): PendingTask => ({
  id: 'Task#3',
  kind: 'service',
  resource: `arn:aws:states:::${resourceType}:${action}`,
  state: 'Call',
  resourceType,
  action,
  pattern: action.endsWith('.waitForTaskToken') ? 'waitForTaskToken' : 'request-response',
  input: JSON.stringify(parameters),
  scheduledAt: 0,
  lastEventId: 3,
});
const sdkTask = (service: string, action: string, parameters: unknown) => task(`aws-sdk:${service}`, action, parameters);

const outputOf = (t: { fail(message: string): void }, signal: TaskSignal): Record<string, unknown> => {
  if (signal.type !== 'succeeded' && signal.type !== 'submitted') {
    t.fail(`expected an output, got ${JSON.stringify(signal)}`);
    return {};
  }
  return JSON.parse(signal.output) as Record<string, unknown>;
};

test('aws-sdk:dynamodb putItem answers {} and getItem the item in DynamoDB JSON', async (t) => {
  const { services } = t.context;
  const item = { id: { S: 'o-1' }, total: { N: '42' }, tags: { SS: ['a', 'b'] }, raw: { B: 'AQID' } };
  const put = await services.call(sdkTask('dynamodb', 'putItem', { TableName: 'orders', Item: item }), ctx);
  t.deepEqual(put, { type: 'succeeded', output: '{}' });
  const got = await services.call(sdkTask('dynamodb', 'getItem', { TableName: 'orders', Key: { id: { S: 'o-1' } } }), ctx);
  t.deepEqual(outputOf(t, got), { Item: item });
  const none = await services.call(sdkTask('dynamodb', 'getItem', { TableName: 'orders', Key: { id: { S: 'none' } } }), ctx);
  t.deepEqual(none, { type: 'succeeded', output: '{}' });
});

test('aws-sdk:dynamodb errors: a modelled one is DynamoDb.<Exception>, an unmodelled one DynamoDb.DynamoDbException, with the Java v2 cause', async (t) => {
  const { services } = t.context;
  await services.call(sdkTask('dynamodb', 'putItem', { TableName: 'orders', Item: { id: { S: 'o-2' } } }), ctx);
  const conditional = await services.call(
    sdkTask('dynamodb', 'putItem', { TableName: 'orders', Item: { id: { S: 'o-2' } }, ConditionExpression: 'attribute_not_exists(id)' }),
    ctx,
  );
  t.is(conditional.type, 'failed');
  if (conditional.type !== 'failed') return;
  t.is(conditional.error, 'DynamoDb.ConditionalCheckFailedException');
  t.regex(conditional.cause ?? '', /^The conditional request failed \(Service: DynamoDb, Status Code: 400, Request ID: [A-Z0-9]+\) \(SDK Attempt Count: 1\)$/);

  const missing = await services.call(sdkTask('dynamodb', 'getItem', { TableName: 'no-such-table', Key: { id: { S: 'x' } } }), ctx);
  t.like(missing, { type: 'failed', error: 'DynamoDb.ResourceNotFoundException' });
  const invalid = await services.call(sdkTask('dynamodb', 'putItem', { TableName: 'orders' }), ctx);
  t.like(invalid, { type: 'failed', error: 'DynamoDb.DynamoDbException' });
  if (invalid.type === 'failed') t.regex(invalid.cause ?? '', /^1 validation error detected: .* \(Service: DynamoDb, Status Code: 400, Request ID: \w+\)/);
});

test('optimized dynamodb:putItem and getItem answer the members with SdkHttpMetadata and SdkResponseMetadata', async (t) => {
  const { services } = t.context;
  const item = { id: { S: 'o-3' }, state: { S: 'new' } };
  const put = outputOf(t, await services.call(task('dynamodb', 'putItem', { TableName: 'orders', Item: item }), ctx));
  t.deepEqual(Object.keys(put), ['SdkHttpMetadata', 'SdkResponseMetadata']);
  const got = outputOf(t, await services.call(task('dynamodb', 'getItem', { TableName: 'orders', Key: { id: { S: 'o-3' } } }), ctx));
  t.deepEqual(Object.keys(got), ['Item', 'SdkHttpMetadata', 'SdkResponseMetadata']);
  t.deepEqual(got.Item, item);
  const http = got.SdkHttpMetadata as { AllHttpHeaders: Record<string, string[]>; HttpHeaders: Record<string, string>; HttpStatusCode: number };
  const requestId = (got.SdkResponseMetadata as { RequestId: string }).RequestId;
  t.is(http.HttpStatusCode, 200);
  t.deepEqual(http.AllHttpHeaders['x-amzn-RequestId'], [requestId]);
  t.is(http.HttpHeaders['x-amzn-RequestId'], requestId);
  t.is(http.HttpHeaders['Content-Type'], 'application/x-amz-json-1.0');
  t.deepEqual(http.AllHttpHeaders['Content-Length'], [String(Buffer.byteLength(JSON.stringify({ Item: item })))]);
  t.deepEqual(
    Object.keys(http.HttpHeaders),
    Object.keys(http.HttpHeaders).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
  );
});

test('optimized dynamodb errors are DynamoDB.<Exception> (DynamoDB.AmazonDynamoDBException when unmodelled) with the Java v1 cause', async (t) => {
  const { services } = t.context;
  const missing = await services.call(task('dynamodb', 'getItem', { TableName: 'no-such-table', Key: { id: { S: 'x' } } }), ctx);
  t.like(missing, { type: 'failed', error: 'DynamoDB.ResourceNotFoundException' });
  if (missing.type === 'failed')
    t.regex(
      missing.cause ?? '',
      /^Requested resource not found \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: \w+; Proxy: null\)$/,
    );
  const invalid = await services.call(task('dynamodb', 'putItem', { TableName: 'orders' }), ctx);
  t.like(invalid, { type: 'failed', error: 'DynamoDB.AmazonDynamoDBException' });
  if (invalid.type === 'failed')
    t.regex(invalid.cause ?? '', /\(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: \w+; Proxy: null\)$/);
});

test('aws-sdk:s3 putObject writes the Body as JSON text and getObject answers it as a string', async (t) => {
  const { services } = t.context;
  const body = { order: 'o-1', lines: [1, 2] };
  const put = outputOf(t, await services.call(sdkTask('s3', 'putObject', { Bucket: 'results', Key: 'o-1.json', Body: body }), ctx));
  const text = JSON.stringify(body);
  const eTag = `"${createHash('md5').update(text).digest('hex')}"`;
  t.is(put.ETag, eTag);
  const got = outputOf(t, await services.call(sdkTask('s3', 'getObject', { Bucket: 'results', Key: 'o-1.json' }), ctx));
  t.regex(String(got.LastModified), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  t.deepEqual(got, {
    AcceptRanges: 'bytes',
    ContentLength: Buffer.byteLength(text),
    ContentType: 'text/plain; charset=UTF-8',
    ETag: eTag,
    LastModified: got.LastModified,
    Metadata: {},
    Body: text,
  });
  t.is(Object.keys(got).at(-1), 'Body');

  // A string Body is written as its JSON text too, quotes and all (as AWS does).
  await services.call(sdkTask('s3', 'putObject', { Bucket: 'results', Key: 'note.txt', Body: 'text data' }), ctx);
  t.like(outputOf(t, await services.call(sdkTask('s3', 'getObject', { Bucket: 'results', Key: 'note.txt' }), ctx)), { Body: '"text data"', ContentLength: 11 });
});

test('aws-sdk:s3 missing key and bucket are S3.NoSuchKeyException and S3.NoSuchBucketException', async (t) => {
  const { services } = t.context;
  const key = await services.call(sdkTask('s3', 'getObject', { Bucket: 'results', Key: 'absent' }), ctx);
  t.like(key, { type: 'failed', error: 'S3.NoSuchKeyException' });
  if (key.type === 'failed')
    t.regex(key.cause ?? '', /^The specified key does not exist\. \(Service: S3, Status Code: 404, Request ID: [^,)]+\) \(SDK Attempt Count: 1\)$/);
  const bucket = await services.call(sdkTask('s3', 'listObjectsV2', { Bucket: 'no-such-bucket' }), ctx);
  t.like(bucket, { type: 'failed', error: 'S3.NoSuchBucketException' });
  const head = await services.call(sdkTask('s3', 'headObject', { Bucket: 'results', Key: 'absent' }), ctx);
  t.like(head, { type: 'failed', error: 'S3.NoSuchKeyException' });
});

test('aws-sdk:s3 listObjectsV2 answers dates as ISO-8601 text', async (t) => {
  const { services } = t.context;
  await services.call(sdkTask('s3', 'putObject', { Bucket: 'results', Key: 'listed/a', Body: 1 }), ctx);
  const listed = outputOf(t, await services.call(sdkTask('s3', 'listObjectsV2', { Bucket: 'results', Prefix: 'listed/' }), ctx));
  const contents = listed.Contents as { Key: string; LastModified: string; Size: number }[];
  t.like(contents, [{ Key: 'listed/a', Size: 1 }]);
  t.regex(contents[0]!.LastModified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
});

test('an unknown action or a pattern AWS does not offer fails with States.Runtime naming the resource', async (t) => {
  const { services } = t.context;
  const unknown = await services.call(sdkTask('s3', 'frobnicateObject', { Bucket: 'results' }), ctx);
  t.like(unknown, { type: 'failed', error: 'States.Runtime' });
  if (unknown.type === 'failed') {
    t.true(unknown.cause?.includes('arn:aws:states:::aws-sdk:s3:frobnicateObject is not recognized'));
    t.true(unknown.cause?.includes('FrobnicateObjectCommand'));
  }
  const query = await services.call(task('dynamodb', 'query', { TableName: 'orders' }), ctx);
  t.like(query, { type: 'failed', error: 'States.Runtime' });
  const callback = await services.call(task('dynamodb', 'getItem.waitForTaskToken', { TableName: 'orders', Key: { id: { S: 'x' } } }), ctx);
  t.like(callback, { type: 'failed', error: 'States.Runtime' });
});

test('a directory S3 and a configured service without a client fail saying so', async (t) => {
  const services = new AwsServices(
    new Map([
      ['s3', { kind: 'directory', path: 'buckets' }],
      ['lambda', { kind: 'url', url: 'http://127.0.0.1:9' }],
    ]),
  );
  const s3 = await services.call(sdkTask('s3', 'getObject', { Bucket: 'b', Key: 'k' }), ctx);
  t.like(s3, { type: 'failed', error: 'States.Runtime' });
  if (s3.type === 'failed') t.true(s3.cause?.includes('local directory'));
  const lambda = sdkTask('lambda', 'listFunctions', {});
  t.true(services.handles(lambda));
  const noClient = await services.call(lambda, ctx);
  t.like(noClient, { type: 'failed', error: 'States.Runtime' });
  if (noClient.type === 'failed') t.true(noClient.cause?.includes("mock the state 'Call' instead"));
});

test('.waitForTaskToken makes the call and submits the task with its result', async (t) => {
  const { services } = t.context;
  const submitted = await services.call(sdkTask('dynamodb', 'putItem.waitForTaskToken', { TableName: 'orders', Item: { id: { S: 'o-9' } } }), ctx);
  t.deepEqual(submitted, { type: 'submitted', output: '{}' });
  const got = await services.call(sdkTask('dynamodb', 'getItem', { TableName: 'orders', Key: { id: { S: 'o-9' } } }), ctx);
  t.deepEqual(outputOf(t, got), { Item: { id: { S: 'o-9' } } });
});

test('Integrations calls a configured service and still asks to mock one that is not configured', async (t) => {
  const integrations = new Integrations(new NoFunctions(), Date.now, undefined, {}, t.context.services);
  const got = await integrations.run(sdkTask('dynamodb', 'describeTable', { TableName: 'orders' }), ctx);
  t.like(outputOf(t, got), { Table: { TableName: 'orders' } });
  const lambda = sdkTask('lambda', 'listFunctions', {});
  t.false(t.context.services.handles(lambda));
  const unconfigured = await integrations.run(lambda, ctx);
  t.like(unconfigured, { type: 'failed', error: 'States.Runtime' });
  if (unconfigured.type === 'failed') t.true(unconfigured.cause?.includes('Mock this state instead'));
  const without = new Integrations(new NoFunctions());
  const mocked = await without.run(sdkTask('dynamodb', 'describeTable', { TableName: 'orders' }), ctx);
  t.like(mocked, { type: 'failed', error: 'States.Runtime' });
});

test('an unreachable endpoint fails with SdkClientException naming it; a silent one with a timeout, both within the deadline', async (t) => {
  // A port that was free a moment ago: nothing listens on it once the probe server is closed.
  const probe = createTcpServer();
  const closed = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
  const silentUrl = `http://127.0.0.1:${(t.context.silent.address() as AddressInfo).port}`;
  const endpoints: ServiceEndpoints = new Map([
    ['dynamodb', { kind: 'url', url: `http://127.0.0.1:${closed}` }],
    ['sns', { kind: 'url', url: silentUrl }],
  ]);
  const services = new AwsServices(endpoints, { timeoutMs: 1_000 });
  const unreachable = await services.call(sdkTask('dynamodb', 'getItem', { TableName: 'orders', Key: { id: { S: 'x' } } }), ctx);
  t.like(unreachable, { type: 'failed', error: 'DynamoDb.SdkClientException' });
  if (unreachable.type === 'failed') t.true(unreachable.cause?.includes(`the dynamodb endpoint http://127.0.0.1:${closed}`));
  const silent = await services.call(task('sns', 'publish', { TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'hi' }), ctx);
  t.like(silent, { type: 'failed', error: 'SNS.ClientExecutionTimeoutException' });
  if (silent.type === 'failed') t.true(silent.cause?.includes(`the sns endpoint ${silentUrl}`));
  services.close();
});
