/**
 * The data-test operators of JSONPath Choice rules, each a predicate over the value the
 * `Variable` selects and the operand (a literal, or what the `…Path` variant selects).
 *
 * Comparisons are type-strict: "a number never equals a string", and a value of the wrong type
 * makes the comparison false rather than failing (rec: every choice_operators/* case with a
 * type mismatch ends in the Default branch).
 *
 * @module
 */
import { compareInstants, parseTimestamp, type Instant } from './timestamp.js';
import { stringMatches } from './string-matches.js';

/** A comparison with a literal operand (`StringEquals`, `IsNull`, …). */
export type Comparator = (value: unknown, operand: unknown) => boolean;

const asTimestamp = (v: unknown): Instant | undefined => (typeof v === 'string' ? parseTimestamp(v) : undefined);

const strings =
  (test: (d: number) => boolean): Comparator =>
  (v, o) =>
    typeof v === 'string' && typeof o === 'string' && test(v < o ? -1 : v > o ? 1 : 0);
const numbers =
  (test: (d: number) => boolean): Comparator =>
  (v, o) =>
    typeof v === 'number' && typeof o === 'number' && test(v < o ? -1 : v > o ? 1 : 0);
const timestamps =
  (test: (d: number) => boolean): Comparator =>
  (v, o) => {
    const a = asTimestamp(v);
    const b = asTimestamp(o);
    return a !== undefined && b !== undefined && test(compareInstants(a, b));
  };
/** `IsNull: false` holds when the value is not null: the test result must equal the operand. */
const typeTest =
  (test: (v: unknown) => boolean): Comparator =>
  (v, o) =>
    test(v) === o;

const eq = (d: number) => d === 0;
const lt = (d: number) => d < 0;
const gt = (d: number) => d > 0;
const le = (d: number) => d <= 0;
const ge = (d: number) => d >= 0;

/** The operators whose operand is a literal, with their predicates. `IsPresent` is handled by the caller. */
export const LITERAL_OPERATORS = {
  StringEquals: strings(eq),
  StringLessThan: strings(lt),
  StringGreaterThan: strings(gt),
  StringLessThanEquals: strings(le),
  StringGreaterThanEquals: strings(ge),
  StringMatches: (v: unknown, o: unknown) => typeof v === 'string' && typeof o === 'string' && stringMatches(v, o),
  NumericEquals: numbers(eq),
  NumericLessThan: numbers(lt),
  NumericGreaterThan: numbers(gt),
  NumericLessThanEquals: numbers(le),
  NumericGreaterThanEquals: numbers(ge),
  BooleanEquals: (v: unknown, o: unknown) => typeof v === 'boolean' && v === o,
  TimestampEquals: timestamps(eq),
  TimestampLessThan: timestamps(lt),
  TimestampGreaterThan: timestamps(gt),
  TimestampLessThanEquals: timestamps(le),
  TimestampGreaterThanEquals: timestamps(ge),
  IsNull: typeTest((v) => v === null),
  IsNumeric: typeTest((v) => typeof v === 'number'),
  IsString: typeTest((v) => typeof v === 'string'),
  IsBoolean: typeTest((v) => typeof v === 'boolean'),
  IsTimestamp: typeTest((v) => asTimestamp(v) !== undefined),
} satisfies Record<string, Comparator>;
/** A key of {@link LITERAL_OPERATORS}. */
export type LiteralOperator = keyof typeof LITERAL_OPERATORS;

/**
 * The `…Path` variants: "the value to compare is the one the path selects" from the state
 * input. Each maps to its literal counterpart.
 */
export const PATH_OPERATORS = {
  StringEqualsPath: 'StringEquals',
  StringLessThanPath: 'StringLessThan',
  StringGreaterThanPath: 'StringGreaterThan',
  StringLessThanEqualsPath: 'StringLessThanEquals',
  StringGreaterThanEqualsPath: 'StringGreaterThanEquals',
  NumericEqualsPath: 'NumericEquals',
  NumericLessThanPath: 'NumericLessThan',
  NumericGreaterThanPath: 'NumericGreaterThan',
  NumericLessThanEqualsPath: 'NumericLessThanEquals',
  NumericGreaterThanEqualsPath: 'NumericGreaterThanEquals',
  BooleanEqualsPath: 'BooleanEquals',
  TimestampEqualsPath: 'TimestampEquals',
  TimestampLessThanPath: 'TimestampLessThan',
  TimestampGreaterThanPath: 'TimestampGreaterThan',
  TimestampLessThanEqualsPath: 'TimestampLessThanEquals',
  TimestampGreaterThanEqualsPath: 'TimestampGreaterThanEquals',
} as const satisfies Record<string, LiteralOperator>;
/** A key of {@link PATH_OPERATORS}. */
export type PathOperator = keyof typeof PATH_OPERATORS;

/** Every data-test operator name a rule may carry. */
export type ChoiceOperator = LiteralOperator | PathOperator | 'IsPresent';

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** The data-test operator present in a rule, if any. */
export const findOperator = (rule: Readonly<Record<string, unknown>>): ChoiceOperator | undefined =>
  Object.keys(rule).find((k): k is ChoiceOperator => k === 'IsPresent' || has(LITERAL_OPERATORS, k) || has(PATH_OPERATORS, k));

/** True when `op` is a `…Path` variant. */
export const isPathOperator = (op: ChoiceOperator): op is PathOperator => has(PATH_OPERATORS, op);
