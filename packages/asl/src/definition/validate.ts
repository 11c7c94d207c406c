import type { Diagnostic, QueryLanguage, StateMachineDefinition } from './types.js';
import { error, field, isObject, schema, escapePointer, type StateRule } from './diagnostics.js';
import { FIELDS, STATE_TYPES } from './fields.js';
import { Messages, STATE_TYPE_LIST } from './messages.js';
import { choiceRules } from './rules/choice.js';
import { jsonataExpressions } from './rules/jsonata-expressions.js';
import { mapFields } from './rules/map.js';
import { pathFields } from './rules/paths.js';
import { payloadTemplates } from './rules/payload-templates.js';
import { processorQueryLanguage, resolveLanguage, stateQueryLanguage, topLevelFields } from './rules/query-language.js';
import { languageFields } from './rules/query-language-fields.js';
import { retryCatch } from './rules/retry-catch.js';
import { taskFields } from './rules/task.js';
import { assignFields } from './rules/variables.js';
import { waitFields } from './rules/wait.js';

/**
 * Static validation of a definition, as CreateStateMachine, UpdateStateMachine and
 * ValidateStateMachineDefinition run it. It lists every problem found, in AWS's codes and words:
 * `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET` (`Missing 'Next' target: X` for every
 * kind of target — Next, Choices[i].Next, Default, Catch[i].Next — and `State "X" is not
 * reachable.`), `MISSING_END_STATE` (`Workflow has no terminal state`, which suppresses the
 * reachability walk, as AWS does), `INVALID_LABEL_NAME`, and for JSONata expressions
 * `INVALID_JSONATA_EXPRESSION` and `UNSUPPORTED_JSONATA_EXPRESSION`.
 *
 * This file checks the shape of machines and states and the transition graph; the rules for
 * individual fields live in `rules/`, one concern per file, and `messages.ts` keeps AWS's words
 * with where each was seen.
 */

/** The per-state field rules, in the order their diagnostics are listed. */
const STATE_RULES: readonly StateRule[] = [
  languageFields,
  waitFields,
  taskFields,
  mapFields,
  pathFields,
  payloadTemplates,
  choiceRules,
  retryCatch,
  assignFields,
  jsonataExpressions,
];

/**
 * Validates one level (the top, a Parallel branch, a Map processor) and recurses.
 *
 * @param machineLanguage the top-level machine's language, which every nested state inherits.
 */
