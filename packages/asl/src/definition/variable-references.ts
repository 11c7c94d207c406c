/**
 * `variableReferences` of DescribeStateMachine: for each state (nested ones under their own
 * names), the workflow variables it reads, sorted; states that read none are left out, and a
 * machine whose states read none has no `variableReferences` at all.
 *
 * What counts as a read, per recorded DescribeStateMachine answers (Nov 2024):
 * - JSONPath: a path rooted at `$name` in a path field (InputPath, ItemsPath, SecondsPath,
 *   ErrorPath, MaxConcurrencyPath, …, a Choice rule's Variable and `…Path` operands), or as the
 *   value of a `.$` key in a payload template (Parameters, ItemSelector, ResultSelector, Assign,
 *   ItemReader) — directly or as an argument of an intrinsic function. A `"$name"` value under a
 *   key without `.$` is a plain string, not a read.
 * - JSONata: every `$name` an expression reads that it did not bind itself, apart from
 *   `$states`, the context `$`/`$$` and the names of functions.
 *
 * @module
 */
import jsonata from 'jsonata';
import { isJsonataText, jsonataBody } from '../jsonata.js';
import { parsePath } from '../jsonpath/parse.js';
import type { IntrinsicArg } from '../intrinsics/ast.js';
import { isIntrinsicCall, parseIntrinsic } from '../intrinsics/parse.js';

const PATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
] as const;

/** JSONata's own functions and the ones AWS adds: `$name` in a call or as a function value is not a variable. */
const FUNCTIONS: ReadonlySet<string> = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad match contains replace split join ' +
    'formatNumber formatBase formatInteger parseInteger number floor ceil round abs sqrt power random boolean not map zip filter single reduce sift keys ' +
    'lookup append exists spread merge reverse each error assert type sort shuffle distinct base64encode base64decode encodeUrlComponent encodeUrl ' +
    'decodeUrlComponent decodeUrl eval toMillis fromMillis clone now millis partition range hash uuid parse'
  ).split(' '),
);

/** The variable a path reads, if it is rooted at one. */
const pathVariable = (text: string): string[] => {
  try {
    const root = parsePath(text).root;
    return root.kind === 'variable' ? [root.name] : [];
  } catch {
    return [];
  }
};

const intrinsicVariables = (arg: IntrinsicArg): string[] =>
  arg.kind === 'path' ? pathVariable(arg.path) : arg.kind === 'call' ? arg.args.flatMap(intrinsicVariables) : [];

/** The variables a JSONPath expression value (a path or an intrinsic call) reads. */
const expressionVariables = (text: string): string[] => {
  if (isIntrinsicCall(text)) {
    try {
      return parseIntrinsic(text).args.flatMap(intrinsicVariables);
    } catch {
      return [];
    }
  }
  return text.startsWith('$') ? pathVariable(text) : [];
};

/** The `.$` values of a payload template, at any depth. */
const templateVariables = (template: unknown): string[] => {
  if (Array.isArray(template)) return template.flatMap(templateVariables);
  if (typeof template !== 'object' || template === null) return [];
  return Object.entries(template).flatMap(([k, v]) => (k.endsWith('.$') && typeof v === 'string' ? expressionVariables(v) : templateVariables(v)));
};

/** A Choice rule's Variable and `…Path` operands, through And/Or/Not. */
const choiceRuleVariables = (rule: unknown): string[] => {
  if (typeof rule !== 'object' || rule === null) return [];
  return Object.entries(rule).flatMap(([k, v]) => {
    if (k === 'And' || k === 'Or') return Array.isArray(v) ? v.flatMap(choiceRuleVariables) : [];
    if (k === 'Not') return choiceRuleVariables(v);
    if (k === 'Assign') return templateVariables(v);
    if ((k === 'Variable' || k.endsWith('Path')) && typeof v === 'string') return pathVariable(v);
    return [];
  });
};

type Node = { readonly type?: string; readonly value?: unknown; readonly [k: string]: unknown };

