/**
 * Static checks of the two expression languages of JSONPath states: paths and intrinsic
 * function calls. Each answers "would AWS accept this text?" using the runtime parsers, so a
 * definition that validates is one the engine can evaluate.
 *
 * @internal
 * @module
 */
import type { ParsedPath } from '../jsonpath/ast.js';
import { parsePath } from '../jsonpath/parse.js';
import type { IntrinsicArg } from '../intrinsics/ast.js';
import { parseIntrinsic } from '../intrinsics/parse.js';

/**
 * Parses a JSONPath, or `undefined` when the text is not one.
 *
 * Validation accepts exactly what the runtime parser evaluates, so an accepted definition never
 * fails later on a path it cannot read. Jayway forms AWS may accept but `jsonpath/parse.ts` does
 * not (`$.a.length()`, `$.[0]`, `$[(@.length-1)]`) are therefore refused here too, until the
 * parser learns them.
 */
export const tryParsePath = (text: string): ParsedPath | undefined => {
  try {
    return parsePath(text);
  } catch {
    return undefined;
  }
};

/** Which roots a reference path may start from. */
export interface ReferenceRoots {
  /** `$$…` (the context object). */
  readonly context: boolean;
  /** `$name…` (a workflow variable). */
  readonly variable: boolean;
}

/** Why a text is not a reference path, or `undefined` when it is one. */
export type ReferencePathProblem = 'no-dollar' | 'invalid';

/**
 * "A reference path is a path whose syntax is limited in such a way that it can identify only
 * a single node in a JSON structure" — only `.name`, `['name']` and `[index]` steps
 * (https://states-language.net/spec.html#ref-paths).
 *
 * @example
 * ```ts
 * referencePathProblem('$.a[0].b', { context: true, variable: true }); // undefined
 * referencePathProblem('$.a[*]', { context: true, variable: true });   // 'invalid'
 * referencePathProblem('a.b', { context: true, variable: true });      // 'no-dollar'
 * ```
 */
export const referencePathProblem = (text: string, roots: ReferenceRoots): ReferencePathProblem | undefined => {
  if (!text.startsWith('$')) return 'no-dollar';
  let parsed: ParsedPath;
  try {
    parsed = parsePath(text);
  } catch {
    return 'invalid';
  }
  if (parsed.root.kind === 'context' && !roots.context) return 'invalid';
  if (parsed.root.kind === 'variable' && !roots.variable) return 'invalid';
  return parsed.segments.every((s) => s.kind === 'property' || s.kind === 'index') ? undefined : 'invalid';
};

/** "You can nest up to 10 intrinsic functions within a field" (DG intrinsic-functions). */
export const MAX_INTRINSIC_DEPTH = 10;

/** How deep calls nest in an argument: 0 for a literal or path, 1 for a call without nested calls. */
const depth = (arg: IntrinsicArg): number => (arg.kind === 'call' ? 1 + arg.args.reduce((deepest, a) => Math.max(deepest, depth(a)), 0) : 0);

/**
 * True when `text` is one well-formed intrinsic call (known function, right argument count,
 * legal escapes, valid paths) nested at most {@link MAX_INTRINSIC_DEPTH} deep.
 */
export const isValidIntrinsic = (text: string): boolean => {
  try {
    return depth(parseIntrinsic(text)) <= MAX_INTRINSIC_DEPTH;
  } catch {
    return false;
  }
};

/**
 * What a `key.$` field of a payload template may hold: "a valid JSONPath or a valid intrinsic
 * function call" (AWS's words, recorded: test_base_scenarios test_illegal_escapes).
 *
 * @example
 * ```ts
 * isValidDynamicValue('$.vals[3:]');                   // true
 * isValidDynamicValue("States.Format('{}', $.a)");     // true
 * isValidDynamicValue("States.Format('\\\"x\\\"')");   // false: \" is not an intrinsic escape
 * isValidDynamicValue('foo');                          // false
 * ```
 */
export const isValidDynamicValue = (text: string): boolean => (text.startsWith('$') ? tryParsePath(text) !== undefined : isValidIntrinsic(text));
