/**
 * A Distributed Map's `ItemReader` (issue 20): reads the dataset from S3 and turns its bytes into
 * the items array. The decider evaluates the reader's `Parameters`/`Arguments` and `MaxItems(Path)`
 * and hands over an {@link ItemReaderRequest}; {@link readItems} performs it.
 *
 * What AWS defines, and this module follows (sources: DG = the Step Functions Developer Guide,
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html and
 * …/example-csv-parse-dist-map.html; rec = AWS answers recorded in LocalStack's validated snapshots,
 * `tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json`):
 * - `ReaderConfig` holds `InputType` (CSV, JSON, JSONL, PARQUET, MANIFEST), `ManifestType`
 *   (ATHENA_DATA, S3_INVENTORY), `Transformation` (NONE, LOAD_AND_FLATTEN), `CSVDelimiter` (COMMA
 *   default, PIPE, SEMICOLON, SPACE, TAB), `CSVHeaderLocation` (FIRST_ROW, GIVEN) with `CSVHeaders`,
 *   `ItemsPointer` (a JSON Pointer into a JSON file) and `MaxItems` (DG).
 * - A JSON file holds an array, or an object whose array `ItemsPointer` selects (DG); a JSON object
 *   read without one fails `Attempting to map over non-iterable node.` (rec).
 * - CSV: every field a string; quoted fields may hold delimiters and newlines; `""` is a quote, in
 *   quoted and unquoted fields; a backslash escapes a backslash, a quote or the delimiter and is
 *   dropped before any other character; a short row gets `""` for the missing fields, a long row
 *   loses the extra ones (DG, rec); duplicate headers fail `CSV headers cannot contain duplicates.`
 *   (rec); headers are at most 10 KiB (DG).
 * - `MaxItems` 0 reads everything, a negative one fails `field MaxItems must be positive`, and no
 *   more than 100,000,000 items are read (rec, DG).
 * - `s3:listObjectsV2` items are `{Etag, Key, LastModified, Size, StorageClass}`, `LastModified` in
 *   epoch seconds and `Etag` with its quotes (DG example); `LOAD_AND_FLATTEN` reads the listed
 *   objects' contents instead (DG).
 * - An S3 inventory `manifest.json` lists gzip CSV data files whose rows become objects keyed by its
 *   `fileSchema`; an Athena `UNLOAD` manifest lists data files of one `InputType` (DG).
 * - Parquet: row groups of at most 256 MB, a footer of at most 5 MB, no `VersionId` (DG). Objects may
 *   be gzip or zstd compressed as a whole (DG).
 * Where AWS's behaviour is not known (blank JSONL and CSV lines, Parquet value encodings, S3 error
 * causes, the size cap) the choice is made, and said, where the code makes it.
 */
import * as zlib from 'node:zlib';
import { parquetMetadata, parquetReadObjects, type Compressors } from 'hyparquet';
import { BucketError, type Buckets, type ListedObject } from '../aws/buckets.js';

/** What the decider asks the runtime to read. */
export interface ItemReaderRequest {
  /** The reader's Resource: `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2` (any partition). */
  readonly resource: string;
  /** The evaluated Parameters (JSONPath) or Arguments (JSONata): Bucket, Key, VersionId, Prefix, … */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** ReaderConfig as written in the definition, with MaxItems already resolved to a number (MaxItemsPath evaluated by the decider). */
  readonly readerConfig: Readonly<Record<string, unknown>>;
}

/** The items read, or why not (always `States.ItemReaderFailed`, recorded as the Map Run's failure). */
export type ItemReaderOutcome = { readonly ok: true; readonly items: unknown[] } | { readonly ok: false; readonly error: string; readonly cause: string };

type Failure = Extract<ItemReaderOutcome, { ok: false }>;
type Result<T> = { readonly ok: true; readonly value: T } | Failure;

/** How much one read may take in. Ours, not AWS's: AWS reads files of up to 10 GB, but an engine that holds the items in memory must stop sooner. */
export interface ItemReaderLimits {
  /** Bytes, after decompression, over every object one read takes in (the manifest and all its data files count together). */
  readonly maxReadBytes: number;
}

/** 256 MiB: room for millions of small items, and far below what would exhaust a Node heap. */
export const ITEM_READER_LIMITS: ItemReaderLimits = { maxReadBytes: 256 * 1024 * 1024 };

