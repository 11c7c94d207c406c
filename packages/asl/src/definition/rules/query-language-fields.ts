/**
 * Fields that belong to one query language only, on a state whose effective language is the other.
 *
 * Measured on AWS with ValidateStateMachineDefinition (floci-io/floci#2968, and floci's
 * docs/services/step-functions.md with the validation tests behind it):
 * - `Output`, `Arguments` and `Items` on a JSONPath state: `The QueryLanguage is set to
 *   'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage`, code
 *   `SCHEMA_VALIDATION_FAILED`, located at the state itself (`/States/P`,
 *   `/States/M/ItemProcessor/States/P`), never at the field;
 * - the mirror for `InputPath`, `OutputPath`, `ResultPath`, `ResultSelector`, `Parameters`,
 *   `Result`, `ItemsPath` and `MaxConcurrencyPath` on a JSONata state;
 * - `Assign` belongs to neither list: AWS accepts it in both languages;
 * - a state that declares `JSONPath` under a JSONata machine gets the downgrade diagnostic
 *   (rules/query-language.ts) and nothing about the fields its refused language forbids: "the
 *   downgrade is the whole answer", so this rule stays silent for such a state.
 *
 * By the same pattern (not measured): the other `…Path` fields of the JSONPath list; inside a
 * Choice rule, `Condition` and `Output` against `Variable`, `And`, `Or`, `Not` and the comparison
 * operators, at the rule (`/States/C/Choices[0]`); in a catcher, `Output` against `ResultPath`,
 * at the catcher (`/States/T/Catch[0]`). A JSONata Choice rule must have its `Condition`:
 * `These fields are required: [Condition]` at the rule (AWS's words for a missing `Next`,
 * measured in cfn-lint#4077, applied to `Condition`).
 *
 * Only fields the state type accepts are checked here: a field the type does not carry at all
 * already has its `Field 'X' is not supported` (validate.ts), and one mistake gives one diagnostic.
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from '../types.js';
import { element, field, isObject, schema, type Json, type StateRule } from '../diagnostics.js';
import { supports } from '../fields.js';
import { Messages } from '../messages.js';
import { BOOLEAN_OPERATORS, isOperator } from './choice.js';

/** State fields that exist only in JSONata. */
export const JSONATA_ONLY_FIELDS: ReadonlySet<string> = new Set(['Output', 'Arguments', 'Items']);

/** State fields that exist only in JSONPath. */
export const JSONPATH_ONLY_FIELDS: ReadonlySet<string> = new Set([
  'InputPath',
  'OutputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'Result',
  'ItemsPath',
  'MaxConcurrencyPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
]);

/** The fields of a JSONata Choice rule. */
const JSONATA_RULE_FIELDS: ReadonlySet<string> = new Set(['Condition', 'Next', 'Comment', 'Assign', 'Output']);
/** Choice-rule fields that exist only in JSONata. */
const JSONATA_ONLY_RULE_FIELDS: ReadonlySet<string> = new Set(['Condition', 'Output']);

/** True for a Choice-rule field that exists only in JSONPath (`Variable`, `And`, `StringEquals`, …). */
const isJsonPathRuleField = (name: string): boolean => name === 'Variable' || (BOOLEAN_OPERATORS as readonly string[]).includes(name) || isOperator(name);

/** A rule of a JSONPath Choice state, and the rules nested in its And/Or/Not: JSONata fields in it. */
const jsonPathRule = (rule: unknown, location: string): readonly Diagnostic[] => {
  if (!isObject(rule)) return [];
  const own = Object.keys(rule)
    .filter((k) => JSONATA_ONLY_RULE_FIELDS.has(k))
    .map((k) => schema(Messages.otherLanguageField('JSONPath', k), location));
  const nested = BOOLEAN_OPERATORS.flatMap((op) => {
    const value = rule[op];
    if (op === 'Not') return jsonPathRule(value, field(location, 'Not'));
    return Array.isArray(value) ? value.flatMap((r, i) => jsonPathRule(r, element(location, op, i))) : [];
  });
  return [...own, ...nested];
};

/** A rule of a JSONata Choice state: JSONPath fields, fields of neither language, and its `Condition`. */
const jsonataRule = (rule: unknown, location: string): readonly Diagnostic[] => {
  if (!isObject(rule)) return []; // reported by validate.ts
  const out: Diagnostic[] = [];
  for (const key of Object.keys(rule)) {
    if (isJsonPathRuleField(key)) out.push(schema(Messages.otherLanguageField('JSONata', key), location));
    else if (!JSONATA_RULE_FIELDS.has(key)) out.push(schema(Messages.notSupported(key), location));
  }
  if (rule['Condition'] === undefined) out.push(schema(Messages.required(['Condition']), location));
  return out;
};

/** The catchers of a state: `Output` in JSONPath, `ResultPath` in JSONata. */
const catchers = (state: Json, type: string, at: string, language: QueryLanguage): readonly Diagnostic[] => {
  const list = state['Catch'];
  if (!supports(type, 'Catch') || !Array.isArray(list)) return [];
  const foreign = language === 'JSONPath' ? 'Output' : 'ResultPath';
  return list.flatMap((c, i) =>
    isObject(c) && c[foreign] !== undefined ? [schema(Messages.otherLanguageField(language, foreign), element(at, 'Catch', i))] : [],
  );
};

/** The rule. */
export const languageFields: StateRule = ({ state, type, at, language, machineLanguage }) => {
  // The refused downgrade is the whole answer for this state (measured, see above).
  if (machineLanguage === 'JSONata' && state['QueryLanguage'] === 'JSONPath') return [];
  const foreign = language === 'JSONPath' ? JSONATA_ONLY_FIELDS : JSONPATH_ONLY_FIELDS;
  const fields = Object.keys(state)
    .filter((k) => foreign.has(k) && supports(type, k))
    .map((k) => schema(Messages.otherLanguageField(language, k), at));
  const choices = state['Choices'];
  const rules =
    type === 'Choice' && Array.isArray(choices)
      ? choices.flatMap((rule, i) => (language === 'JSONPath' ? jsonPathRule : jsonataRule)(rule, element(at, 'Choices', i)))
      : [];
  return [...fields, ...rules, ...catchers(state, type, at, language)];
};
