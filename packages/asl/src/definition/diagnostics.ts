/**
 * Small building blocks shared by the validation rules: raw-JSON guards, JSON pointers in AWS's
 * spelling, and diagnostic constructors.
 *
 * AWS's locations are JSON pointers with one twist: array elements are written `Name[i]`
 * (`/States/C/Choices[0]/Next`, `/States/P/Branches[0]/States/If/Choices[0]/Variable`), not
 * `Name/i` — recorded in floci-io/floci#2786 ("`/States/C/Choices[0]/Next`, `/States/T/Catch[0]/Next`")
 * and in a real CloudFormation error quoted in Stedi-Public-Archive/ts2asl#912.
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from './types.js';

/** A JSON object as it came out of `JSON.parse`, before anything is known about it. */
export type Json = Readonly<Record<string, unknown>>;

/** True for a JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a JSON number with no fractional part. */
export const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Escapes one reference token of a JSON pointer (`~` → `~0`, `/` → `~1`). */
export const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Appends a member name to a pointer.
 *
 * @example
 * ```ts
 * field('/States/A', 'ResultPath'); // '/States/A/ResultPath'
 * ```
 */
export const field = (at: string, name: string): string => `${at}/${escapePointer(name)}`;

/**
 * Appends an array element to a pointer, in AWS's `Name[i]` form.
 *
 * @example
 * ```ts
 * element('/States/C', 'Choices', 0); // '/States/C/Choices[0]'
 * ```
 */
export const element = (at: string, name: string, index: number): string => `${at}/${escapePointer(name)}[${index}]`;

/** An ERROR diagnostic. */
export const error = (code: string, message: string, location: string): Diagnostic => ({ severity: 'ERROR', code, message, location });

/** An ERROR diagnostic with AWS's catch-all code for shape problems, `SCHEMA_VALIDATION_FAILED`. */
export const schema = (message: string, location: string): Diagnostic => error('SCHEMA_VALIDATION_FAILED', message, location);

/**
 * What every per-state rule receives: the raw state, its type, where it is, and the language its
 * fields are written in.
 */
export interface StateInput {
  /** The state object, as parsed. */
  readonly state: Json;
  /** Its `Type`, already known to be one of the eight state types. */
  readonly type: string;
  /** JSON pointer to the state (`/States/A`, `/States/P/Branches[0]/States/B`). */
  readonly at: string;
  /** The state's effective query language. */
  readonly language: QueryLanguage;
  /** The top-level machine's language, which tells a refused downgrade (`JSONPath` under `JSONata`) apart. */
  readonly machineLanguage: QueryLanguage;
}

/** A per-state rule: pure, returns what it found. */
export type StateRule = (input: StateInput) => readonly Diagnostic[];