export const ITEM_READER_FAILED = 'States.ItemReaderFailed';
/** DG: "You can specify a limit of up to 100,000,000 after which the Distributed Map stops reading items." */
export const MAX_ITEMS_READ = 100_000_000;
/** DG: "Currently, Step Functions supports CSV headers of up to 10 KiB." */
export const CSV_HEADERS_MAX_BYTES = 10 * 1024;
/** DG: "256MB is the maximum row-group size, and 5MB is the maximum footer size." */
export const PARQUET_MAX_ROW_GROUP_BYTES = 256 * 1000 * 1000;
export const PARQUET_MAX_FOOTER_BYTES = 5 * 1000 * 1000;

/** rec: the cause AWS gives for a JSON file that is not an array (and for an ItemsPointer to a non-array). */
export const NON_ITERABLE_CAUSE = 'Attempting to map over non-iterable node.';
export const DUPLICATE_HEADERS_CAUSE = 'CSV headers cannot contain duplicates.';
export const MAX_ITEMS_NEGATIVE_CAUSE = 'field MaxItems must be positive';

const fail = (cause: string): Failure => ({ ok: false, error: ITEM_READER_FAILED, cause });
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

// ---------------------------------------------------------------------------------------------
// ReaderConfig, decoded once

const INPUT_TYPES = ['CSV', 'JSON', 'JSONL', 'PARQUET', 'MANIFEST'] as const;
type InputType = (typeof INPUT_TYPES)[number];
const MANIFEST_TYPES = ['ATHENA_DATA', 'S3_INVENTORY'] as const;
const TRANSFORMATIONS = ['NONE', 'LOAD_AND_FLATTEN'] as const;
const CSV_DELIMITERS = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' } as const;
const HEADER_LOCATIONS = ['FIRST_ROW', 'GIVEN'] as const;

interface CsvSettings {
  readonly delimiter: string;
  /** The GIVEN headers; undefined when the first row holds them. */
  readonly headers: readonly string[] | undefined;
}

interface ReaderSettings {
  readonly inputType: InputType | undefined;
  readonly manifestType: (typeof MANIFEST_TYPES)[number] | undefined;
  readonly flatten: boolean;
  readonly csv: CsvSettings;
  readonly itemsPointer: string | undefined;
  /** How many items to read at most: MaxItems, or 100,000,000 when it is 0 or absent. */
  readonly maxItems: number;
}

const oneOf = <V extends string>(config: Readonly<Record<string, unknown>>, field: string, values: readonly V[]): Result<V | undefined> => {
  const value = config[field];
  if (value === undefined) return ok(undefined);
  return typeof value === 'string' && (values as readonly string[]).includes(value)
    ? ok(value as V)
    : fail(`ReaderConfig field ${field} must be one of ${values.join(', ')}; got ${JSON.stringify(value)}.`);
};

const decodeMaxItems = (value: unknown): Result<number> => {
  if (value === undefined || value === 0) return ok(MAX_ITEMS_READ);
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail(`field MaxItems must be an integer; got ${JSON.stringify(value)}`);
  if (value < 0) return fail(MAX_ITEMS_NEGATIVE_CAUSE);
  return ok(Math.min(value, MAX_ITEMS_READ));
};

const decodeReaderConfig = (config: Readonly<Record<string, unknown>>): Result<ReaderSettings> => {
  const inputType = oneOf(config, 'InputType', INPUT_TYPES);
  if (!inputType.ok) return inputType;
  const manifestType = oneOf(config, 'ManifestType', MANIFEST_TYPES);
  if (!manifestType.ok) return manifestType;
  const transformation = oneOf(config, 'Transformation', TRANSFORMATIONS);
  if (!transformation.ok) return transformation;
  const delimiter = oneOf(config, 'CSVDelimiter', Object.keys(CSV_DELIMITERS) as (keyof typeof CSV_DELIMITERS)[]);
  if (!delimiter.ok) return delimiter;
  const location = oneOf(config, 'CSVHeaderLocation', HEADER_LOCATIONS);
  if (!location.ok) return location;
  const maxItems = decodeMaxItems(config['MaxItems']);
  if (!maxItems.ok) return maxItems;
  const pointer = config['ItemsPointer'];
  if (pointer !== undefined && typeof pointer !== 'string') return fail('ReaderConfig field ItemsPointer must be a string (a JSON Pointer).');
  let headers: readonly string[] | undefined;
  if (location.value === 'GIVEN') {
    const given = config['CSVHeaders'];
    if (!Array.isArray(given) || given.length === 0 || !given.every((h) => typeof h === 'string')) {
      return fail('ReaderConfig field CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is GIVEN.');
    }
    headers = given as string[];
  }
  return ok({
    inputType: inputType.value,
    manifestType: manifestType.value,
    flatten: transformation.value === 'LOAD_AND_FLATTEN',
    csv: { delimiter: CSV_DELIMITERS[delimiter.value ?? 'COMMA'], headers },
    itemsPointer: pointer,
    maxItems: maxItems.value,
  });
};

