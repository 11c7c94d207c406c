/**
 * Evaluation of intrinsic function calls against an {@link EvaluationScope}.
 *
 * @module
 */
import { runtimeError } from '../errors.js';
import { toJsonText } from '../json.js';
import { queryPath } from '../jsonpath.js';
import type { EvaluationScope } from '../scope.js';
import { assertNever } from '../assert-never.js';
import type { IntrinsicArg, IntrinsicCall } from './ast.js';
import { INTRINSICS } from './functions/index.js';
import { parseIntrinsic } from './parse.js';

/**
 * The failure for a path argument that selects nothing. No recording shows AWS's text for a
 * path inside an intrinsic; this reuses the payload-template wording when the field is known
 * (inference) and the InputPath wording otherwise.
 */
const pathNotFound = (path: string, reason: string, scope: EvaluationScope, field: string | undefined) =>
  runtimeError(
    field === undefined
      ? `Invalid path '${path}' : ${reason}`
      : `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${toJsonText(scope.input)}'`,
  );

const evaluateArg = (a: IntrinsicArg, scope: EvaluationScope, field: string | undefined): unknown => {
  switch (a.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return a.value;
    case 'null':
      return null;
    case 'path': {
      const r = queryPath(a.path, scope);
      if (!r.found) throw pathNotFound(a.path, r.reason, scope, field);
      return r.value;
    }
    case 'call':
      return evaluateCall(a, scope, field);
    default:
      return assertNever(a);
  }
};

/**
 * Evaluates a parsed call: arguments first, left to right, then the function.
 *
 * @throws StatesError `States.Runtime` when an argument path selects nothing or an argument is
 * invalid (`Invalid arguments in States.X`).
 */
export const evaluateCall = (call: IntrinsicCall, scope: EvaluationScope, field?: string): unknown => {
  const args = call.args.map((a) => evaluateArg(a, scope, field));
  return INTRINSICS[call.name](args, { name: call.name, scope, syntax: call.args });
};

/**
 * Parses and evaluates an intrinsic call. `field` (for example `'key.$'` or `'ErrorPath'`) only
 * shapes error messages.
 *
 * @example
 * ```ts
 * evaluateIntrinsic("States.Format('Hello {}', $.name)", { input: { name: 'Ada' }, context: {} });
 * // 'Hello Ada'
 * ```
 * @throws StatesError on runtime failures; Error on malformed text.
 */
export const evaluateIntrinsic = (text: string, scope: EvaluationScope, field?: string): unknown => evaluateCall(parseIntrinsic(text), scope, field);
