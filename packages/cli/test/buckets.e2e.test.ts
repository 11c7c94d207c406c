import { CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, freePort, run, serve, sfnClient, stackLines, stop } from './stepstream-process.js';

// Issue 20, zero setup: `stepstream serve` with nothing but a data directory reads a Distributed
// Map's items from `<data>/buckets/<bucket>/<key>` and writes its ResultWriter's files there, as
// files anyone can open; `--aws-endpoints s3=file:DIR` moves both to DIR. Every check reads the
// files on disk, not through the server.

const ROLE = 'arn:aws:iam::123456789012:role/r';

interface Order {
  readonly orderId: string;
  readonly sku: string;
  readonly quantity: number;
}

/** `count` orders whose ids start with `prefix`, each different. */
const ordersOf = (prefix: string, count: number): Order[] =>
  Array.from({ length: count }, (_, i) => ({ orderId: `${prefix}-${String(i).padStart(3, '0')}`, sku: `sku-${i % 7}`, quantity: 1 + (i % 5) }));

/** What each child of the Map answers for an order (the Pass state below). */
const priced = (o: Order) => ({ orderId: o.orderId, line: `${o.sku} x ${o.quantity}`, nextQuantity: o.quantity + 1 });

/** A Distributed Map over `data/orders.json` (a JSON array), its results written to `results` under `runs`. */
const ordersMachine = {
  StartAt: 'Orders',
  States: {
    Orders: {
      Type: 'Map',
      Label: 'Orders',
      MaxConcurrency: 10,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'data', Key: 'orders.json' },
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Price',
        States: {
          Price: {
            Type: 'Pass',
            Parameters: {
              'orderId.$': '$.orderId',
              'line.$': "States.Format('{} x {}', $.sku, $.quantity)",
              'nextQuantity.$': 'States.MathAdd($.quantity, 1)',
            },
            End: true,
          },
        },
      },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'results', Prefix: 'runs' } },
      End: true,
    },
  },
};

/** A data directory with `buckets/data/orders.json` holding `orders` and an empty `buckets/results/`. */
const dataDirWith = async (orders: readonly Order[]) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-buckets-'));
  await mkdir(join(dir, 'buckets', 'data'), { recursive: true });
  await mkdir(join(dir, 'buckets', 'results'));
  await writeFile(join(dir, 'buckets', 'data', 'orders.json'), JSON.stringify(orders));
  return dir;
};

