/**
 * The evaluation budget of one JSONata expression: expressions come from definitions and run in
 * the decider, synchronously, on the event loop, so one of them must not be able to hold the
 * process (`($f := function($x){ $f($x) }; $f(0))` loops forever: jsonata turns the tail call into
 * a loop) or exhaust its memory (`$pad("", 1e9)`, a string doubled thirty times).
 *
 * The budget counts work, never time: a decision must come out the same when a history is
 * replayed, on any machine and under any load. jsonata 1.8.9 calls `__evaluate_entry` and
 * `__evaluate_exit` from the environment around every node it evaluates (its own test suite's
 * `timeboxExpression` uses them); each entry is one step, and entries not yet exited are the
 * nesting depth. The few operators and functions that do much work in one step are charged what
 * they will do, before they do it, where it can be known:
 * - a range `a..b` costs its `b - a + 1` items, charged when its bounds are known and before the
 *   array is allocated;
 * - `**` (descendants) costs the nodes of the value it walks;
 * - `$pad`, `$join`, `$string` and `$distinct` are wrapped: a result longer than
 *   {@link MAX_STRING_LENGTH} is refused before it is built, `$string` pays for the nodes it
 *   serialises, `$distinct` for the comparisons it will make (it is quadratic);
 * - a string value longer than {@link MAX_STRING_LENGTH} fails the expression when it leaves the
 *   node that made it (`$s & $s` is cheap until something reads it);
 * - an array made by a constructor, a call or `~>` costs one step per
 *   {@link ARRAY_ITEMS_PER_STEP} items, after it is made;
 * - the result costs its nodes, and may nest {@link MAX_RESULT_NESTING} levels at most.
 *
 * @module
 */

/**
 * Steps (JSONata nodes evaluated, plus charged items) one expression may take. A mapping over a
 * 256 KiB input — the largest payload AWS accepts — takes tens of thousands; this leaves two
 * orders of magnitude for real definitions and stops a runaway loop within about a second.
 */
export const MAX_EVALUATION_STEPS = 1_000_000;

/**
 * Nodes being evaluated inside each other. Each level of a non-tail recursive function takes
 * three or four, and a hand-written expression a few dozen; 500 stops the recursion well before
 * the JavaScript stack would overflow under the decider.
 */
export const MAX_EVALUATION_DEPTH = 500;

/**
 * Characters in any string an expression builds: 16 times AWS's 256 KiB payload limit, so any
 * string that can leave the state fits with room for intermediates, and the functions that copy a
 * string into an array of characters (`$length`, `$substring`) stay small.
 */
export const MAX_STRING_LENGTH = 4_194_304;

/**
 * Levels of arrays and objects in an expression's result: the limit AWS's JSON parser (Jackson)
 * puts on every document it reads, which the server applies to inputs too.
 */
export const MAX_RESULT_NESTING = 1000;

/**
 * Array items a step pays for when an array constructor, a function call or `~>` returns an
 * array. jsonata copies arrays natively in one step (`[$a, $a]` concatenates, `$append` copies
 * both), so `$a := [$a, $a]` doubles memory with each step; charging the copy stops that at a few
 * million items. Copying an item costs far less than evaluating a node, hence many per step:
 * `$reduce` with `$append` (quadratic) stays within the budget up to about 5,000 items.
 */
export const ARRAY_ITEMS_PER_STEP = 16;

/** Item comparisons `$distinct` makes per step it is charged. */
export const COMPARISONS_PER_STEP = 64;

/** Nodes whose array result is a new array (constructor, call, `~>`), not one read from elsewhere. */
const isArrayMaker = (expr: Node): boolean => (expr.type === 'unary' && expr.value === '[') || expr.type === 'function' || expr.type === 'apply';

/** jsonata's own limit on a range (D2014); a larger range is its error, not ours. */
const JSONATA_MAX_RANGE = 1e7;

/** The names jsonata looks up for its evaluation hooks. */
export const HOOK_NAMES: readonly string[] = ['__evaluate_entry', '__evaluate_exit'];

/** Which limit an expression crossed. */
export type EvaluationLimit =
  | { readonly kind: 'steps' }
  | { readonly kind: 'depth' }
  | { readonly kind: 'string'; readonly length: number }
  | { readonly kind: 'reserved'; readonly name: string }
  | { readonly kind: 'nesting' };

/**
 * Thrown through jsonata by the hooks when a limit is crossed; `evaluateJsonata` turns it into a
 * `States.QueryEvaluationError` (data, routed by Retry/Catch like any evaluation error).
 *
 * @internal
 */
export class EvaluationLimitExceeded extends Error {
  constructor(readonly limit: EvaluationLimit) {
    super(`JSONata evaluation limit: ${limit.kind}`);
  }
}