// ---------------------------------------------------------------------------------------------
// Bytes: size budget, whole-object compression, text

/** What is left of {@link ItemReaderLimits.maxReadBytes} for this read. */
interface Budget {
  remaining: number;
  readonly max: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];
const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/** Node 22.15+ has zstd; on older Nodes a zstd object fails with a cause that says so. */
const zstdDecompressSync = (zlib as { zstdDecompressSync?: (b: Uint8Array, o?: { maxOutputLength?: number }) => Buffer }).zstdDecompressSync;

const tooLarge = (what: string, budget: Budget) =>
  fail(`${what} is larger than the ${budget.max} bytes one ItemReader may read (decompressed, over all the objects it reads).`);

/**
 * The object's bytes with a whole-object gzip or zstd compression undone (DG: "Input files support
 * the following external compression types: GZIP, ZSTD"), charged to the budget. The format is told
 * by its magic number rather than the `.gz`/`.zstd` name AWS's examples use.
 */
const decompress = (bytes: Uint8Array, what: string, budget: Budget): Result<Uint8Array> => {
  if (bytes.length > budget.remaining) return tooLarge(what, budget);
  let out = bytes;
  try {
    if (startsWith(bytes, GZIP_MAGIC)) out = zlib.gunzipSync(bytes, { maxOutputLength: Math.max(1, budget.remaining) });
    else if (startsWith(bytes, ZSTD_MAGIC)) {
      if (!zstdDecompressSync) return fail(`${what} is zstd-compressed; reading it needs Node.js 22.15 or later.`);
      out = zstdDecompressSync(bytes, { maxOutputLength: Math.max(1, budget.remaining) });
    }
  } catch (e) {
    if (e instanceof RangeError) return tooLarge(what, budget);
    return fail(`${what} could not be decompressed: ${messageOf(e)}`);
  }
  if (out.length > budget.remaining) return tooLarge(what, budget);
  budget.remaining -= out.length;
  return ok(out);
};

/** UTF-8 text; a byte-order mark is dropped (it would otherwise stick to the first CSV header). */
const textOf = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes);

// ---------------------------------------------------------------------------------------------
// JSON and JSON Lines

/** RFC 6901: `""` is the whole document, `/a/0/b~1c` walks keys and indexes (`~1` is `/`, `~0` is `~`). */
const resolvePointer = (doc: unknown, pointer: string): Result<unknown> => {
  if (pointer === '') return ok(doc);
  if (!pointer.startsWith('/')) return fail(`ItemsPointer ${JSON.stringify(pointer)} is not a JSON Pointer: it must be empty or start with "/".`);
  let node = doc;
  for (const raw of pointer.slice(1).split('/')) {
    if (/~[^01]|~$/.test(raw)) return fail(`ItemsPointer ${JSON.stringify(pointer)} is not a JSON Pointer: "~" must be followed by 0 or 1.`);
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < node.length) node = node[Number(token)];
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, token)) node = (node as Record<string, unknown>)[token];
    else return fail(`ItemsPointer ${JSON.stringify(pointer)} does not point to a node of the JSON file.`);
  }
  return ok(node);
};

const parseJson = (text: string, pointer: string | undefined, limit: number, what: string): Result<unknown[]> => {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(`${what} is not valid JSON: ${messageOf(e)}`);
  }
  const node = pointer === undefined ? ok(doc) : resolvePointer(doc, pointer);
  if (!node.ok) return node;
  if (!Array.isArray(node.value)) return fail(NON_ITERABLE_CAUSE);
  return ok(node.value.length > limit ? node.value.slice(0, limit) : node.value);
};

