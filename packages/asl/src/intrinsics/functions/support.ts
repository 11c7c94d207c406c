/**
 * What every intrinsic implementation shares: its signature and its failure.
 *
 * @internal
 * @module
 */
import { runtimeError, type StatesError } from '../../errors.js';
import type { EvaluationScope } from '../../scope.js';
import type { IntrinsicArg, IntrinsicName } from '../ast.js';

/** An intrinsic implementation: evaluated arguments in, a JSON value out. */
export type IntrinsicImpl = (args: readonly unknown[], context: IntrinsicContext) => unknown;

/** What an implementation may need besides its argument values. */
export interface IntrinsicContext {
  readonly name: IntrinsicName;
  readonly scope: EvaluationScope;
  /** The unevaluated arguments (States.Format reads the escapes of its template literal). */
  readonly syntax: readonly IntrinsicArg[];
}

/**
 * A bad runtime argument. The docs list `States.IntrinsicFailure`, but executions recorded by
 * third parties against AWS fail with `States.Runtime` and a cause containing
 * `Invalid arguments in States.MathAdd` (inference: the exact full text is not recorded).
 */
export const invalidArguments = (name: IntrinsicName): StatesError => runtimeError(`Invalid arguments in ${name}`);

/** Java's `(int)`/`(long)` cast of a double: truncation toward zero. */
export const truncate = (n: number): number => Math.trunc(n);

/** "Input strings … must be 10,000 characters or fewer" (Base64Encode/Decode, Hash). */
export const MAX_STRING_INPUT = 10_000;

/** The Java `int` range MathAdd and MathRandom work in. */
export const INT32_MIN = -(2 ** 31);
/** See {@link INT32_MIN}. */
export const INT32_MAX = 2 ** 31 - 1;

/** A string argument, or {@link invalidArguments}. */
export const expectString = (v: unknown, name: IntrinsicName): string => {
  if (typeof v !== 'string') throw invalidArguments(name);
  return v;
};
/** A finite number argument, or {@link invalidArguments}. */
export const expectNumber = (v: unknown, name: IntrinsicName): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidArguments(name);
  return v;
};
/** An array argument, or {@link invalidArguments}. */
export const expectArray = (v: unknown, name: IntrinsicName): readonly unknown[] => {
  if (!Array.isArray(v)) throw invalidArguments(name);
  return v;
};
/** Positional access that satisfies `noUncheckedIndexedAccess`; arity was checked by the parser. */
export const arg = (args: readonly unknown[], i: number): unknown => args[i];