/**
 * The cause recorded for a crossed limit, in the words of AWS's other JSONata causes.
 *
 * @example
 * ```ts
 * limitCause({ kind: 'steps' }, '$f(0)', 'Output');
 * // "The JSONata expression '$f(0)' specified for the field 'Output' exceeded the evaluation budget of 1000000 steps."
 * ```
 */
export const limitCause = (limit: EvaluationLimit, body: string, location: string): string => {
  const subject = `The JSONata expression '${body}' specified for the field '${location}'`;
  switch (limit.kind) {
    case 'steps':
      return `${subject} exceeded the evaluation budget of ${MAX_EVALUATION_STEPS} steps.`;
    case 'depth':
      return `${subject} exceeded the maximum nesting depth of ${MAX_EVALUATION_DEPTH} (recursion too deep).`;
    case 'string':
      return `${subject} built a string of ${limit.length} characters, more than the limit of ${MAX_STRING_LENGTH}.`;
    case 'nesting':
      return `${subject} returned a value nested deeper than ${MAX_RESULT_NESTING} levels.`;
    case 'reserved':
      return `${subject} binds the reserved name '$${limit.name}'.`;
  }
};

/** True for the RangeError V8 throws when the JavaScript stack overflows. */
export const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

type Node = { readonly type?: unknown; readonly value?: unknown; readonly lhs?: unknown; readonly rhs?: unknown; readonly [k: string]: unknown };
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

/** What is learnt once from an expression's syntax tree, for every evaluation of it. */
export interface EvaluationPlan {
  /** A hook name the expression binds (`$__evaluate_entry := …`), which would switch its budget off. */
  readonly reserved: string | undefined;
  /** Left operands of `..`, each with its range node. */
  readonly rangeLeft: ReadonlyMap<object, object>;
  /** Right operands of `..`, each with its range node. */
  readonly rangeRight: ReadonlyMap<object, object>;
}

/**
 * Reads an expression's tree (`expression.ast()`): the range operands to watch, and whether it
 * names a hook — as a variable, a lambda parameter or a `@$`/`#$` binding — anywhere but in a
 * string literal.
 */
export const planEvaluation = (ast: unknown): EvaluationPlan => {
  let reserved: string | undefined;
  const rangeLeft = new Map<object, object>();
  const rangeRight = new Map<object, object>();
  const seen = new Set<object>();
  // An explicit stack: a deeply nested expression must not overflow this walk either.
  const pending: unknown[] = [ast];
  while (pending.length > 0) {
    const n = pending.pop();
    if (!isNode(n) || seen.has(n)) continue;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const item of n as unknown[]) pending.push(item);
      continue;
    }
    if (n.type === 'binary' && n.value === '..' && isNode(n.lhs) && isNode(n.rhs)) {
      rangeLeft.set(n.lhs, n);
      rangeRight.set(n.rhs, n);
    }
    for (const [k, v] of Object.entries(n)) {
      if (typeof v === 'string') {
        if (n.type !== 'string' && k !== 'type' && HOOK_NAMES.includes(v)) reserved ??= v;
      } else if (isNode(v)) pending.push(v);
    }
  }
  return { reserved, rangeLeft, rangeRight };
};

/** A one-item sequence is its item, as jsonata unwraps it after the exit hook. */
const single = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v);

/** One evaluation's counters, hooks and bounded built-ins, to pass in its bindings. */
export interface EvaluationBudget {
  /** `__evaluate_entry` and `__evaluate_exit`: bind them last, so that no variable hides them. */
  readonly hooks: Readonly<Record<string, unknown>>;
  /** The bounded `pad`, `join`, `string` and `distinct`: bind them first, so that a variable hides them as it hides any built-in. */
  readonly natives: Readonly<Record<string, unknown>>;
  /**
   * Charges the nodes of a value (arrays, objects and leaves, shared parts as often as they are
   * reached), stopping as soon as the budget is spent: serialising a value that shares itself
   * thirty levels deep would visit a billion nodes. With `maxNesting`, a value nested deeper
   * fails too (an expression's result, before it is copied out recursively).
   */
  readonly chargeValue: (value: unknown, maxNesting?: number) => void;
}

/** A jsonata built-in, as `$pad` evaluates to. */
export interface NativeFunction {
  readonly _jsonata_function: true;
  readonly implementation: (...args: unknown[]) => unknown;
  readonly signature?: unknown;
}

const wrapNative = (native: NativeFunction, check: (args: readonly unknown[]) => void): NativeFunction => ({
  ...native,
  implementation(this: unknown, ...args: unknown[]) {
    check(args);
    return native.implementation.apply(this, args);
  },
});

