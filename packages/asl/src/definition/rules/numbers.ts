/**
 * Numeric fields with bounds (Retry timings, Task timeouts, Map limits, Wait seconds).
 *
 * AWS reports a bound as `Minimum value is 0`, `Minimum value is 0.0`, `Maximum value is 100.0`,
 * `Maximum value is 99999999` at the field (measured: floci-io/floci#3733,
 * aws-cloudformation/cfn-lint#4075). Floating-point fields print their bound the Java way
 * (`1.0`), so each bound carries its own text.
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from '../types.js';
import { isInteger, schema } from '../diagnostics.js';
import { Messages } from '../messages.js';

/** A bound and the way AWS prints it. */
export interface Bound {
  readonly value: number;
  readonly text: string;
}

/** The shape of one numeric field. */
export interface NumberSpec {
  /** Whole numbers only. */
  readonly integer: boolean;
  readonly min?: Bound;
  readonly max?: Bound;
}

/** An integer bound, printed as the integer. */
export const int = (value: number): Bound => ({ value, text: String(value) });
/** A floating-point bound, printed with one decimal (`1.0`, `100.0`). */
export const float = (value: number): Bound => ({ value, text: value.toFixed(1) });

/** True for a JSONata expression string (`{% … %}`). */
export const isJsonataExpression = (v: unknown): boolean => typeof v === 'string' && /^\{%[\s\S]*%\}$/.test(v);

/**
 * Checks a literal numeric field. In a JSONata state a `{% … %}` string stands for the number
 * and is left to the JSONata rules.
 *
 * @example
 * ```ts
 * checkNumber(-1, { integer: true, min: int(0) }, '/States/M/MaxConcurrency', 'JSONPath');
 * // [{ code: 'SCHEMA_VALIDATION_FAILED', message: 'Minimum value is 0', location: '/States/M/MaxConcurrency', … }]
 * ```
 */
export const checkNumber = (value: unknown, spec: NumberSpec, location: string, language: QueryLanguage): readonly Diagnostic[] => {
  if (language === 'JSONata' && isJsonataExpression(value)) return [];
  if (typeof value !== 'number') return [schema(Messages.expectedType(spec.integer ? 'Integer' : 'Number'), location)];
  if (spec.integer && !isInteger(value)) return [schema(Messages.expectedType('Integer'), location)];
  if (spec.min !== undefined && value < spec.min.value) return [schema(Messages.minimum(spec.min.text), location)];
  if (spec.max !== undefined && value > spec.max.value) return [schema(Messages.maximum(spec.max.text), location)];
  return [];
};

/**
 * A field and its `…Path` twin may not both be given: `There should only be one of the
 * following fields: [MaxItems, MaxItemsPath]` (measured, floci-io/floci#3733).
 */
export const checkExclusive = (block: Readonly<Record<string, unknown>>, name: string, location: string): readonly Diagnostic[] =>
  block[name] !== undefined && block[`${name}Path`] !== undefined ? [schema(Messages.onlyOneOf([name, `${name}Path`]), location)] : [];
