import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import fc from 'fast-check';
import { BucketError, type Buckets, type ListedObject } from '../src/aws/buckets.js';
import {
  CSV_HEADERS_MAX_BYTES,
  DUPLICATE_HEADERS_CAUSE,
  ITEM_READER_FAILED,
  MAX_ITEMS_NEGATIVE_CAUSE,
  NON_ITERABLE_CAUSE,
  parquetValueAsJson,
  parseItems,
  readItems,
  splitCsv,
  type ItemReaderOutcome,
  type ItemReaderRequest,
} from '../src/map-runs/item-reader.js';

// The ItemReader against an in-memory S3: each input type and ReaderConfig option with the exact
// items AWS gives, the failures with AWS's causes where AWS's are known (see item-reader.ts).
//
// The Parquet fixtures were written once by DuckDB (@duckdb/node-api, as packages/cli uses it):
//   COPY (SELECT * FROM (VALUES
//     (1::BIGINT, 10::INTEGER, 'Ada', 1.5::DOUBLE, true, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05'),
//     (9007199254740993::BIGINT, -3::INTEGER, NULL, 0.25::DOUBLE, false, DATE '1970-01-01', TIMESTAMP '1970-01-01 00:00:00'),
//     (3::BIGINT, 0::INTEGER, 'Grace', -2.0::DOUBLE, NULL, NULL, NULL)
//   ) t(id, small, name, score, active, day, ts)) TO 'items.parquet' (FORMAT parquet, COMPRESSION snappy)
// and again with COMPRESSION gzip to items-gzip.parquet.

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/item-reader/${name}`, import.meta.url));
const PARQUET = fixture('items.parquet');
const PARQUET_GZIP = fixture('items-gzip.parquet');
const PARQUET_ITEMS = [
  { id: 1, small: 10, name: 'Ada', score: 1.5, active: true, day: '2024-01-02', ts: '2024-01-02T03:04:05.000Z' },
  { id: '9007199254740993', small: -3, name: null, score: 0.25, active: false, day: '1970-01-01', ts: '1970-01-01T00:00:00.000Z' },
  { id: 3, small: 0, name: 'Grace', score: -2, active: null, day: null, ts: null },
];

const MODIFIED = new Date('2022-11-17T15:44:41.000Z');

/** An S3 of bucket → key → bytes, answering as S3 does for a missing bucket or key. */
const memoryBuckets = (contents: Record<string, Record<string, string | Uint8Array>>): Buckets => {
  const store = new Map(Object.entries(contents).map(([b, objects]) => [b, new Map(Object.entries(objects).map(([k, v]) => [k, Buffer.from(v)]))]));
  const bucketOf = (bucket: string) => {
    const objects = store.get(bucket);
    if (!objects) throw new BucketError('NoSuchBucket', 'The specified bucket does not exist', 404);
    return objects;
  };
  return {
    getObject: async (bucket, key) => {
      const bytes = bucketOf(bucket).get(key);
      if (!bytes) throw new BucketError('NoSuchKey', 'The specified key does not exist.', 404);
      return { bytes };
    },
    listObjects: async (bucket, options) => {
      const listed: ListedObject[] = [...bucketOf(bucket)]
        .filter(([key]) => key.startsWith(options?.prefix ?? ''))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, bytes]) => ({
          key,
          size: bytes.length,
          eTag: `"${createHash('md5').update(bytes).digest('hex')}"`,
          lastModified: MODIFIED,
          storageClass: 'STANDARD',
        }));
      return listed.slice(0, options?.limit ?? listed.length);
    },
    putObject: async (bucket, key, body) => {
      store.set(bucket, store.get(bucket) ?? new Map());
      store.get(bucket)!.set(key, Buffer.from(body));
    },
  };
};

const GET = 'arn:aws:states:::s3:getObject';
const LIST = 'arn:aws:states:::s3:listObjectsV2';
const getRequest = (key: string, readerConfig: Record<string, unknown>, parameters: Record<string, unknown> = {}): ItemReaderRequest => ({
  resource: GET,
  parameters: { Bucket: 'data', Key: key, ...parameters },
  readerConfig,
});

/** Reads `body` stored as data/<key> with the ReaderConfig. */
const readBody = (body: string | Uint8Array, readerConfig: Record<string, unknown>, key = 'file') =>
  readItems(memoryBuckets({ data: { [key]: body } }), getRequest(key, readerConfig));

const itemsOf = (t: { fail: (m: string) => void }, outcome: ItemReaderOutcome): unknown[] => {
  if (!outcome.ok) {
    t.fail(`expected items, got ${outcome.cause}`);
    return [];
  }
  return outcome.items;
};
const failed = (cause: string): ItemReaderOutcome => ({ ok: false, error: ITEM_READER_FAILED, cause });

// ---------------------------------------------------------------------------------------------
// JSON

const FACTS = [
  { verdict: 'true', statement_date: '6/11/2008', statement_source: 'speech' },
  { verdict: 'false', statement_date: '6/7/2022', statement_source: 'television' },
  { verdict: 'mostly-true', statement_date: '5/18/2016', statement_source: 'news' },
];

test('JSON: the items are the elements of the array the file holds', async (t) => {
  t.deepEqual(await readBody(JSON.stringify(FACTS), { InputType: 'JSON' }), { ok: true, items: FACTS });
});

test('JSON is what a getObject reader reads when ReaderConfig names no InputType', async (t) => {
  t.deepEqual(await readBody(JSON.stringify([1, 'two', null]), {}), { ok: true, items: [1, 'two', null] });
});

test('JSON: ItemsPointer selects the array inside an object (DG example /inventory/products/featured)', async (t) => {
  const doc = { inventory: { products: { featured: FACTS, other: [9] } } };
  t.deepEqual(await readBody(JSON.stringify(doc), { InputType: 'JSON', ItemsPointer: '/inventory/products/featured' }), { ok: true, items: FACTS });
});

test('JSON: ItemsPointer is an RFC 6901 pointer — ~1 is "/", ~0 is "~", digits index arrays, "" is the document', async (t) => {
  const doc = { 'a/b': { 'c~d': [{ list: ['x', 'y'] }, { list: ['z'] }] } };
  t.deepEqual(await readBody(JSON.stringify(doc), { ItemsPointer: '/a~1b/c~0d/1/list' }), { ok: true, items: ['z'] });
  t.deepEqual(await readBody('[1,2]', { ItemsPointer: '' }), { ok: true, items: [1, 2] });
});

test('JSON: an object read without ItemsPointer fails as AWS does (recorded)', async (t) => {
  t.deepEqual(await readBody('{"Hello":"world"}', { InputType: 'JSON' }), failed(NON_ITERABLE_CAUSE));
  t.deepEqual(await readBody('42', { InputType: 'JSON' }), failed(NON_ITERABLE_CAUSE));
  t.deepEqual(await readBody('{"a":{"b":1}}', { ItemsPointer: '/a' }), failed(NON_ITERABLE_CAUSE));
});

test('JSON: a pointer to nothing, a malformed pointer and malformed JSON fail with a cause that says which', async (t) => {
  t.deepEqual(await readBody('{"a":[1]}', { ItemsPointer: '/b' }), failed('ItemsPointer "/b" does not point to a node of the JSON file.'));
  t.deepEqual(await readBody('{"a":[1]}', { ItemsPointer: '/a/01' }), failed('ItemsPointer "/a/01" does not point to a node of the JSON file.'));
  t.deepEqual(await readBody('{"a":[1]}', { ItemsPointer: 'a' }), failed('ItemsPointer "a" is not a JSON Pointer: it must be empty or start with "/".'));
  t.deepEqual(await readBody('{"a~":[1]}', { ItemsPointer: '/a~' }), failed('ItemsPointer "/a~" is not a JSON Pointer: "~" must be followed by 0 or 1.'));
  const broken = await readBody('[{"a": 1},', { InputType: 'JSON' });
  t.false(broken.ok);
  t.regex(broken.ok ? '' : broken.cause, /^s3:\/\/data\/file is not valid JSON: /);
});

// ---------------------------------------------------------------------------------------------
// MaxItems

test('MaxItems: at most that many items; 0 means all; above 100,000,000 reads all (recorded)', async (t) => {
  const body = JSON.stringify([1, 2, 3, 4]);
  t.deepEqual(await readBody(body, { InputType: 'JSON', MaxItems: 2 }), { ok: true, items: [1, 2] });
  t.deepEqual(await readBody(body, { InputType: 'JSON', MaxItems: 0 }), { ok: true, items: [1, 2, 3, 4] });
  t.deepEqual(await readBody(body, { InputType: 'JSON', MaxItems: 100_000_001 }), { ok: true, items: [1, 2, 3, 4] });
});

test('MaxItems: a negative value fails with the recorded cause; a fraction fails too', async (t) => {
  t.deepEqual(await readBody('[1]', { InputType: 'JSON', MaxItems: -1 }), failed(MAX_ITEMS_NEGATIVE_CAUSE));
  t.deepEqual(await readBody('[1]', { InputType: 'JSON', MaxItems: 1.5 }), failed('field MaxItems must be an integer; got 1.5'));
});

// ---------------------------------------------------------------------------------------------
// JSON Lines

test('JSONL: one item per line, CRLF or LF, blank lines skipped', async (t) => {
  const body = FACTS.map((f) => JSON.stringify(f)).join('\r\n') + '\n\n  \n"a string"\n7';
  t.deepEqual(await readBody(body, { InputType: 'JSONL' }), { ok: true, items: [...FACTS, 'a string', 7] });
  t.deepEqual(await readBody(body, { InputType: 'JSONL', MaxItems: 2 }), { ok: true, items: FACTS.slice(0, 2) });
  t.deepEqual(await readBody('', { InputType: 'JSONL' }), { ok: true, items: [] });
});

test('JSONL: a line that is not JSON fails naming the line', async (t) => {
  const outcome = await readBody('{"a":1}\n{"a":\n{"a":3}', { InputType: 'JSONL' });
  t.regex(outcome.ok ? '' : outcome.cause, /^s3:\/\/data\/file: line 2 is not valid JSON: /);
});

// ---------------------------------------------------------------------------------------------
// CSV

/** The CSV LocalStack's validated tests put to AWS, and what AWS answered (key order aside). */
const RECORDED_ROWS = "Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";

test('CSV FIRST_ROW: values are strings, short rows padded with "", extra fields dropped (recorded)', async (t) => {
  t.deepEqual(await readBody(`Col1,Col2,Col3\n${RECORDED_ROWS}`, { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), {
    ok: true,
    items: [
      { Col1: 'Value1', Col2: 'Value2', Col3: 'Value3' },
      { Col1: 'Value4', Col2: 'Value5', Col3: 'Value6' },
      { Col1: '', Col2: '', Col3: '' },
      { Col1: 'true', Col2: '1', Col3: "'HelloWorld'" },
      { Col1: 'Null', Col2: 'None', Col3: '' },
      { Col1: '   ', Col2: '', Col3: '' },
    ],
  });
});

test('CSV GIVEN: the definition names the columns; a row of more fields keeps only those (recorded)', async (t) => {
  const given = await readBody(RECORDED_ROWS, { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['H1', 'H2', 'H3'] });
  t.deepEqual(itemsOf(t, given)[3], { H1: 'true', H2: '1', H3: "'HelloWorld'" });
  t.deepEqual(await readBody(RECORDED_ROWS, { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['H1'] }), {
    ok: true,
    items: [{ H1: 'Value1' }, { H1: 'Value4' }, { H1: '' }, { H1: 'true' }, { H1: 'Null' }, { H1: '   ' }],
  });
});

test('CSV: headers are taken as written — an empty header and typed-looking ones are keys (recorded)', async (t) => {
  t.deepEqual(await readBody('H1,\nValue4,Value5,Value6\n,,,\n', { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), {
    ok: true,
    items: [
      { H1: 'Value4', '': 'Value5' },
      { H1: '', '': '' },
    ],
  });
  t.deepEqual(await readBody('0,True,{}\nValue4,Value5,Value6\n', { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), {
    ok: true,
    items: [{ '0': 'Value4', True: 'Value5', '{}': 'Value6' }],
  });
});

test('CSV: duplicate headers fail with the recorded cause, given or in the first row', async (t) => {
  t.deepEqual(await readBody(RECORDED_ROWS, { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['H1', 'H1', 'H3'] }), failed(DUPLICATE_HEADERS_CAUSE));
  t.deepEqual(await readBody('a,b,a\n1,2,3\n', { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), failed(DUPLICATE_HEADERS_CAUSE));
});

test('CSV: the DG parsing example — quoted commas, "" and a newline, "" in an unquoted field', async (t) => {
  const body = 'abc,123,"This string contains commas, a double quotation marks (""), and a newline (\n)",{""MyKey"":""MyValue""},"[1,2,3]"';
  const config = { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['MyLetters', 'MyNumbers', 'MyString', 'MyObject', 'MyArray'] };
  t.deepEqual(await readBody(body, config), {
    ok: true,
    items: [
      {
        MyLetters: 'abc',
        MyNumbers: '123',
        MyString: 'This string contains commas, a double quotation marks ("), and a newline (\n)',
        MyObject: '{"MyKey":"MyValue"}',
        MyArray: '[1,2,3]',
      },
    ],
  });
});

test('CSV: a backslash escapes a backslash, a quote or the delimiter, and is dropped before anything else (DG)', async (t) => {
  const body = 'path,size\nC:\\\\Program Files\\\\MyApp.exe,6534512\na\\,b,\\"q\\"\n"in \\"quotes\\"",\\x\\n\n';
  t.deepEqual(await readBody(body, { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), {
    ok: true,
    items: [
      { path: 'C:\\Program Files\\MyApp.exe', size: '6534512' },
      { path: 'a,b', size: '"q"' },
      { path: 'in "quotes"', size: 'xn' },
    ],
  });
});

test('CSV: each CSVDelimiter separates fields; a quoted delimiter does not', async (t) => {
  const cases = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;
  for (const [name, d] of Object.entries(cases)) {
    const body = `a${d}b\n1${d}"x${d}y"\n`;
    t.deepEqual(
      await readBody(body, { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', CSVDelimiter: name }),
      { ok: true, items: [{ a: '1', b: `x${d}y` }] },
      name,
    );
  }
  t.deepEqual(await readBody('a|b\n1,2|3\n', { InputType: 'CSV', CSVDelimiter: 'PIPE' }), { ok: true, items: [{ a: '1,2', b: '3' }] });
});

test('CSV: CRLF and lone CR end records, empty lines hold none, a quoted CRLF stays, a BOM is dropped', async (t) => {
  const body = '\uFEFFa,b\r\n1,"two\r\nlines"\r\n\r\n3,4\r5,6';
  t.deepEqual(await readBody(body, { InputType: 'CSV' }), {
    ok: true,
    items: [
      { a: '1', b: 'two\r\nlines' },
      { a: '3', b: '4' },
      { a: '5', b: '6' },
    ],
  });
});

test('CSV: MaxItems counts rows after the header (recorded: MaxItems 2 of 4)', async (t) => {
  const body = 'Col1,Col2\nValue1,Value2\nValue3,Value4\nValue5,Value6\nValue7,Value8\n';
  t.deepEqual(await readBody(body, { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 2 }), {
    ok: true,
    items: [
      { Col1: 'Value1', Col2: 'Value2' },
      { Col1: 'Value3', Col2: 'Value4' },
    ],
  });
});

test('CSV: a quoted field never closed fails naming its line; an empty file has no items', async (t) => {
  t.deepEqual(await readBody('a,b\n1,2\n3,"open\n', { InputType: 'CSV' }), failed('The CSV has a quoted field, opened on line 3, that is never closed.'));
  t.deepEqual(await readBody('', { InputType: 'CSV' }), { ok: true, items: [] });
});

test('CSV: headers up to 10 KiB are read; longer ones fail', async (t) => {
  const header = (bytes: number) => ['a'.repeat(bytes - 2), 'b'].join(',');
  t.true((await readBody(`${header(CSV_HEADERS_MAX_BYTES)}\n1,2\n`, { InputType: 'CSV' })).ok);
  t.deepEqual(
    await readBody(`${header(CSV_HEADERS_MAX_BYTES + 1)}\n1,2\n`, { InputType: 'CSV' }),
    failed('CSV headers must not exceed 10240 bytes (10 KiB); these are 10241.'),
  );
  const given = await readBody('1\n', { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['x'.repeat(CSV_HEADERS_MAX_BYTES + 1)] });
  t.false(given.ok);
});

test('CSV: GIVEN without CSVHeaders, or an unknown delimiter, is refused with the field named', async (t) => {
  t.deepEqual(
    await readBody('1\n', { InputType: 'CSV', CSVHeaderLocation: 'GIVEN' }),
    failed('ReaderConfig field CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is GIVEN.'),
  );
  t.deepEqual(
    await readBody('1\n', { InputType: 'CSV', CSVDelimiter: 'COLON' }),
    failed('ReaderConfig field CSVDelimiter must be one of COMMA, PIPE, SEMICOLON, SPACE, TAB; got "COLON".'),
  );
});

test('CSV: pathological input (a million quotes, backslashes, delimiters) is read in one pass', (t) => {
  const n = 1_000_000;
  let records = 0;
  t.is(
    splitCsv(`"${'""'.repeat(n)}"`, ',', () => ++records > 0),
    undefined,
  );
  t.is(records, 1);
  const fields: string[][] = [];
  splitCsv('\\'.repeat(2 * n) + ','.repeat(n), ',', (f) => fields.push(f) > 0);
  t.is(fields[0]![0]!.length, n);
  t.is(fields[0]!.length, n + 1);
});

/** Writes a field so the reader gives it back: quoted when it holds a delimiter, quote or line break; quotes doubled, backslashes doubled. */
const writeField = (value: string, delimiter: string) => {
  const escaped = value.replaceAll('\\', '\\\\');
  return value === '' || /["\r\n]/.test(value) || value.includes(delimiter) ? `"${escaped.replaceAll('"', '""')}"` : escaped;
};

