import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { BucketError, DirectoryBuckets, S3Buckets, type Buckets } from '../src/index.js';
import { startS3Server, type S3Server } from '../src/testing/index.js';

// The Buckets port (src/aws/buckets.ts) and its two adapters: one contract, run against S3Buckets
// over a real S3-compatible server (s3rver) and against DirectoryBuckets over a temporary
// directory; then what only one of them has: hostile keys and bucket names against the
// directory, an unreachable endpoint for the client.

/** One adapter under test and how to create a bucket for it. */
interface Subject {
  readonly buckets: Buckets;
  createBucket(name: string): Promise<void>;
}

interface Context {
  readonly s3: S3Server;
  readonly temp: string;
  readonly subjects: Readonly<Record<'S3Buckets' | 'DirectoryBuckets', Subject>>;
}

const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const s3 = await startS3Server();
  const temp = await mkdtemp(join(tmpdir(), 'stepstream-buckets-'));
  const root = join(temp, 'buckets');
  await mkdir(root);
  t.context = {
    s3,
    temp,
    subjects: {
      S3Buckets: { buckets: new S3Buckets({ endpoint: s3.endpoint, region: 'us-east-1' }), createBucket: (name) => s3.createBucket(name) },
      DirectoryBuckets: { buckets: new DirectoryBuckets(root), createBucket: (name) => mkdir(join(root, name)) },
    },
  };
});

test.after.always(async (t) => {
  (t.context.subjects.S3Buckets.buckets as S3Buckets).close();
  await t.context.s3.stop();
  await rm(t.context.temp, { recursive: true, force: true });
});

let buckets = 0;
/** A fresh bucket for one test, so that tests running at once never share one. */
const freshBucket = async (subject: Subject): Promise<string> => {
  const name = `bucket-${++buckets}`;
  await subject.createBucket(name);
  return name;
};

const md5ETag = (bytes: Uint8Array | string): string => `"${createHash('md5').update(bytes).digest('hex')}"`;

/** Writes many objects, a few at a time. */
const putAll = async (buckets: Buckets, bucket: string, keys: readonly string[], body: (key: string) => string): Promise<void> => {
  for (let i = 0; i < keys.length; i += 32) await Promise.all(keys.slice(i, i + 32).map((key) => buckets.putObject(bucket, key, body(key))));
};

/** UTF-8 binary order, S3's order of keys in a listing. */
const s3Order = (keys: readonly string[]): string[] => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

const rejectsWith = async (t: ExecutionContext<Context>, promise: Promise<unknown>, code: string, status: number): Promise<BucketError | undefined> => {
  const error = await t.throwsAsync(promise, { instanceOf: BucketError });
  t.is(error?.code, code);
  t.is(error?.status, status);
  return error;
};

// --- The contract, for each adapter ----------------------------------------------------------

