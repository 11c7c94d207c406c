import { evaluateJsonataTemplate, evaluatePayloadTemplate, expectJsonataType, isJsonataText, StatesError } from '@stepstream/asl';
import type { MapState } from '@stepstream/asl/definition';
import { json } from './batch.js';
import { contextOf, isJsonata, jsonataScopeOf, scopeOf, valueOf } from './dataflow.js';
import type { Entered, Frame } from './frame.js';
import { numberAtPath } from './map.js';

/**
 * Where a Distributed Map's data comes from and goes to (issue 20): the requests the decider
 * hands the runtime for an `ItemReader` (read the items from S3) and a `ResultWriter` (write the
 * child runs' results to S3), evaluated here — Parameters or Arguments, MaxItems(Path) — so that
 * the runtime only performs them.
 */

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
 * The ItemReader's request: its Parameters or Arguments evaluated, and `MaxItems` read from
 * `MaxItemsPath` (JSONPath) or evaluated (JSONata). A MaxItems below 0 fails the reader as AWS
 * does (`States.ItemReaderFailed`, "field MaxItems must be positive"); 0 or none reads every item.
 */
export const itemReaderRequest = (f: Frame, e: Entered, s: MapState, reader: Block, effective: unknown): ItemReaderRequest | { readonly failed: string } => {
  const config: Record<string, unknown> = isBlock(reader['ReaderConfig']) ? { ...reader['ReaderConfig'] } : {};
  let maxItems: unknown = config['MaxItems'];
  if (isJsonata(f, s)) {
    if (maxItems !== undefined) {
      maxItems = valueOf(maxItems, jsonataScopeOf(f, e), 'ItemReader.ReaderConfig.MaxItems');
      if (isJsonataText(config['MaxItems'])) expectJsonataType(config['MaxItems'], maxItems, 'number', 'ItemReader.ReaderConfig.MaxItems');
    }
  } else if (typeof config['MaxItemsPath'] === 'string') {
    maxItems = numberAtPath('MaxItemsPath', config['MaxItemsPath'], { ...scopeOf(f, e, effective), input: effective }, 'integer');
  }
  delete config['MaxItemsPath'];
  if (maxItems !== undefined) {
    if (typeof maxItems !== 'number' || maxItems < 0) return { failed: 'field MaxItems must be positive' };
    config['MaxItems'] = maxItems;
  }
  return {
    resource: typeof reader['Resource'] === 'string' ? reader['Resource'] : '',
    parameters: argumentsOf(f, e, s, reader, effective, 'ItemReader'),
    readerConfig: config,
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