test('CSV property: rows written with proper quoting read back as the same strings', async (t) => {
  const char = fc.constantFrom('a', 'Z', '0', ' ', ',', '|', ';', '\t', '"', '\\', '\r', '\n', "'", 'é', '😀');
  const field = fc.array(char, { maxLength: 8 }).map((cs) => cs.join(''));
  const delimiters = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...(Object.keys(delimiters) as (keyof typeof delimiters)[])),
      fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 6 })),
      fc.constantFrom('\n', '\r\n'),
      async (name, rows, newline) => {
        const d = delimiters[name];
        const width = rows[0]?.length ?? 1;
        const headers = Array.from({ length: width }, (_, k) => `h${k}`);
        const body = rows.map((row) => row.map((v) => writeField(v, d)).join(d) + newline).join('');
        const outcome = await parseItems(Buffer.from(body), { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: headers, CSVDelimiter: name });
        const expected = rows.map((row) => Object.fromEntries(headers.map((h, k) => [h, row[k]])));
        t.deepEqual(outcome, { ok: true, items: expected });
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------
// Compression and the size cap

test('a gzip-compressed object is read through (DG: external GZIP compression)', async (t) => {
  const body = gzipSync(Buffer.from('{"n":1}\n{"n":2}\n'));
  t.deepEqual(await readBody(body, { InputType: 'JSONL' }, 'file.jsonl.gz'), { ok: true, items: [{ n: 1 }, { n: 2 }] });
});

test('a zstd-compressed object is read where Node has zstd, and refused with the reason where not', async (t) => {
  const outcome = await readBody(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), { InputType: 'JSONL' });
  t.false(outcome.ok);
  t.regex(outcome.ok ? '' : outcome.cause, /zstd-compressed; reading it needs Node\.js 22\.15|could not be decompressed/);
});

