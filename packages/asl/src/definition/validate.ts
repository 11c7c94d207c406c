import type { Diagnostic, StateMachineDefinition } from './types.js';

/**
 * Static validation of a definition, as CreateStateMachine, UpdateStateMachine and
 * ValidateStateMachineDefinition run it. It lists every problem found, in AWS's codes and words:
 * `SCHEMA_VALIDATION_FAILED`, `MISSING_TRANSITION_TARGET` (`Missing 'Next' target: X` for every
 * kind of target — Next, Choices[i].Next, Default, Catch[i].Next — and `State "X" is not
 * reachable.`), `MISSING_END_STATE` (`Workflow has no terminal state`, which suppresses the
 * reachability walk, as AWS does).
 *
 * Issue 4 extends the per-field checks (paths, intrinsics, retriers, reserved error names).
 */
type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const STATE_TYPES = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FIELDS: Record<string, readonly string[]> = {
  Pass: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Result', 'ResultPath', 'Parameters', 'Output', 'Assign'],
  Task: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Resource', 'Parameters', 'Arguments', 'ResultSelector', 'ResultPath',
    'TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Retry', 'Catch', 'Credentials', 'Output', 'Assign'],
  Choice: [...COMMON, 'InputPath', 'OutputPath', 'Choices', 'Default', 'Output', 'Assign'],
  Wait: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath', 'Output', 'Assign'],
  Succeed: [...COMMON, 'InputPath', 'OutputPath', 'Output'],
  Fail: [...COMMON, 'Error', 'Cause', 'ErrorPath', 'CausePath'],
  Parallel: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'Branches', 'Parameters', 'Arguments', 'ResultSelector', 'ResultPath',
    'Retry', 'Catch', 'Output', 'Assign'],
  Map: [...COMMON, 'Next', 'End', 'InputPath', 'OutputPath', 'ItemProcessor', 'Iterator', 'ItemsPath', 'Items', 'ItemSelector',
    'Parameters', 'ResultSelector', 'ResultPath', 'MaxConcurrency', 'MaxConcurrencyPath', 'Retry', 'Catch', 'Output', 'Assign',
    'ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailureCount', 'ToleratedFailureCountPath', 'ToleratedFailurePercentage',
    'ToleratedFailurePercentagePath', 'Label'],
};

const error = (code: string, message: string, location: string): Diagnostic => ({ severity: 'ERROR', code, message, location });
const schema = (message: string, location: string) => error('SCHEMA_VALIDATION_FAILED', message, location);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Validates one level (the top, a Parallel branch, a Map processor) and recurses. */
const validateMachine = (m: unknown, at: string, out: Diagnostic[]): void => {
  const where = at === '' ? '/' : at;
  if (!isObject(m)) {
    out.push(schema('Expected an object', where));
    return;
  }
  const missing = ['StartAt', 'States'].filter((k) => m[k] === undefined);
  if (missing.length > 0) {
    out.push(schema(`These fields are required: [${missing.join(', ')}]`, where));
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
    if (!(target in states)) missingTargets.push(error('MISSING_TRANSITION_TARGET', `Missing 'Next' target: ${target}`, location));
  };
  if (startAt !== undefined && !(startAt in states)) {
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
      out.push(schema('These fields are required: [Type]', sat));
      continue;
    }
    if (typeof type !== 'string' || !STATE_TYPES.includes(type)) {
      out.push(schema(`Value is not a valid state type: ${JSON.stringify(type)}`, `${sat}/Type`));
      continue;
    }
    for (const field of Object.keys(s)) {
      if (!FIELDS[type]!.includes(field)) out.push(schema(`Field '${field}' is not supported`, `${sat}/${escapePointer(field)}`));
    }
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
        out.push(schema(Array.isArray(choices) ? 'Choices must not be empty' : 'These fields are required: [Choices]', sat));
      } else {
        choices.forEach((rule, i) => {
          if (!isObject(rule)) out.push(schema('Expected value of type Object', `${sat}/Choices[${i}]`));
          else if (rule['Next'] === undefined) out.push(schema('These fields are required: [Next]', `${sat}/Choices[${i}]`));
          else checkTarget(rule['Next'], `${sat}/Choices[${i}]/Next`, name);
        });
      }
      if (s['Default'] !== undefined) checkTarget(s['Default'], `${sat}/Default`, name);
    }
    if (type === 'Task' && typeof s['Resource'] !== 'string') {
      out.push(schema(s['Resource'] === undefined ? 'These fields are required: [Resource]' : 'Expected value of type String', sat));
    }
    if (type === 'Wait') {
      const given = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((k) => s[k] !== undefined);
      if (given.length !== 1) out.push(schema("A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'", sat));
      if (typeof s['Seconds'] === 'number' && !(Number.isInteger(s['Seconds']) && s['Seconds'] >= 0)) {
        out.push(schema('Expected a non-negative integer', `${sat}/Seconds`));
      }
    }
    if (type === 'Fail') {
      if (s['Error'] !== undefined && s['ErrorPath'] !== undefined) out.push(schema("Only one of 'Error' or 'ErrorPath' is allowed", sat));
      if (s['Cause'] !== undefined && s['CausePath'] !== undefined) out.push(schema("Only one of 'Cause' or 'CausePath' is allowed", sat));
    }
    for (const [i, c] of (Array.isArray(s['Catch']) ? s['Catch'] : []).entries()) {
      if (isObject(c) && c['Next'] !== undefined) checkTarget(c['Next'], `${sat}/Catch[${i}]/Next`, name);
    }
    if (type === 'Parallel') {
      const branches = s['Branches'];
      if (!Array.isArray(branches)) out.push(schema('These fields are required: [Branches]', sat));
      else branches.forEach((b, i) => validateMachine(b, `${sat}/Branches[${i}]`, out));
    }
    if (type === 'Map') {
      const processor = s['ItemProcessor'] ?? s['Iterator'];
      if (processor === undefined) out.push(schema('These fields are required: [ItemProcessor]', sat));
      else validateMachine(processor, `${sat}/${s['ItemProcessor'] !== undefined ? 'ItemProcessor' : 'Iterator'}`, out);
    }
  }
  out.push(...missingTargets);
  if (terminal.length === 0 && names.length > 0) {
    out.push(error('MISSING_END_STATE', 'Workflow has no terminal state', at === '' ? '' : at));
    return;
  }
  // Reachability from StartAt.
  if (startAt === undefined || !(startAt in states)) return;
  const seen = new Set<string>([startAt]);
  const queue = [startAt];
  while (queue.length > 0) {
    for (const next of targets.get(queue.shift()!) ?? []) {
      if (next in states && !seen.has(next)) {
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

/** Parses and validates a definition text. */
export const parseDefinition = (text: string): ParseResult => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return {
      ok: false,
      diagnostics: [error('INVALID_JSON_DESCRIPTION', (e as Error).message, '')],
    };
  }
  const diagnostics: Diagnostic[] = [];
  validateMachine(json, '', diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'ERROR');
  return errors.length > 0 ? { ok: false, diagnostics } : { ok: true, definition: json as StateMachineDefinition, diagnostics };
};

/** AWS's InvalidDefinition detail: every error as `CODE: message at location`, joined by `, `. */
export const describeDiagnostics = (diagnostics: readonly Diagnostic[]): string =>
  diagnostics
    .filter((d) => d.severity === 'ERROR')
    .map((d) => (d.location === '' && d.code === 'MISSING_END_STATE' ? `${d.code}: ${d.message}` : `${d.code}: ${d.message} at ${d.location || '/'}`))
    .join(', ');
