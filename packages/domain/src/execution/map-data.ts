import {
  evaluateJsonataTemplate,
  evaluatePayloadTemplate,
  expectJsonataType,
  isJsonataText,
  queryPath,
  StatesError,
  type EvaluationScope,
  type JsonataScope,
} from '@stepstream/asl';
import type { MapState } from '@stepstream/asl/definition';
import { json } from './batch.js';
import { contextOf, isJsonata, jsonataScopeOf, scopeOf, valueOf } from './dataflow.js';
import type { Entered, Frame } from './frame.js';
import { writerConfigOf, type ChildRunRecord, type ChildRunStatus } from './result-writer.js';

/**
 * Where a Distributed Map's data comes from and goes to (issue 20): the requests the decider
 * hands the runtime for an `ItemReader` (read the items from S3) and a `ResultWriter` (write the
 * child runs' results to S3), evaluated here — Parameters or Arguments, MaxItems(Path) — so that
 * the runtime only performs them.
 */

/** A Map's number field read through its `…Path` variant (`MaxConcurrencyPath`, `ToleratedFailureCountPath`…). */
export const numberAtPath = (field: string, path: string, scope: EvaluationScope, kind: 'integer' | 'float'): number => {
  const r = queryPath(path, scope);
  if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
  // A numeric string counts as its number (rec: a variable holding "1" as ToleratedFailureCountPath).
  const raw = r.value;
  const v = typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  const ok = typeof v === 'number' && (kind === 'float' || Number.isInteger(v));
  if (!ok) {
    const shown = typeof raw === 'string' ? raw : json(raw);
    throw new StatesError('States.Runtime', `The ${field} field refers to value "${shown}" which is not a valid ${kind}: ${path}`);
  }
  return v as number;
};

/** What the runtime needs to run a Map Run: its child runs' definition and inputs, and its concurrency. */
export interface MapRunSpec {
  readonly mapRunArn: string;
  /** The child runs' state machine ARN (`<parent's>/<label>`) and definition (the ItemProcessor). */
  readonly stateMachineArn: string;
  readonly definition: string;
  readonly inputs: readonly unknown[];
  readonly maxConcurrency: number;
  /** How often this Map Run has been redriven; from 1 on, the runtime keeps the child runs that succeeded and redrives the others. */
  readonly redriveCount?: number;
  /** The ResultWriter's request: with a bucket, the runtime writes the results there when every child has ended. */
  readonly writer?: ResultWriterRequest;
}

/** What the runtime reports when every child run has ended: each one's output or Error Output. */
export interface MapRunResult {
  readonly ok: boolean;
  /** JSON text: the child's output, or its Error Output `{Error, Cause}`. */
  readonly output: string;
  /** The child's status, start and stop (epoch ms) and redrives, for the ResultWriter's records. */
  readonly status?: string;
  readonly startDate?: number;
  readonly stopDate?: number;
  readonly redriveCount?: number;
}

/** The runtime's answer to a Map Run task: the results, an UpdateMapRun's tolerance, and what the ResultWriter did. */
export interface MapRunAnswer {
  readonly results: readonly MapRunResult[];
  readonly tolerance?: { readonly toleratedCount?: number; readonly toleratedPercentage?: number };
  /** The manifest the ResultWriter wrote (`<prefix>/<map run id>/manifest.json`). */
  readonly written?: { readonly bucket: string; readonly key: string };
  /** The ResultWriter could not write: the Map Run fails with States.ResultWriterFailed and this cause. */
  readonly writeFailed?: { readonly cause: string };
}

/** What the runtime reads for an ItemReader: the resource, its evaluated Parameters/Arguments, and ReaderConfig with MaxItems resolved. */
export interface ItemReaderRequest {
  /** `arn:aws:states:::s3:getObject` or `arn:aws:states:::s3:listObjectsV2`. */
  readonly resource: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** ReaderConfig as the definition writes it, with `MaxItems` a number (from MaxItemsPath or a JSONata expression) and no `MaxItemsPath`. */
  readonly readerConfig: Readonly<Record<string, unknown>>;
}

