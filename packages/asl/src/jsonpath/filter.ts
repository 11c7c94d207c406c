/**
 * Jayway filter predicates (`[?(@.status == 0)]`), as AWS evaluates them in JSONPath mode
 * (base/test_base::test_state_pass_regex_json_path_base).
 *
 * @internal
 * @module
 */
import { isJsonObject, jsonEquals } from '../json.js';
import { assertNever } from '../assert-never.js';
import { type FilterExpr, type FilterOperand, type FilterOperator, type Segment } from './ast.js';
import { compileLinearRegex } from '../regex/linear-regex.js';

/**
 * How a filter reads a path operand (`@.a`, `$.a`): passed in by the evaluator so that the two
 * modules do not import each other.
 */
export type SelectOperand = (segments: readonly Segment[], base: unknown, root: unknown) => { readonly found: boolean; readonly value: unknown };

type Operand =
  { readonly kind: 'missing' } | { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'regex'; readonly regex: { test(s: string): boolean } };

/** True when `current` (the `@`) satisfies the filter; `root` is what `$` means inside it. */
export const matchesFilter = (expr: FilterExpr, current: unknown, root: unknown, select: SelectOperand): boolean => {
  const self = (e: FilterExpr) => matchesFilter(e, current, root, select);
  const value = (o: FilterOperand) => operand(o, current, root, select);
  switch (expr.kind) {
    case 'and':
      return self(expr.left) && self(expr.right);
    case 'or':
      return self(expr.left) || self(expr.right);
    case 'not':
      return !self(expr.expr);
    case 'exists':
      return value(expr.operand).kind !== 'missing';
    case 'compare':
      return compare(expr.op, value(expr.left), value(expr.right));
    default:
      return assertNever(expr);
  }
};

const operand = (o: FilterOperand, current: unknown, root: unknown, select: SelectOperand): Operand => {
  switch (o.kind) {
    case 'literal':
      return { kind: 'value', value: o.value };
    case 'regex':
      // Java's Matcher.matches() needs the whole string to match, hence the anchors. The
      // pattern and the string come from users: RE2 matches in linear time, where a backtracking
      // RegExp could hold the event loop for seconds (`(a+)+b`). A pattern RE2 cannot run
      // (backreferences, lookaround) throws a SyntaxError, like any invalid regex.
      return { kind: 'regex', regex: compileLinearRegex(o.pattern, o.flags.replace(/[^imsu]/g, ''), { anchored: true }) };
    case 'current':
    case 'root': {
      const r = select(o.segments, o.kind === 'current' ? current : root, root);
      return r.found ? { kind: 'value', value: r.value } : { kind: 'missing' };
    }
    default:
      return assertNever(o);
  }
};

/** Jayway compares a number with a numeric string by value (`1 == '1'`). */
const looseEquals = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a;
  if (typeof a === 'string' && typeof b === 'number') return looseEquals(b, a);
  return jsonEquals(a, b);
};

const order = (a: unknown, b: unknown): number | undefined => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
};

const sizeOf = (v: unknown): number | undefined => (Array.isArray(v) || typeof v === 'string' ? v.length : isJsonObject(v) ? Object.keys(v).length : undefined);

const compare = (op: FilterOperator, l: Operand, r: Operand): boolean => {
  if (op === '=~') {
    return l.kind === 'value' && typeof l.value === 'string' && r.kind === 'regex' && r.regex.test(l.value);
  }
  if (op === '!=') return !compare('==', l, r);
  if (op === 'nin') return !compare('in', l, r);
  if (l.kind !== 'value' || r.kind !== 'value') return false;
  const a = l.value;
  const b = r.value;
  switch (op) {
    case '==':
      return looseEquals(a, b);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const d = order(a, b);
      if (d === undefined) return false;
      return op === '<' ? d < 0 : op === '<=' ? d <= 0 : op === '>' ? d > 0 : d >= 0;
    }
    case 'in':
      return Array.isArray(b) && b.some((x) => looseEquals(a, x));
    case 'contains':
      if (typeof a === 'string') return typeof b === 'string' && a.includes(b);
      return Array.isArray(a) && a.some((x) => looseEquals(x, b));
    case 'subsetof':
      return Array.isArray(a) && Array.isArray(b) && a.every((x) => b.some((y) => looseEquals(x, y)));
    case 'anyof':
      return Array.isArray(a) && Array.isArray(b) && a.some((x) => b.some((y) => looseEquals(x, y)));
    case 'noneof':
      return Array.isArray(a) && Array.isArray(b) && !a.some((x) => b.some((y) => looseEquals(x, y)));
    case 'size':
      return sizeOf(a) !== undefined && sizeOf(a) === b;
    case 'empty':
      return sizeOf(a) !== undefined && (sizeOf(a) === 0) === b;
    default:
      return assertNever(op);
  }
};
