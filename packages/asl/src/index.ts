/**
 * `@stepstream/asl`: the pure data-flow core of the Amazon States Language in JSONPath mode —
 * paths, payload templates, InputPath/ResultPath/OutputPath, intrinsic functions, Choice rules.
 *
 * @module
 */
export { StatesError, StatesErrorName, isStatesError, runtimeError } from './errors.js';
export type { EvaluationScope } from './scope.js';
export { selectPath, isDefinitePath, resolvePath, queryPath, type PathResult, type PathQuery } from './jsonpath.js';
export { evaluateFieldExpression } from './field-expression.js';
export { evaluatePayloadTemplate } from './payload-template.js';
export { applyInputPath, applyResultPath, applyOutputPath } from './input-output.js';
export { isIntrinsicCall, parseIntrinsic } from './intrinsics/parse.js';
export { evaluateIntrinsic } from './intrinsics/evaluate.js';
export { IntrinsicName, type IntrinsicArg, type IntrinsicCall } from './intrinsics/ast.js';
export { evaluateChoiceRule, type ChoiceRule } from './choice.js';
export { parseTimestamp, compareInstants, type Instant } from './choice/timestamp.js';
export {
  evaluateJsonata,
  evaluateJsonataTemplate,
  expectJsonataType,
  isJsonataText,
  jsonataBody,
  compileJsonata,
  QueryEvaluationError,
  QUERY_EVALUATION_ERROR,
  type JsonataScope,
} from './jsonata.js';
