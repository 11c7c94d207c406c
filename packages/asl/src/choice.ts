/**
 * Choice rules in JSONPath mode.
 *
 * "A Choice Rule … MUST contain exactly one field whose value is a Boolean expression (And, Or,
 * Not) or exactly one data-test expression: a Variable field and a comparison operator."
 * — https://states-language.net/spec.html#choice-state
 *
 * @module
 */
import { runtimeError } from './errors.js';
import { queryPath } from './jsonpath.js';
import type { EvaluationScope } from './scope.js';
import { findOperator, isPathOperator, LITERAL_OPERATORS, PATH_OPERATORS } from './choice/operators.js';

/** The raw JSON of a Choice rule (top-level with Next, or nested in And/Or/Not). */
export type ChoiceRule = Readonly<Record<string, unknown>>;

/**
 * AWS fails the execution when a rule's path selects nothing, except for `IsPresent`:
 * `Invalid path '$.x': The choice state's condition path references an invalid value.`
 * (third-party executions against AWS; the public corpus has no such case).
 */
const invalidConditionPath = (path: string) => runtimeError(`Invalid path '${path}': The choice state's condition path references an invalid value.`);

const asRule = (v: unknown): ChoiceRule => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`Invalid Choice rule: ${JSON.stringify(v)}`);
  return v as ChoiceRule;
};

const asRules = (v: unknown): readonly ChoiceRule[] => {
  if (!Array.isArray(v)) throw new Error(`Invalid Choice rule list: ${JSON.stringify(v)}`);
  return v.map(asRule);
};

/** What a rule path selects (an indefinite path always selects a list, possibly empty). */
const lookup = (path: string, scope: EvaluationScope): { readonly found: boolean; readonly value: unknown } => {
  const r = queryPath(path, scope);
  return r.found ? r : { found: false, value: undefined };
};

/**
 * Evaluates a JSONPath Choice rule: And/Or/Not, every comparison operator and its `…Path`
 * variant, Is* tests.
 *
 * @example
 * ```ts
 * evaluateChoiceRule({ Variable: '$.v', NumericEquals: 1, Next: 'X' }, { input: { v: 1.0 }, context: {} }); // true
 * evaluateChoiceRule({ Variable: '$.v', StringEquals: '1' }, { input: { v: 1 }, context: {} });             // false
 * evaluateChoiceRule({ Variable: '$.missing', IsPresent: false }, { input: {}, context: {} });              // true
 * ```
 * (rec: choice_operators/test_numeric_equals, test_string_equals)
 * @throws StatesError `States.Runtime` when `Variable` (or the `…Path` operand) selects nothing
 * and the operator is not `IsPresent`; Error when the rule is malformed.
 */
export const evaluateChoiceRule = (rule: ChoiceRule, scope: EvaluationScope): boolean => {
  if ('And' in rule) return asRules(rule['And']).every((r) => evaluateChoiceRule(r, scope));
  if ('Or' in rule) return asRules(rule['Or']).some((r) => evaluateChoiceRule(r, scope));
  if ('Not' in rule) return !evaluateChoiceRule(asRule(rule['Not']), scope);

  const variable = rule['Variable'];
  const op = findOperator(rule);
  if (typeof variable !== 'string' || op === undefined) throw new Error(`Invalid Choice rule: ${JSON.stringify(rule)}`);
  const operand = rule[op];
  const selected = lookup(variable, scope);

  if (op === 'IsPresent') return selected.found === operand;
  if (!selected.found) throw invalidConditionPath(variable);
  if (isPathOperator(op)) {
    if (typeof operand !== 'string') throw new Error(`Invalid Choice rule: ${op} must be a path`);
    const other = lookup(operand, scope);
    if (!other.found) throw invalidConditionPath(operand);
    return LITERAL_OPERATORS[PATH_OPERATORS[op]](selected.value, other.value);
  }
  return LITERAL_OPERATORS[op](selected.value, operand);
};
