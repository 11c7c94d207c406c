import { StatesError } from '@stepstream/asl';
import { assertNever } from '../assert-never.js';
import { utf8Length } from './batch.js';
import { isoMillis } from './context-object.js';

/**
 * What a Distributed Map's `ResultWriter` produces from the child runs of a Map Run (issue 20):
 * the S3 objects it writes (`SUCCEEDED_n`, `FAILED_n`, `PENDING_n` and `manifest.json` under
 * `<Prefix>/<map run id>/`), the Map state's output when it exports, and the transformed results
 * when it has only a `WriterConfig`. Pure: the runtime performs the writes.
 *
 * AWS Developer Guide, "ResultWriter (Map)"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html): "Step
 * Functions consolidates all child workflow execution data, such as execution input and output,
 * ARN, and execution status. It then exports executions with the same status to their respective
 * files in the specified Amazon S3 location."
 */

/** A child run's status as the ResultWriter sorts it. AWS's wire strings. */
export const ChildRunStatus = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'TIMED_OUT',
  ABORTED: 'ABORTED',
  /** Not started, because the Map Run failed or was aborted first. */
  PENDING: 'PENDING',
} as const;
export type ChildRunStatus = (typeof ChildRunStatus)[keyof typeof ChildRunStatus];

/** One child run's result as the Map Run knows it. */
export interface ChildRunRecord {
  readonly status: ChildRunStatus;
  /** JSON text: the item the child was (or would have been) started with. */
  readonly input: string;
  /** JSON text: the child's output. Written for a SUCCEEDED child only. */
  readonly output?: string;
  /** Absent for a child that never started. */
  readonly executionArn?: string;
  readonly name?: string;
  /** The children's state machine: `…:stateMachine:<parent>/<label>`. */
  readonly stateMachineArn?: string;
  readonly error?: string;
  readonly cause?: string;
  /** Epoch milliseconds. */
  readonly startDate?: number;
  /** Epoch milliseconds. */
  readonly stopDate?: number;
  readonly redriveCount?: number;
  /** As DescribeExecution reports it; the default is AWS's for the status (see {@link noneRecord}). */
  readonly redriveStatus?: string;
  readonly redriveStatusReason?: string;
}

/** `WriterConfig.Transformation`. */
export const Transformation = { NONE: 'NONE', COMPACT: 'COMPACT', FLATTEN: 'FLATTEN' } as const;
export type Transformation = (typeof Transformation)[keyof typeof Transformation];

/** `WriterConfig.OutputType`. */
export const OutputType = { JSON: 'JSON', JSONL: 'JSONL' } as const;
export type OutputType = (typeof OutputType)[keyof typeof OutputType];

/** A ResultWriter's `WriterConfig`, defaults applied. */
export interface WriterConfig {
  readonly transformation: Transformation;
  readonly outputType: OutputType;
}

const isOneOf = <T extends string>(vocabulary: Readonly<Record<string, T>>, v: unknown): v is T =>
  typeof v === 'string' && (Object.values(vocabulary) as unknown[]).includes(v);

/**
 * A definition's `ResultWriter.WriterConfig`, defaults applied. `exporting` says whether the
 * ResultWriter names a bucket.
 *
 * "`NONE` … Default when exporting the child workflow execution results to Amazon S3 and
 * `WriterConfig` is not specified. `COMPACT` … Default when `ResultWriter` is not specified."
 * (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html). A
 * WriterConfig that names only one of its fields gets the same default for the other, and
 * `OutputType` defaults to `JSON` (AWS does not document either case).
 *
 * @throws StatesError `States.ResultWriterFailed` for a WriterConfig that is not an object or a
 * value outside AWS's vocabulary (definition validation should have refused it).
 * @example
 * ```ts
 * writerConfigOf(undefined, true); // {transformation: 'NONE', outputType: 'JSON'}
 * writerConfigOf({ Transformation: 'FLATTEN', OutputType: 'JSONL' }, false); // {transformation: 'FLATTEN', outputType: 'JSONL'}
 * ```
 */