/** One JSON value per line (`\n` or `\r\n`); lines of only whitespace are skipped. */
const parseJsonLines = (text: string, limit: number, what: string): Result<unknown[]> => {
  const items: unknown[] = [];
  let line = 0;
  for (let start = 0; start < text.length && items.length < limit;) {
    const end = text.indexOf('\n', start);
    const stop = end === -1 ? text.length : end;
    line++;
    const content = text.slice(start, stop);
    start = stop + 1;
    if (content.trim() === '') continue;
    try {
      items.push(JSON.parse(content));
    } catch (e) {
      return fail(`${what}: line ${line} is not valid JSON: ${messageOf(e)}`);
    }
  }
  return ok(items);
};

// ---------------------------------------------------------------------------------------------
// CSV: one pass over the text, no regular expressions

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits `text` into records of fields by the rules the DG gives (see the module comment) and calls
 * `onRecord` with each, with the record's span in `text`; stops when it returns `false`. Empty lines
 * hold no record. Returns the failure of an unterminated quoted field, else undefined.
 * Linear: every character is looked at once, and a field is built from slices between escapes.
 */
export const splitCsv = (text: string, delimiter: string, onRecord: (fields: string[], start: number, end: number) => boolean): string | undefined => {
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  let fields: string[] = [];
  let field = '';
  let seg = 0; // start of the field's pending, unescaped characters
  let quoted = false;
  let fieldStart = true; // nothing of the current field consumed yet
  let recordStart = 0;
  let inRecord = false; // anything of the current record consumed
  let line = 1;
  let quoteLine = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      // A backslash escapes a backslash, a quote or the delimiter; before anything else it is dropped.
      field += text.slice(seg, i);
      const next = text.charCodeAt(i + 1);
      const escapes = next === BACKSLASH || next === QUOTE || next === delim;
      if (escapes) field += text[i + 1];
      i += escapes ? 2 : 1;
      seg = i;
      fieldStart = false;
      inRecord = true;
      continue;
    }
    if (quoted) {
      if (c === QUOTE) {
        field += text.slice(seg, i);
        if (text.charCodeAt(i + 1) === QUOTE) {
          field += '"';
          i += 2;
        } else {
          quoted = false;
          i++;
        }
        seg = i;
        continue;
      }
      if (c === LF) line++;
      i++;
      continue;
    }
    if (c === delim) {
      fields.push(field + text.slice(seg, i));
      field = '';
      seg = ++i;
      fieldStart = true;
      inRecord = true;
      continue;
    }
    if (c === LF || c === CR) {
      const end = i;
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      if (inRecord) {
        fields.push(field + text.slice(seg, end));
        if (!onRecord(fields, recordStart, end)) return undefined;
      }
      fields = [];
      field = '';
      seg = recordStart = i;
      fieldStart = true;
      inRecord = false;
      continue;
    }
    if (c === QUOTE) {
      if (fieldStart) {
        quoted = true;
        quoteLine = line;
        seg = ++i;
      } else if (text.charCodeAt(i + 1) === QUOTE) {
        // `""` inside an unquoted field is one quote (DG example: {""MyKey"":""MyValue""}).
        field += text.slice(seg, i) + '"';
        seg = i += 2;
      } else i++;
      fieldStart = false;
      inRecord = true;
      continue;
    }
    fieldStart = false;
    inRecord = true;
    i++;
  }
  if (quoted) return `The CSV has a quoted field, opened on line ${quoteLine}, that is never closed.`;
  if (inRecord) {
    fields.push(field + text.slice(seg, n));
    onRecord(fields, recordStart, n);
  }
  return undefined;
};

const checkHeaders = (headers: readonly string[], bytes: number): Failure | undefined => {
  if (bytes > CSV_HEADERS_MAX_BYTES) return fail(`CSV headers must not exceed ${CSV_HEADERS_MAX_BYTES} bytes (10 KiB); these are ${bytes}.`);
  if (new Set(headers).size < headers.length) return fail(DUPLICATE_HEADERS_CAUSE);
  return undefined;
};

/** A row as an item: each header gets its field, `""` when the row is short; extra fields are dropped. */
const rowItem = (headers: readonly string[], fields: readonly string[]) => Object.fromEntries(headers.map((h, k) => [h, fields[k] ?? '']));