for (const name of ['S3Buckets', 'DirectoryBuckets'] as const) {
  const subjectOf = (t: ExecutionContext<Context>): Subject => t.context.subjects[name];

  test(`${name}: what is put is got back byte for byte: text, non-ASCII text, binary, a non-ASCII key`, async (t) => {
    const subject = subjectOf(t);
    const bucket = await freshBucket(subject);
    const binary = Uint8Array.from({ length: 1024 }, (_, i) => (i * 151 + 7) % 256);
    const cases: readonly { key: string; body: string | Uint8Array; bytes: Uint8Array }[] = [
      { key: 'plain.txt', body: 'hello, bucket', bytes: Buffer.from('hello, bucket') },
      { key: 'nested/deeper/unicode.json', body: '{"greeting":"Grüße, 世界 🚀"}', bytes: Buffer.from('{"greeting":"Grüße, 世界 🚀"}', 'utf8') },
      { key: 'binary.bin', body: binary, bytes: binary },
      { key: 'données/été 2024.csv', body: 'a,b\n1,2\n', bytes: Buffer.from('a,b\n1,2\n') },
      { key: 'empty', body: '', bytes: new Uint8Array() },
    ];
    for (const { key, body } of cases) await subject.buckets.putObject(bucket, key, body, 'application/octet-stream');
    for (const { key, bytes } of cases) {
      const stored = await subject.buckets.getObject(bucket, key);
      t.deepEqual(Buffer.from(stored.bytes), Buffer.from(bytes), key);
      t.is(stored.eTag, md5ETag(bytes), key);
      t.true(stored.lastModified instanceof Date, key);
    }
  });

  test(`${name}: a missing key is NoSuchKey (404)`, async (t) => {
    const subject = subjectOf(t);
    const bucket = await freshBucket(subject);
    await subject.buckets.putObject(bucket, 'there', 'x');
    const error = await rejectsWith(t, subject.buckets.getObject(bucket, 'not-there'), 'NoSuchKey', 404);
    t.is(error?.message, 'The specified key does not exist.');
    await rejectsWith(t, subject.buckets.getObject(bucket, 'there/below'), 'NoSuchKey', 404);
  });

  test(`${name}: a missing bucket is NoSuchBucket (404) for reading, listing and writing`, async (t) => {
    const { buckets } = subjectOf(t);
    const error = await rejectsWith(t, buckets.getObject('no-such-bucket', 'key'), 'NoSuchBucket', 404);
    t.is(error?.message, 'The specified bucket does not exist');
    await rejectsWith(t, buckets.listObjects('no-such-bucket'), 'NoSuchBucket', 404);
    await rejectsWith(t, buckets.putObject('no-such-bucket', 'key', 'x'), 'NoSuchBucket', 404);
  });

  test(`${name}: a listing holds the keys that start with the prefix, at a folder boundary or not`, async (t) => {
    const subject = subjectOf(t);
    const bucket = await freshBucket(subject);
    const keys = ['reports/2024/jan.csv', 'reports/2024/feb.csv', 'reports/2025/jan.csv', 'reportsX', 'other/x.json', 'top'];
    await putAll(subject.buckets, bucket, keys, (key) => `body of ${key}`);
    const listed = async (prefix?: string) => (await subject.buckets.listObjects(bucket, prefix === undefined ? {} : { prefix })).map((o) => o.key);

    t.deepEqual(await listed(), s3Order(keys));
    t.deepEqual(await listed('reports/'), ['reports/2024/feb.csv', 'reports/2024/jan.csv', 'reports/2025/jan.csv']);
    t.deepEqual(await listed('reports/20'), ['reports/2024/feb.csv', 'reports/2024/jan.csv', 'reports/2025/jan.csv']);
    t.deepEqual(await listed('reports/2024/j'), ['reports/2024/jan.csv']);
    t.deepEqual(await listed('rep'), ['reports/2024/feb.csv', 'reports/2024/jan.csv', 'reports/2025/jan.csv', 'reportsX']);
    t.deepEqual(await listed('reports/2024/jan.csv'), ['reports/2024/jan.csv']);
    t.deepEqual(await listed('nothing'), []);

    const [feb] = await subject.buckets.listObjects(bucket, { prefix: 'reports/2024/feb' });
    t.like(feb, {
      key: 'reports/2024/feb.csv',
      size: 'body of reports/2024/feb.csv'.length,
      eTag: md5ETag('body of reports/2024/feb.csv'),
      storageClass: 'STANDARD',
    });
    t.true(feb?.lastModified instanceof Date);
  });

  test(`${name}: a listing of 2,600 keys spans pages, in key order, and stops at its limit`, async (t) => {
    const subject = subjectOf(t);
    const bucket = await freshBucket(subject);
    // Unpadded numbers: key order (item-10 before item-2) is not the order of writing.
    const keys = Array.from({ length: 2600 }, (_, i) => `items/item-${i}.json`);
    await putAll(subject.buckets, bucket, keys, (key) => JSON.stringify({ key }));
    const expected = s3Order(keys);

    const all = await subject.buckets.listObjects(bucket);
    t.is(all.length, 2600);
    t.deepEqual(
      all.map((o) => o.key),
      expected,
    );
    t.deepEqual(
      (await subject.buckets.listObjects(bucket, { prefix: 'items/', limit: 1500 })).map((o) => o.key),
      expected.slice(0, 1500),
    );
    t.deepEqual(
      (await subject.buckets.listObjects(bucket, { limit: 2001 })).map((o) => o.key),
      expected.slice(0, 2001),
    );
    t.deepEqual(await subject.buckets.listObjects(bucket, { limit: 0 }), []);
  });

  test(`${name}: putting a key again replaces its object`, async (t) => {
    const subject = subjectOf(t);
    const bucket = await freshBucket(subject);
    await subject.buckets.putObject(bucket, 'results/manifest.json', '{"a much longer first version":true}');
    await subject.buckets.putObject(bucket, 'results/manifest.json', '{"v":2}');
    t.is(Buffer.from((await subject.buckets.getObject(bucket, 'results/manifest.json')).bytes).toString(), '{"v":2}');
    const listed = await subject.buckets.listObjects(bucket);
    t.is(listed.length, 1);
    t.like(listed[0], { key: 'results/manifest.json', size: 7, eTag: md5ETag('{"v":2}') });
  });
}

