/**
 * Evaluation of parsed JSONPath steps against a JSON value, with Jayway's split between definite
 * paths (one value or a "not found" with Jayway's reason, which AWS quotes in its causes) and
 * indefinite ones (a possibly empty list; AWS never fails them: `$.item.items[*]` on `{}` gives
 * `[]`, base/test_base::test_json_path_array_wildcard_or_slice_with_no_input).
 *
 * @internal
 * @module
 */
import { isJsonObject, getOwn } from '../json.js';
import { assertNever } from '../assert-never.js';
import { isDefiniteSegments, renderSegment, type Segment } from './ast.js';
import { matchesFilter, type SelectOperand } from './filter.js';

/** The outcome of a definite evaluation: a value, or Jayway's reason for not finding one. */
export type DefiniteOutcome = { readonly found: true; readonly value: unknown } | { readonly found: false; readonly reason: string };

/**
 * Jayway names the Java class of the offending node. Which JSON provider AWS configures is not
 * recorded; Jackson's tree model is the likeliest for a Java service (inference).
 */
const PROVIDER = 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider';
const javaNodeClass = (v: unknown): string => {
  const pkg = 'com.fasterxml.jackson.databind.node.';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `${pkg}ArrayNode`;
  switch (typeof v) {
    case 'string':
      return `${pkg}TextNode`;
    case 'boolean':
      return `${pkg}BooleanNode`;
    case 'number':
      return `${pkg}${Number.isInteger(v) ? 'IntNode' : 'DoubleNode'}`;
    default:
      return `${pkg}ObjectNode`;
  }
};

/**
 * Follows a definite path (only `property`, `index` and a trailing `properties` step), failing
 * the way Jayway does with default options:
 * - a missing last property or an index out of bounds → `No results for path: $['a']['b']`;
 * - a missing property before the end → `Missing property in path $['a']`;
 * - a property step on a non-object → `Expected to find an object with property …`.
 */
export const evaluateDefinite = (segments: readonly Segment[], root: unknown, rootText = '$'): DefiniteOutcome => {
  const fullPath = rootText + segments.map(renderSegment).join('');
  const noResults: DefiniteOutcome = { found: false, reason: `No results for path: ${fullPath}` };
  let model = root;
  let at = rootText;
  for (const [i, s] of segments.entries()) {
    const leaf = i === segments.length - 1;
    switch (s.kind) {
      case 'property': {
        if (!isJsonObject(model)) {
          return {
            found: false,
            reason:
              `Expected to find an object with property ['${s.name}'] in path ${at} but found '${javaNodeClass(model)}'. ` +
              `This is not a json object according to the JsonProvider: '${PROVIDER}'.`,
          };
        }
        const hit = getOwn(model, s.name);
        at += renderSegment(s);
        if (!hit.found) return leaf ? noResults : { found: false, reason: `Missing property in path ${at}` };
        model = hit.value;
        break;
      }
      case 'index': {
        if (model === null) return { found: false, reason: `The path ${at} is null` };
        if (!Array.isArray(model)) {
          return {
            found: false,
            reason: `Filter: ${renderSegment(s)} can only be applied to arrays. Current context is: ${JSON.stringify(model)}`,
          };
        }
        const idx = s.index < 0 ? model.length + s.index : s.index;
        if (idx < 0 || idx >= model.length) return noResults;
        model = model[idx];
        at += renderSegment(s);
        break;
      }
      case 'properties': {
        // Jayway merges the present members into one object when the multi-property step is last.
        if (!isJsonObject(model)) return noResults;
        const source = model;
        model = Object.fromEntries(s.names.flatMap((n) => (getOwn(source, n).found ? [[n, source[n]]] : [])));
        break;
      }
      default:
        // Indefinite steps never reach here: callers check definiteness first.
        return noResults;
    }
  }
  return { found: true, value: model };
};

/** Every value an (indefinite) path selects, in document order. Missing parts select nothing. */
export const evaluateAll = (segments: readonly Segment[], model: unknown, root: unknown): unknown[] => {
  const out: unknown[] = [];
  walk(segments, 0, model, root, out);
  return out;
};