const parseCsv = (text: string, csv: CsvSettings, limit: number): Result<unknown[]> => {
  const given = csv.headers === undefined ? undefined : checkHeaders(csv.headers, Buffer.byteLength(csv.headers.join(csv.delimiter)));
  if (given) return given;
  const items: unknown[] = [];
  const header: { names: readonly string[] | undefined; failure: Failure | undefined } = { names: csv.headers, failure: undefined };
  const unterminated = splitCsv(text, csv.delimiter, (fields, start, end) => {
    if (header.names === undefined) {
      header.names = fields;
      header.failure = checkHeaders(fields, Buffer.byteLength(text.slice(start, end)));
      return header.failure === undefined && items.length < limit;
    }
    items.push(rowItem(header.names, fields));
    return items.length < limit;
  });
  if (header.failure) return header.failure;
  if (unterminated !== undefined) return fail(unterminated);
  return ok(items);
};

// ---------------------------------------------------------------------------------------------
// Parquet (hyparquet)

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** Parquet's internal codecs beyond hyparquet's own (uncompressed, snappy), from node:zlib. */
const COMPRESSORS: Compressors = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...(zstdDecompressSync ? { ZSTD: (input: Uint8Array) => zstdDecompressSync(input) } : {}),
};

/**
 * A Parquet value as JSON. AWS's own encoding is not documented; these are our choices:
 * INT64 (a bigint here) becomes a number when it is a safe integer and otherwise a decimal string —
 * a JSON number past 2^53 would lose digits once parsed (by us, by a Lambda in JavaScript), and a
 * changed number is worse than a changed type; DATE becomes `YYYY-MM-DD`, TIMESTAMP an ISO-8601
 * string in UTC to the millisecond, binary base64, NaN and ±Infinity null.
 */
export const parquetValueAsJson = (value: unknown): unknown => {
  if (typeof value === 'bigint') return value >= -Number.MAX_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null;
  if (value === undefined) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(parquetValueAsJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parquetValueAsJson(v)]));
  return value;
};

const dateFromDays = (days: number) => new Date(days * 86_400_000).toISOString().slice(0, 10);

const parseParquet = async (bytes: Uint8Array, limit: number, what: string): Promise<Result<unknown[]>> => {
  const n = bytes.length;
  if (n < 12 || !startsWith(bytes, PARQUET_MAGIC) || !startsWith(bytes.subarray(n - 4), PARQUET_MAGIC)) return fail(`${what} is not a Parquet file.`);
  const footer = new DataView(bytes.buffer, bytes.byteOffset + n - 8, 4).getUint32(0, true);
  if (footer > PARQUET_MAX_FOOTER_BYTES) return fail(`${what} has a Parquet footer of ${footer} bytes; at most ${PARQUET_MAX_FOOTER_BYTES} are supported.`);
  const file =
    bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : new Uint8Array(bytes).buffer; // a copy: Buffer#slice would share the pool
  try {
    const metadata = parquetMetadata(file);
    const big = metadata.row_groups.find((g) => g.total_byte_size > BigInt(PARQUET_MAX_ROW_GROUP_BYTES));
    if (big) return fail(`${what} has a Parquet row group of ${big.total_byte_size} bytes; at most ${PARQUET_MAX_ROW_GROUP_BYTES} are supported.`);
    const rowEnd = Math.min(limit, Number(metadata.num_rows));
    if (rowEnd === 0) return ok([]);
    const rows = await parquetReadObjects({ file, metadata, rowEnd, compressors: COMPRESSORS, parsers: { dateFromDays } });
    return ok(rows.map(parquetValueAsJson));
  } catch (e) {
    return fail(`${what} could not be read as Parquet: ${messageOf(e)}`);
  }
};

// ---------------------------------------------------------------------------------------------
// One object's bytes → items

/** The items of one data object: decompressed, then parsed as `inputType`. */
const parseObject = async (
  bytes: Uint8Array,
  inputType: InputType,
  s: ReaderSettings,
  limit: number,
  budget: Budget,
  what: string,
): Promise<Result<unknown[]>> => {
  const data = decompress(bytes, what, budget);
  if (!data.ok) return data;
  switch (inputType) {
    case 'JSON':
      return parseJson(textOf(data.value), s.itemsPointer, limit, what);
    case 'JSONL':
      return parseJsonLines(textOf(data.value), limit, what);
    case 'CSV':
      return parseCsv(textOf(data.value), s.csv, limit);
    case 'PARQUET':
      return parseParquet(data.value, limit, what);
    case 'MANIFEST':
      return fail(
        'InputType MANIFEST names a manifest whose data files are read from S3: this data cannot be read on its own (give the data files themselves).',
      );
  }
};