test('the read is capped: an object, or what a small gzip expands to, past maxReadBytes fails', async (t) => {
  const buckets = memoryBuckets({ data: { big: JSON.stringify(Array(100).fill(1)), bomb: gzipSync(Buffer.alloc(1_000_000, 0x20)) } });
  const cause = (key: string) => `s3://data/${key} is larger than the 150 bytes one ItemReader may read (decompressed, over all the objects it reads).`;
  t.deepEqual(await readItems(buckets, getRequest('big', { InputType: 'JSON' }), { maxReadBytes: 150 }), failed(cause('big')));
  t.deepEqual(await readItems(buckets, getRequest('bomb', { InputType: 'JSON' }), { maxReadBytes: 150 }), failed(cause('bomb')));
  t.true((await readItems(buckets, getRequest('big', { InputType: 'JSON' }), { maxReadBytes: 201 })).ok);
});

// ---------------------------------------------------------------------------------------------
// Parquet

test('PARQUET: rows become objects; INT64 past 2^53 a decimal string, DATE YYYY-MM-DD, TIMESTAMP ISO-8601', async (t) => {
  t.deepEqual(await readBody(PARQUET, { InputType: 'PARQUET' }), { ok: true, items: PARQUET_ITEMS });
});

test('PARQUET: internally gzip-compressed pages are read (DG: GZIP, ZSTD, Snappy)', async (t) => {
  t.deepEqual(await readBody(PARQUET_GZIP, { InputType: 'PARQUET' }), { ok: true, items: PARQUET_ITEMS });
});

