import { parseDefinition, type ParseResult } from '@stepstream/asl/definition';
import * as E from 'fp-ts/lib/Either.js';

/**
 * How deep a JSON document may nest. AWS parses with Jackson, whose default
 * `StreamReadConstraints` allow 1000 levels; the code below us walks JSON recursively (evaluation,
 * `JSON.stringify`), so a deeper value would overflow the stack instead of being refused.
 */
export const MAX_NESTING_DEPTH = 1000;

/** Jackson's words for a document past the limit, e.g. `Document nesting depth (1001) exceeds the maximum allowed (1000)`. */
export const nestingDepthMessage = (depth: number): string => `Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_NESTING_DEPTH})`;

/** What an inspection found: a value nested too deep, or a string holding an unpaired UTF-16 surrogate (named by its Coral path). */
export type JsonProblem =
  | { readonly kind: 'depth'; readonly depth: number }
  | { readonly kind: 'surrogate'; readonly path: string }
  | { readonly kind: 'number'; readonly path: string };

/**
 * A string with an unpaired surrogate: in a `u` regex a lone surrogate is a code point of its own
 * (category Cs) while a well-formed pair is one astral code point, so only lone ones match.
 */
const LONE_SURROGATE = /\p{Cs}/u;

interface Visit {
  readonly value: unknown;
  /** The nesting depth of the container holding this value (0 for the document itself). */
  readonly depth: number;
  readonly parent: Visit | undefined;
  /** The member name, or the 1-based list index (Coral's `name.1.member`). */
  readonly key: string | number | undefined;
}

/** Coral's path of a member: `cause`, `mock.errorOutput.cause`, `tags.1.member.value`. */
const pathOf = (visit: Visit): string => {
  const parts: string[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) parts.push(typeof v.key === 'number' ? `${v.key}.member` : v.key);
  return parts.reverse().join('.');
};

/**
 * Walks a parsed JSON value without recursion (a 5,000-deep value is just a longer loop) and
 * reports the first problem in document order: a container nested deeper than
 * {@link MAX_NESTING_DEPTH} (the document's own object or array is depth 1, as Jackson counts),
 * or, when `strings` is set, a string that cannot be stored as UTF-8, or, when `numbers` is set,
 * a number out of the double range (`1e400` parses to Infinity).
 *
 * @example
 * ```ts
 * inspectJson(JSON.parse('{"cause":"\\udfff"}'), { strings: true }); // { kind: 'surrogate', path: 'cause' }
 * inspectJson(JSON.parse('['.repeat(1001) + ']'.repeat(1001)), {});  // { kind: 'depth', depth: 1001 }
 * ```
 */
export const inspectJson = (value: unknown, options: { readonly strings?: boolean; readonly numbers?: boolean }): JsonProblem | undefined => {
  const stack: Visit[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const v = visit.value;
    if (typeof v === 'string') {
      if (options.strings === true && LONE_SURROGATE.test(v)) return { kind: 'surrogate', path: pathOf(visit) };
      continue;
    }
    // `1e400` parses to Infinity, which no JSON text can hold again: refused, as Jackson refuses a number out of range.
    if (typeof v === 'number') {
      if (options.numbers === true && !Number.isFinite(v)) return { kind: 'number', path: pathOf(visit) };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const depth = visit.depth + 1;
    if (depth > MAX_NESTING_DEPTH) return { kind: 'depth', depth };
    // Pushed in reverse so that they pop in document order.
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i] as unknown, depth, parent: visit, key: i + 1 });
    } else {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], depth, parent: visit, key: keys[i]! });
    }
  }
  return undefined;
};

/**
 * How deep the arrays and objects of a JSON text nest, read off the text without parsing it (the
 * brackets outside strings are counted). For a text that is not JSON the figure means nothing:
 * callers parse before they refuse anything on it.
 *
 * @example
 * ```ts
 * jsonTextDepth('{"a":[1,"]]"]}'); // 2
 * jsonTextDepth('"text"');         // 0
 * ```
 */
export const jsonTextDepth = (text: string): number => {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
};

/** Why a JSON text member is not acceptable: it does not parse (`JSON.parse`'s message), or it nests too deep. */
export interface JsonTextProblem {
  readonly kind: 'syntax' | 'depth';
  readonly message: string;
}

/**
 * Parses a member that holds JSON text (`input`, `output`, `definition`, `variables`, `context`,
 * a mocked result): the value, or why it is not acceptable. Each caller wraps the problem's
 * message in its member's error (InvalidExecutionInput, InvalidOutput, InvalidDefinition…).
 *
 * @example
 * ```ts
 * parseJsonText('{"a":1}'); // right({ a: 1 })
 * parseJsonText('['.repeat(1001) + ']'.repeat(1001));
 * // left({ kind: 'depth', message: 'Document nesting depth (1001) exceeds the maximum allowed (1000)' })
 * ```
 */
export const parseJsonText = (text: string): E.Either<JsonTextProblem, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return E.left({ kind: 'syntax', message: (e as Error).message });
  }
  const problem = inspectJson(value, {});
  return problem?.kind === 'depth' ? E.left({ kind: 'depth', message: nestingDepthMessage(problem.depth) }) : E.right(value);
};

/**
 * A definition as the edge reads it: refused past {@link MAX_NESTING_DEPTH} as AWS's parser
 * refuses it (`INVALID_JSON_DESCRIPTION: Document nesting depth (1001) exceeds the maximum allowed
 * (1000) at /`), otherwise validated by {@link parseDefinition}.
 */
export const parseDefinitionText = (text: string): ParseResult => {
  const parsed = parseJsonText(text);
  if (E.isLeft(parsed) && parsed.left.kind === 'depth') {
    return { ok: false, diagnostics: [{ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION', message: parsed.left.message, location: '' }] };
  }
  return parseDefinition(text);
};
