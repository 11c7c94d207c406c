import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { startDynamoDb, startS3Server, type LocalDynamoDb, type S3Server } from '@stepstream/runtime/testing';
import anyTest, { type TestFn } from 'ava';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { assertReplays, eventually, ROLE, startStack, type Stack } from './harness.js';

// Issue 20 end to end: Distributed Maps read their items from a real S3-compatible server (s3rver,
// started here) and write their results there; Tasks call S3 and DynamoDB (dynalite) through the
// server's configured endpoints. Every check reads back what the server wrote, file by file.

const test = anyTest as TestFn<{ stack: Stack; s3: S3Server; dynamo: LocalDynamoDb; reader: S3Client }>;

test.before(async (t) => {
  const s3 = await startS3Server();
  const dynamo = await startDynamoDb();
  for (const bucket of ['data', 'results']) await s3.createBucket(bucket);
  const stack = await startStack({
    endpoints: new Map([
      ['s3', { kind: 'url', url: s3.endpoint }],
      ['dynamodb', { kind: 'url', url: dynamo.endpoint }],
    ]),
  });
  const reader = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  t.context = { stack, s3, dynamo, reader };
});

test.after.always(async (t) => {
  await assertReplays(t, t.context.stack.engine, t.context.stack.started);
  t.context.reader.destroy();
  await t.context.stack.close();
  await t.context.s3.stop();
  await t.context.dynamo.stop();
});

const distributed = { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } };

/** Creates a machine with one state (plus any more), runs it to its end and returns its description and history. */
const run = async (stack: Stack, name: string, states: Record<string, unknown>, input: unknown = {}) => {
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify({ StartAt: Object.keys(states)[0], States: states }) }),
  );
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  stack.started.add(executionArn!);
  const done = await eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  }, 120_000);
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await stack.client.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...page.events!);
    nextToken = page.nextToken;
  } while (nextToken);
  return { done, events, executionArn: executionArn! };
};

const text = async (reader: S3Client, bucket: string, key: string) =>
  (await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

test('a Distributed Map over 10,000 CSV rows (header in the first row, batches of 500) writes its results: the manifest, then every child’s record in SUCCEEDED_0.json', async (t) => {
  const { stack, s3, reader } = t.context;
  const rows = Array.from({ length: 10_000 }, (_, i) => (i === 42 ? '42,"a, ""quoted"" name",1' : `${i},item-${i},${i % 7}`));
  await s3.put('data', 'rows.csv', `id,name,qty\n${rows.join('\n')}\n`);
  const { done, events } = await run(stack, 'csv-rows', {
    M: {
      Type: 'Map',
      Label: 'Rows',
      MaxConcurrency: 10,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
        Parameters: { Bucket: 'data', Key: 'rows.csv' },
      },
      ItemBatcher: { MaxItemsPerBatch: 500 },
      ItemProcessor: {
        ...distributed,
        StartAt: 'Count',
        States: { Count: { Type: 'Pass', Parameters: { 'count.$': 'States.ArrayLength($.Items)', 'first.$': '$.Items[0]' }, End: true } },
      },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'results', Prefix: 'csv' } },
      End: true,
    },
  });
  t.is(done.status, 'SUCCEEDED', done.cause);
  const output = JSON.parse(done.output!) as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
  const id = output.MapRunArn.split(':').at(-1)!;
  t.deepEqual(output.ResultWriterDetails, { Bucket: 'results', Key: `csv/${id}/manifest.json` });
  // The reader writes no event of its own: the Map Run starts once the items are read.
  t.deepEqual(
    events.map((e) => e.type),
    ['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded'],
  );
  t.is(events[2]!.mapStateStartedEventDetails?.length, 0);
  const manifest = JSON.parse(await text(reader, 'results', `csv/${id}/manifest.json`)) as {
    DestinationBucket: string;
    MapRunArn: string;
    ResultFiles: Record<string, { Key: string; Size: number }[]>;
  };
  const succeededBody = await text(reader, 'results', `csv/${id}/SUCCEEDED_0.json`);
  t.deepEqual(manifest, {
    DestinationBucket: 'results',
    MapRunArn: output.MapRunArn,
    ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `csv/${id}/SUCCEEDED_0.json`, Size: Buffer.byteLength(succeededBody) }] },
  });
  const records = JSON.parse(succeededBody) as { ExecutionArn: string; Input: string; Output: string; Status: string; Name: string }[];
  t.is(records.length, 20);
  const children = await stack.client.send(new ListExecutionsCommand({ mapRunArn: output.MapRunArn, maxResults: 100 }));
  t.deepEqual(records.map((r) => r.ExecutionArn).sort(), children.executions!.map((e) => e.executionArn!).sort());
  t.true(records.every((r) => r.Status === 'SUCCEEDED'));
  const outputs = records.map((r) => JSON.parse(r.Output) as { count: number; first: { id: string; name: string; qty: string } });
  t.is(
    outputs.reduce((n, o) => n + o.count, 0),
    10_000,
  );
  t.deepEqual(
    outputs.map((o) => o.first.id),
    Array.from({ length: 20 }, (_, k) => String(k * 500)),
  );
  t.deepEqual(outputs[0]!.first, { id: '0', name: 'item-0', qty: '0' });
  // Every value is a string; a quoted field keeps its comma and its doubled quotes become one.
  const batch0 = JSON.parse(records[0]!.Input) as { Items: { id: string; name: string }[] };
  t.deepEqual(batch0.Items[42], { id: '42', name: 'a, "quoted" name', qty: '1' });
});