test('PARQUET: MaxItems stops after that many rows', async (t) => {
  t.deepEqual(await readBody(PARQUET, { InputType: 'PARQUET', MaxItems: 2 }), { ok: true, items: PARQUET_ITEMS.slice(0, 2) });
});

test('PARQUET: a file that is not Parquet, a damaged one and a VersionId are refused', async (t) => {
  t.deepEqual(await readBody('[1,2]', { InputType: 'PARQUET' }), failed('s3://data/file is not a Parquet file.'));
  const damaged = Buffer.concat([PARQUET.subarray(0, 4), Buffer.alloc(PARQUET.length - 8, 0xff), PARQUET.subarray(-4)]);
  const outcome = await readBody(damaged, { InputType: 'PARQUET' });
  t.false(outcome.ok);
  const buckets = memoryBuckets({ data: { 'items.parquet': PARQUET } });
  t.deepEqual(
    await readItems(buckets, getRequest('items.parquet', { InputType: 'PARQUET' }, { VersionId: 'v1' })),
    failed('VersionId is not supported for InputType PARQUET.'),
  );
});

test('parquetValueAsJson: safe integers stay numbers, NaN and -0 become JSON, bytes base64', (t) => {
  t.is(parquetValueAsJson(9007199254740991n), 9007199254740991);
  t.is(parquetValueAsJson(-9007199254740991n), -9007199254740991);
  t.is(parquetValueAsJson(-9007199254740992n), '-9007199254740992');
  t.is(parquetValueAsJson(Number.NaN), null);
  t.true(Object.is(parquetValueAsJson(-0), 0));
  t.is(parquetValueAsJson(new Uint8Array([1, 2, 255])), 'AQL/');
  t.deepEqual(parquetValueAsJson({ list: [1n, undefined], at: new Date(0) }), { list: [1, null], at: '1970-01-01T00:00:00.000Z' });
});