/**
 * The items of an object's bytes for a ReaderConfig (JSON, JSONL, CSV, PARQUET; a gzip or zstd
 * compressed object is decompressed first). Pure but for Parquet's asynchronous decoding.
 *
 * @example
 * await parseItems(Buffer.from('a,b\n1,2\n'), { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' });
 * // → { ok: true, items: [{ a: '1', b: '2' }] }
 */
export const parseItems = async (
  bytes: Uint8Array,
  readerConfig: Readonly<Record<string, unknown>>,
  limits: ItemReaderLimits = ITEM_READER_LIMITS,
): Promise<ItemReaderOutcome> => {
  const settings = decodeReaderConfig(readerConfig);
  if (!settings.ok) return settings;
  const budget = { remaining: limits.maxReadBytes, max: limits.maxReadBytes };
  return asOutcome(await parseObject(bytes, settings.value.inputType ?? 'JSON', settings.value, settings.value.maxItems, budget, 'The object'));
};

const asOutcome = (r: Result<unknown[]>): ItemReaderOutcome => (r.ok ? { ok: true, items: r.value } : r);

// ---------------------------------------------------------------------------------------------
// S3

const uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** S3's refusal as a cause naming the object and S3's error code; AWS's exact wording for this case is not known. */
const s3Cause = (operation: string, target: string, e: unknown) =>
  e instanceof BucketError
    ? `S3 ${operation} of ${target} failed: ${e.code} (status ${e.status}): ${e.message}`
    : `S3 ${operation} of ${target} failed: ${messageOf(e)}`;

const getObject = async (buckets: Buckets, bucket: string, key: string, versionId?: string): Promise<Result<Uint8Array>> => {
  try {
    return ok((await buckets.getObject(bucket, key, versionId)).bytes);
  } catch (e) {
    return fail(s3Cause('GetObject', uri(bucket, key), e));
  }
};

/** Items from several data objects, in order, until the limit: `read(i, remaining)` reads the i-th. */
const concatenate = async (count: number, limit: number, read: (i: number, remaining: number) => Promise<Result<unknown[]>>): Promise<Result<unknown[]>> => {
  const items: unknown[] = [];
  for (let i = 0; i < count && items.length < limit; i++) {
    const part = await read(i, limit - items.length);
    if (!part.ok) return part;
    for (const item of part.value) items.push(item); // not push(...): a spread of a million arguments overflows the stack
  }
  return ok(items);
};

const stringParam = (parameters: Readonly<Record<string, unknown>>, name: string, required: boolean): Result<string | undefined> => {
  const value = parameters[name];
  if (value === undefined && !required) return ok(undefined);
  return typeof value === 'string' && (value !== '' || !required)
    ? ok(value)
    : fail(`The ItemReader's ${name} must be a non-empty string; got ${JSON.stringify(value)}.`);
};

/**
 * An S3 inventory: `manifest.json` names the CSV data files (gzip) in its `destinationBucket`, and
 * `fileSchema` their columns, e.g. `"Bucket, Key, Size, LastModifiedDate"`; every row becomes an
 * object of strings keyed by those names (DG example: `{"Bucket": …, "Key": …, "Size": "3399671", …}`).
 */