/**
 * A fresh budget for one evaluation. `natives` are jsonata's own `$pad`, `$join`, `$string` and `$distinct`,
 * wrapped so that they refuse, before doing it, work the budget would refuse afterwards.
 */
export const makeEvaluationBudget = (
  plan: EvaluationPlan,
  natives: { readonly pad: NativeFunction; readonly join: NativeFunction; readonly string: NativeFunction; readonly distinct: NativeFunction },
): EvaluationBudget => {
  let steps = 0;
  let depth = 0;
  const rangeStarts = new Map<object, unknown[]>();

  const charge = (n: number): void => {
    steps += n;
    if (steps > MAX_EVALUATION_STEPS) throw new EvaluationLimitExceeded({ kind: 'steps' });
  };
  const checkLength = (length: number): void => {
    if (length > MAX_STRING_LENGTH) throw new EvaluationLimitExceeded({ kind: 'string', length });
  };

  const chargeValue = (value: unknown, maxNesting = Infinity): void => {
    const pending: { readonly v: unknown; readonly nesting: number }[] = [{ v: value, nesting: 0 }];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      charge(1);
      const { v } = next;
      if (typeof v !== 'object' || v === null) continue;
      const nesting = next.nesting + 1;
      if (nesting > maxNesting) throw new EvaluationLimitExceeded({ kind: 'nesting' });
      for (const item of Array.isArray(v) ? (v as unknown[]) : Object.values(v)) pending.push({ v: item, nesting });
    }
  };

  const entry = (expr: Node, input: unknown): void => {
    depth += 1;
    if (depth > MAX_EVALUATION_DEPTH) throw new EvaluationLimitExceeded({ kind: 'depth' });
    charge(1);
    // `**` walks every node below its input in one step.
    if (expr.type === 'descendant') chargeValue(input);
  };

  const exit = (expr: Node, _input: unknown, _environment: unknown, result: unknown): void => {
    depth -= 1;
    if (typeof result === 'string') checkLength(result.length);
    else if (Array.isArray(result) && result.length > ARRAY_ITEMS_PER_STEP && isArrayMaker(expr)) charge(Math.floor(result.length / ARRAY_ITEMS_PER_STEP));
    if (plan.rangeLeft.size === 0) return;
    const leftOf = plan.rangeLeft.get(expr);
    if (leftOf !== undefined) {
      const starts = rangeStarts.get(leftOf) ?? [];
      starts.push(single(result));
      rangeStarts.set(leftOf, starts);
    }
    const rightOf = plan.rangeRight.get(expr);
    if (rightOf !== undefined) {
      // The same range node can be evaluated again inside its own right operand (recursion):
      // the starts form a stack per node.
      const start = rangeStarts.get(rightOf)?.pop();
      const end = single(result);
      if (typeof start === 'number' && typeof end === 'number' && Number.isInteger(start) && Number.isInteger(end)) {
        const size = end - start + 1;
        if (size > 0 && size <= JSONATA_MAX_RANGE) charge(size);
      }
    }
  };

  // jsonata builds the padding as `width - length` copies of the pad string, then cuts it.
  const pad = wrapNative(natives.pad, ([str, width, char]) => {
    if (typeof width !== 'number' || typeof str !== 'string') return;
    const fill = typeof char === 'string' && char.length > 0 ? char.length : 1;
    const padding = Math.abs(width) - str.length;
    if (padding * fill > MAX_STRING_LENGTH) checkLength(Math.max(Math.abs(width), padding * fill));
  });
  const join = wrapNative(natives.join, ([strings, separator]) => {
    if (!Array.isArray(strings)) return;
    const sep = typeof separator === 'string' ? separator.length : 0;
    let length = 0;
    for (const s of strings as unknown[]) {
      length += (typeof s === 'string' ? s.length : 0) + sep;
      if (length > MAX_STRING_LENGTH + sep) checkLength(length - sep);
    }
  });
  const string = wrapNative(natives.string, ([value]) => {
    if (typeof value === 'object' && value !== null) chargeValue(value);
  });

  // jsonata compares each item with every distinct item kept so far: n × d comparisons, d known
  // at once for primitives (=== and a Set agree on JSON values), at most n otherwise.
  const distinct = wrapNative(natives.distinct, ([items]) => {
    if (!Array.isArray(items) || items.length <= 1) return;
    const all = items as unknown[];
    const kept = all.every((v) => typeof v !== 'object' || v === null) ? new Set(all).size : all.length;
    charge(Math.floor((all.length * kept) / COMPARISONS_PER_STEP));
  });

  return { hooks: { __evaluate_entry: entry, __evaluate_exit: exit }, natives: { pad, join, string, distinct }, chargeValue };
};