const walk = (segments: readonly Segment[], i: number, model: unknown, root: unknown, out: unknown[]): void => {
  const s = segments[i];
  if (s === undefined) {
    out.push(model);
    return;
  }
  for (const next of step(s, model, root, i === segments.length - 1)) walk(segments, i + 1, next, root, out);
};

/** The values one step selects from one node. */
const step = (s: Segment, model: unknown, root: unknown, leaf: boolean): unknown[] => {
  switch (s.kind) {
    case 'property':
      return isJsonObject(model) && getOwn(model, s.name).found ? [model[s.name]] : [];
    case 'properties': {
      if (!isJsonObject(model)) return [];
      const present = s.names.filter((n) => getOwn(model, n).found);
      return leaf ? [Object.fromEntries(present.map((n) => [n, model[n]]))] : present.map((n) => model[n]);
    }
    case 'index':
      return Array.isArray(model) ? at(model, s.index) : [];
    case 'indexes':
      return Array.isArray(model) ? s.indexes.flatMap((n) => at(model, n)) : [];
    case 'wildcard':
      if (Array.isArray(model)) return model;
      return isJsonObject(model) ? Object.values(model) : [];
    case 'slice':
      return Array.isArray(model) ? slice(model, s.start, s.end, s.step) : [];
    case 'filter':
      // "Filters are applied to each element of an array, or to the object itself" (Jayway).
      if (Array.isArray(model)) return model.filter((e) => matchesFilter(s.expr, e, root, selectOperand));
      return isJsonObject(model) && matchesFilter(s.expr, model, root, selectOperand) ? [model] : [];
    case 'scan':
      return scan(s.then, model, root, leaf);
    default:
      return assertNever(s);
  }
};

const at = (arr: readonly unknown[], index: number): unknown[] => {
  const i = index < 0 ? arr.length + index : index;
  return i >= 0 && i < arr.length ? [arr[i]] : [];
};

const slice = (arr: readonly unknown[], start?: number, end?: number, stepBy = 1): unknown[] => {
  if (stepBy === 0) return [];
  const len = arr.length;
  const norm = (n: number) => (n < 0 ? Math.max(0, len + n) : Math.min(len, n));
  const out: unknown[] = [];
  if (stepBy > 0) {
    for (let i = norm(start ?? 0); i < norm(end ?? len); i += stepBy) out.push(arr[i]);
  } else {
    const from = start === undefined ? len - 1 : Math.min(len - 1, start < 0 ? len + start : start);
    const to = end === undefined ? -1 : end < 0 ? len + end : end;
    for (let i = from; i > to && i >= 0; i += stepBy) out.push(arr[i]);
  }
  return out;
};

/**
 * `..x`: applies `x` to the node and then to every descendant, pre-order (Jayway's
 * ScanPathToken). A scanned filter tests each object node itself.
 */
const scan = (then: Segment, model: unknown, root: unknown, leaf: boolean): unknown[] => {
  const out: unknown[] = [];
  const visit = (node: unknown): void => {
    if (!Array.isArray(node) && !isJsonObject(node)) return;
    if (then.kind === 'filter') {
      if (isJsonObject(node) && matchesFilter(then.expr, node, root, selectOperand)) out.push(node);
    } else {
      // A loop, not a spread: an array node of 130,000 elements (a 256 KiB input) would overflow the call stack.
      for (const v of step(then, node, root, leaf)) out.push(v);
    }
    for (const child of Array.isArray(node) ? node : Object.values(node)) visit(child);
  };
  visit(model);
  return out;
};

/** A filter operand: definite paths may be missing; indefinite ones give a (possibly empty) list. */
const selectOperand: SelectOperand = (segments, base, root) => {
  if (!isDefiniteSegments(segments)) return { found: true, value: evaluateAll(segments, base, root) };
  const r = evaluateDefinite(segments, base);
  return r.found ? r : { found: false, value: undefined };
};