const readInventory = async (
  buckets: Buckets,
  bucket: string,
  manifest: Uint8Array,
  s: ReaderSettings,
  budget: Budget,
  what: string,
): Promise<Result<unknown[]>> => {
  const data = decompress(manifest, what, budget);
  if (!data.ok) return data;
  let doc: unknown;
  try {
    doc = JSON.parse(textOf(data.value));
  } catch (e) {
    return fail(`${what} is not an S3 inventory manifest (not JSON): ${messageOf(e)}`);
  }
  const m = (doc ?? {}) as { fileFormat?: unknown; fileSchema?: unknown; files?: unknown; destinationBucket?: unknown };
  if (typeof m.fileFormat !== 'string' || typeof m.fileSchema !== 'string' || !Array.isArray(m.files)) {
    return fail(`${what} is not an S3 inventory manifest: it needs fileFormat, fileSchema and files.`);
  }
  if (m.fileFormat.toUpperCase() !== 'CSV') return fail(`The S3 inventory's format is ${m.fileFormat}; Step Functions reads CSV inventories only.`);
  const keys = m.files.map((f: unknown) => (f as { key?: unknown } | null)?.key);
  if (!keys.every((k): k is string => typeof k === 'string')) return fail(`${what} lists a file without a key.`);
  // The data files live in the destination bucket, `arn:aws:s3:::name`; the manifest is stored there too.
  const dataBucket = typeof m.destinationBucket === 'string' && m.destinationBucket !== '' ? m.destinationBucket.split(':').at(-1)! : bucket;
  const csv: CsvSettings = { delimiter: ',', headers: m.fileSchema.split(',').map((h) => h.trim()) };
  const headersFailure = checkHeaders(csv.headers!, Buffer.byteLength(m.fileSchema));
  if (headersFailure) return headersFailure;
  return concatenate(keys.length, s.maxItems, async (i, remaining) => {
    const key = keys[i]!;
    const bytes = await getObject(buckets, dataBucket, key);
    return bytes.ok ? parseObject(bytes.value, 'CSV', { ...s, csv }, remaining, budget, uri(dataBucket, key)) : bytes;
  });
};

/**
 * An Athena `UNLOAD` data manifest (`<query id>-manifest.csv`): one `s3://bucket/key` per line, each
 * a data file of the ReaderConfig's InputType — CSV (which UNLOAD writes without a header row, so
 * `CSVHeaders` are usually GIVEN), JSONL or PARQUET (DG).
 */
const readAthenaManifest = async (buckets: Buckets, manifest: Uint8Array, inputType: InputType, s: ReaderSettings, budget: Budget, what: string) => {
  const data = decompress(manifest, what, budget);
  if (!data.ok) return data;
  const files: { bucket: string; key: string }[] = [];
  for (const raw of textOf(data.value).split('\n')) {
    const line = raw.trim().replace(/^"(.*)"$/, '$1');
    if (line === '') continue;
    const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(line);
    if (!match) return fail(`${what} is not an Athena data manifest: ${JSON.stringify(line.slice(0, 200))} is not an s3:// URI.`);
    files.push({ bucket: match[1]!, key: match[2]! });
  }
  return concatenate(files.length, s.maxItems, async (i, remaining) => {
    const { bucket, key } = files[i]!;
    const bytes = await getObject(buckets, bucket, key);
    return bytes.ok ? parseObject(bytes.value, inputType, s, remaining, budget, uri(bucket, key)) : bytes;
  });
};

/** `s3:getObject`: one data file, or a manifest naming many. */
const readObjectDataset = async (
  buckets: Buckets,
  parameters: Readonly<Record<string, unknown>>,
  s: ReaderSettings,
  budget: Budget,
): Promise<Result<unknown[]>> => {
  const bucket = stringParam(parameters, 'Bucket', true);
  if (!bucket.ok) return bucket;
  const key = stringParam(parameters, 'Key', true);
  if (!key.ok) return key;
  const versionId = stringParam(parameters, 'VersionId', false);
  if (!versionId.ok) return versionId;
  const b = bucket.value!;
  const k = key.value!;
  if (s.flatten) return fail('Transformation LOAD_AND_FLATTEN applies to arn:aws:states:::s3:listObjectsV2 only.');
  const inventory = s.manifestType === 'S3_INVENTORY' || (s.inputType === 'MANIFEST' && s.manifestType === undefined);
  if (s.manifestType === 'S3_INVENTORY' && s.inputType !== undefined)
    return fail('InputType must not be set when ManifestType is S3_INVENTORY (the inventory is CSV).');
  if (s.manifestType === 'ATHENA_DATA' && !['CSV', 'JSONL', 'PARQUET'].includes(s.inputType ?? '')) {
    return fail('ManifestType ATHENA_DATA needs InputType CSV, JSONL or PARQUET (the format of the data files).');
  }
  if (s.inputType === 'PARQUET' && s.manifestType === undefined && versionId.value !== undefined)
    return fail('VersionId is not supported for InputType PARQUET.');
  const object = await getObject(buckets, b, k, versionId.value);
  if (!object.ok) return object;
  if (inventory) return readInventory(buckets, b, object.value, s, budget, uri(b, k));
  if (s.manifestType === 'ATHENA_DATA') return readAthenaManifest(buckets, object.value, s.inputType!, s, budget, uri(b, k));
  return parseObject(object.value, s.inputType ?? 'JSON', s, s.maxItems, budget, uri(b, k));
};