// ---------------------------------------------------------------------------------------------
// S3 inventory manifest

const inventoryRow = (key: string, size: number, modified: string) => `"amzn-s3-demo-source-bucket","${key}","${size}","${modified}"\n`;
const INVENTORY = {
  sourceBucket: 'amzn-s3-demo-source-bucket',
  destinationBucket: 'arn:aws:s3:::inventory',
  version: '2016-11-30',
  creationTimestamp: '1668560400000',
  fileFormat: 'CSV',
  fileSchema: 'Bucket, Key, Size, LastModifiedDate',
  files: [
    { key: 'dest/source/config/data/part-1.csv.gz', size: 7300, MD5checksum: 'x' },
    { key: 'dest/source/config/data/part-2.csv.gz', size: 7300, MD5checksum: 'y' },
  ],
};
const inventoryBuckets = (manifest: object = INVENTORY) =>
  memoryBuckets({
    inventory: {
      'dest/source/config/2022-11-16T00-00Z/manifest.json': JSON.stringify(manifest),
      'dest/source/config/data/part-1.csv.gz': gzipSync(
        inventoryRow('csvDataset/', 0, '2022-11-16T00:27:19.000Z') + inventoryRow('csvDataset/titles.csv', 3399671, '2022-11-16T00:29:32.000Z'),
      ),
      'dest/source/config/data/part-2.csv.gz': gzipSync(inventoryRow('imageDataset/n02085620_10074.jpg', 27034, '2022-11-15T20:02:16.000Z')),
    },
  });
