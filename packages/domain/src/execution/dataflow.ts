import {
  applyOutputPath,
  applyResultPath,
  evaluateFieldExpression,
  evaluateJsonata,
  evaluateJsonataTemplate,
  evaluatePayloadTemplate,
  isJsonataText,
  QueryEvaluationError,
  type EvaluationScope,
  type JsonataScope,
} from '@stepstream/asl';
import type { StateDefinition } from '@stepstream/asl/definition';
import { json, PAYLOAD_LIMIT_BYTES, utf8Length } from './batch.js';
import { StatesError } from '@stepstream/asl';
import { contextObject } from './context-object.js';
import type { Entered, Frame } from './frame.js';

/** The language a state's fields are read in: its own `QueryLanguage`, else the machine's. */
export const isJsonata = (f: Frame, state: StateDefinition): boolean => (state.QueryLanguage ?? f.language) === 'JSONata';

/** The context object (`$$`, `$states.context`) of a state, with `Map.Item` where a Map adds it. */
export const contextOf = (f: Frame, e: Entered): Readonly<Record<string, unknown>> => {
  if (f.env.context !== undefined && f.path === '') return f.env.context;
  const base = contextObject(f.info, f.parsedInput, e.name, e.enteredAt);
  const context = e.retryCount > 0 || f.definition.States[e.name]?.Type === 'Task' ? { ...base, State: { ...base.State, RetryCount: e.retryCount } } : base;
  return f.context ? { ...context, ...f.context } : context;
};

/** What JSONPath expressions see: `$` is `input`, `$$` the context, `$name` the variables. */
export const scopeOf = (f: Frame, e: Entered, input: unknown): EvaluationScope => ({
  input,
  context: contextOf(f, e),
  variables: f.vars.all(),
  random: f.env.random,
  uuid: f.env.uuid,
});

/** What JSONata expressions see: `$states.input` (always the state's input), `result`/`errorOutput` where AWS gives them. */
export const jsonataScopeOf = (
  f: Frame,
  e: Entered,
  extra: { readonly result?: unknown; readonly errorOutput?: unknown; readonly context?: Readonly<Record<string, unknown>> } = {},
): JsonataScope => ({
  states: {
    input: e.rawInput,
    context: extra.context ?? contextOf(f, e),
    ...('result' in extra ? { result: extra.result } : {}),
    ...('errorOutput' in extra ? { errorOutput: extra.errorOutput } : {}),
  },
  variables: f.vars.all(),
  now: f.env.now,
  random: f.env.random,
  uuid: f.env.uuid,
});

/** The fields that shape a JSONPath state's result into its output (Task, Parallel, Map). */
export interface ResultFilters {
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly OutputPath?: string | null;
}

/** What `completeState` takes from a JSONPath state with a result. */
export interface ShapedResult {
  /** The effective result: what `Assign` sees as `$`. */
  readonly result: unknown;
  /** The effective output, computed when the state exits (after its Assign is evaluated). */
  readonly jsonPathOutput: () => unknown;
}

/**
 * The JSONPath result pipeline of Task, Parallel and Map: ResultSelector, then ResultPath into the
 * raw input, then OutputPath. From the ASL spec (https://states-language.net/spec.html#filters):
 * "“effective result” means the result after processing it with ResultSelector and “effective
 * output” means the final state output after processing the result with ResultSelector,
 * ResultPath and OutputPath." and "The value of "OutputPath" MUST be a Path, which is applied to
 * the state’s output after the application of ResultPath".
 *
 * The effective result is evaluated now (a ResultSelector error fails the state before it exits);
 * ResultPath and OutputPath wait for `completeState`. JSONata states have none of these fields:
 * their `Output` is evaluated by `completeState`.
 *
 * @example
 * // raw input {"a":1}, result {"x":2,"y":3}
 * // ResultSelector {"sum.$": "$.x"}, ResultPath "$.r", OutputPath "$.r"
 * shapeResult(state, { a: 1 }, { x: 2, y: 3 }, scope); // result {"sum":2}, jsonPathOutput() {"sum":2}
 */
