/**
 * JSONata in JSONata-mode states: `"{% … %}"` strings anywhere AWS evaluates them (Arguments,
 * Output, Assign, Condition, Items, ItemSelector, Seconds, Timestamp, Error, Cause, …).
 *
 * "Step Functions implements JSONata based on the 2.0.6 specification. All built-in JSONata
 * functions and operators in the 2.0.6 specification are supported, with one exception: $eval is
 * not available—use $parse instead." — https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
 *
 * The evaluator is the reference `jsonata` package, line 1.8: the 2.x line evaluates through
 * promises only, and the decider that calls this is synchronous and pure. 1.8.9 is 2.0.6 without
 * the async evaluator; the differences in results are listed in docs/jsonata.md.
 *
 * Everything that is not a function of the inputs comes in through {@link JsonataScope}:
 * `$now()`/`$millis()` read the decision's time, `$random()` and `$uuid()` its injected sources,
 * so a replay of the history evaluates every expression to the same value.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import jsonata from 'jsonata';
import { StatesError } from './errors.js';
import {
  EvaluationLimitExceeded,
  isStackOverflow,
  limitCause,
  makeEvaluationBudget,
  MAX_RESULT_NESTING,
  planEvaluation,
  type EvaluationPlan,
  type NativeFunction,
} from './jsonata-budget.js';
import { JavaRandom } from './intrinsics/functions/java-random.js';
import { isJsonObject } from './json.js';
import { LinearRegExp } from './regex/linear-regex.js';

export const QUERY_EVALUATION_ERROR = 'States.QueryEvaluationError';

/** What an expression can see: `$states`, the workflow variables, and the decision's sources. */
export interface JsonataScope {
  /** `$states`: `input`, `context`, and where AWS gives them `result` and `errorOutput`. */
  readonly states: Readonly<Record<string, unknown>>;
  /** `$name` for each variable in scope. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Epoch ms of the decision: `$now()` and `$millis()`. */
  readonly now: number;
  readonly random: () => number;
  readonly uuid: () => string;
}

/** A JSONata query-evaluation failure, naming the field (`Output/result`) where AWS reports a `location`. */
export class QueryEvaluationError extends StatesError {
  constructor(
    cause: string,
    readonly location: string | undefined,
  ) {
    super(QUERY_EVALUATION_ERROR, cause);
  }
}

/** True for a whole-string JSONata expression, `"{% … %}"`. */
export const isJsonataText = (v: unknown): v is string => typeof v === 'string' && v.length >= 4 && v.startsWith('{%') && v.endsWith('%}');

/** The expression inside `{% … %}`, trimmed as AWS quotes it in causes. */
export const jsonataBody = (text: string): string => text.slice(2, -2).trim();

/**
 * Regex literals (`$match(s, /…/)`, `$replace`, `$split`, `$contains`) run on RE2, in time
 * linear in the string: the pattern and the string both come from users, and a backtracking
 * RegExp can hold the event loop for seconds (`/(a+)+b/`). A literal RE2 cannot run
 * (backreferences, lookaround) fails the expression with a SyntaxError's message.
 *
 * jsonata 1.8.9 takes the engine as an option of `jsonata(expr, { RegexEngine })`, but keeps it
 * in one process-wide slot that every `jsonata(…)` call overwrites (RegExp when the option is
 * absent) and that evaluation reads; so it is passed on every compilation here and pinned again
 * before every evaluation, whoever else compiled an expression in between.
 */
const REGEX_ENGINE = { RegexEngine: LinearRegExp };
const compileExpression = jsonata as unknown as (expression: string, options: typeof REGEX_ENGINE) => jsonata.Expression;
const pinRegexEngine = (): void => {
  (jsonata as unknown as { RegexEngine: unknown }).RegexEngine = LinearRegExp;
};

const compiled = new Map<string, jsonata.Expression>();

/**
 * Compiles an expression (memoised), or returns the parser's error (`S0201: Syntax error: …`)
 * for static validation.
 */
export const compileJsonata = (
  body: string,
): { readonly ok: true; readonly expression: jsonata.Expression } | { readonly ok: false; readonly message: string } => {
  const cached = compiled.get(body);
  if (cached) return { ok: true, expression: cached };
  try {
    const expression = compileExpression(body, REGEX_ENGINE);
    if (compiled.size > 5000) compiled.clear();
    compiled.set(body, expression);
    return { ok: true, expression };
  } catch (e) {
    return { ok: false, message: errorText(e) };
  }
};