const inventoryRequest = (readerConfig: Record<string, unknown>): ItemReaderRequest => ({
  resource: GET,
  parameters: { Bucket: 'inventory', Key: 'dest/source/config/2022-11-16T00-00Z/manifest.json' },
  readerConfig,
});
const INVENTORY_ITEMS = [
  { Bucket: 'amzn-s3-demo-source-bucket', Key: 'csvDataset/', Size: '0', LastModifiedDate: '2022-11-16T00:27:19.000Z' },
  { Bucket: 'amzn-s3-demo-source-bucket', Key: 'csvDataset/titles.csv', Size: '3399671', LastModifiedDate: '2022-11-16T00:29:32.000Z' },
  { Bucket: 'amzn-s3-demo-source-bucket', Key: 'imageDataset/n02085620_10074.jpg', Size: '27034', LastModifiedDate: '2022-11-15T20:02:16.000Z' },
];

test('MANIFEST: an S3 inventory manifest yields the rows of its gzip CSV files, keyed by fileSchema (DG example)', async (t) => {
  t.deepEqual(await readItems(inventoryBuckets(), inventoryRequest({ InputType: 'MANIFEST' })), { ok: true, items: INVENTORY_ITEMS });
});

test('MANIFEST: ManifestType S3_INVENTORY reads the same, and refuses an InputType beside it', async (t) => {
  t.deepEqual(await readItems(inventoryBuckets(), inventoryRequest({ ManifestType: 'S3_INVENTORY' })), { ok: true, items: INVENTORY_ITEMS });
  t.deepEqual(
    await readItems(inventoryBuckets(), inventoryRequest({ ManifestType: 'S3_INVENTORY', InputType: 'CSV' })),
    failed('InputType must not be set when ManifestType is S3_INVENTORY (the inventory is CSV).'),
  );
});

test('MANIFEST: MaxItems stops across data files; the next file is not read', async (t) => {
  const manifest = { ...INVENTORY, files: [...INVENTORY.files, { key: 'dest/missing.csv.gz' }] };
  t.deepEqual(await readItems(inventoryBuckets(manifest), inventoryRequest({ InputType: 'MANIFEST', MaxItems: 3 })), { ok: true, items: INVENTORY_ITEMS });
  t.deepEqual(await readItems(inventoryBuckets(manifest), inventoryRequest({ InputType: 'MANIFEST', MaxItems: 1 })), {
    ok: true,
    items: INVENTORY_ITEMS.slice(0, 1),
  });
});

test('MANIFEST: a non-CSV inventory, a manifest that is not one and a missing data file fail', async (t) => {
  t.deepEqual(
    await readItems(inventoryBuckets({ ...INVENTORY, fileFormat: 'ORC' }), inventoryRequest({ InputType: 'MANIFEST' })),
    failed("The S3 inventory's format is ORC; Step Functions reads CSV inventories only."),
  );
  t.deepEqual(
    await readItems(inventoryBuckets({ hello: 'world' }), inventoryRequest({ InputType: 'MANIFEST' })),
    failed('s3://inventory/dest/source/config/2022-11-16T00-00Z/manifest.json is not an S3 inventory manifest: it needs fileFormat, fileSchema and files.'),
  );
  t.deepEqual(
    await readItems(inventoryBuckets({ ...INVENTORY, files: [{ key: 'dest/gone.csv.gz' }] }), inventoryRequest({ InputType: 'MANIFEST' })),
    failed('S3 GetObject of s3://inventory/dest/gone.csv.gz failed: NoSuchKey (status 404): The specified key does not exist.'),
  );
});