export const shapeResult = (state: ResultFilters, rawInput: unknown, result: unknown, scope: EvaluationScope): ShapedResult => {
  const effective = state.ResultSelector !== undefined ? evaluatePayloadTemplate(state.ResultSelector, { ...scope, input: result }) : result;
  return {
    result: effective,
    jsonPathOutput: () => {
      const merged = applyResultPath(state.ResultPath, rawInput, effective);
      return applyOutputPath(state.OutputPath, merged, { ...scope, input: merged });
    },
  };
};

/** Variables to assign, as the JSON texts the history records (`assignedVariables`). */
export type Assigned = Readonly<Record<string, string>>;

/**
 * A JSONata `Assign`: every value is a template evaluated with the values from state entry;
 * the caller applies them once the state completes.
 */
export const assignJsonata = (assign: Readonly<Record<string, unknown>> | undefined, scope: JsonataScope): Assigned | undefined => {
  if (assign === undefined) return undefined;
  if (isJsonataText(assign)) {
    // `"Assign": "{% … %}"` must give an object of variables.
    const v = evaluateJsonata(assign as unknown as string, scope, 'Assign');
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new QueryEvaluationError(`The Assign field must evaluate to an object, but was: ${json(v)}`, 'Assign');
    return texts(Object.entries(v as Record<string, unknown>));
  }
  return texts(Object.entries(assign).map(([k, v]) => [k, evaluateJsonataTemplate(v, scope, `Assign/${k}`)] as const));
};

/**
 * A JSONPath `Assign`: a payload template whose `key.$` paths see `value` (the state's result, a
 * catcher's Error Output), `$$` the context and `$name` the variables from state entry.
 */
export const assignJsonPath = (f: Frame, e: Entered, assign: Readonly<Record<string, unknown>> | undefined, value: unknown): Assigned | undefined => {
  if (assign === undefined) return undefined;
  const scope = scopeOf(f, e, value);
  return texts(
    Object.entries(assign).map(([key, v]) =>
      key.endsWith('.$') && typeof v === 'string' ? ([key.slice(0, -2), evaluateFieldExpression(v, scope, key)] as const) : ([key, literal(v, scope)] as const),
    ),
  );
};

/** Nested templates inside a JSONPath Assign value (`{"a": {"b.$": "$.x"}}`). */
const literal = (v: unknown, scope: EvaluationScope): unknown => {
  if (Array.isArray(v)) return v.map((x) => literal(x, scope));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) =>
      k.endsWith('.$') && typeof x === 'string' ? [k.slice(0, -2), evaluateFieldExpression(x, scope, k)] : [k, literal(x, scope)],
    ),
  );
};

/**
 * The JSON texts of assigned values, within AWS's limits: 256 KiB per variable and per Assign
 * block (DG service quotas). The error name follows the payload limit; the cause is ours.
 */
const texts = (entries: readonly (readonly [string, unknown])[]): Assigned | undefined => {
  if (entries.length === 0) return undefined;
  const out: Record<string, string> = {};
  let total = 0;
  for (const [k, v] of entries) {
    const text = json(v);
    const size = utf8Length(text);
    if (size > PAYLOAD_LIMIT_BYTES)
      throw new StatesError(
        'States.DataLimitExceeded',
        `The value assigned to the variable '${k}' is ${size} bytes, over the limit of ${PAYLOAD_LIMIT_BYTES} bytes per variable.`,
      );
    total += size;
    Object.defineProperty(out, k, { value: text, enumerable: true, configurable: true, writable: true });
  }
  if (total > PAYLOAD_LIMIT_BYTES)
    throw new StatesError(
      'States.DataLimitExceeded',
      `The variables assigned by one Assign are ${total} bytes together, over the limit of ${PAYLOAD_LIMIT_BYTES} bytes.`,
    );
  return out;
};

/** A field that is a literal or one `{% … %}` expression (Seconds, Timestamp, Error, Cause, MaxConcurrency…). */
export const valueOf = (v: unknown, scope: JsonataScope, location: string): unknown => (isJsonataText(v) ? evaluateJsonata(v, scope, location) : v);
