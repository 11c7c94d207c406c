/**
 * InputPath, ResultPath and OutputPath of JSONPath-mode states.
 *
 * "raw input → InputPath → Parameters → work → ResultSelector → ResultPath (merged into the raw
 * state input) → OutputPath → output" — https://docs.aws.amazon.com/step-functions/latest/dg/concepts-input-output-filtering.html
 *
 * @module
 */
import { runtimeError } from './errors.js';
import { NULL_INPUT_CAUSE, readsInput } from './field-expression.js';
import { isJsonObject, toJsonText } from './json.js';
import { queryPath } from './jsonpath.js';
import { parsePath } from './jsonpath/parse.js';
import type { Segment } from './jsonpath/ast.js';
import type { EvaluationScope } from './scope.js';

/**
 * A path filter, failing the way AWS does:
 * `Invalid path '$.x' : No results for path: $['x']` (rec: test_invalid_jsonpath INPUTPATH).
 */
const filterBy = (path: string, value: unknown, scope: EvaluationScope): unknown => {
  if (path === '$') return value;
  if (value === null && readsInput(path)) throw runtimeError(NULL_INPUT_CAUSE);
  const r = queryPath(path, { ...scope, input: value });
  if (!r.found) throw runtimeError(`Invalid path '${path}' : ${r.reason}`);
  return r.value;
};

/**
 * InputPath: `undefined` means `$`; `null` gives `{}` ("If InputPath is null, the state's input
 * is {}", rec: base/test_base null_input_output_paths); `$$…` selects from the context object
 * (rec: context_object/test_context_object test_input_path).
 *
 * @example
 * ```ts
 * applyInputPath('$.a', { a: { b: 1 } }, scope);   // { b: 1 }
 * applyInputPath(null, { a: 1 }, scope);           // {}
 * ```
 * @throws StatesError `States.Runtime` `Invalid path '<path>' : <reason>` when nothing is selected.
 */
export const applyInputPath = (path: string | null | undefined, input: unknown, scope: EvaluationScope): unknown =>
  path === null ? {} : filterBy(path ?? '$', input, scope);

/**
 * OutputPath: `undefined` means `$`; `null` gives `{}`.
 *
 * @example
 * ```ts
 * applyOutputPath('$$.Execution.Input', output, scope);  // the execution input
 * ```
 * (rec: context_object/test_context_object test_output_path)
 * @throws StatesError `States.Runtime` `Invalid path '<path>' : <reason>`, for example
 * `Missing property in path $['no']` (rec: scenarios test_catch_states_runtime).
 */
export const applyOutputPath = (path: string | null | undefined, output: unknown, scope: EvaluationScope): unknown =>
  path === null ? {} : filterBy(path ?? '$', output, scope);

/**
 * AWS's cause when the result cannot be placed: seen in a 2024 AWS execution
 * (`Unable to apply ReferencePath $.partitioned to input "…"`, aws/aws-cdk#29473). The error
 * name there was not shown; the fact sheet reports path errors as States.Runtime (inference).
 */
const cannotApply = (path: string, rawInput: unknown) => runtimeError(`Unable to apply ReferencePath ${path} to input ${toJsonText(rawInput)}`);

/** Copies `node` with `value` placed at `steps`, creating missing objects on the way. */
const place = (node: unknown, steps: readonly Segment[], value: unknown, fail: () => never): unknown => {
  const [s, ...rest] = steps;
  if (s === undefined) return value;
  if (s.kind === 'property') {
    if (!isJsonObject(node)) return fail();
    const child = Object.prototype.hasOwnProperty.call(node, s.name) ? node[s.name] : {};
    if (rest.length > 0 && !isJsonObject(child) && !Array.isArray(child)) return fail();
    return { ...node, [s.name]: place(child, rest, value, fail) };
  }
  if (s.kind === 'index') {
    if (!Array.isArray(node)) return fail();
    const i = s.index < 0 ? node.length + s.index : s.index;
    if (i < 0 || i >= node.length) return fail();
    const copy = [...node];
    copy[i] = place(node[i], rest, value, fail);
    return copy;
  }
  return fail();
};

/**
 * ResultPath: `null` → the raw input; `undefined` or `'$'` → the result; `'$.a.b'` → a copy of
 * the raw input with `a.b` created or overwritten. Only reference paths (`.a`, `['a']`, `[0]`)
 * are meaningful here.
 *
 * @example
 * ```ts
 * applyResultPath('$.r', { a: 1 }, 2);   // { a: 1, r: 2 }
 * applyResultPath(null, { a: 1 }, 2);    // { a: 1 }
 * ```
 * @throws StatesError `States.Runtime` when the input cannot hold the result (for example a
 * string input, or a primitive on the way); Error when the path is not a reference path.
 */
export const applyResultPath = (path: string | null | undefined, rawInput: unknown, result: unknown): unknown => {
  if (path === null) return rawInput;
  if (path === undefined || path === '$') return result;
  const parsed = parsePath(path);
  if (parsed.root.kind !== 'input' || !parsed.segments.every((s) => s.kind === 'property' || s.kind === 'index')) {
    throw new Error(`ResultPath '${path}' is not a reference path`);
  }
  return place(rawInput, parsed.segments, result, () => {
    throw cannotApply(path, rawInput);
  });
};