// ---------------------------------------------------------------------------------------------
// Athena data manifest

const athenaBuckets = () =>
  memoryBuckets({
    results: {
      'q-manifest.csv': 's3://unload/out/part-0.gz\ns3://unload/out/part-1\n',
      'csv-manifest.csv': 's3://unload/csv/part-0\n',
      'parquet-manifest.csv': 's3://unload/pq/part-0.parquet\ns3://unload/pq/part-1.parquet\n',
      'bad-manifest.csv': 'not a uri\n',
    },
    unload: {
      'out/part-0.gz': gzipSync('{"device":"a","t":1}\n{"device":"b","t":2}\n'),
      'out/part-1': '{"device":"c","t":3}\n',
      'csv/part-0': 'a,1\nb,2\n',
      'pq/part-0.parquet': PARQUET,
      'pq/part-1.parquet': PARQUET_GZIP,
    },
  });
const athena = (key: string, readerConfig: Record<string, unknown>): ItemReaderRequest => ({
  resource: GET,
  parameters: { Bucket: 'results', Key: key },
  readerConfig: { ManifestType: 'ATHENA_DATA', ...readerConfig },
});

test('ATHENA_DATA: the manifest lists JSONL data files (gzip or not); their lines are the items, in order', async (t) => {
  const items = [
    { device: 'a', t: 1 },
    { device: 'b', t: 2 },
    { device: 'c', t: 3 },
  ];
  t.deepEqual(await readItems(athenaBuckets(), athena('q-manifest.csv', { InputType: 'JSONL' })), { ok: true, items });
  t.deepEqual(await readItems(athenaBuckets(), athena('q-manifest.csv', { InputType: 'JSONL', MaxItems: 2 })), { ok: true, items: items.slice(0, 2) });
});

test('ATHENA_DATA: CSV data files have no header row, so CSVHeaders are GIVEN', async (t) => {
  const request = athena('csv-manifest.csv', { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['device', 'n'] });
  t.deepEqual(await readItems(athenaBuckets(), request), {
    ok: true,
    items: [
      { device: 'a', n: '1' },
      { device: 'b', n: '2' },
    ],
  });
});

test('ATHENA_DATA: PARQUET data files', async (t) => {
  t.deepEqual(await readItems(athenaBuckets(), athena('parquet-manifest.csv', { InputType: 'PARQUET', MaxItems: 4 })), {
    ok: true,
    items: [...PARQUET_ITEMS, PARQUET_ITEMS[0]],
  });
});

test('ATHENA_DATA: needs the data InputType; a line that is no s3:// URI fails', async (t) => {
  const missing = failed('ManifestType ATHENA_DATA needs InputType CSV, JSONL or PARQUET (the format of the data files).');
  t.deepEqual(await readItems(athenaBuckets(), athena('q-manifest.csv', {})), missing);
  t.deepEqual(await readItems(athenaBuckets(), athena('q-manifest.csv', { InputType: 'JSON' })), missing);
  t.deepEqual(
    await readItems(athenaBuckets(), athena('bad-manifest.csv', { InputType: 'JSONL' })),
    failed('s3://results/bad-manifest.csv is not an Athena data manifest: "not a uri" is not an s3:// URI.'),
  );
});

// ---------------------------------------------------------------------------------------------
// s3:listObjectsV2

const listing = () =>
  memoryBuckets({
    photos: {
      'processData/images/b.jpg': 'bb',
      'processData/images/a.jpg': 'a',
      'processData/': '',
      'other/c.jpg': 'ccc',
    },
    logs: {
      'logs/': '',
      'logs/h1.json': '[{"h":1},{"h":2}]',
      'logs/h2.json': '[{"h":3}]',
    },
  });
const etag = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;

test('listObjectsV2: each object under Prefix is an item {Etag, Key, LastModified (epoch seconds), Size, StorageClass} (DG)', async (t) => {
  const outcome = await readItems(listing(), { resource: LIST, parameters: { Bucket: 'photos', Prefix: 'processData' }, readerConfig: {} });
  t.deepEqual(outcome, {
    ok: true,
    items: [
      { Etag: etag(''), Key: 'processData/', LastModified: 1668699881, Size: 0, StorageClass: 'STANDARD' },
      { Etag: etag('a'), Key: 'processData/images/a.jpg', LastModified: 1668699881, Size: 1, StorageClass: 'STANDARD' },
      { Etag: etag('bb'), Key: 'processData/images/b.jpg', LastModified: 1668699881, Size: 2, StorageClass: 'STANDARD' },
    ],
  });
});

