/**
 * JSONata expressions of JSONata states: each `{% … %}` must parse, and may read `$states.result`
 * and `$states.errorOutput` only where AWS offers them.
 *
 * An expression is a whole string that starts with `{%` and ends with `%}`; a string that merely
 * contains `{%` (`" {% states.input %} "`) is a literal, as AWS treats it (rec: the arguments
 * BASE_LAMBDA_LITERALS case of the conformance corpus passes `" {% states.input %} "` through).
 * JSONPath states have no expressions: their `{% … %}` strings are literals too.
 *
 * What AWS answers (measured, floci-io/floci#2745; the texts are in messages.ts):
 * - an expression that does not parse: code `INVALID_JSONATA_EXPRESSION`, the parser's message
 *   without its `S0xxx: ` code, at the field that holds the string, object keys and array
 *   indexes included (`/States/E/Output/v`, `/States/P/Assign/x`, `/States/P/Output/list[0]`);
 * - `$states.errorOutput` outside a catcher's own `Output` or `Assign`: code
 *   `UNSUPPORTED_JSONATA_EXPRESSION`, `Field '$states.errorOutput' does not exist.`, at the field.
 *
 * `$states.result` "refers to the API or sub-workflow's raw result" of Task, Parallel and Map
 * states, and using it or `$states.errorOutput` "in fields and states where they are not
 * accessible will be caught at creation, update, or validation of the state machine" (DG
 * workflow-variables). Where it is offered: the state-level `Output` and `Assign` of those three
 * types, not their `Arguments`, `Items`, `ItemSelector`, timeouts or catchers (inference from the
 * DG's order of evaluation; AWS's text for it is the errorOutput one by pattern).
 *
 * Both names are found by a textual test on the expression (`$states.result` followed by no
 * further name character). A string literal that happens to spell one is a false alarm we accept.
 *
 * @internal
 * @module
 */
import { compileJsonata, isJsonataText, jsonataBody } from '../../jsonata.js';
import type { Diagnostic } from '../types.js';
import { element, error, field, isObject, type Json, type StateRule } from '../diagnostics.js';
import { supports } from '../fields.js';
import { INVALID_JSONATA_EXPRESSION, Messages, UNSUPPORTED_JSONATA_EXPRESSION } from '../messages.js';

/** Which of the two conditional `$states` fields an expression may read where it stands. */
export interface StatesFields {
  readonly result: boolean;
  readonly errorOutput: boolean;
}

const NEITHER: StatesFields = { result: false, errorOutput: false };

/** The state fields AWS evaluates as JSONata. Diagnostics follow the order of the fields in the state. */
const STATE_FIELDS: ReadonlySet<string> = new Set([
  'Arguments',
  'Items',
  'ItemSelector',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Credentials',
  'Seconds',
  'Timestamp',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'Error',
  'Cause',
  'Output',
  'Assign',
]);

/** The states that have a result. */
const RESULT_TYPES: ReadonlySet<string> = new Set(['Task', 'Parallel', 'Map']);

const RESULT = /\$states\.result(?![\p{ID_Continue}$])/u;
const ERROR_OUTPUT = /\$states\.errorOutput(?![\p{ID_Continue}$])/u;

/** One `{% … %}` string. */
const checkExpression = (text: string, location: string, offered: StatesFields): readonly Diagnostic[] => {
  const body = jsonataBody(text);
  const compiled = compileJsonata(body);
  if (!compiled.ok) return [error(INVALID_JSONATA_EXPRESSION, Messages.invalidJsonata(compiled.message), location)];
  return [
    ...(!offered.result && RESULT.test(body) ? [error(UNSUPPORTED_JSONATA_EXPRESSION, Messages.statesFieldMissing('result'), location)] : []),
    ...(!offered.errorOutput && ERROR_OUTPUT.test(body) ? [error(UNSUPPORTED_JSONATA_EXPRESSION, Messages.statesFieldMissing('errorOutput'), location)] : []),
  ];
};

/**
 * Every expression in a JSONata field, at any depth.
 *
 * @example
 * ```ts
 * checkJsonataTemplate({ v: '{% a[1,2) %}' }, '/States/E/Output', { result: false, errorOutput: false });
 * // [{ code: 'INVALID_JSONATA_EXPRESSION', message: 'Expected "]", got ","', location: '/States/E/Output/v', … }]
 * ```
 */
export const checkJsonataTemplate = (value: unknown, location: string, offered: StatesFields): readonly Diagnostic[] => {
  if (isJsonataText(value)) return checkExpression(value, location, offered);
  if (Array.isArray(value)) return value.flatMap((v, i) => checkJsonataTemplate(v, `${location}[${i}]`, offered));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => checkJsonataTemplate(v, field(location, k), offered));
  return [];
};

/** The named members of each object of a list (`Choices`, `Catch`), each at `List[i]/Member`. */
const listMembers = (state: Json, list: string, members: readonly string[], at: string, offered: StatesFields): readonly Diagnostic[] => {
  const items = state[list];
  if (!Array.isArray(items)) return [];
  return items.flatMap((item, i) =>
    isObject(item) ? members.flatMap((m) => (item[m] === undefined ? [] : checkJsonataTemplate(item[m], field(element(at, list, i), m), offered))) : [],
  );
};

/** The rule. */
export const jsonataExpressions: StateRule = ({ state, type, at, language }) => {
  if (language !== 'JSONata') return [];
  const fields = Object.keys(state).flatMap((name) => {
    if (!STATE_FIELDS.has(name) || !supports(type, name)) return [];
    const result = RESULT_TYPES.has(type) && (name === 'Output' || name === 'Assign');
    return checkJsonataTemplate(state[name], field(at, name), { result, errorOutput: false });
  });
  const rules = type === 'Choice' ? listMembers(state, 'Choices', ['Condition', 'Output', 'Assign'], at, NEITHER) : [];
  const catchers = supports(type, 'Catch') ? listMembers(state, 'Catch', ['Output', 'Assign'], at, { result: false, errorOutput: true }) : [];
  return [...fields, ...rules, ...catchers];
};
