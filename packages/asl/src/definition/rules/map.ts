/**
 * Map fields: concurrency and failure tolerance, batching and reading limits, the Map Run
 * label, and the processor configuration.
 *
 * Numbers (measured on AWS, floci-io/floci#3733: "AWS rejects three shapes on every Map number
 * field"): a literal below 0 gets `Minimum value is 0` (`0.0` and a `Maximum value is 100.0` for
 * ToleratedFailurePercentage; `Maximum value is 100000000` for ReaderConfig.MaxItems); a literal
 * and its `…Path` together get `There should only be one of the following fields: [X, XPath]`.
 *
 * ProcessorConfig: "Mode … INLINE or DISTRIBUTED"; "ExecutionType … STANDARD or EXPRESS. You
 * must provide this field if you specified DISTRIBUTED for the Mode" (DG state-map-distributed).
 *
 * Label: "up to 40 characters", unique, with the characters of a state machine name
 * (DG state-map-distributed; the forbidden set is the one of names, DG service-quotas). AWS's
 * code is INVALID_LABEL_NAME; the texts are composed (see messages.ts).
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from '../types.js';
import { error, field, isObject, schema, type Json, type StateRule } from '../diagnostics.js';
import { INVALID_LABEL_NAME, Messages } from '../messages.js';
import { checkExclusive, checkNumber, float, int, type NumberSpec } from './numbers.js';

const COUNT: NumberSpec = { integer: true, min: int(0) };

const STATE_NUMBERS: Readonly<Record<string, NumberSpec>> = {
  MaxConcurrency: COUNT,
  ToleratedFailureCount: COUNT,
  ToleratedFailurePercentage: { integer: false, min: float(0), max: float(100) },
};
const BATCHER_NUMBERS: Readonly<Record<string, NumberSpec>> = { MaxItemsPerBatch: COUNT, MaxInputBytesPerBatch: COUNT };
const READER_NUMBERS: Readonly<Record<string, NumberSpec>> = { MaxItems: { integer: true, min: int(0), max: int(100000000) } };

/** Each numeric field of a block, with its `…Path` exclusivity reported at the block. */
const checkNumbers = (block: Json, specs: Readonly<Record<string, NumberSpec>>, at: string, language: QueryLanguage): readonly Diagnostic[] =>
  Object.entries(specs).flatMap(([name, spec]) => [
    ...checkExclusive(block, name, at),
    ...(block[name] === undefined ? [] : checkNumber(block[name], spec, field(at, name), language)),
  ]);

/** Characters a name may not contain: white space, `< > { } [ ]`, `? *`, `" # % \ ^ | ~ \` $ & , ; : /`, and controls. */
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/** A character as the diagnostics show it: controls escaped. */
const show = (c: string): string => {
  const named: Readonly<Record<string, string>> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\\': '\\\\' };
  const code = c.codePointAt(0) ?? 0;
  return named[c] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\x${code.toString(16).padStart(2, '0')}` : c);
};

/** The Map Run label. */
const checkLabel = (label: unknown, location: string): readonly Diagnostic[] => {
  if (typeof label !== 'string') return [schema(Messages.expectedType('String'), location)];
  if (label.length === 0) return [error(INVALID_LABEL_NAME, Messages.labelEmpty, location)];
  if ([...label].length > 40) return [error(INVALID_LABEL_NAME, Messages.labelTooLong, location)];
  const bad = FORBIDDEN.exec(label)?.[0];
  return bad === undefined ? [] : [error(INVALID_LABEL_NAME, Messages.labelBadCharacter(show(bad)), location)];
};

const MODES = ['INLINE', 'DISTRIBUTED'];
const EXECUTION_TYPES = ['STANDARD', 'EXPRESS'];

/** `ItemProcessor.ProcessorConfig`. */
const checkProcessorConfig = (config: unknown, location: string): readonly Diagnostic[] => {
  if (!isObject(config)) return [schema(Messages.expectedType('Object'), location)];
  const out: Diagnostic[] = [];
  const mode = config['Mode'];
  const executionType = config['ExecutionType'];
  if (mode !== undefined && !MODES.includes(mode as string)) out.push(schema(Messages.oneOf('Mode', MODES), field(location, 'Mode')));
  if (executionType !== undefined && !EXECUTION_TYPES.includes(executionType as string)) {
    out.push(schema(Messages.oneOf('ExecutionType', EXECUTION_TYPES), field(location, 'ExecutionType')));
  }
  if (mode === 'DISTRIBUTED' && executionType === undefined) out.push(schema(Messages.required(['ExecutionType']), location));
  return out;
};

/** The Map rule. */
export const mapFields: StateRule = ({ state, type, at, language }) => {
  if (type !== 'Map') return [];
  const out: Diagnostic[] = [...checkNumbers(state, STATE_NUMBERS, at, language)];
  const batcher = state['ItemBatcher'];
  if (isObject(batcher)) out.push(...checkNumbers(batcher, BATCHER_NUMBERS, field(at, 'ItemBatcher'), language));
  const reader = state['ItemReader'];
  const readerConfig = isObject(reader) ? reader['ReaderConfig'] : undefined;
  if (isObject(readerConfig)) out.push(...checkNumbers(readerConfig, READER_NUMBERS, field(field(at, 'ItemReader'), 'ReaderConfig'), language));
  if (state['Label'] !== undefined) out.push(...checkLabel(state['Label'], field(at, 'Label')));
  const processor = state['ItemProcessor'];
  if (isObject(processor) && processor['ProcessorConfig'] !== undefined) {
    out.push(...checkProcessorConfig(processor['ProcessorConfig'], field(field(at, 'ItemProcessor'), 'ProcessorConfig')));
  }
  return out;
};