// --- DirectoryBuckets only ---------------------------------------------------------------------

/** Every file below `dir` with its contents, to show that nothing outside a root changed. */
const snapshot = async (dir: string, top = dir): Promise<Record<string, string>> => {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await snapshot(path, top));
    else files[relative(top, path)] = await readFile(path, 'utf8');
  }
  return files;
};

test('DirectoryBuckets: hostile keys are refused before any path is built, and nothing outside the root is read or written', async (t) => {
  // <temp>/hostile/outside/passwd and <temp>/hostile/root/secret stand for what a key must never reach.
  const base = join(t.context.temp, 'hostile');
  const root = join(base, 'root');
  await mkdir(join(base, 'outside'), { recursive: true });
  await mkdir(join(root, 'safe', 'a'), { recursive: true });
  await writeFile(join(base, 'outside', 'passwd'), 'outside the root');
  await writeFile(join(root, 'secret'), 'in the root, not in a bucket');
  const buckets = new DirectoryBuckets(root);
  const before = await snapshot(base);

  const hostile = [
    '../../etc/passwd',
    '../outside/passwd',
    '../secret',
    '/abs',
    '/etc/passwd',
    'a/../../x',
    'a/../../../outside/passwd',
    'a/./b',
    '.',
    '..',
    'nul\0byte',
    'a/b\0/../../../outside/passwd',
    '..\\..\\outside\\passwd',
    'a//b',
    'folder/',
    '',
  ];
  for (const key of hostile) {
    const written = await rejectsWith(t, buckets.putObject('safe', key, 'pwned'), 'InvalidArgument', 400);
    t.regex(written?.message ?? '', /cannot be an object of a directory bucket/, JSON.stringify(key));
    await rejectsWith(t, buckets.getObject('safe', key), 'InvalidArgument', 400);
  }
  await rejectsWith(t, buckets.putObject('safe', 'k'.repeat(1025), 'x'), 'KeyTooLongError', 400);

  // A prefix is only a filter on keys, never a path.
  t.deepEqual(await buckets.listObjects('safe', { prefix: '../' }), []);
  t.deepEqual(await buckets.listObjects('safe', { prefix: '/' }), []);

  t.deepEqual(await snapshot(base), before);
});

test('DirectoryBuckets: bucket names follow S3’s rules, so none reaches outside the root', async (t) => {
  const base = join(t.context.temp, 'hostile-buckets');
  const root = join(base, 'root');
  await mkdir(join(base, 'outside'), { recursive: true });
  await mkdir(root, { recursive: true });
  await writeFile(join(base, 'outside', 'passwd'), 'outside the root');
  const buckets = new DirectoryBuckets(root);
  const before = await snapshot(base);

  for (const bucket of [
    '..',
    '../outside',
    '../../etc',
    '/etc',
    'a/b',
    'ab',
    'x'.repeat(64),
    'Upper',
    'under_score',
    '.hidden',
    'trailing-',
    'two..dots',
    '192.168.0.1',
    'nul\0',
    'back\\slash',
  ]) {
    const error = await rejectsWith(t, buckets.putObject(bucket, 'passwd', 'pwned'), 'InvalidBucketName', 400);
    t.regex(error?.message ?? '', /^The specified bucket is not valid/, JSON.stringify(bucket));
    await rejectsWith(t, buckets.getObject(bucket, 'passwd'), 'InvalidBucketName', 400);
    await rejectsWith(t, buckets.listObjects(bucket), 'InvalidBucketName', 400);
  }
  t.deepEqual(await snapshot(base), before);
});

test('DirectoryBuckets: a bucket is a directory someone created; writing never creates one', async (t) => {
  const root = join(t.context.temp, 'no-bucket');
  await mkdir(root);
  const buckets = new DirectoryBuckets(root);
  await rejectsWith(t, buckets.putObject('later', 'key', 'x'), 'NoSuchBucket', 404);
  t.deepEqual(await readdir(root), []);
  await mkdir(join(root, 'later'));
  await buckets.putObject('later', 'key', 'x');
  t.is(await readFile(join(root, 'later', 'key'), 'utf8'), 'x');
});

