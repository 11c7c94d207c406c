/**
 * Exhaustiveness guard: end a `switch` over a tagged union with `default: return assertNever(x)`
 * so that a new member does not compile until it is handled.
 *
 * @internal
 * @module
 */

/** Throws; only reachable when the type system was bypassed (a defect, not a refusal). */
export const assertNever = (x: never): never => {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`);
};