/** A listed object as AWS hands it to a child: S3's quoted ETag, LastModified in epoch seconds (DG example). */
export const listedItem = (o: ListedObject) => ({
  Etag: o.eTag.startsWith('"') ? o.eTag : `"${o.eTag}"`,
  Key: o.key,
  LastModified: Math.floor(o.lastModified.getTime() / 1000),
  Size: o.size,
  StorageClass: o.storageClass,
});

/** `s3:listObjectsV2`: the objects under Prefix as items, or with LOAD_AND_FLATTEN their contents. */
const readListing = async (buckets: Buckets, parameters: Readonly<Record<string, unknown>>, s: ReaderSettings, budget: Budget): Promise<Result<unknown[]>> => {
  const bucket = stringParam(parameters, 'Bucket', true);
  const prefix = stringParam(parameters, 'Prefix', false);
  if (!bucket.ok) return bucket;
  if (!prefix.ok) return prefix;
  const b = bucket.value!;
  const target = uri(b, prefix.value ?? '');
  if (s.flatten && (s.inputType === undefined || s.inputType === 'MANIFEST'))
    return fail('Transformation LOAD_AND_FLATTEN needs InputType CSV, JSON, JSONL or PARQUET.');
  let objects: ListedObject[];
  try {
    objects = await buckets.listObjects(b, { ...(prefix.value !== undefined ? { prefix: prefix.value } : {}), ...(s.flatten ? {} : { limit: s.maxItems }) });
  } catch (e) {
    return fail(s3Cause('ListObjectsV2', target, e));
  }
  if (!s.flatten) return ok(objects.slice(0, s.maxItems).map(listedItem));
  // A console-made "folder" is an empty object whose key ends in "/": it holds no data to load.
  const data = objects.filter((o) => !(o.key.endsWith('/') && o.size === 0));
  return concatenate(data.length, s.maxItems, async (i, remaining) => {
    const { key } = data[i]!;
    const bytes = await getObject(buckets, b, key);
    return bytes.ok ? parseObject(bytes.value, s.inputType!, s, remaining, budget, uri(b, key)) : bytes;
  });
};

/** `arn:<partition>:states:::s3:getObject` or `…:s3:listObjectsV2`. */
const RESOURCE = /^arn:[a-z-]+:states:::s3:(getObject|listObjectsV2)$/;

/**
 * Performs an ItemReader: reads the dataset from S3 and returns its items, or the
 * `States.ItemReaderFailed` failure with AWS's cause where AWS's is known.
 *
 * @example
 * // "ItemReader": { "Resource": "arn:aws:states:::s3:getObject",
 * //   "ReaderConfig": { "InputType": "JSON", "ItemsPointer": "/inventory/featured" },
 * //   "Parameters": { "Bucket": "shop", "Key": "products.json" } }
 * await readItems(buckets, { resource: 'arn:aws:states:::s3:getObject', parameters: { Bucket: 'shop', Key: 'products.json' },
 *   readerConfig: { InputType: 'JSON', ItemsPointer: '/inventory/featured' } });
 * // → { ok: true, items: [...the array at /inventory/featured] }
 */
export const readItems = async (buckets: Buckets, request: ItemReaderRequest, limits: ItemReaderLimits = ITEM_READER_LIMITS): Promise<ItemReaderOutcome> => {
  const action = RESOURCE.exec(request.resource)?.[1];
  if (action === undefined)
    return fail(`The ItemReader's Resource ${JSON.stringify(request.resource)} is not arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2.`);
  const settings = decodeReaderConfig(request.readerConfig);
  if (!settings.ok) return settings;
  const budget: Budget = { remaining: limits.maxReadBytes, max: limits.maxReadBytes };
  const read = action === 'getObject' ? readObjectDataset : readListing;
  return asOutcome(await read(buckets, request.parameters, settings.value, budget));
};