const validateMachine = (m: unknown, at: string, machineLanguage: QueryLanguage, out: Diagnostic[]): void => {
  const where = at === '' ? '/' : at;
  if (!isObject(m)) {
    out.push(schema('Expected an object', where));
    return;
  }
  // rec: `These fields are required: [States, StartAt]` for `{}` (test_sfn_api_validation EMPTY_DICT).
  const missing = ['States', 'StartAt'].filter((k) => m[k] === undefined);
  if (missing.length > 0) {
    out.push(schema(Messages.required(missing), where));
    return;
  }
  if (typeof m['StartAt'] !== 'string') out.push(schema('Expected value of type String', `${at}/StartAt`));
  if (!isObject(m['States'])) {
    out.push(schema('Expected value of type Object', `${at}/States`));
    return;
  }
  if (m['TimeoutSeconds'] !== undefined && !(Number.isInteger(m['TimeoutSeconds']) && (m['TimeoutSeconds'] as number) > 0)) {
    out.push(schema('Expected a positive integer', `${at}/TimeoutSeconds`));
  }
  const states = m['States'];
  const names = Object.keys(states);
  const targets = new Map<string, string[]>(); // state → the states it can go to
  const terminal: string[] = [];
  const startAt = typeof m['StartAt'] === 'string' ? m['StartAt'] : undefined;
  const missingTargets: Diagnostic[] = [];
  const checkTarget = (target: unknown, location: string, from: string) => {
    if (typeof target !== 'string') {
      out.push(schema('Expected value of type String', location));
      return;
    }
    targets.get(from)!.push(target);
    if (!Object.hasOwn(states, target)) missingTargets.push(error('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${target}`, location));
  };
  if (startAt !== undefined && !Object.hasOwn(states, startAt)) {
    missingTargets.push(error('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${startAt}`, `${at}/StartAt`));
  }
  for (const name of names) {
    const s = states[name];
    const sat = `${at}/States/${escapePointer(name)}`;
    targets.set(name, []);
    if (name.length > 80) out.push(schema('State names must be at most 80 characters', sat));
    if (!isObject(s)) {
      out.push(schema('Expected value of type Object', sat));
      continue;
    }
    const type = s['Type'];
    if (type === undefined) {
      out.push(schema(Messages.required(['Type']), sat));
      continue;
    }
    if (typeof type !== 'string' || !STATE_TYPES.includes(type)) {
      out.push(schema(Messages.oneOf('Type', STATE_TYPE_LIST), `${sat}/Type`));
      continue;
    }
    // Located at the state, not the field (measured: floci-io/floci#2735).
    for (const key of Object.keys(s)) {
      if (!FIELDS[type]!.includes(key)) out.push(schema(Messages.notSupported(key), sat));
    }
    out.push(...stateQueryLanguage(s, sat, machineLanguage));
    const hasNext = s['Next'] !== undefined;
    const isEnd = s['End'] === true;
    if (['Pass', 'Task', 'Wait', 'Parallel', 'Map'].includes(type)) {
      if (hasNext && isEnd) out.push(schema("Only one of 'Next' or 'End' is allowed", sat));
      else if (!hasNext && !isEnd) out.push(schema("Exactly one of 'Next' or 'End' is required", sat));
      if (s['End'] !== undefined && typeof s['End'] !== 'boolean') out.push(schema('Expected value of type Boolean', `${sat}/End`));
      if (hasNext) checkTarget(s['Next'], `${sat}/Next`, name);
      if (isEnd) terminal.push(name);
    }
    if (type === 'Succeed' || type === 'Fail') terminal.push(name);
    if (type === 'Choice') {
      const choices = s['Choices'];
      if (!Array.isArray(choices) || choices.length === 0) {
        out.push(schema(Array.isArray(choices) ? 'Choices must not be empty' : Messages.required(['Choices']), sat));
      } else {
        choices.forEach((rule, i) => {
          if (!isObject(rule)) out.push(schema('Expected value of type Object', `${sat}/Choices[${i}]`));
          else if (rule['Next'] === undefined) out.push(schema(Messages.required(['Next']), `${sat}/Choices[${i}]`));
          else checkTarget(rule['Next'], `${sat}/Choices[${i}]/Next`, name);
        });
      }
      if (s['Default'] !== undefined) checkTarget(s['Default'], `${sat}/Default`, name);
    }
    if (type === 'Task' && typeof s['Resource'] !== 'string') {
      out.push(schema(s['Resource'] === undefined ? Messages.required(['Resource']) : 'Expected value of type String', sat));
    }
    if (type === 'Fail') {
      if (s['Error'] !== undefined && s['ErrorPath'] !== undefined) out.push(schema("Only one of 'Error' or 'ErrorPath' is allowed", sat));
      if (s['Cause'] !== undefined && s['CausePath'] !== undefined) out.push(schema("Only one of 'Cause' or 'CausePath' is allowed", sat));
    }
    const input = { state: s, type, at: sat, language: resolveLanguage(s['QueryLanguage'], machineLanguage), machineLanguage };
    for (const rule of STATE_RULES) out.push(...rule(input));
    for (const [i, c] of (Array.isArray(s['Catch']) ? s['Catch'] : []).entries()) {
      if (isObject(c) && c['Next'] !== undefined) checkTarget(c['Next'], `${sat}/Catch[${i}]/Next`, name);
    }
    if (type === 'Parallel') {
      const branches = s['Branches'];
      if (!Array.isArray(branches)) out.push(schema(Messages.required(['Branches']), sat));
      // rec: `Value cannot be empty at /States/StateName/Branches` (test_state_mock_validation).
      else if (branches.length === 0) out.push(schema(Messages.empty, field(sat, 'Branches')));
      else branches.forEach((b, i) => validateMachine(b, `${sat}/Branches[${i}]`, machineLanguage, out));
    }
    if (type === 'Map') {
      const key = s['ItemProcessor'] !== undefined ? 'ItemProcessor' : 'Iterator';
      const processor = s[key];
      if (processor === undefined) out.push(schema(Messages.required(['ItemProcessor']), sat));
      else {
        if (isObject(processor)) out.push(...processorQueryLanguage(processor, field(sat, key)));
        validateMachine(processor, field(sat, key), machineLanguage, out);
      }
    }
  }
  out.push(...missingTargets);
  if (terminal.length === 0 && names.length > 0) {
    // The top level's MISSING_END_STATE has no location (measured: floci-io/floci#2786).
    out.push(error('MISSING_END_STATE', 'Workflow has no terminal state', at === '' ? '' : at));
    return;
  }
  // Reachability from StartAt.
  if (startAt === undefined || !Object.hasOwn(states, startAt)) return;
  const seen = new Set<string>([startAt]);
  const queue = [startAt];
  while (queue.length > 0) {
    for (const next of targets.get(queue.shift()!) ?? []) {
      if (Object.hasOwn(states, next) && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  for (const name of names) {
    if (!seen.has(name)) out.push(error('MISSING_TRANSITION_TARGET', `State "${name}" is not reachable.`, `${at}/States/${escapePointer(name)}`));
  }
};

export type ParseResult =
  | { readonly ok: true; readonly definition: StateMachineDefinition; readonly diagnostics: readonly Diagnostic[] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/**
 * Parses and validates a definition text.
 *
 * @example
 * ```ts
 * parseDefinition('{"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":"Test","End":true}}}');
 * // { ok: false, diagnostics: [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED',
 * //   message: 'Value must be a valid JSONPath.', location: '/States/A/OutputPath' }] }
 * ```
 */
export const parseDefinition = (text: string): ParseResult => {
  // rec: ValidateStateMachineDefinition of "" answers this, with no location (test_sfn_api_validation EMPTY_STRING).
  if (text.trim() === '') return { ok: false, diagnostics: [schema(Messages.notAnObject, '')] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      diagnostics: [error('INVALID_JSON_DESCRIPTION', (e as Error).message, '')],
    };
  }
  if (!isObject(json)) return { ok: false, diagnostics: [schema(Messages.notAnObject, '')] };
  const diagnostics: Diagnostic[] = [...topLevelFields(json)];
  validateMachine(json, '', resolveLanguage(json['QueryLanguage'], 'JSONPath'), diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'ERROR');
  return errors.length > 0 ? { ok: false, diagnostics } : { ok: true, definition: json as unknown as StateMachineDefinition, diagnostics };
};

/** How a location prints; a JSON syntax error keeps its historical `/` (AWS's parser location is not reproduced). */
const locationText = (d: Diagnostic): string => (d.location !== '' ? d.location : d.code === 'INVALID_JSON_DESCRIPTION' ? '/' : 'null');

/**
 * AWS's InvalidDefinition detail: every error as `CODE: message at location`, joined by `, `.
 * A diagnostic without a location prints `at null`, as AWS's does:
 * `Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'`
 * (measured: floci-io/floci#2735).
 */
export const describeDiagnostics = (diagnostics: readonly Diagnostic[]): string =>
  diagnostics
    .filter((d) => d.severity === 'ERROR')
    .map((d) => `${d.code}: ${d.message} at ${locationText(d)}`)
    .join(', ');
