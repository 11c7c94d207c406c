/**
 * The value of a field that takes "a path or an intrinsic function call": `key.$` entries of
 * payload templates, Fail's `ErrorPath`/`CausePath`, JSONPath `Assign` values.
 *
 * @module
 */
import { runtimeError } from './errors.js';
import { evaluateIntrinsic } from './intrinsics/evaluate.js';
import { isIntrinsicCall } from './intrinsics/parse.js';
import { toJsonText } from './json.js';
import { queryPath } from './jsonpath.js';
import { parsePath } from './jsonpath/parse.js';
import type { EvaluationScope } from './scope.js';

/**
 * AWS's cause when a path is applied to a `null` input: "Unable to apply Path transformation to
 * null or empty input." (an AWS execution quoted in a public Q&A thread: `"Input.$": "$"` on a `null` input). Where
 * else it applies is inference: any `$…` path on a `null` input, except the default `$` of
 * InputPath/OutputPath, which passes a Lambda's `null` result through.
 */
export const NULL_INPUT_CAUSE = 'Unable to apply Path transformation to null or empty input.';

/** True when the path reads the state input (`$…`, not `$$…` or `$var…`). */
export const readsInput = (path: string): boolean => parsePath(path).root.kind === 'input';

/**
 * Evaluates a path or an intrinsic call for the named field.
 *
 * @example
 * ```ts
 * evaluateFieldExpression('$.Error', { input: { Error: 'E' }, context: {} }, 'ErrorPath'); // 'E'
 * evaluateFieldExpression('$.x', { input: {}, context: {} }, 'value.$');
 * // throws StatesError('States.Runtime',
 * //   "The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '{}'")
 * ```
 * (rec: scenarios/test_base_scenarios::test_invalid_jsonpath, all variants)
 * @throws StatesError `States.Runtime` when a path selects nothing; Error when the text is malformed.
 */
export const evaluateFieldExpression = (expression: string, scope: EvaluationScope, field: string): unknown => {
  if (isIntrinsicCall(expression)) return evaluateIntrinsic(expression, scope, field);
  if (scope.input === null && readsInput(expression)) throw runtimeError(NULL_INPUT_CAUSE);
  const r = queryPath(expression, scope);
  if (!r.found) {
    throw runtimeError(`The JSONPath '${expression}' specified for the field '${field}' could not be found in the input '${toJsonText(scope.input)}'`);
  }
  return r.value;
};