test('a JSONL file with a tolerated failure: COMPACT JSONL result files, one per status, each listed in the manifest', async (t) => {
  const { stack, s3, reader } = t.context;
  await s3.put('data', 'lines.jsonl', ['{"n":1}', '{"n":2}', '{"n":3}', '', '{"n":4}', '{"n":5}'].join('\n'));
  const { done } = await run(stack, 'jsonl-lines', {
    M: {
      Type: 'Map',
      ToleratedFailureCount: 1,
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSONL' }, Parameters: { Bucket: 'data', Key: 'lines.jsonl' } },
      ItemProcessor: {
        ...distributed,
        StartAt: 'Three?',
        States: {
          'Three?': { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 3, Next: 'Bad' }], Default: 'Double' },
          Double: { Type: 'Pass', Parameters: { 'twice.$': 'States.MathAdd($.n, $.n)' }, End: true },
          Bad: { Type: 'Fail', Error: 'Three', Cause: 'no threes' },
        },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { Bucket: 'results', Prefix: 'lines/' },
        WriterConfig: { Transformation: 'COMPACT', OutputType: 'JSONL' },
      },
      End: true,
    },
  });
  t.is(done.status, 'SUCCEEDED', done.cause);
  const { MapRunArn, ResultWriterDetails } = JSON.parse(done.output!) as { MapRunArn: string; ResultWriterDetails: { Key: string } };
  const id = MapRunArn.split(':').at(-1)!;
  t.is(ResultWriterDetails.Key, `lines/${id}/manifest.json`);
  const succeeded = await text(reader, 'results', `lines/${id}/SUCCEEDED_0.jsonl`);
  const failed = await text(reader, 'results', `lines/${id}/FAILED_0.jsonl`);
  t.is(succeeded, '{"twice":2}\n{"twice":4}\n{"twice":8}\n{"twice":10}\n');
  const failure = JSON.parse(failed.trim()) as Record<string, unknown>;
  t.like(failure, { Error: 'Three', Cause: 'no threes', Input: '{"n":3}', Status: 'FAILED', RedriveStatus: 'REDRIVABLE_BY_MAP_RUN' });
  t.false('Output' in failure);
  const manifest = JSON.parse(await text(reader, 'results', ResultWriterDetails.Key)) as { ResultFiles: Record<string, unknown> };
  t.deepEqual(manifest.ResultFiles, {
    FAILED: [{ Key: `lines/${id}/FAILED_0.jsonl`, Size: Buffer.byteLength(failed) }],
    PENDING: [],
    SUCCEEDED: [{ Key: `lines/${id}/SUCCEEDED_0.jsonl`, Size: Buffer.byteLength(succeeded) }],
  });
});