/** What the runtime writes for a ResultWriter: the bucket and prefix (none: the results are the Map's output) and the WriterConfig as written. */
export interface ResultWriterRequest {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly writerConfig?: Readonly<Record<string, unknown>>;
}

type Block = Readonly<Record<string, unknown>>;
const isBlock = (v: unknown): v is Block => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Map's ItemReader, when it has one. */
export const itemReaderOf = (s: MapState): Block | undefined => (isBlock(s['ItemReader']) ? s['ItemReader'] : undefined);

/** A Map's ResultWriter, when it has one. */
export const resultWriterOf = (s: MapState): Block | undefined => (isBlock(s['ResultWriter']) ? s['ResultWriter'] : undefined);

/** A block's `Parameters` (JSONPath, over the effective input and the context) or `Arguments` (JSONata). */
const argumentsOf = (f: Frame, e: Entered, s: MapState, block: Block, effective: unknown, location: string): Record<string, unknown> => {
  if (isJsonata(f, s)) {
    if (block['Arguments'] === undefined) return {};
    const v = evaluateJsonataTemplate(block['Arguments'], jsonataScopeOf(f, e), `${location}.Arguments`);
    if (isJsonataText(block['Arguments'])) expectJsonataType(block['Arguments'], v, 'object', `${location}.Arguments`);
    return isBlock(v) ? { ...v } : {};
  }
  if (block['Parameters'] === undefined) return {};
  const v = evaluatePayloadTemplate(block['Parameters'], { ...scopeOf(f, e, effective), input: effective, context: contextOf(f, e) });
  return isBlock(v) ? { ...v } : {};
};

/**
 * Where an ItemReader's `MaxItems` is evaluated: a JSONata state's scope (a `{% … %}` MaxItems), or
 * a JSONPath state's scope over its effective input (`MaxItemsPath`). Thunks, so that a ReaderConfig
 * without either builds no scope.
 */
export type MaxItemsScope = { readonly jsonata: () => JsonataScope } | { readonly jsonPath: () => EvaluationScope };

/**
 * An ItemReader's `ReaderConfig` with `MaxItems` resolved: read from `MaxItemsPath` (JSONPath) or
 * evaluated (JSONata), `MaxItemsPath` dropped. A MaxItems below 0 (or not a number) fails the reader
 * as AWS does (`States.ItemReaderFailed`, "field MaxItems must be positive"); 0 or none reads every
 * item. A path or expression that cannot be evaluated throws its `StatesError`, as any field does.
 * Shared by the decider's {@link itemReaderRequest} and TestState's `mapItemReaderData`.
 *
 * @example
 * ```ts
 * // ASL: "ItemReader": { "ReaderConfig": { "InputType": "CSV", "MaxItemsPath": "$.limit" }, … }, effective input {"limit": 2}
 * resolveReaderConfig(reader, { jsonPath: () => ({ input: { limit: 2 }, context: {} }) });
 * // → { readerConfig: { InputType: 'CSV', MaxItems: 2 } }
 * ```
 */
export const resolveReaderConfig = (
  reader: Block,
  scope: MaxItemsScope,
): { readonly readerConfig: Readonly<Record<string, unknown>> } | { readonly failed: string } => {
  const config: Record<string, unknown> = isBlock(reader['ReaderConfig']) ? { ...reader['ReaderConfig'] } : {};
  let maxItems: unknown = config['MaxItems'];
  if ('jsonata' in scope) {
    if (maxItems !== undefined) {
      maxItems = valueOf(maxItems, scope.jsonata(), 'ItemReader.ReaderConfig.MaxItems');
      if (isJsonataText(config['MaxItems'])) expectJsonataType(config['MaxItems'], maxItems, 'number', 'ItemReader.ReaderConfig.MaxItems');
    }
  } else if (typeof config['MaxItemsPath'] === 'string') {
    maxItems = numberAtPath('MaxItemsPath', config['MaxItemsPath'], scope.jsonPath(), 'integer');
  }
  delete config['MaxItemsPath'];
  if (maxItems !== undefined) {
    if (typeof maxItems !== 'number' || maxItems < 0) return { failed: 'field MaxItems must be positive' };
    config['MaxItems'] = maxItems;
  }
  return { readerConfig: config };
};

