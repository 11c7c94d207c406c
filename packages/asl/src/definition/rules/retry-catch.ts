/**
 * Retriers and catchers (Task, Parallel and Map; other types refuse the fields outright).
 *
 * From the spec (https://states-language.net/spec.html#errors) and the DG
 * (concepts-error-handling):
 * - "ErrorEquals … MUST be a non-empty array of Strings";
 * - "States.ALL … MUST appear alone in its ErrorEquals array and MUST appear in the last
 *   Retrier/Catcher";
 * - IntervalSeconds is a positive integer (DG: at most 99999999), MaxAttempts a non-negative
 *   integer (at most 99999999, aws/amazon-states-language-service#74), BackoffRate ≥ 1.0,
 *   MaxDelaySeconds a positive integer below 31622401, JitterStrategy FULL or NONE;
 * - a catcher names its `Next`; its `ResultPath` is a reference path (JSONPath only).
 *
 * Error names are not checked against the predefined `States.*` list: neither the service
 * model, the DG, AWS's own linter (awslabs/statelint) nor any recorded response shows AWS
 * refusing an unknown `States.` name at create time, and refusing a definition AWS accepts is
 * the worse mistake.
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from '../types.js';
import { element, field, isObject, schema, type Json, type StateRule } from '../diagnostics.js';
import { supports } from '../fields.js';
import { Messages } from '../messages.js';
import { checkNumber, float, int, type NumberSpec } from './numbers.js';
import { checkPathValue, PATH_FIELDS } from './paths.js';

const STATES_ALL = 'States.ALL';

const RETRIER_FIELDS = new Set(['ErrorEquals', 'IntervalSeconds', 'MaxAttempts', 'BackoffRate', 'MaxDelaySeconds', 'JitterStrategy', 'Comment']);
const CATCHER_FIELDS = new Set(['ErrorEquals', 'Next', 'ResultPath', 'Comment', 'Output', 'Assign']);

const RETRIER_NUMBERS: Readonly<Record<string, NumberSpec>> = {
  IntervalSeconds: { integer: true, min: int(1), max: int(99999999) },
  MaxAttempts: { integer: true, min: int(0), max: int(99999999) },
  BackoffRate: { integer: false, min: float(1) },
  MaxDelaySeconds: { integer: true, min: int(1), max: int(31622400) },
};

const JITTER_STRATEGIES = ['FULL', 'NONE'];

/** ErrorEquals: a non-empty array of names, `States.ALL` alone. */
const checkErrorEquals = (value: unknown, location: string): readonly Diagnostic[] => {
  if (!Array.isArray(value)) return [schema(Messages.expectedType('Array'), location)];
  if (value.length === 0) return [schema(Messages.empty, location)];
  const notStrings = value.flatMap((name, j) => (typeof name === 'string' ? [] : [schema(Messages.expectedType('String'), `${location}[${j}]`)]));
  const alone = value.includes(STATES_ALL) && value.length > 1 ? [schema(Messages.statesAllAlone, location)] : [];
  return [...notStrings, ...alone];
};

/** The fields of one retrier or catcher, whichever it is. */
const checkHandler = (handler: Json, kind: 'Retry' | 'Catch', location: string, language: QueryLanguage): readonly Diagnostic[] => {
  const allowed = kind === 'Retry' ? RETRIER_FIELDS : CATCHER_FIELDS;
  const unsupported = Object.keys(handler)
    .filter((k) => !allowed.has(k))
    .map((k) => schema(Messages.notSupported(k), location));
  const required = (kind === 'Retry' ? ['ErrorEquals'] : ['ErrorEquals', 'Next']).filter((k) => handler[k] === undefined);
  const missing = required.length > 0 ? [schema(Messages.required(required), location)] : [];
  const errorEquals = handler['ErrorEquals'] === undefined ? [] : checkErrorEquals(handler['ErrorEquals'], field(location, 'ErrorEquals'));
  if (kind === 'Catch') {
    // A catcher's ResultPath is a JSONPath field; in JSONata its absence of support is the JSONata rules' concern.
    const resultPath =
      language === 'JSONPath' && handler['ResultPath'] !== undefined
        ? checkPathValue(handler['ResultPath'], PATH_FIELDS['ResultPath']!, field(location, 'ResultPath'))
        : [];
    return [...unsupported, ...missing, ...errorEquals, ...resultPath];
  }
  const numbers = Object.entries(RETRIER_NUMBERS).flatMap(([name, spec]) =>
    handler[name] === undefined ? [] : checkNumber(handler[name], spec, field(location, name), 'JSONPath'),
  );
  const jitter =
    handler['JitterStrategy'] !== undefined && !JITTER_STRATEGIES.includes(handler['JitterStrategy'] as string)
      ? [schema(Messages.oneOf('JitterStrategy', JITTER_STRATEGIES), field(location, 'JitterStrategy'))]
      : [];
  return [...unsupported, ...missing, ...errorEquals, ...numbers, ...jitter];
};

/** A Retry or Catch list: each handler, then `States.ALL` only in the last one. */
const checkHandlers = (list: unknown, kind: 'Retry' | 'Catch', at: string, language: QueryLanguage): readonly Diagnostic[] => {
  if (!Array.isArray(list)) return [schema(Messages.expectedType('Array'), field(at, kind))];
  return list.flatMap((handler, i) => {
    const location = element(at, kind, i);
    if (!isObject(handler)) return [schema(Messages.expectedType('Object'), location)];
    const errorEquals = handler['ErrorEquals'];
    const catchAllTooEarly =
      i < list.length - 1 && Array.isArray(errorEquals) && errorEquals.includes(STATES_ALL)
        ? [schema(Messages.statesAllLast, field(location, 'ErrorEquals'))]
        : [];
    return [...checkHandler(handler, kind, location, language), ...catchAllTooEarly];
  });
};

/** Retry and Catch of one state. Catch targets are checked with the other transitions in validate.ts. */
export const retryCatch: StateRule = ({ state, type, at, language }) =>
  (['Retry', 'Catch'] as const).flatMap((kind) => (state[kind] === undefined || !supports(type, kind) ? [] : checkHandlers(state[kind], kind, at, language)));
