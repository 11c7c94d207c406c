/**
 * The parsed form of a JSONPath expression as Step Functions accepts it (the Jayway dialect AWS
 * runs: https://github.com/json-path/JsonPath). Immutable, produced by `parse.ts`, read by
 * `evaluate.ts`.
 *
 * @internal
 * @module
 */
import { assertNever } from '../assert-never.js';

/** Where a path starts: `$` (the input), `$$` (the context object) or `$name` (a variable). */
export type PathRoot = { readonly kind: 'input' } | { readonly kind: 'context' } | { readonly kind: 'variable'; readonly name: string };

/** One step of a path. */
export type Segment =
  /** `.a` or `['a']` */
  | { readonly kind: 'property'; readonly name: string }
  /** `['a','b']`: on the last step, an object of the named members; elsewhere, each of them */
  | { readonly kind: 'properties'; readonly names: readonly string[] }
  /** `[0]`, `[-1]` */
  | { readonly kind: 'index'; readonly index: number }
  /** `[0,2]` */
  | { readonly kind: 'indexes'; readonly indexes: readonly number[] }
  /** `.*` or `[*]` */
  | { readonly kind: 'wildcard' }
  /** `[a:b]`, `[a:]`, `[:b]`, `[a:b:c]` */
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  /** `[?(@.a == 1)]` */
  | { readonly kind: 'filter'; readonly expr: FilterExpr; readonly text: string }
  /** `..x`: `then` applied at every depth */
  | { readonly kind: 'scan'; readonly then: Segment };

/** A parsed path. */
export interface ParsedPath {
  readonly text: string;
  readonly root: PathRoot;
  readonly segments: readonly Segment[];
}

/** An operand of a filter comparison. */
export type FilterOperand =
  | { readonly kind: 'current'; readonly segments: readonly Segment[] } // @.a
  | { readonly kind: 'root'; readonly segments: readonly Segment[] } // $.a
  | { readonly kind: 'literal'; readonly value: unknown } // 1, 'a', true, null, [1,2]
  | { readonly kind: 'regex'; readonly pattern: string; readonly flags: string }; // /a.*/i

/** The relational operators of Jayway filters. */
export const FILTER_OPERATORS = ['==', '!=', '<=', '>=', '<', '>', '=~', 'nin', 'in', 'subsetof', 'anyof', 'noneof', 'contains', 'size', 'empty'] as const;
/** One of {@link FILTER_OPERATORS}. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** A filter expression (the inside of `?( … )`). */
export type FilterExpr =
  | { readonly kind: 'and'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: 'or'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly kind: 'not'; readonly expr: FilterExpr }
  | { readonly kind: 'exists'; readonly operand: FilterOperand }
  | { readonly kind: 'compare'; readonly op: FilterOperator; readonly left: FilterOperand; readonly right: FilterOperand };

/**
 * Definite paths select at most one node: only single properties and single indexes, or a
 * trailing multi-property selection (Jayway merges it into one object).
 */
export const isDefiniteSegments = (segments: readonly Segment[]): boolean =>
  segments.every((s, i) => s.kind === 'property' || s.kind === 'index' || (s.kind === 'properties' && i === segments.length - 1));

/** Jayway's rendering of a path step, used in AWS's messages (`$['a'][0]`). */
export const renderSegment = (s: Segment): string => {
  switch (s.kind) {
    case 'property':
      return `['${s.name}']`;
    case 'properties':
      return `[${s.names.map((n) => `'${n}'`).join(',')}]`;
    case 'index':
      return `[${s.index}]`;
    case 'indexes':
      return `[${s.indexes.join(',')}]`;
    case 'wildcard':
      return '[*]';
    case 'slice':
      return `[${s.start ?? ''}:${s.end ?? ''}${s.step === undefined ? '' : `:${s.step}`}]`;
    case 'filter':
      return '[?]';
    case 'scan':
      return `..${renderSegment(s.then)}`;
    default:
      return assertNever(s);
  }
};