test('a prefix of 100 JSON objects (s3:listObjectsV2): each child reads its object with aws-sdk:s3:getObject; FLATTEN without a bucket is the output; aws-sdk:s3:putObject stores them', async (t) => {
  const { stack, s3, reader } = t.context;
  for (let i = 0; i < 100; i++) await s3.put('data', `docs/doc-${String(i).padStart(3, '0')}.json`, JSON.stringify({ value: [i] }));
  await s3.put('data', 'docsx/not-under-the-prefix.json', '{"value":[-1]}');
  const { done } = await run(stack, 'json-prefix', {
    M: {
      Type: 'Map',
      MaxConcurrency: 20,
      ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'data', Prefix: 'docs/' } },
      ItemProcessor: {
        ...distributed,
        StartAt: 'Get',
        States: {
          Get: {
            Type: 'Task',
            Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
            Parameters: { Bucket: 'data', 'Key.$': '$.Key' },
            ResultSelector: { 'doc.$': 'States.StringToJson($.Body)' },
            OutputPath: '$.doc.value',
            End: true,
          },
        },
      },
      ResultWriter: { WriterConfig: { Transformation: 'FLATTEN', OutputType: 'JSON' } },
      ResultPath: '$.values',
      Next: 'Put',
    },
    Put: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:s3:putObject',
      // As on AWS, a JSON Body is stored as its JSON text.
      Parameters: { Bucket: 'results', Key: 'values.json', 'Body.$': '$.values' },
      ResultSelector: { 'etag.$': '$.ETag' },
      End: true,
    },
  });
  t.is(done.status, 'SUCCEEDED', done.cause);
  t.regex((JSON.parse(done.output!) as { etag: string }).etag, /^"[0-9a-f]{32}"$/);
  t.deepEqual(
    JSON.parse(await text(reader, 'results', 'values.json')),
    Array.from({ length: 100 }, (_, i) => i),
  );
});

test('an S3 inventory manifest (gzip CSV data files) and an Athena manifest of Parquet files', async (t) => {
  const { stack, s3 } = t.context;
  await s3.put('data', 'inventory/data/part-1.csv.gz', gzipSync('"data","a.txt","10"\n"data","b.txt","20"\n'));
  await s3.put('data', 'inventory/data/part-2.csv.gz', gzipSync('"data","c.txt","30"\n'));
  await s3.put(
    'data',
    'inventory/manifest.json',
    JSON.stringify({
      sourceBucket: 'data',
      destinationBucket: 'arn:aws:s3:::data',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, Size',
      files: [{ key: 'inventory/data/part-1.csv.gz' }, { key: 'inventory/data/part-2.csv.gz' }],
    }),
  );
  const inventory = await run(stack, 'inventory', {
    M: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'MANIFEST' },
        Parameters: { Bucket: 'data', Key: 'inventory/manifest.json' },
      },
      ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    },
  });
  t.is(inventory.done.status, 'SUCCEEDED', inventory.done.cause);
  t.deepEqual(JSON.parse(inventory.done.output!), [
    { Bucket: 'data', Key: 'a.txt', Size: '10' },
    { Bucket: 'data', Key: 'b.txt', Size: '20' },
    { Bucket: 'data', Key: 'c.txt', Size: '30' },
  ]);
  // A Parquet file written by DuckDB (packages/runtime/test/fixtures/item-reader), listed by an Athena manifest.
  await s3.put('data', 'athena/items.parquet', readFileSync(new URL('../../../runtime/test/fixtures/item-reader/items.parquet', import.meta.url)));
  await s3.put('data', 'athena/q-manifest.csv', 's3://data/athena/items.parquet\n');
  const athena = await run(stack, 'athena-parquet', {
    M: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'PARQUET', ManifestType: 'ATHENA_DATA' },
        Parameters: { Bucket: 'data', Key: 'athena/q-manifest.csv' },
      },
      ItemSelector: { 'name.$': '$$.Map.Item.Value.name', 'id.$': '$$.Map.Item.Value.id' },
      ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    },
  });
  t.is(athena.done.status, 'SUCCEEDED', athena.done.cause);
  t.deepEqual(JSON.parse(athena.done.output!), [
    { name: 'Ada', id: 1 },
    { name: null, id: '9007199254740993' },
    { name: 'Grace', id: 3 },
  ]);
  // The same Parquet file read directly.
  const direct = await run(stack, 'parquet', {
    M: {
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'PARQUET' },
        Parameters: { Bucket: 'data', Key: 'athena/items.parquet' },
      },
      ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', OutputPath: '$.small', End: true } } },
      End: true,
    },
  });
  t.deepEqual(JSON.parse(direct.done.output!), [10, -3, 0]);
});

