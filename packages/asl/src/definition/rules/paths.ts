/**
 * Path-valued fields of JSONPath states: each must hold the kind of path its field takes.
 *
 * | field | takes | source |
 * |---|---|---|
 * | `InputPath`, `OutputPath` | a JSONPath, or null | "Value must be a valid JSONPath." measured (cfn-lint#4078) |
 * | `ResultPath` (and a catcher's) | a reference path into the input, or null | spec: "ResultPath … MUST be a Reference Path" |
 * | `ItemsPath` | a reference path; the context object is allowed | measured: "Only ItemsPath accepts the Context Object" (floci#3733) |
 * | `SecondsPath`, `TimestampPath`, `TimeoutSecondsPath`, `HeartbeatSecondsPath` | a reference path | spec |
 * | `MaxConcurrencyPath`, `ToleratedFailure…Path` | a reference path, not into the context object | measured: `$$.Execution.Input.n` → "Value is not a Reference Path" (floci#3733) |
 * | `ErrorPath`, `CausePath` | a reference path or an intrinsic call | DG state-fail; awslabs/statelint#53 |
 *
 * JSONata states have none of these fields; their checks belong to the JSONata rules.
 *
 * @internal
 * @module
 */
import { assertNever } from '../../assert-never.js';
import type { Diagnostic } from '../types.js';
import { field, schema, type StateRule } from '../diagnostics.js';
import { referencePathProblem, isValidIntrinsic, tryParsePath, type ReferenceRoots } from '../expressions.js';
import { supports } from '../fields.js';
import { Messages } from '../messages.js';

/** What one path-valued field accepts. */
type PathKind =
  | { readonly kind: 'json'; readonly nullable: boolean }
  | { readonly kind: 'reference'; readonly nullable: boolean; readonly roots: ReferenceRoots }
  | { readonly kind: 'reference-or-intrinsic' };

const ANY_ROOT: ReferenceRoots = { context: true, variable: true };
const NO_CONTEXT: ReferenceRoots = { context: false, variable: true };
/** ResultPath writes into the state's raw input; neither the context object nor a variable can be written there. */
const INPUT_ONLY: ReferenceRoots = { context: false, variable: false };

/** The kind of path each state field takes. */
export const PATH_FIELDS: Readonly<Record<string, PathKind>> = {
  InputPath: { kind: 'json', nullable: true },
  OutputPath: { kind: 'json', nullable: true },
  ResultPath: { kind: 'reference', nullable: true, roots: INPUT_ONLY },
  ItemsPath: { kind: 'reference', nullable: false, roots: ANY_ROOT },
  SecondsPath: { kind: 'reference', nullable: false, roots: ANY_ROOT },
  TimestampPath: { kind: 'reference', nullable: false, roots: ANY_ROOT },
  TimeoutSecondsPath: { kind: 'reference', nullable: false, roots: ANY_ROOT },
  HeartbeatSecondsPath: { kind: 'reference', nullable: false, roots: ANY_ROOT },
  MaxConcurrencyPath: { kind: 'reference', nullable: false, roots: NO_CONTEXT },
  ToleratedFailureCountPath: { kind: 'reference', nullable: false, roots: NO_CONTEXT },
  ToleratedFailurePercentagePath: { kind: 'reference', nullable: false, roots: NO_CONTEXT },
  ErrorPath: { kind: 'reference-or-intrinsic' },
  CausePath: { kind: 'reference-or-intrinsic' },
};

/** A reference-path diagnostic, with AWS's reason where we know its words. */
const referenceDiagnostic = (value: string, roots: ReferenceRoots, location: string): readonly Diagnostic[] => {
  const problem = referencePathProblem(value, roots);
  if (problem === undefined) return [];
  return [schema(problem === 'no-dollar' ? Messages.notReferencePathNoDollar : Messages.notReferencePath, location)];
};

/**
 * Checks one path-valued field.
 *
 * @example
 * ```ts
 * checkPathValue('Test', PATH_FIELDS.OutputPath!, '/States/Pass/OutputPath');
 * // [{ code: 'SCHEMA_VALIDATION_FAILED', message: 'Value must be a valid JSONPath.', location: '/States/Pass/OutputPath', … }]
 * ```
 */
export const checkPathValue = (value: unknown, kind: PathKind, location: string): readonly Diagnostic[] => {
  if (value === null && kind.kind !== 'reference-or-intrinsic' && kind.nullable) return [];
  if (typeof value !== 'string') return [schema(Messages.expectedType('String'), location)];
  switch (kind.kind) {
    case 'json':
      return value.startsWith('$') && tryParsePath(value) !== undefined ? [] : [schema(Messages.invalidJsonPath, location)];
    case 'reference':
      return referenceDiagnostic(value, kind.roots, location);
    case 'reference-or-intrinsic':
      if (value.startsWith('$')) return referencePathProblem(value, ANY_ROOT) === undefined ? [] : [schema(Messages.invalidPathOrIntrinsic, location)];
      return isValidIntrinsic(value) ? [] : [schema(Messages.invalidPathOrIntrinsic, location)];
    default:
      return assertNever(kind);
  }
};

/** Every path-valued field of a JSONPath state. */
export const pathFields: StateRule = ({ state, type, at, language }) => {
  if (language !== 'JSONPath') return [];
  return Object.entries(PATH_FIELDS).flatMap(([name, kind]) =>
    state[name] === undefined || !supports(type, name) ? [] : checkPathValue(state[name], kind, field(at, name)),
  );
};
