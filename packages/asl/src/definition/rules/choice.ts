/**
 * Choice rules of JSONPath Choice states.
 *
 * "A Choice Rule … MUST contain exactly one field whose value is a Boolean expression (And, Or,
 * Not) or exactly one data-test expression … The value of Variable and of an operator ending in
 * Path MUST be a Reference Path … Nested rules MUST NOT contain a Next field."
 * — https://states-language.net/spec.html#choice-state
 *
 * What AWS says, where known:
 * - a missing `Next` on a top-level rule: `These fields are required: [Next] at
 *   /States/Choice/Choices[0]` (measured, cfn-lint#4077; checked in validate.ts);
 * - a `Variable` that is no reference path: `Value is not a Reference Path: …` at
 *   `…/Choices[0]/Variable` (measured, ts2asl#912, cfn-lint#4076).
 * The rest follows AWS's wording for sibling fields (see messages.ts).
 *
 * Operand types are those of the spec's table: strings for `String*`, numbers for `Numeric*`,
 * booleans for `BooleanEquals` and the `Is*` tests, timestamps for `Timestamp*`.
 *
 * @internal
 * @module
 */
import { LITERAL_OPERATORS, PATH_OPERATORS } from '../../choice/operators.js';
import { parseTimestamp } from '../../choice/timestamp.js';
import type { Diagnostic, QueryLanguage } from '../types.js';
import { element, field, isObject, schema, type StateRule } from '../diagnostics.js';
import { referencePathProblem } from '../expressions.js';
import { Messages } from '../messages.js';

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** True for the name of a data-test operator (`StringEquals`, `NumericLessThanPath`, `IsPresent`, …). */
export const isOperator = (name: string): boolean => name === 'IsPresent' || has(LITERAL_OPERATORS, name) || has(PATH_OPERATORS, name);

export const BOOLEAN_OPERATORS = ['And', 'Or', 'Not'] as const;

/**
 * Fields a rule may carry besides its operator (`Assign` since variables; `Comment` per the DG).
 * `Condition` and `Output` are JSONata fields: AWS refuses them in a JSONPath rule with its own
 * QueryLanguage message, which belongs to the JSONata rules, so they are not reported here.
 */
const OTHER_FIELDS = new Set(['Variable', 'Next', 'Comment', 'Assign', 'Condition', 'Output']);

const ANY_ROOT = { context: true, variable: true } as const;

/** A reference-path check with AWS's reason when the `$` is missing. */
const referencePath = (value: unknown, location: string): readonly Diagnostic[] => {
  if (typeof value !== 'string') return [schema(Messages.expectedType('String'), location)];
  const problem = referencePathProblem(value, ANY_ROOT);
  if (problem === undefined) return [];
  return [schema(problem === 'no-dollar' ? Messages.notReferencePathNoDollar : Messages.notReferencePath, location)];
};

/** The literal operand an operator needs. */
const checkOperand = (operator: string, operand: unknown, location: string): readonly Diagnostic[] => {
  if (has(PATH_OPERATORS, operator)) return referencePath(operand, location);
  if (operator.startsWith('String')) return typeof operand === 'string' ? [] : [schema(Messages.expectedType('String'), location)];
  if (operator.startsWith('Numeric')) return typeof operand === 'number' ? [] : [schema(Messages.expectedType('Number'), location)];
  if (operator.startsWith('Timestamp')) {
    if (typeof operand !== 'string') return [schema(Messages.expectedType('String'), location)];
    // AWS's wording for an unparseable Wait Timestamp (rec), applied to Choice literals: pattern.
    return parseTimestamp(operand) === undefined ? [schema(Messages.notTimestamp, location)] : [];
  }
  // BooleanEquals, IsNull, IsPresent, IsNumeric, IsString, IsBoolean, IsTimestamp.
  return typeof operand === 'boolean' ? [] : [schema(Messages.expectedType('Boolean'), location)];
};

/**
 * Checks one rule and, through And/Or/Not, the rules nested in it.
 *
 * @param nested false for an element of `Choices`, true inside And/Or/Not.
 */
export const checkChoiceRule = (rule: unknown, location: string, nested: boolean): readonly Diagnostic[] => {
  // A top-level rule that is no object is reported by validate.ts with the other Choices checks.
  if (!isObject(rule)) return nested ? [schema(Messages.expectedType('Object'), location)] : [];
  const out: Diagnostic[] = [];
  const keys = Object.keys(rule);
  const booleans = BOOLEAN_OPERATORS.filter((k) => rule[k] !== undefined);
  const operators = keys.filter(isOperator);
  for (const key of keys) {
    if (nested && key === 'Next') out.push(schema(Messages.notSupported('Next'), location));
    else if (!OTHER_FIELDS.has(key) && !isOperator(key) && !(BOOLEAN_OPERATORS as readonly string[]).includes(key)) {
      out.push(schema(Messages.notSupported(key), location));
    }
  }
  const chosen = [...booleans, ...operators];
  // A JSONata `Condition` in its place is reported once, by the QueryLanguage rule (rules/query-language-fields.ts).
  if (chosen.length === 0) return rule['Condition'] !== undefined ? out : [...out, schema(Messages.noChoiceOperator, location)];
  if (chosen.length > 1) return [...out, schema(Messages.onlyOneOf(chosen), location)];

  const [boolean] = booleans;
  if (boolean !== undefined) {
    if (rule['Variable'] !== undefined) out.push(schema(Messages.notSupported('Variable'), location));
    const value = rule[boolean];
    if (boolean === 'Not') {
      out.push(...checkChoiceRule(value, field(location, 'Not'), true));
    } else if (!Array.isArray(value)) {
      out.push(schema(Messages.expectedType('Array'), field(location, boolean)));
    } else if (value.length === 0) {
      out.push(schema(Messages.empty, field(location, boolean)));
    } else {
      value.forEach((r, i) => out.push(...checkChoiceRule(r, element(location, boolean, i), true)));
    }
    return out;
  }

  const operator = operators[0]!;
  if (rule['Variable'] === undefined) out.push(schema(Messages.required(['Variable']), location));
  else out.push(...referencePath(rule['Variable'], field(location, 'Variable')));
  out.push(...checkOperand(operator, rule[operator], field(location, operator)));
  return out;
};

/** Every rule of a JSONPath Choice state. JSONata rules (`Condition`) are another rule set's concern. */
export const choiceRules: StateRule = ({ state, type, at, language }) => {
  const choices = state['Choices'];
  if (type !== 'Choice' || language !== 'JSONPath' || !Array.isArray(choices)) return [];
  return choices.flatMap((rule, i) => checkChoiceRule(rule, element(at, 'Choices', i), false));
};