const errorText = (e: unknown): string => {
  const err = e as { code?: string; message?: string };
  return err.code !== undefined ? `${err.code}: ${err.message ?? ''}` : String(err.message ?? e);
};

/** Marks an array as a JSONata sequence: a one-item sequence is its item (AWS's `$range(1, 9, 9)` is `1`). */
const sequence = (items: unknown[]): unknown[] => Object.defineProperty(items, 'sequence', { value: true, enumerable: false });

const fail = (message: string): never => {
  throw Object.assign(new Error(message), { code: undefined });
};

const integer = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${what} must be an integer, but was: ${JSON.stringify(v)}`);
  return v as number;
};

const HASH_ALGORITHMS: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** AWS's added functions, and `$now`/`$millis` on the decision's clock. */
const awsFunctions = (scope: JsonataScope, fromMillis: (ms: number, picture?: string, timezone?: string) => unknown) => ({
  partition: (array: unknown, size: unknown) => {
    if (!Array.isArray(array)) fail(`The first argument of $partition must be an array, but was: ${JSON.stringify(array)}`);
    const n = integer(size, 'The chunk size of $partition');
    if (n <= 0) fail(`The chunk size of $partition must be positive, but was: ${n}`);
    const items = array as unknown[];
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) chunks.push(items.slice(i, i + n));
    return chunks;
  },
  range: (start: unknown, end: unknown, step: unknown) => {
    const a = integer(start, 'The start of $range');
    const b = integer(end, 'The end of $range');
    const s = integer(step, 'The step of $range');
    if (s === 0) fail('The step of $range must not be 0');
    const out: number[] = [];
    for (let x = a; s > 0 ? x <= b : x >= b; x += s) {
      out.push(x);
      if (out.length > 1000) fail('$range returns at most 1000 items');
    }
    return sequence(out);
  },
  hash: (data: unknown, algorithm: unknown) => {
    if (typeof data !== 'string') fail(`The first argument of $hash must be a string, but was: ${JSON.stringify(data)}`);
    const name = typeof algorithm === 'string' ? HASH_ALGORITHMS[algorithm] : undefined;
    if (name === undefined)
      fail(`The hashing algorithm of $hash must be one of ${Object.keys(HASH_ALGORITHMS).join(', ')}, but was: ${JSON.stringify(algorithm)}`);
    return createHash(name!)
      .update(data as string, 'utf8')
      .digest('hex');
  },
  random: (seed?: unknown) => (seed === undefined ? scope.random() : new JavaRandom(BigInt(integer(seed, 'The seed of $random'))).nextDouble()),
  uuid: () => scope.uuid(),
  parse: (text: unknown) => {
    if (typeof text !== 'string') fail(`The argument of $parse must be a string, but was: ${JSON.stringify(text)}`);
    try {
      return JSON.parse(text as string) as unknown;
    } catch {
      return fail(`The argument of $parse is not valid JSON: ${text as string}`);
    }
  },
  now: (picture?: string, timezone?: string) => fromMillis(scope.now, picture, timezone),
  millis: () => scope.now,
  // "$eval is not available" (AWS): calling it is calling a non-function (T1006).
  eval: false,
});

const fromMillisExpression = compileExpression('$fromMillis($ms, $picture, $timezone)', REGEX_ENGINE);
const fromMillis = (ms: number, picture?: string, timezone?: string): unknown => fromMillisExpression.evaluate(undefined, { ms, picture, timezone });

/** jsonata's own built-ins that the evaluation budget wraps (a name evaluates to its definition). */
const NATIVES = {
  pad: compileExpression('$pad', REGEX_ENGINE).evaluate(undefined) as NativeFunction,
  join: compileExpression('$join', REGEX_ENGINE).evaluate(undefined) as NativeFunction,
  string: compileExpression('$string', REGEX_ENGINE).evaluate(undefined) as NativeFunction,
  distinct: compileExpression('$distinct', REGEX_ENGINE).evaluate(undefined) as NativeFunction,
};

const plans = new WeakMap<jsonata.Expression, EvaluationPlan>();
const planOf = (expression: jsonata.Expression): EvaluationPlan => {
  let plan = plans.get(expression);
  if (plan === undefined) {
    plan = planEvaluation(expression.ast());
    plans.set(expression, plan);
  }
  return plan;
};

/**
 * The cause for a failed evaluation: a crossed limit of the evaluation budget, the JavaScript
 * stack overflowing (the same limit, reached before the count — it is a RangeError, and must be
 * a routed States error like any other, never a defect), or jsonata's own error.
 */
const failureCause = (e: unknown, body: string, location: string): string => {
  if (e instanceof EvaluationLimitExceeded) return limitCause(e.limit, body, location);
  if (isStackOverflow(e)) return limitCause({ kind: 'depth' }, body, location);
  return errorText(e);
};

/**
 * JSON has no non-finite numbers: AWS writes them as the strings JavaScript names them by, and
 * functions (a lambda returned as a value) have no JSON form at all.
 */
const toJson = (v: unknown): unknown => {
  if (typeof v === 'number') return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : String(v);
  if (typeof v === 'function') return undefined;
  if (Array.isArray(v)) return v.map(toJson).filter((x) => x !== undefined);
  if (isJsonObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const j = toJson(x);
      if (j !== undefined) Object.defineProperty(out, k, { value: j, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
};

/**
 * Evaluates one `{% … %}` text for the field at `location` (`Output`, `Assign/x`, `Arguments/A`).
 *
 * @example
 * ```ts
 * evaluateJsonata('{% $states.input.a + 1 %}', { states: { input: { a: 1 }, context: {} }, now: 0, random: Math.random, uuid }, 'Output'); // 2
 * ```
 * @throws QueryEvaluationError when the expression fails or returns nothing, with AWS's cause
 *   (`The JSONata expression '$x' specified for the field 'Output' returned nothing (undefined).`),
 *   or crosses a limit of its evaluation budget (see `jsonata-budget.ts`: steps, nesting depth,
 *   string length, result nesting).
 */
export const evaluateJsonata = (text: string, scope: JsonataScope, location: string): unknown => {
  const body = jsonataBody(text);
  const c = compileJsonata(body);
  if (!c.ok) throw new QueryEvaluationError(c.message, location);
  const plan = planOf(c.expression);
  if (plan.reserved !== undefined) throw new QueryEvaluationError(limitCause({ kind: 'reserved', name: plan.reserved }, body, location), location);
  const budget = makeEvaluationBudget(plan, NATIVES);
  let value: unknown;
  try {
    pinRegexEngine();
    // AWS's functions are bound first so that a variable of the same name hides them, as on AWS;
    // the budget's hooks last, so that nothing hides them.
    value = c.expression.evaluate(undefined, {
      ...budget.natives,
      ...awsFunctions(scope, fromMillis),
      ...(scope.variables ?? {}),
      states: scope.states,
      ...budget.hooks,
    });
    if (value === undefined) {
      throw new QueryEvaluationError(`The JSONata expression '${body}' specified for the field '${location}' returned nothing (undefined).`, location);
    }
    // The copy below is recursive and visits shared parts once per reference.
    budget.chargeValue(value, MAX_RESULT_NESTING);
    return toJson(value);
  } catch (e) {
    if (e instanceof QueryEvaluationError) throw e;
    throw new QueryEvaluationError(failureCause(e, body, location), location);
  }
};

/**
 * A field whose value may hold `{% … %}` strings at any depth (Arguments, Output, Assign values,
 * ItemSelector): expressions are evaluated, everything else is a literal. Locations name the
 * path: `Output/result`, `Arguments/Payload/id`.
 */
export const evaluateJsonataTemplate = (template: unknown, scope: JsonataScope, location: string): unknown => {
  if (isJsonataText(template)) return evaluateJsonata(template, scope, location);
  if (Array.isArray(template)) return template.map((t, i) => evaluateJsonataTemplate(t, scope, `${location}/${i}`));
  if (!isJsonObject(template)) return template;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    Object.defineProperty(out, k, { value: evaluateJsonataTemplate(v, scope, `${location}/${k}`), enumerable: true, writable: true, configurable: true });
  }
  return out;
};

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/**
 * A field that must evaluate to one JSON type (Items: an array; MaxConcurrency: a number…).
 * `The JSONata expression 'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true` (rec).
 */
export const expectJsonataType = (text: string, value: unknown, expected: 'array' | 'number' | 'string' | 'boolean' | 'object', location: string): void => {
  if (typeName(value) === expected) return;
  throw new QueryEvaluationError(
    `The JSONata expression '${jsonataBody(text)}' specified for the field '${location}' returned an unexpected result type. Expected '${expected}', but was '${typeName(value)}' for value: ${JSON.stringify(value)}`,
    location,
  );
};