test('DirectoryBuckets: a listing is in UTF-8 byte order across folders and beyond the BMP, and skips what is not an object', async (t) => {
  const subject = t.context.subjects.DirectoryBuckets;
  const bucket = await freshBucket(subject);
  // '-' (0x2d) sorts before '/' (0x2f): a-b before a/1, though a walk of folders meets a/ first.
  // U+E000 is EE 80 80 in UTF-8 and 😀 is F0 9F 98 80, though 😀's UTF-16 (D83D…) sorts first.
  await putAll(subject.buckets, bucket, ['a/1', 'a-b', 'a.', 'b', '\uE000', '😀', 'é'], () => 'x');
  // Not objects: a write's leftover temporary file, and a name no key can have.
  await writeFile(join((subject.buckets as DirectoryBuckets).root, bucket, '.stepstream-put-0123456789abcdef'), 'partial');
  await writeFile(join((subject.buckets as DirectoryBuckets).root, bucket, 'back\\slash'), 'x');

  t.deepEqual(
    (await subject.buckets.listObjects(bucket)).map((o) => o.key),
    ['a-b', 'a.', 'a/1', 'b', 'é', '\uE000', '😀'],
  );
  t.deepEqual(
    (await subject.buckets.listObjects(bucket, { prefix: 'a' })).map((o) => o.key),
    ['a-b', 'a.', 'a/1'],
  );
});

test('DirectoryBuckets: a key whose folder is an object, or whose object is a folder, is refused and leaves no temporary file', async (t) => {
  const subject = t.context.subjects.DirectoryBuckets;
  const bucket = await freshBucket(subject);
  await subject.buckets.putObject(bucket, 'file', 'x');
  await subject.buckets.putObject(bucket, 'folder/inside', 'y');
  await rejectsWith(t, subject.buckets.putObject(bucket, 'file/below', 'z'), 'InvalidArgument', 400);
  await rejectsWith(t, subject.buckets.putObject(bucket, 'folder', 'z'), 'InvalidArgument', 400);
  await rejectsWith(t, subject.buckets.getObject(bucket, 'folder'), 'NoSuchKey', 404);
  t.deepEqual(await snapshot(join((subject.buckets as DirectoryBuckets).root, bucket)), { file: 'x', [join('folder', 'inside')]: 'y' });
});

test('DirectoryBuckets: a versionId is ignored, and the ETag and size are those of the file', async (t) => {
  const subject = t.context.subjects.DirectoryBuckets;
  const bucket = await freshBucket(subject);
  await subject.buckets.putObject(bucket, 'k', 'content');
  const stored = await subject.buckets.getObject(bucket, 'k', 'some-version');
  t.is(Buffer.from(stored.bytes).toString(), 'content');
  t.is(stored.versionId, undefined);
});

// --- S3Buckets only ----------------------------------------------------------------------------

/** A port nothing listens on: one the system just gave out and that was closed again. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
};

test('S3Buckets: an endpoint nothing listens on is a BucketError that names it and says what to check', async (t) => {
  // A guard, not a measurement: refused connections must not wait for the 60 s request timeout.
  t.timeout(20_000);
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const buckets = new S3Buckets({ endpoint, region: 'us-east-1' });
  try {
    for (const call of [buckets.getObject('items', 'a.json'), buckets.listObjects('items'), buckets.putObject('items', 'a.json', '{}')]) {
      const error = await rejectsWith(t, call, 'NetworkingError', 0);
      t.true(error?.message.includes(endpoint), error?.message);
      t.regex(error?.message ?? '', /ECONNREFUSED/);
      t.regex(error?.message ?? '', /check that the server is running/);
    }
  } finally {
    buckets.close();
  }
});

test('S3Buckets: S3’s own errors keep their code, message and status', async (t) => {
  const { s3 } = t.context;
  const buckets = t.context.subjects.S3Buckets.buckets;
  await s3.createBucket('s3-errors');
  await s3.put('s3-errors', 'placed/by the harness.txt', 'placed');
  t.is(Buffer.from((await buckets.getObject('s3-errors', 'placed/by the harness.txt')).bytes).toString(), 'placed');
  const error = await rejectsWith(t, buckets.getObject('s3-errors', 'missing'), 'NoSuchKey', 404);
  t.is(error?.name, 'NoSuchKey');
});