test('MaxItems (from MaxItemsPath), CSV headers GIVEN and a PIPE delimiter; JSONata Arguments and ItemsPointer into a JSON object', async (t) => {
  const { stack, s3 } = t.context;
  await s3.put('data', 'piped.csv', 'a|1\nb|2\nc|3\nd|4\n');
  const { done } = await run(
    stack,
    'csv-given',
    {
      M: {
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['letter', 'digit'], CSVDelimiter: 'PIPE', MaxItemsPath: '$.limit' },
          Parameters: { Bucket: 'data', 'Key.$': '$.key' },
        },
        ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
    { key: 'piped.csv', limit: 3 },
  );
  t.is(done.status, 'SUCCEEDED', done.cause);
  t.deepEqual(JSON.parse(done.output!), [
    { letter: 'a', digit: '1' },
    { letter: 'b', digit: '2' },
    { letter: 'c', digit: '3' },
  ]);
  await s3.put('data', 'catalog.json', JSON.stringify({ shop: { featured: [{ sku: 'x' }, { sku: 'y' }], other: [1] } }));
  const pointed = await run(
    stack,
    'json-pointer',
    {
      M: {
        Type: 'Map',
        QueryLanguage: 'JSONata',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON', ItemsPointer: '/shop/featured', MaxItems: '{% $states.input.limit %}' },
          Arguments: { Bucket: 'data', Key: '{% $states.input.key %}' },
        },
        ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
    { key: 'catalog.json', limit: 10 },
  );
  t.is(pointed.done.status, 'SUCCEEDED', pointed.done.cause);
  t.deepEqual(JSON.parse(pointed.done.output!), [{ sku: 'x' }, { sku: 'y' }]);
});

test('a missing object fails as AWS records it: MapStateStarted{length 0} → MapRunStarted → MapRunFailed{States.ItemReaderFailed} → MapStateFailed → ExecutionFailed', async (t) => {
  const { stack } = t.context;
  const { done, events } = await run(stack, 'missing-object', {
    M: {
      Type: 'Map',
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'data', Key: 'nothing-here.json' } },
      ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      End: true,
    },
  });
  t.is(done.status, 'FAILED');
  t.is(done.error, 'States.ItemReaderFailed');
  t.regex(done.cause!, /nothing-here\.json/);
  t.deepEqual(
    events.map((e) => e.type),
    ['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted', 'MapRunFailed', 'MapStateFailed', 'ExecutionFailed'],
  );
  t.is(events[2]!.mapStateStartedEventDetails?.length, 0);
  t.like(events[4]!.mapRunFailedEventDetails, { error: 'States.ItemReaderFailed', cause: done.cause });
});

test('DynamoDB through its configured endpoint (dynalite): the optimized putItem, then aws-sdk:dynamodb getItem, and a failed condition as DynamoDB.ConditionalCheckFailedException', async (t) => {
  const { stack, dynamo } = t.context;
  const db = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await db.send(
    new CreateTableCommand({
      TableName: 'orders',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  db.destroy();
  const put = { TableName: 'orders', Item: { id: { 'S.$': '$.id' }, total: { 'N.$': "States.Format('{}', $.total)" } } };
  const { done } = await run(
    stack,
    'dynamodb',
    {
      Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: put, ResultPath: null, Next: 'Get' },
      Get: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
        Parameters: { TableName: 'orders', Key: { id: { 'S.$': '$.id' } } },
        ResultSelector: { 'item.$': '$.Item' },
        Next: 'Again',
      },
      Again: {
        Type: 'Task',
        Resource: 'arn:aws:states:::dynamodb:putItem',
        Parameters: { TableName: 'orders', Item: { id: { S: 'o-1' } }, ConditionExpression: 'attribute_not_exists(id)' },
        Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: '$.refused', Next: 'Done' }],
        End: true,
      },
      Done: { Type: 'Pass', End: true },
    },
    { id: 'o-1', total: 42 },
  );
  t.is(done.status, 'SUCCEEDED', done.cause);
  const output = JSON.parse(done.output!) as { item: unknown; refused: { Error: string; Cause: string } };
  t.deepEqual(output.item, { id: { S: 'o-1' }, total: { N: '42' } });
  t.is(output.refused.Error, 'DynamoDB.ConditionalCheckFailedException');
  t.regex(output.refused.Cause, /Status Code: 400/);
});

test('a ResultWriter whose bucket does not exist fails the Map Run with States.ResultWriterFailed, the cause naming the bucket and S3’s error', async (t) => {
  const { stack, s3 } = t.context;
  await s3.put('data', 'three.json', '[1,2,3]');
  const { done, events } = await run(stack, 'writer-missing-bucket', {
    M: {
      Type: 'Map',
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'data', Key: 'three.json' } },
      ItemProcessor: { ...distributed, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'no-such-bucket', Prefix: 'x' } },
      End: true,
    },
  });
  t.is(done.status, 'FAILED');
  t.is(done.error, 'States.ResultWriterFailed');
  t.regex(done.cause!, /no-such-bucket.*NoSuchBucket/);
  t.deepEqual(events.map((e) => e.type).slice(-3), ['MapRunFailed', 'MapStateFailed', 'ExecutionFailed']);
});
