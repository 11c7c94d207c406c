/**
 * States.MathAdd, States.MathRandom and States.UUID.
 *
 * @internal
 * @module
 */
import { JavaRandom } from './java-random.js';
import { arg, expectNumber, INT32_MAX, INT32_MIN, invalidArguments, truncate, type IntrinsicImpl } from './support.js';

/** Java's `Math.round`: half up, so `-1.5 → -1`, `-2.5 → -2`, `0.5 → 1`, `-0.5 → 0` (rec). */
export const javaRound = (n: number): number => Math.round(n) + 0; // JS rounds halves up too; `+ 0` drops -0

const inInt32 = (n: number) => n >= INT32_MIN && n <= INT32_MAX;

/**
 * Adds two numbers after rounding each the Java way: `States.MathAdd(1.49, 1.5)` → `3`,
 * `States.MathAdd(-1.5, -1.51)` → `-3` (rec: intrinsic_functions/test_math_operations
 * test_math_add). "The value must be an integer between -2147483648 and 2147483647."
 */
export const mathAdd: IntrinsicImpl = (args, { name }) => {
  const a = javaRound(expectNumber(arg(args, 0), name));
  const b = javaRound(expectNumber(arg(args, 1), name));
  if (!inInt32(a) || !inInt32(b) || !inInt32(a + b)) throw invalidArguments(name);
  return a + b;
};

/**
 * A random integer with start ≤ n < end. Bounds are cast to int (AWS accepts `(1.6, 5.4)` and
 * returns 1…4, and rejects `(1.4, 1.6)`; third-party recordings, inference). With a seed the
 * draw is Java's `new Random(seed).nextInt(end - start) + start`; without one it comes from
 * `scope.random`, which the caller must supply.
 */
export const mathRandom: IntrinsicImpl = (args, { name, scope }) => {
  const start = truncate(expectNumber(arg(args, 0), name));
  const end = truncate(expectNumber(arg(args, 1), name));
  if (!inInt32(start) || !inInt32(end) || start >= end || end - start > INT32_MAX) throw invalidArguments(name);
  if (args.length > 2) {
    const seed = truncate(expectNumber(arg(args, 2), name));
    return start + new JavaRandom(BigInt(seed)).nextInt(end - start);
  }
  if (scope.random === undefined) throw new Error('States.MathRandom needs EvaluationScope.random');
  return start + Math.min(end - start - 1, Math.floor(scope.random() * (end - start)));
};

/** `States.UUID()`: a v4 UUID from `scope.uuid`, which the caller must supply. */
export const uuid: IntrinsicImpl = (_args, { scope }) => {
  if (scope.uuid === undefined) throw new Error('States.UUID needs EvaluationScope.uuid');
  return scope.uuid();
};