/** The variables a JSONata expression reads and does not bind. */
const jsonataVariables = (text: string): string[] => {
  let ast: Node;
  try {
    ast = jsonata(jsonataBody(text)).ast() as Node;
  } catch {
    return [];
  }
  const read = new Set<string>();
  const bound = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (typeof n !== 'object' || n === null) return;
    const node = n as Node;
    if (node.type === 'variable' && typeof node.value === 'string') {
      read.add(node.value);
      return;
    }
    if (node.type === 'bind') {
      const lhs = node['lhs'] as Node | undefined;
      if (typeof lhs?.value === 'string') bound.add(lhs.value);
      return walk(node['rhs']);
    }
    if (node.type === 'lambda') {
      for (const a of (node['arguments'] as Node[] | undefined) ?? []) if (typeof a.value === 'string') bound.add(a.value);
      return walk(node['body']);
    }
    for (const [k, v] of Object.entries(node)) {
      // The procedure of a call names a function.
      if (k === 'procedure' && (v as Node | undefined)?.type === 'variable') continue;
      if (k !== 'position' && k !== 'value' && k !== 'type') walk(v);
    }
  };
  walk(ast);
  return [...read].filter((name) => name !== '' && name !== '$' && name !== 'states' && !bound.has(name) && !FUNCTIONS.has(name));
};

/** Every `{% … %}` in a state's fields (not inside the states of its branches or item processor). */
const jsonataTexts = (v: unknown, top = true): string[] => {
  if (isJsonataText(v)) return [v];
  if (Array.isArray(v)) return v.flatMap((x) => jsonataTexts(x, false));
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => (top && (k === 'Branches' || k === 'ItemProcessor' || k === 'Iterator') ? [] : jsonataTexts(x, false)));
};

type StateObject = Readonly<Record<string, unknown>>;

const stateVariables = (s: StateObject, language: string): string[] => {
  if ((s['QueryLanguage'] ?? language) === 'JSONata') return jsonataTexts(s).flatMap(jsonataVariables);
  const reader = s['ItemReader'] as StateObject | undefined;
  const config = reader?.['ReaderConfig'] as StateObject | undefined;
  return [
    ...PATH_FIELDS.flatMap((f) => (typeof s[f] === 'string' ? expressionVariables(s[f] as string) : [])),
    ...['Parameters', 'ResultSelector', 'ItemSelector', 'Assign'].flatMap((f) => templateVariables(s[f])),
    ...templateVariables(reader?.['Parameters']),
    ...(typeof config?.['MaxItemsPath'] === 'string' ? pathVariable(config['MaxItemsPath'] as string) : []),
    ...(Array.isArray(s['Choices']) ? s['Choices'].flatMap(choiceRuleVariables) : []),
    ...(Array.isArray(s['Catch']) ? s['Catch'].flatMap((c: StateObject) => templateVariables(c?.['Assign'])) : []),
  ];
};

/**
 * The variables each state of a (valid) definition reads, or `undefined` when none does.
 *
 * @example
 * ```ts
 * variableReferences({ StartAt: 'A', States: {
 *   A: { Type: 'Pass', Assign: { x: 1 }, Next: 'B' },
 *   B: { Type: 'Pass', Parameters: { 'v.$': '$x' }, End: true } } });
 * // { B: ['x'] }
 * ```
 */
export const variableReferences = (definition: unknown): Record<string, string[]> | undefined => {
  const out: Record<string, string[]> = {};
  const visit = (machine: unknown, language: string): void => {
    if (typeof machine !== 'object' || machine === null) return;
    const m = machine as StateObject;
    const lang = typeof m['QueryLanguage'] === 'string' ? (m['QueryLanguage'] as string) : language;
    const states = m['States'];
    if (typeof states !== 'object' || states === null) return;
    for (const [name, state] of Object.entries(states as Record<string, unknown>)) {
      if (typeof state !== 'object' || state === null) continue;
      const s = state as StateObject;
      const names = [...new Set(stateVariables(s, lang))].sort();
      if (names.length > 0) out[name] = [...new Set([...(out[name] ?? []), ...names])].sort();
      for (const branch of Array.isArray(s['Branches']) ? s['Branches'] : []) visit(branch, lang);
      visit(s['ItemProcessor'] ?? s['Iterator'], lang);
    }
  };
  visit(definition, 'JSONPath');
  return Object.keys(out).length > 0 ? out : undefined;
};
