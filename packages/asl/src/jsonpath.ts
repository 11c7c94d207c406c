/**
 * JSONPath in JSONPath-mode states: selecting values from the state input (`$`), the context
 * object (`$$`) and workflow variables (`$name`).
 *
 * "A Path is a string, beginning with "$", used to identify components with a JSON text. The
 * syntax is that of JsonPath." — https://states-language.net/spec.html#path
 *
 * AWS runs the Jayway dialect; its definite/indefinite split decides the shape of the result:
 * "When a path is definite, its value is the one node it selects; an indefinite path yields an
 * array" — a `[*]`, slice, union, `..` or filter always gives an array, possibly empty.
 *
 * @module
 */
import { isDefiniteSegments, type ParsedPath } from './jsonpath/ast.js';
import { evaluateAll, evaluateDefinite } from './jsonpath/evaluate.js';
import { parsePath } from './jsonpath/parse.js';
import type { EvaluationScope } from './scope.js';
import { getOwn } from './json.js';

/** AWS JSONPath: definite paths select one value; indefinite ones ([*], [a:b], ..,  filters ?(...)) select an array (possibly empty). */
export type PathResult = { readonly found: true; readonly value: unknown } | { readonly found: false };

/**
 * A {@link PathResult} that also says why nothing was found, in Jayway's words, which AWS quotes
 * after `Invalid path '<path>' : ` (for example `No results for path: $['x']`,
 * `Missing property in path $['no']`).
 */
export type PathQuery = { readonly found: true; readonly value: unknown } | { readonly found: false; readonly reason: string };

const select = (parsed: ParsedPath, root: unknown): PathQuery =>
  isDefiniteSegments(parsed.segments) ? evaluateDefinite(parsed.segments, root) : { found: true, value: evaluateAll(parsed.segments, root, root) };

const strip = (q: PathQuery): PathResult => (q.found ? q : { found: false });

/**
 * Applies a path's steps to `root`, whatever its `$`/`$$`/`$name` prefix says.
 *
 * @example
 * ```ts
 * selectPath('$.items[0]', { items: [{ k: 0 }] });   // { found: true, value: { k: 0 } }
 * selectPath('$.items[*].v', {});                    // { found: true, value: [] }
 * selectPath('$.x', {});                             // { found: false }
 * ```
 * @throws Error when the path is malformed (an invalid definition).
 */
export const selectPath = (path: string, root: unknown): PathResult => strip(select(parsePath(path), root));

/**
 * True when the path selects at most one node (only `.a`, `['a']`, `[0]` steps, or a trailing
 * `['a','b']`).
 *
 * @example
 * ```ts
 * isDefinitePath('$.a[0].b');   // true
 * isDefinitePath('$.a[*]');     // false
 * ```
 * @throws Error when the path is malformed.
 */
export const isDefinitePath = (path: string): boolean => isDefiniteSegments(parsePath(path).segments);

/**
 * Like {@link resolvePath}, with Jayway's reason when nothing is found.
 *
 * @throws Error when the path is malformed.
 */
export const queryPath = (path: string, scope: EvaluationScope): PathQuery => {
  const parsed = parsePath(path);
  switch (parsed.root.kind) {
    case 'input':
      return select(parsed, scope.input);
    case 'context':
      return select(parsed, scope.context);
    case 'variable': {
      const { variables } = scope;
      const variable = variables === undefined ? undefined : getOwn(variables, parsed.root.name);
      if (variable === undefined || !variable.found) return { found: false, reason: `No results for path: $${parsed.root.name}` };
      return select(parsed, variable.value);
    }
  }
};

/**
 * Resolves `$…` against scope.input, `$$…` against scope.context, `$var…` against scope.variables.
 *
 * @example
 * ```ts
 * resolvePath('$$.State.Name', { input: {}, context: { State: { Name: 'S' } } }); // { found: true, value: 'S' }
 * resolvePath('$x.a', { input: {}, context: {}, variables: { x: { a: 1 } } });   // { found: true, value: 1 }
 * ```
 * @throws Error when the path is malformed.
 */
export const resolvePath = (path: string, scope: EvaluationScope): PathResult => strip(queryPath(path, scope));