export const writerConfigOf = (raw: unknown, exporting: boolean): WriterConfig => {
  const fallback: Transformation = exporting ? Transformation.NONE : Transformation.COMPACT;
  if (raw === undefined) return { transformation: fallback, outputType: OutputType.JSON };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new StatesError('States.ResultWriterFailed', `The ResultWriter's WriterConfig must be an object, but was: ${JSON.stringify(raw)}`);
  const { Transformation: t, OutputType: o } = raw as Record<string, unknown>;
  if (t !== undefined && !isOneOf(Transformation, t))
    throw new StatesError(
      'States.ResultWriterFailed',
      `The ResultWriter's WriterConfig.Transformation must be one of NONE, COMPACT, FLATTEN, but was: ${JSON.stringify(t)}`,
    );
  if (o !== undefined && !isOneOf(OutputType, o))
    throw new StatesError('States.ResultWriterFailed', `The ResultWriter's WriterConfig.OutputType must be one of JSON, JSONL, but was: ${JSON.stringify(o)}`);
  return { transformation: t ?? fallback, outputType: o ?? OutputType.JSON };
};

/** AWS's redrive status of a child that ended, when the caller gives none. */
const redriveOf = (r: ChildRunRecord): { readonly RedriveStatus?: string; readonly RedriveStatusReason?: string } => {
  if (r.redriveStatus !== undefined)
    return { RedriveStatus: r.redriveStatus, ...(r.redriveStatusReason !== undefined ? { RedriveStatusReason: r.redriveStatusReason } : {}) };
  switch (r.status) {
    case ChildRunStatus.SUCCEEDED:
      return { RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: `Execution is ${r.status} and cannot be redriven` };
    case ChildRunStatus.FAILED:
    case ChildRunStatus.TIMED_OUT:
    case ChildRunStatus.ABORTED:
      return { RedriveStatus: 'REDRIVABLE_BY_MAP_RUN' };
    case ChildRunStatus.PENDING:
      return {};
    default:
      return assertNever(r.status);
  }
};

/**
 * A child's record with Transformation `NONE`: "the output of the child workflow executions
 * unchanged, in addition to the workflow metadata". Keys in AWS's (alphabetical) order, input and
 * output as JSON text, dates as ISO strings with milliseconds; a succeeded child's
 * `RedriveStatus` is `NOT_REDRIVABLE` ("Execution is SUCCEEDED and cannot be redriven"), a failed
 * one's `REDRIVABLE_BY_MAP_RUN`, with its `Error` and `Cause` and no `Output`.
 *
 * @example
 * ```ts
 * noneRecord({ status: 'SUCCEEDED', executionArn: A, name: 'n', stateMachineArn: M, input: '1', output: '2', startDate: 0, stopDate: 5, redriveCount: 0 });
 * // {ExecutionArn: A, Input: '1', InputDetails: {Included: true}, Name: 'n', Output: '2', OutputDetails: {Included: true},
 * //  RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE', RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
 * //  StartDate: '1970-01-01T00:00:00.000Z', StateMachineArn: M, Status: 'SUCCEEDED', StopDate: '1970-01-01T00:00:00.005Z'}
 * ```
 */