test('listObjectsV2: MaxItems, no Prefix, any partition', async (t) => {
  const outcome = await readItems(listing(), {
    resource: 'arn:aws-us-gov:states:::s3:listObjectsV2',
    parameters: { Bucket: 'photos' },
    readerConfig: { MaxItems: 1 },
  });
  t.deepEqual(
    itemsOf(t, outcome).map((i) => (i as { Key: string }).Key),
    ['other/c.jpg'],
  );
});

test('listObjectsV2 with LOAD_AND_FLATTEN: the listed objects are read and their items flattened; folders skipped', async (t) => {
  const request = (readerConfig: Record<string, unknown>): ItemReaderRequest => ({
    resource: LIST,
    parameters: { Bucket: 'logs', Prefix: 'logs/' },
    readerConfig,
  });
  t.deepEqual(await readItems(listing(), request({ InputType: 'JSON', Transformation: 'LOAD_AND_FLATTEN' })), {
    ok: true,
    items: [{ h: 1 }, { h: 2 }, { h: 3 }],
  });
  t.deepEqual(await readItems(listing(), request({ InputType: 'JSON', Transformation: 'LOAD_AND_FLATTEN', MaxItems: 2 })), {
    ok: true,
    items: [{ h: 1 }, { h: 2 }],
  });
  t.deepEqual(
    await readItems(listing(), request({ Transformation: 'LOAD_AND_FLATTEN' })),
    failed('Transformation LOAD_AND_FLATTEN needs InputType CSV, JSON, JSONL or PARQUET.'),
  );
});

test('listObjectsV2 of a bucket that does not exist fails naming the bucket and S3 error code', async (t) => {
  t.deepEqual(
    await readItems(listing(), { resource: LIST, parameters: { Bucket: 'nope', Prefix: 'x/' }, readerConfig: {} }),
    failed('S3 ListObjectsV2 of s3://nope/x/ failed: NoSuchBucket (status 404): The specified bucket does not exist'),
  );
});

// ---------------------------------------------------------------------------------------------
// Request errors

test('a missing object fails naming bucket, key and the S3 error code', async (t) => {
  t.deepEqual(
    await readItems(memoryBuckets({ data: {} }), getRequest('missing.json', { InputType: 'JSON' })),
    failed('S3 GetObject of s3://data/missing.json failed: NoSuchKey (status 404): The specified key does not exist.'),
  );
});

test('an unknown Resource, a missing Bucket or Key and an unknown InputType are refused', async (t) => {
  const buckets = memoryBuckets({ data: { k: '[]' } });
  t.deepEqual(
    await readItems(buckets, { resource: 'arn:aws:states:::s3:putObject', parameters: { Bucket: 'data', Key: 'k' }, readerConfig: {} }),
    failed('The ItemReader\'s Resource "arn:aws:states:::s3:putObject" is not arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2.'),
  );
  t.deepEqual(
    await readItems(buckets, { resource: GET, parameters: { Key: 'k' }, readerConfig: {} }),
    failed("The ItemReader's Bucket must be a non-empty string; got undefined."),
  );
  t.deepEqual(
    await readItems(buckets, { resource: GET, parameters: { Bucket: 'data', Key: 3 }, readerConfig: {} }),
    failed("The ItemReader's Key must be a non-empty string; got 3."),
  );
  t.deepEqual(
    await readItems(buckets, getRequest('k', { InputType: 'XML' })),
    failed('ReaderConfig field InputType must be one of CSV, JSON, JSONL, PARQUET, MANIFEST; got "XML".'),
  );
  t.deepEqual(
    await readItems(buckets, getRequest('k', { InputType: 'JSON', Transformation: 'LOAD_AND_FLATTEN' })),
    failed('Transformation LOAD_AND_FLATTEN applies to arn:aws:states:::s3:listObjectsV2 only.'),
  );
});

test('parseItems reads bytes without S3, and says a MANIFEST needs S3', async (t) => {
  t.deepEqual(await parseItems(Buffer.from('a,b\n1,2\n'), { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }), { ok: true, items: [{ a: '1', b: '2' }] });
  t.deepEqual(
    await parseItems(Buffer.from('{}'), { InputType: 'MANIFEST' }),
    failed('InputType MANIFEST names a manifest whose data files are read from S3: this data cannot be read on its own (give the data files themselves).'),
  );
});