/**
 * The ItemReader's request: its Parameters or Arguments evaluated, and its ReaderConfig with
 * `MaxItems` resolved ({@link resolveReaderConfig}), or why the reader fails.
 */
export const itemReaderRequest = (f: Frame, e: Entered, s: MapState, reader: Block, effective: unknown): ItemReaderRequest | { readonly failed: string } => {
  const resolved = resolveReaderConfig(
    reader,
    isJsonata(f, s) ? { jsonata: () => jsonataScopeOf(f, e) } : { jsonPath: () => ({ ...scopeOf(f, e, effective), input: effective }) },
  );
  if ('failed' in resolved) return resolved;
  return {
    resource: typeof reader['Resource'] === 'string' ? reader['Resource'] : '',
    parameters: argumentsOf(f, e, s, reader, effective, 'ItemReader'),
    readerConfig: resolved.readerConfig,
  };
};

/** The ResultWriter's request: the bucket and prefix its Parameters or Arguments name, and its WriterConfig. */
export const resultWriterRequest = (f: Frame, e: Entered, s: MapState, writer: Block, effective: unknown): ResultWriterRequest => {
  const args = argumentsOf(f, e, s, writer, effective, 'ResultWriter');
  const bucket = args['Bucket'];
  const prefix = args['Prefix'];
  if (bucket !== undefined && typeof bucket !== 'string')
    throw new StatesError('States.ResultWriterFailed', `The ResultWriter's Bucket must be a string, but was: ${json(bucket)}`);
  if (prefix !== undefined && typeof prefix !== 'string')
    throw new StatesError('States.ResultWriterFailed', `The ResultWriter's Prefix must be a string, but was: ${json(prefix)}`);
  // A WriterConfig outside AWS's vocabulary fails the Map before its Map Run starts.
  writerConfigOf(writer['WriterConfig'], bucket !== undefined);
  return {
    ...(bucket !== undefined ? { bucket } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(isBlock(writer['WriterConfig']) ? { writerConfig: writer['WriterConfig'] } : {}),
  };
};

/**
 * The items of a JSON object: one `{key, value}` pair per member, in the object's order (AWS
 * Developer Guide, "ItemsPath": a Map whose ItemsPath selects an object runs an iteration for each
 * key-value pair).
 */
export const keyValueItems = (object: Block): unknown[] => Object.entries(object).map(([key, value]) => ({ key, value }));

/** A Map Run child's execution name: `<map run id>-<index>` (so that starting it again is idempotent). */
export const mapRunChildName = (mapRunArn: string, index: number): string => `${mapRunArn.split(':').at(-1)}-${index}`;

/**
 * The ResultWriter's record of each child of a finished Map Run: its ARN and name (as the runtime
 * names children), its input, and what it ended with.
 */
export const childRunRecords = (spec: MapRunSpec, results: readonly MapRunResult[]): ChildRunRecord[] =>
  results.map((r, index) => {
    const name = mapRunChildName(spec.mapRunArn, index);
    const ended = r.ok ? {} : (JSON.parse(r.output) as { Error?: string | null; Cause?: string | null });
    const status = (r.status ?? (r.ok ? 'SUCCEEDED' : 'FAILED')) as ChildRunStatus;
    return {
      status,
      input: JSON.stringify(spec.inputs[index] ?? null),
      ...(r.ok ? { output: r.output } : {}),
      executionArn: `${spec.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      name,
      stateMachineArn: spec.stateMachineArn,
      ...(typeof ended.Error === 'string' ? { error: ended.Error } : {}),
      ...(typeof ended.Cause === 'string' ? { cause: ended.Cause } : {}),
      ...(r.startDate !== undefined ? { startDate: r.startDate } : {}),
      ...(r.stopDate !== undefined ? { stopDate: r.stopDate } : {}),
      redriveCount: r.redriveCount ?? 0,
    };
  });