export const noneRecord = (r: ChildRunRecord): Record<string, unknown> => {
  const started = r.status !== ChildRunStatus.PENDING;
  const redrive = redriveOf(r);
  const fields: Record<string, unknown> = {
    Cause: r.cause,
    Error: r.error,
    ExecutionArn: r.executionArn,
    Input: r.input,
    InputDetails: { Included: true },
    Name: r.name,
    Output: r.status === ChildRunStatus.SUCCEEDED ? (r.output ?? 'null') : undefined,
    OutputDetails: started ? { Included: true } : undefined,
    RedriveCount: r.redriveCount ?? (started ? 0 : undefined),
    RedriveStatus: redrive.RedriveStatus,
    RedriveStatusReason: redrive.RedriveStatusReason,
    StartDate: r.startDate !== undefined ? isoMillis(r.startDate) : undefined,
    StateMachineArn: r.stateMachineArn,
    Status: r.status,
    StopDate: r.stopDate !== undefined ? isoMillis(r.stopDate) : undefined,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
};

const outputOf = (r: ChildRunRecord): unknown => JSON.parse(r.output ?? 'null') as unknown;

/**
 * The values one child contributes under a transformation. "If a child workflow execution fails,
 * Step Functions returns its execution result unchanged. The results would be equivalent to having
 * set `Transformation` to `NONE`." FLATTEN spreads an array output and keeps any other output as
 * one value.
 */
const valuesOf: Record<Transformation, (r: ChildRunRecord) => readonly unknown[]> = {
  NONE: (r) => [noneRecord(r)],
  COMPACT: (r) => (r.status === ChildRunStatus.SUCCEEDED ? [outputOf(r)] : [noneRecord(r)]),
  FLATTEN: (r) => {
    if (r.status !== ChildRunStatus.SUCCEEDED) return [noneRecord(r)];
    const v = outputOf(r);
    return Array.isArray(v) ? v : [v];
  },
};

/**
 * The Map state's output when its ResultWriter has a `WriterConfig` and no bucket: the children's
 * results, transformed, in the order of the children given. "Non-existent `Resource` and
 * `Parameters` fields … imply the state output resource. The results are passed on to the next
 * state." The output is a JSON array for either `OutputType`.
 *
 * @example
 * ```ts
 * transformedResults([ok('[1,2]'), ok('[3]')], { transformation: 'FLATTEN', outputType: 'JSON' }); // [1, 2, 3]
 * transformedResults([ok('[1,2]'), ok('[3]')], { transformation: 'COMPACT', outputType: 'JSON' }); // [[1, 2], [3]]
 * ```
 */
export const transformedResults = (children: readonly ChildRunRecord[], config: WriterConfig): unknown[] => children.flatMap(valuesOf[config.transformation]);

/** The file a status's records go to: failed, timed-out and aborted children share `FAILED_n`. */
export const ResultFileGroup = { FAILED: 'FAILED', PENDING: 'PENDING', SUCCEEDED: 'SUCCEEDED' } as const;
export type ResultFileGroup = (typeof ResultFileGroup)[keyof typeof ResultFileGroup];

const groupOf: Record<ChildRunStatus, ResultFileGroup> = {
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  TIMED_OUT: 'FAILED',
  ABORTED: 'FAILED',
  PENDING: 'PENDING',
};

/**
 * "Step Functions supports individual result files of up to 5 GB. If a file size exceeds 5 GB,
 * Step Functions creates another file to write the remaining execution results and appends an
 * index number to the file name." Taken as 5 GiB, S3's single-PUT limit.
 */
export const RESULT_FILE_MAX_BYTES = 5 * 1024 ** 3;

/** One entry of the manifest's `ResultFiles`: the object's key in the bucket and its size in bytes. */
export interface ResultFileEntry {
  readonly Key: string;
  readonly Size: number;
}

/** `manifest.json`. */
export interface ResultWriterManifest {
  readonly DestinationBucket: string;
  readonly MapRunArn: string;
  readonly ResultFiles: Readonly<Record<ResultFileGroup, readonly ResultFileEntry[]>>;
}

/** The Map state's output when it exports: "the Map Run ARN and data about the Amazon S3 export location". */
export interface ResultWriterOutput {
  readonly MapRunArn: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

/** An object to put: its key in the bucket and its content. */
export interface ResultObject {
  readonly key: string;
  readonly body: string;
}

export interface ResultFilesInput {
  readonly bucket: string;
  /** The ResultWriter's `Prefix`; a trailing `/` is not doubled. */
  readonly prefix?: string;
  readonly mapRunArn: string;
  /** Every child of the Map Run (after a redrive: every attempt's, each with its latest status), in item order. */
  readonly children: readonly ChildRunRecord[];
  readonly config: WriterConfig;
  /** The size at which a result file is closed and the next index begun. Default {@link RESULT_FILE_MAX_BYTES}. */
  readonly maxFileBytes?: number;
}

export interface ResultFiles {
  /** The objects to put, in order: the result files (FAILED, PENDING, SUCCEEDED), then `manifest.json`. */
  readonly files: readonly ResultObject[];
  readonly manifestKey: string;
  readonly manifest: ResultWriterManifest;
  /** The Distributed Map state's output. */
  readonly output: ResultWriterOutput;
  /** How many children's results were written (DescribeMapRun's `resultsWritten`). */
  readonly resultsWritten: number;
}

/** The id that names a Map Run's folder: the last `:` segment of its ARN (`…:mapRun:<machine>/<label>:<id>`). */
export const mapRunIdOf = (mapRunArn: string): string => mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1);

/**
 * The folder a Map Run's results go to: `<Prefix>/<map run id>/`, as in AWS's example
 * (`"Key": "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json"`). A prefix that
 * already ends in `/` gets no second one; no prefix puts the folder at the bucket's root.
 */
export const resultFolderOf = (prefix: string | undefined, mapRunArn: string): string => {
  const p = prefix ?? '';
  return `${p === '' || p.endsWith('/') ? p : `${p}/`}${mapRunIdOf(mapRunArn)}/`;
};

/** How an OutputType lays records out in a file: its extension, and the body of some records. */
const layouts: Record<
  OutputType,
  { readonly extension: string; readonly body: (records: readonly string[]) => string; readonly overhead: (count: number) => number }
> = {
  // A JSON array: `[` records joined by `,` `]`.
  JSON: { extension: 'json', body: (records) => `[${records.join(',')}]`, overhead: (count) => 2 + Math.max(0, count - 1) },
  // JSON Lines: each record on its own line, each line ended by `\n`.
  JSONL: { extension: 'jsonl', body: (records) => records.map((r) => `${r}\n`).join(''), overhead: (count) => count },
};

/** Splits serialised records into files of at most `maxBytes` (a record larger than that gets a file of its own). */
const split = (records: readonly string[], outputType: OutputType, maxBytes: number): string[][] => {
  const { overhead } = layouts[outputType];
  const files: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = utf8Length(record);
    if (current.length > 0 && bytes + size + overhead(current.length + 1) > maxBytes) {
      files.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) files.push(current);
  return files;
};

/**
 * The objects a ResultWriter puts for a Map Run, the manifest last, and the Map state's output.
 * Children are grouped by status into `SUCCEEDED_n`, `FAILED_n` (failed, timed out, aborted) and
 * `PENDING_n` (never started); a group with no child gets no file and an empty list in the
 * manifest. The SUCCEEDED file holds the transformed results; FAILED and PENDING files hold
 * `NONE` records (AWS: a failed child's result is returned unchanged). The manifest lists each file
 * with its key in the bucket and size in bytes:
 *
 * ```json
 * {"DestinationBucket":"b","MapRunArn":"…:mapRun:sm/Map:0f1e","ResultFiles":{"FAILED":[],"PENDING":[],
 *  "SUCCEEDED":[{"Key":"jobs/0f1e/SUCCEEDED_0.json","Size":2161}]}}
 * ```
 *
 * and the Map's output is `{"MapRunArn":"…:mapRun:sm/Map:0f1e","ResultWriterDetails":{"Bucket":"b","Key":"jobs/0f1e/manifest.json"}}`.
 */
export const resultFiles = (input: ResultFilesInput): ResultFiles => {
  const { bucket, mapRunArn, children, config } = input;
  const maxBytes = input.maxFileBytes ?? RESULT_FILE_MAX_BYTES;
  const folder = resultFolderOf(input.prefix, mapRunArn);
  const layout = layouts[config.outputType];
  const grouped: Record<ResultFileGroup, ChildRunRecord[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const child of children) grouped[groupOf[child.status]].push(child);

  const files: ResultObject[] = [];
  const entries = {} as Record<ResultFileGroup, ResultFileEntry[]>;
  for (const group of Object.values(ResultFileGroup)) {
    const records = transformedResults(grouped[group], group === ResultFileGroup.SUCCEEDED ? config : { ...config, transformation: Transformation.NONE }).map(
      (v) => JSON.stringify(v),
    );
    entries[group] = split(records, config.outputType, maxBytes).map((part, index) => {
      const key = `${folder}${group}_${index}.${layout.extension}`;
      const body = layout.body(part);
      files.push({ key, body });
      return { Key: key, Size: utf8Length(body) };
    });
  }

  const manifestKey = `${folder}manifest.json`;
  const manifest: ResultWriterManifest = { DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: entries };
  files.push({ key: manifestKey, body: JSON.stringify(manifest) });
  return {
    files,
    manifestKey,
    manifest,
    output: { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } },
    resultsWritten: children.length,
  };
};