/** Creates the orders machine, runs it and waits for its end (two minutes at most: 50 children on the embedded store). */
const runOrders = async (client: SFNClient, name: string) => {
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name, roleArn: ROLE, definition: JSON.stringify(ordersMachine) }));
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    if (Date.now() > deadline) throw new Error(`${executionArn!} still runs after two minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

interface WriterOutput {
  readonly MapRunArn: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

interface ChildRecord {
  readonly ExecutionArn: string;
  readonly Input: string;
  readonly Output: string;
  readonly Status: string;
}

test('zero setup: a Distributed Map reads <data>/buckets/data/orders.json and writes its manifest and results under <data>/buckets/results', async (t) => {
  const orders = ordersOf('order', 50);
  const dataDir = await dataDirWith(orders);
  const port = await freePort();
  const server = await serve(['--data', dataDir, '--port', String(port)]);
  const client = sfnClient(port);
  try {
    const done = await runOrders(client, 'orders-from-a-directory');
    t.is(done.status, 'SUCCEEDED', done.cause);
    const output = JSON.parse(done.output!) as WriterOutput;
    const id = output.MapRunArn.split(':').at(-1)!;
    t.regex(output.MapRunArn, /^arn:aws:states:us-east-1:123456789012:mapRun:orders-from-a-directory\/Orders:[0-9a-f-]{36}$/);
    t.deepEqual(output.ResultWriterDetails, { Bucket: 'results', Key: `runs/${id}/manifest.json` });

    // The files, on disk: exactly the manifest and one results file (no temporary file left over).
    const runDir = join(dataDir, 'buckets', 'results', 'runs', id);
    t.deepEqual((await readdir(runDir)).sort(), ['SUCCEEDED_0.json', 'manifest.json']);
    t.deepEqual(await readdir(join(dataDir, 'buckets', 'results')), ['runs']);
    const succeededFile = join(runDir, 'SUCCEEDED_0.json');
    const succeeded = await readFile(succeededFile, 'utf8');
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as unknown;
    t.deepEqual(manifest, {
      DestinationBucket: 'results',
      MapRunArn: output.MapRunArn,
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `runs/${id}/SUCCEEDED_0.json`, Size: (await stat(succeededFile)).size }] },
    });
    t.is(Buffer.byteLength(succeeded), (await stat(succeededFile)).size);

    // One record per order, each with the order as its input and what the child answered as its output.
    const records = JSON.parse(succeeded) as ChildRecord[];
    t.is(records.length, 50);
    t.true(
      records.every((r) => r.Status === 'SUCCEEDED'),
      'every child succeeded',
    );
    t.is(new Set(records.map((r) => r.ExecutionArn)).size, 50, 'fifty children');
    const byOrder = (a: { orderId: string }, b: { orderId: string }) => a.orderId.localeCompare(b.orderId);
    t.deepEqual(records.map((r) => JSON.parse(r.Input) as Order).sort(byOrder), orders);
    t.deepEqual(records.map((r) => JSON.parse(r.Output) as ReturnType<typeof priced>).sort(byOrder), orders.map(priced));
    // The items file is read, never moved or rewritten.
    t.deepEqual(JSON.parse(await readFile(join(dataDir, 'buckets', 'data', 'orders.json'), 'utf8')), orders);
  } finally {
    client.destroy();
    await stop(server);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('--aws-endpoints s3=file:DIR: the Map reads its items from DIR and writes its results there, not under <data>/buckets', async (t) => {
  // Both directories hold data/orders.json, with different orders: the output says which was read.
  const dataDir = await dataDirWith(ordersOf('default', 5));
  const otherDir = await dataDirWith(ordersOf('other', 3));
  const buckets = join(otherDir, 'buckets');
  const port = await freePort();
  const server = await serve(['--data', dataDir, '--port', String(port), '--aws-endpoints', `s3=file:${buckets}`]);
  const client = sfnClient(port);
  try {
    const done = await runOrders(client, 'orders-from-another-directory');
    t.is(done.status, 'SUCCEEDED', done.cause);
    const { MapRunArn, ResultWriterDetails } = JSON.parse(done.output!) as WriterOutput;
    const id = MapRunArn.split(':').at(-1)!;
    t.is(ResultWriterDetails.Key, `runs/${id}/manifest.json`);
    const records = JSON.parse(await readFile(join(buckets, 'results', 'runs', id, 'SUCCEEDED_0.json'), 'utf8')) as ChildRecord[];
    t.deepEqual(
      records
        .map((r) => JSON.parse(r.Output) as { orderId: string })
        .map((o) => o.orderId)
        .sort(),
      ['other-000', 'other-001', 'other-002'],
    );
    t.true(existsSync(join(buckets, 'results', 'runs', id, 'manifest.json')));
    t.deepEqual(await readdir(join(dataDir, 'buckets', 'results')), [], 'nothing written under <data>/buckets');
  } finally {
    client.destroy();
    await stop(server);
    await rm(dataDir, { recursive: true, force: true });
    await rm(otherDir, { recursive: true, force: true });
  }
});

/**
 * What `serve` logs at start-up, read from a server that finds its port taken: it logs its AWS
 * services before it listens, then exits 1 (the `serve` helper keeps its log to itself).
 */
const startUpLog = async (args: readonly string[], env: NodeJS.ProcessEnv = {}) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepstream-buckets-log-'));
  const squatter = createServer();
  const port = await new Promise<number>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve((squatter.address() as { port: number }).port)));
  try {
    const r = await run(['serve', '--data', dataDir, '--port', String(port), ...args], { env: cliEnv(env) });
    return { ...r, dataDir };
  } finally {
    squatter.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

test('the start-up log says where S3 is: <data>/buckets by default, else what --aws-endpoints or STEPSTREAM_AWS_ENDPOINTS names; help lists the option', async (t) => {
  const byDefault = await startUpLog([]);
  t.is(byDefault.code, 1, byDefault.stderr);
  t.true(
    byDefault.stderr.includes(`INFO  AWS services: s3 → the buckets in ${join(byDefault.dataDir, 'buckets')} (the others are mocked; --aws-endpoints)`),
    byDefault.stderr,
  );
  const elsewhere = join(tmpdir(), 'stepstream-buckets-elsewhere');
  const flagged = await startUpLog(['--aws-endpoints', `s3=file:${elsewhere},dynamodb=aws`]);
  t.true(flagged.stderr.includes(`AWS services: s3 → the buckets in ${elsewhere}, dynamodb → AWS (default credentials) (the others`), flagged.stderr);
  const fromEnv = await startUpLog([], { STEPSTREAM_AWS_ENDPOINTS: 's3=http://127.0.0.1:4568/' });
  t.true(fromEnv.stderr.includes('AWS services: s3 → http://127.0.0.1:4568 (the others'), fromEnv.stderr);

  // A value parseServiceEndpoints refuses is a usage error: exit 2, its one line and the usage, no stack.
  const parent = await mkdtemp(join(tmpdir(), 'stepstream-buckets-refused-'));
  const refused = await run(['serve', '--aws-endpoints', 's3=ftp://127.0.0.1/x', '--data', join(parent, 'data')]);
  t.false(existsSync(join(parent, 'data')), 'nothing opened');
  await rm(parent, { recursive: true, force: true });
  t.is(refused.code, 2);
  t.deepEqual(
    refused.stderr.split('\n').filter((l) => l.startsWith('stepstream: ')),
    ['stepstream: --aws-endpoints: s3=ftp://127.0.0.1/x must be an http:// or https:// URL'],
  );
  t.true(refused.stderr.includes('Usage: stepstream <command> [options]'));
  t.deepEqual(stackLines(refused.stderr), []);

  const help = await run(['help']);
  t.regex(help.stdout, /^ {2}--aws-endpoints LIST +STEPSTREAM_AWS_ENDPOINTS, default s3=file:<data dir>\/buckets: where AWS services are/m);
});
