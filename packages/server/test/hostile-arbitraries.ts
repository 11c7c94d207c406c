import fc from 'fast-check';
import { ALL_SHAPES, type ArnKind, type Member, type MemberKind, OPERATION_SHAPES, type OperationShape } from './hostile-shapes.js';

/**
 * Generators of hostile requests for the Step Functions JSON protocol: bodies that are not JSON or
 * not objects, members of the wrong JSON type, numbers JSON can spell but JavaScript cannot hold,
 * unicode edge strings, deep nesting, sizes just under and over the limits, odd ARNs and tokens,
 * and mutated ASL definitions with pathological patterns.
 */

/** JSON text spliced into a body as is (`1e400`, 5,000 nested arrays): what JSON.stringify cannot produce. */
export class Raw {
  constructor(readonly text: string) {}
}

/** One HTTP request, ready to send with fetch. */
export interface HostileRequest {
  /** The operation it targets (or how the target is odd), for the per-operation counts. */
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
}

/** What the generators draw real resources from: ARNs and tokens of resources the suite created. */
export interface Fixtures {
  readonly arns: Readonly<Record<ArnKind, readonly string[]>>;
  readonly taskTokens: readonly string[];
  readonly nextTokens: readonly string[];
  /** An activity a Task state of the ASL cases runs on. */
  readonly activityArn: string;
}

/** AWS limits the generators straddle. */
export const INPUT_LIMIT_BYTES = 262_144;
export const DEFINITION_LIMIT_BYTES = 1_048_576;
export const DEEP = 5_000;

export const deepArrayText = (depth = DEEP) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
export const deepObjectText = (depth = DEEP) => `${'{"a":'.repeat(depth)}null${'}'.repeat(depth)}`;

/** JSON of an object whose UTF-8 form is exactly `bytes` long: `{"p":"xxxx…"}` padded with `unit`. */
export const paddedJson = (bytes: number, unit = 'x'): string => {
  const frame = Buffer.byteLength('{"p":""}');
  const unitBytes = Buffer.byteLength(unit);
  const room = bytes - frame;
  const n = Math.max(0, Math.floor(room / unitBytes));
  return `{"p":"${unit.repeat(n)}${'x'.repeat(Math.max(0, room - n * unitBytes))}"}`;
};

/** Strings that break naive handling: NUL, lone surrogates, non-characters, bidi marks, emoji. */
export const EDGE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud800y',
  '\udfff\ud800',
  '\ufffe',
  '\uffff',
  '\ufeff',
  '\u202e\u202d',
  '\u200f\u200e',
  '\u200b',
  '\u2028\u2029',
  '\u0085',
  '\u001f\u007f',
  '😀',
  '👩‍👩‍👧‍👦',
  'é' /* e + combining acute */,
  '𝕏',
  '\t\r\n',
  '"\\',
  '${x}%s%n',
  '$.x',
  '{% $x %}',
  '<script>',
  "'; drop table x; --",
  '../../..',
  '__proto__',
];

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Any UTF-16 string, lone surrogates included. */
export const anyUtf16 = (maxLength = 24) => fc.string({ unit: utf16Unit, maxLength });

export const edgeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...EDGE_STRINGS) },
  { weight: 3, arbitrary: anyUtf16() },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...EDGE_STRINGS), fc.string({ maxLength: 8 })).map(([e, s]) => `${s}${e}${s}`) },
  // Around the length limits of names (80), ARNs (256), descriptions (256), tokens (1024/2048), causes (32,768).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', 'é', '😀', '\u0000', '\ud800'), fc.constantFrom(80, 81, 256, 257, 1024, 1025, 2048, 2049, 3000, 32_768, 32_769))
      .map(([unit, n]) => unit.repeat(n)),
  },
);

/** Strings of 256 KiB ± 1 byte and 1 MiB ± 1 byte; drawn rarely. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(INPUT_LIMIT_BYTES - 1, INPUT_LIMIT_BYTES, INPUT_LIMIT_BYTES + 1, DEFINITION_LIMIT_BYTES, DEFINITION_LIMIT_BYTES + 1),
    fc.constantFrom('x', 'é', '\u0000'),
  )
  .map(([n, unit]) => unit.repeat(Math.floor(n / Buffer.byteLength(unit))));

/** Values of the wrong JSON type for any member, and numbers JavaScript cannot hold exactly. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 2.5, -0.5, 1e21, [], {}, ['a'], { a: 1 }, [null], ''),
  fc.constantFrom(
    new Raw('1e400'),
    new Raw('-1e400'),
    new Raw('1e-400'),
    new Raw('-0'),
    new Raw('123456789012345678901234567890'),
    new Raw('9007199254740993'),
    new Raw('0.1e1'),
  ),
  { weight: 1, arbitrary: fc.constantFrom(new Raw(deepArrayText()), new Raw(deepObjectText())) },
  fc.string({ maxLength: 6 }),
  fc.double(),
);

const oddNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(-1, 0, 1, 100, 101, 1000, 1001, 2 ** 31, 2 ** 53, 2.5, -0.0001, '5', '1e3'),
  fc.integer(),
  wrongType,
);

/** JSON text members (`input`, `output`, `variables`, `context`): plausible and hostile. */
export const PLAUSIBLE_JSON: readonly string[] = ['{}', '{"x":"aaa","items":[1,2,3]}', '[1,2,3]', '"s"', '1', 'null', '{"x":{"y":[true,false]}}'];
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '{',
      '{"a":',
      '}',
      'undefined',
      'NaN',
      '1e400',
      '-0',
      '{"a":1,"a":2}',
      '{"__proto__":{"polluted":1}}',
      '\ufeff{}',
      '{} {}',
    ),
  },
  { weight: 3, arbitrary: edgeString.map((s) => JSON.stringify({ x: s, [s]: s })) },
  { weight: 2, arbitrary: edgeString },
  { weight: 1, arbitrary: fc.constantFrom(deepArrayText(), deepObjectText(), `{"x":${deepArrayText()}}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(INPUT_LIMIT_BYTES - 1, INPUT_LIMIT_BYTES, INPUT_LIMIT_BYTES + 1), fc.constantFrom('x', 'é', '😀', '\\u0000'))
      .map(([n, unit]) => paddedJson(n, unit)),
  },
);

/** Mutations of a real ARN: other partition, region, account, resource type, labels, versions, lengths. */
const mutateArn = (arn: string, how: number, extra: string): string => {
  const parts = arn.split(':');
  const withPart = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join(':');
  const variants = [
    () => arn.replace(/^arn:aws:/, 'arn:aws-cn:'),
    () => arn.replace(/^arn:aws:/, 'arn:aws-us-gov:'),
    () => withPart(3, 'eu-west-1'),
    () => withPart(3, ''),
    () => withPart(4, '999999999999'),
    () => withPart(4, '12345678901'),
    () => arn.replace(':execution:', ':express:').replace(':stateMachine:', ':express:'),
    () => arn.replace(':stateMachine:', ':execution:'),
    () => arn.replace(':activity:', ':stateMachine:'),
    () => `${arn}/label`,
    () => `${arn}/label:${'0'.repeat(8)}`,
    () => `${arn}:1`,
    () => `${arn}:0`,
    () => `${arn}:-1`,
    () => `${arn}:99999999999999999999`,
    () => `${arn}:live`,
    () => `${arn}:`,
    () => `${arn}/`,
    () => `${arn}${extra}`,
    () => `${arn.slice(0, arn.length >> 1)}${extra}${arn.slice(arn.length >> 1)}`,
    () => arn.slice(0, -1),
    () => arn.toUpperCase(),
    () => arn.replace(/:/g, '::'),
    () => `${arn}${'x'.repeat(Math.max(0, 3000 - arn.length))}`,
    () => ` ${arn} `,
    () => arn.replace('arn:', 'ARN:'),
  ];
  return variants[how % variants.length]!();
};

const CANNED_ARNS = [
  '',
  'arn',
  'arn:',
  'arn:aws:states:::',
  'arn:aws:states:us-east-1:123456789012:stateMachine:',
  'arn:aws:states:us-east-1:123456789012:execution:x',
  'arn:aws:states:us-east-1:123456789012:mapRun:x/y',
  'arn:aws:lambda:us-east-1:123456789012:function:f',
  'arn:aws:states:us-east-1:123456789012:stateMachine:x:1:2',
  'arn:aws:states:us-east-1:123456789012:stateMachine:x/y/z',
  '*',
  'a'.repeat(3000),
];

export const oddArn = (fx: Fixtures, of: ArnKind): fc.Arbitrary<string> => {
  const own = fx.arns[of];
  const all = Object.values(fx.arns).flat();
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(fc.constantFrom(...(own.length > 0 ? own : all)), fc.nat(), edgeString).map(([a, how, extra]) => mutateArn(a, how, extra)),
    },
    { weight: 1, arbitrary: fc.constantFrom(...all) },
    { weight: 1, arbitrary: fc.constantFrom(...CANNED_ARNS) },
    { weight: 1, arbitrary: edgeString },
  );
};

/** Tokens: empty, random base64, a real one with a character added or removed, one of another kind. */
export const oddToken = (real: readonly string[]): fc.Arbitrary<string> => {
  const base = real.length > 0 ? real : ['AAAA'];
  return fc.oneof(
    fc.constantFrom('', ' ', '=', 'null', 'x'.repeat(1025), 'x'.repeat(2049), '%00', '..'),
    fc.base64String({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.tuple(fc.constantFrom(...base), fc.constantFrom('A', '=', '.', '\u0000', '\ud800', '😀', 'é')).map(([t, c]) => t + c),
    fc.constantFrom(...base).map((t) => t.slice(0, -1)),
    fc.constantFrom(...base).map((t) => t.slice(1)),
    fc.tuple(fc.constantFrom(...base), fc.nat()).map(([t, i]) => {
      const at = i % Math.max(1, t.length);
      return `${t.slice(0, at)}${t[at] === 'A' ? 'B' : 'A'}${t.slice(at + 1)}`;
    }),
    edgeString,
  );
};

// ---------------------------------------------------------------------------------------------
// ASL definitions
// ---------------------------------------------------------------------------------------------

/** A valid definition to mutate, with an input that reaches its interesting part. */
export interface AslCase {
  readonly name: string;
  readonly definition: Record<string, unknown>;
  readonly input: unknown;
  /** The case may run as EXPRESS (no activity). */
  readonly express: boolean;
}

/** Catastrophic-backtracking subjects the issue names. */
export const PATHOLOGICAL = {
  glob: '*a*a*a*a*a*a*a*a*a*az',
  globSubject: 'a'.repeat(40),
  regexSubject: `${'a'.repeat(30)}c`,
} as const;

export const aslCases = (activityArn: string): readonly AslCase[] => [
  {
    name: 'pass',
    definition: { Comment: 'c', StartAt: 'P', States: { P: { Type: 'Pass', Result: { a: 'b' }, ResultPath: '$.r', Next: 'S' }, S: { Type: 'Succeed' } } },
    input: { x: 1 },
    express: true,
  },
  {
    name: 'choice-string-matches',
    definition: {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringMatches: PATHOLOGICAL.glob, Next: 'Y' }], Default: 'N' },
        Y: { Type: 'Succeed' },
        N: { Type: 'Fail', Error: 'NoMatch', Cause: 'c' },
      },
    },
    input: { x: PATHOLOGICAL.globSubject },
    express: true,
  },
  {
    name: 'activity-task',
    definition: { StartAt: 'T', States: { T: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 2, HeartbeatSeconds: 1, End: true } } },
    input: { x: 'a' },
    express: false,
  },
  {
    name: 'map',
    definition: {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          MaxConcurrency: 2,
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'I', States: { I: { Type: 'Pass', Parameters: { 'v.$': '$' }, End: true } } },
          End: true,
        },
      },
    },
    input: { items: [1, 'two', { three: 3 }] },
    express: true,
  },
  {
    name: 'parallel',
    definition: {
      StartAt: 'Par',
      States: {
        Par: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
          ],
          End: true,
        },
      },
    },
    input: { x: 1 },
    express: true,
  },
  {
    name: 'jsonpath-filter-regex',
    definition: { StartAt: 'F', States: { F: { Type: 'Pass', Parameters: { 'r.$': '$.items[?(@.x =~ /(a+)+b/)]' }, End: true } } },
    input: { items: [{ x: PATHOLOGICAL.regexSubject }] },
    express: true,
  },
  {
    name: 'jsonata-match',
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: 'J',
      States: {
        J: { Type: 'Pass', Output: '{% $match($states.input.x, /(a+)+b/) %}', Next: 'K' },
        K: { Type: 'Choice', Choices: [{ Condition: '{% $contains($string($states.input), /(a+)+b/) %}', Next: 'D' }], Default: 'D' },
        D: { Type: 'Succeed' },
      },
    },
    input: { x: PATHOLOGICAL.regexSubject },
    express: true,
  },
];

type Json = unknown;

/** `v` with every string and number leaf replaced by `leaf`. */
const withEveryLeaf = (v: Json, leaf: unknown): Json => {
  if (Array.isArray(v)) return v.map((x) => withEveryLeaf(x, leaf));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withEveryLeaf(x, leaf)]));
  return typeof v === 'string' || typeof v === 'number' ? leaf : v;
};
type Path = readonly (string | number)[];

const DEEP_MARK = '\u0001deep\u0001';

/** Every node's path in a JSON tree (the root excluded). */
const pathsOf = (v: Json, at: Path = []): Path[] => {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...pathsOf(x, [...at, i])]);
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...pathsOf(x, [...at, k])]);
  return [];
};

/** A copy of `v` with the node at `path` replaced (`remove` deletes it; `rename` moves an object member). */
const edit = (v: Json, path: Path, change: { set: Json } | { remove: true } | { rename: string }): Json => {
  if (path.length === 0) return 'set' in change ? change.set : v;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && 'remove' in change) copy.splice(Number(head), 1);
    else copy[Number(head)] = edit(copy[Number(head)], rest, change);
    return copy;
  }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    if (rest.length > 0) return Object.fromEntries(entries.map(([k, x]) => [k, k === head ? edit(x, rest, change) : x]));
    if ('remove' in change) return Object.fromEntries(entries.filter(([k]) => k !== head));
    if ('rename' in change) return Object.fromEntries(entries.map(([k, x]) => [k === head ? change.rename : k, x]));
    return Object.fromEntries(entries.map(([k, x]) => [k, k === head ? change.set : x]));
  }
  return v;
};

/** Renames a state and every `StartAt`/`Next`/`Default` that names it. */
const renameState = (v: Json, from: string, to: string): Json => {
  if (Array.isArray(v)) return v.map((x) => renameState(x, from, to));
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const key = k === from ? to : k;
        if ((k === 'StartAt' || k === 'Next' || k === 'Default') && x === from) return [key, to];
        return [key, renameState(x, from, to)];
      }),
    );
  }
  return v;
};

const stateNames = (v: Json): string[] => {
  if (Array.isArray(v)) return v.flatMap(stateNames);
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const here = typeof o['States'] === 'object' && o['States'] !== null && !Array.isArray(o['States']) ? Object.keys(o['States']) : [];
    return [...here, ...Object.values(o).flatMap(stateNames)];
  }
  return [];
};

export type AslMutation =
  | { readonly kind: 'renameState'; readonly pick: number; readonly to: string }
  | { readonly kind: 'set'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'remove'; readonly pick: number }
  | { readonly kind: 'renameKey'; readonly pick: number; readonly to: string }
  | { readonly kind: 'deep'; readonly pick: number };

const applyMutation = (def: Json, m: AslMutation): Json => {
  if (m.kind === 'renameState') {
    const names = stateNames(def);
    return names.length === 0 ? def : renameState(def, names[m.pick % names.length]!, m.to);
  }
  const paths = pathsOf(def);
  if (paths.length === 0) return def;
  const path = paths[m.pick % paths.length]!;
  switch (m.kind) {
    case 'set':
      return edit(def, path, { set: m.value });
    case 'remove':
      return edit(def, path, { remove: true });
    case 'renameKey':
      return typeof path[path.length - 1] === 'string' ? edit(def, path, { rename: m.to }) : def;
    case 'deep':
      return edit(def, path, { set: DEEP_MARK });
  }
};

/** Text-level damage after serialising: a duplicated key, truncation, a non-object wrapper, a BOM. */
export type TextMutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'duplicateKey'; readonly pick: number; readonly value: string }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'wrap'; readonly how: number };

const applyText = (text: string, m: TextMutation): string => {
  switch (m.kind) {
    case 'none':
      return text;
    case 'duplicateKey': {
      const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)":/g)];
      const hit = keys[m.pick % Math.max(1, keys.length)];
      return hit?.index === undefined ? text : `${text.slice(0, hit.index)}"${hit[1]}":${m.value},${text.slice(hit.index)}`;
    }
    case 'truncate':
      return text.slice(0, m.at % Math.max(1, text.length));
    case 'wrap':
      return [`[${text}]`, JSON.stringify(text), `\ufeff${text}`, `${text}\u0000`, `${text}}`, ' ', 'null', `${text} ${text}`][m.how % 8]!;
  }
};

const renderDefinition = (def: Json): string => JSON.stringify(def).split(JSON.stringify(DEEP_MARK)).join(deepObjectText());

const aslValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: edgeString },
  { weight: 2, arbitrary: wrongType.filter((v) => !(v instanceof Raw)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(
      '$',
      '$$',
      '$.',
      '$..x',
      '$[',
      '$.x[?(@.y =~ /(a+)+b/)]',
      '$[?(@.x =~ /(a|a)*b/)]',
      '{% %}',
      '{% $match("x", /(/) %}',
      '{% $states.input.x %}',
      'States.Format(',
      'States.StringSplit($.x, "")',
      '*',
      '**',
      '\\*',
      PATHOLOGICAL.glob,
      'Task',
      'Pass',
      'Map',
      'arn:aws:states:::lambda:invoke',
      'JSONata',
      'JSONPath',
      99999999,
      -1,
      0.5,
    ),
  },
);

const aslMutation: fc.Arbitrary<AslMutation> = fc.oneof(
  fc.record({ kind: fc.constant('renameState' as const), pick: fc.nat(), to: edgeString }),
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: aslValue }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('renameKey' as const),
    pick: fc.nat(),
    to: fc.oneof(edgeString, fc.constantFrom('Type', 'Next', 'End', 'States', 'StartAt', 'Default', 'QueryLanguage')),
  }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), pick: fc.nat() }) },
);

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('duplicateKey' as const),
      pick: fc.nat(),
      value: fc.constantFrom('null', '"Pass"', '1', '{}', '[]', '"\\u0000"', '"\\ud800"'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), how: fc.nat() }) },
);

/** A mutated definition with the input of the case it came from. */
export interface MutatedAsl {
  readonly caseName: string;
  readonly mutations: readonly AslMutation[];
  readonly text: string;
  /** The first state of the mutated tree, as TestState's single-state definition. */
  readonly stateText: string;
  readonly stateName: string | undefined;
  readonly input: string;
  readonly express: boolean;
}

export const mutatedAsl = (fx: Fixtures): fc.Arbitrary<MutatedAsl> =>
  fc
    .record({
      base: fc.constantFrom(...aslCases(fx.activityArn)),
      mutations: fc.array(aslMutation, { maxLength: 3 }),
      text: textMutation,
      // A definition padded to just under or over 1 MiB, rarely.
      pad: fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(DEFINITION_LIMIT_BYTES, DEFINITION_LIMIT_BYTES + 1) }),
      // The case's input, or the same with an edge string or a 5,000-deep value in each member.
      inputEdge: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: edgeString },
        { weight: 1, arbitrary: fc.constant(new Raw(deepObjectText())) },
      ),
    })
    .map(({ base, mutations, text, pad, inputEdge }) => {
      const tree = mutations.reduce<Json>(applyMutation, base.definition);
      let rendered = renderDefinition(tree);
      if (pad > 0 && typeof tree === 'object' && tree !== null && !Array.isArray(tree)) {
        const bare = renderDefinition({ ...tree, Comment: '' });
        rendered = renderDefinition({ ...tree, Comment: 'c'.repeat(Math.max(0, pad - Buffer.byteLength(bare))) });
      }
      const o = (typeof tree === 'object' && tree !== null ? tree : {}) as Record<string, unknown>;
      const startAt = typeof o['StartAt'] === 'string' ? o['StartAt'] : undefined;
      const states = typeof o['States'] === 'object' && o['States'] !== null ? (o['States'] as Record<string, unknown>) : {};
      const first = startAt !== undefined && Object.hasOwn(states, startAt) ? states[startAt] : Object.values(states)[0];
      return {
        caseName: base.name,
        mutations,
        text: applyText(rendered, text),
        stateText: renderDefinition(first ?? tree),
        stateName: startAt,
        input: inputEdge === undefined ? JSON.stringify(base.input) : renderValue(withEveryLeaf(base.input, inputEdge)),
        express: base.express,
      };
    });

// ---------------------------------------------------------------------------------------------
// Members and bodies
// ---------------------------------------------------------------------------------------------

const name = fc.stringMatching(/^[a-zA-Z0-9_-]{1,24}$/);
const text = fc.string({ maxLength: 24 });

/** A value a well-behaved client might send for a member kind. */
const plausible = (type: MemberKind, fx: Fixtures): fc.Arbitrary<unknown> => {
  const arnOf = (of: ArnKind) => (fx.arns[of].length > 0 ? fc.constantFrom(...fx.arns[of]) : fc.constant(`arn:aws:states:us-east-1:123456789012:${of}:none`));
  switch (type.kind) {
    case 'arn':
      return arnOf(type.of);
    case 'enum':
      return fc.constantFrom(...type.values);
    case 'name':
      return name;
    case 'text':
      return text;
    case 'json':
      return fc.constantFrom(...PLAUSIBLE_JSON);
    case 'definition':
      return mutatedAsl(fx).map((m) => m.text);
    case 'stateDefinition':
      return mutatedAsl(fx).map((m) => m.stateText);
    case 'taskToken':
      return fx.taskTokens.length > 0 ? fc.constantFrom(...fx.taskTokens) : text;
    case 'nextToken':
      return fx.nextTokens.length > 0 ? fc.constantFrom(...fx.nextTokens) : text;
    case 'int':
      return fc.integer({ min: 0, max: 1000 });
    case 'percentage':
      return fc.double({ min: 0, max: 100, noNaN: true });
    case 'bool':
      return fc.boolean();
    case 'tags':
      return fc.array(fc.record({ key: name, value: text }), { maxLength: 3 });
    case 'tagKeys':
      return fc.array(name, { maxLength: 3 });
    case 'routing':
      return fc.array(fc.record({ stateMachineVersionArn: arnOf('version'), weight: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 2 });
    case 'logging':
      return fc.record(
        { level: fc.constantFrom('ALL', 'ERROR', 'FATAL', 'OFF'), includeExecutionData: fc.boolean(), destinations: fc.constant([]) },
        { requiredKeys: [] },
      );
    case 'tracing':
      return fc.record({ enabled: fc.boolean() });
    case 'encryption':
      return fc.record(
        {
          type: fc.constantFrom('AWS_OWNED_KEY', 'CUSTOMER_MANAGED_KMS_KEY'),
          kmsKeyId: fc.constant('arn:aws:kms:us-east-1:123456789012:key/1234'),
          kmsDataKeyReusePeriodSeconds: fc.integer({ min: 0, max: 1000 }),
        },
        { requiredKeys: ['type'] },
      );
    case 'mock':
      return fc.oneof(
        fc.record(
          { result: fc.constantFrom(...PLAUSIBLE_JSON), fieldValidationMode: fc.constantFrom('STRICT', 'PRESENT', 'NONE') },
          { requiredKeys: ['result'] },
        ),
        fc.record({ errorOutput: fc.record({ error: text, cause: text }, { requiredKeys: [] }) }),
      );
    case 'history':
      // What get-execution-history prints for a one-Pass execution (CLI v2 and v1 timestamps).
      return fc.tuple(fc.constantFrom(...PLAUSIBLE_JSON), fc.constantFrom('P', 'Only', 'State0')).map(([io, state]) => [
        {
          id: 1,
          previousEventId: 0,
          type: 'ExecutionStarted',
          timestamp: '2026-01-01T00:00:00.000000+00:00',
          executionStartedEventDetails: { input: io, inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::123456789012:role/r' },
        },
        {
          id: 2,
          previousEventId: 0,
          type: 'PassStateEntered',
          timestamp: 1767225600.1,
          stateEnteredEventDetails: { name: state, input: io, inputDetails: { truncated: false } },
        },
        {
          id: 3,
          previousEventId: 2,
          type: 'PassStateExited',
          timestamp: 1767225600.2,
          stateExitedEventDetails: { name: state, output: io, outputDetails: { truncated: false } },
        },
        {
          id: 4,
          previousEventId: 3,
          type: 'ExecutionSucceeded',
          timestamp: 1767225600.3,
          executionSucceededEventDetails: { output: io, outputDetails: { truncated: false } },
        },
      ]);
    case 'elkGraph': {
      // An ELK graph as the console sends one, or with an edge to a node it lacks, sizes missing, another algorithm.
      const node = (id: string) =>
        fc.record({ id: fc.constant(id), width: fc.integer({ min: 0, max: 400 }), height: fc.integer({ min: 0, max: 100 }) }, { requiredKeys: ['id'] });
      return fc.record(
        {
          id: fc.constant('root'),
          layoutOptions: fc.record(
            {
              'elk.algorithm': fc.constantFrom('layered', 'force', 'mrtree', 'stress', 'radial', 'box', 'no.such.algorithm'),
              'elk.direction': fc.constantFrom('DOWN', 'RIGHT', 'sideways'),
            },
            { requiredKeys: [] },
          ),
          children: fc.tuple(node('a'), node('b'), node('c')),
          edges: fc.array(
            fc.record({
              id: fc.uuid(),
              sources: fc.tuple(fc.constantFrom('a', 'b', 'c', 'missing')),
              targets: fc.tuple(fc.constantFrom('a', 'b', 'c', 'root')),
            }),
            { maxLength: 4 },
          ),
        },
        { requiredKeys: ['id'] },
      );
    }
    case 'machineDocument':
      return fc.record(
        {
          definition: fc.oneof(
            fc.constant('{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'),
            mutatedAsl(fx).map((m) => m.text),
          ),
          name,
          stateMachineArn: fc.constant('arn:aws:states:eu-west-1:210987654321:stateMachine:imported'),
          roleArn: fc.constant('arn:aws:iam::210987654321:role/r'),
        },
        { requiredKeys: ['definition'] },
      );
    case 'executionDocument':
      return fc.record(
        { executionArn: fc.constant('arn:aws:states:eu-west-1:210987654321:execution:imported:run'), name, status: fc.constantFrom('SUCCEEDED', 'FAILED') },
        { requiredKeys: [] },
      );
    case 'normalised':
      return fc.record({ placeholders: fc.array(text, { maxLength: 3 }) }, { requiredKeys: [] });
    case 'stateConfiguration':
      return fc.record(
        {
          retrierRetryCount: fc.integer({ min: 0, max: 5 }),
          errorCausedByState: name,
          mapIterationFailureCount: fc.integer({ min: 0, max: 5 }),
          mapItemReaderData: fc.constantFrom(...PLAUSIBLE_JSON),
        },
        { requiredKeys: [] },
      );
  }
};

/** A hostile value for a member kind: the kind's own edge cases, then damaged structures. */
const hostile = (type: MemberKind, fx: Fixtures): fc.Arbitrary<unknown> => {
  switch (type.kind) {
    case 'arn':
      return oddArn(fx, type.of);
    case 'enum':
      return fc.oneof(edgeString, fc.constantFrom(...type.values.map((v) => v.toLowerCase()), ...type.values.map((v) => `${v} `)));
    case 'name':
    case 'text':
      return fc.oneof({ weight: 20, arbitrary: edgeString }, { weight: 1, arbitrary: hugeString });
    case 'json':
      return hostileJsonText;
    case 'definition':
    case 'stateDefinition':
      return fc.oneof(
        { weight: 6, arbitrary: mutatedAsl(fx).map((m) => (type.kind === 'definition' ? m.text : m.stateText)) },
        { weight: 2, arbitrary: hostileJsonText },
        { weight: 1, arbitrary: fc.constantFrom(deepObjectText(), `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":${deepArrayText()},"End":true}}}`) },
      );
    case 'taskToken':
      return oddToken(fx.taskTokens);
    case 'nextToken':
      return oddToken(fx.nextTokens);
    case 'int':
    case 'percentage':
      return oddNumber;
    case 'bool':
      return wrongType;
    default:
      // Structures: a plausible one with one leaf (or the whole thing) replaced by something hostile.
      return fc
        .tuple(plausible(type, fx), fc.nat(), fc.oneof(edgeString, wrongType, oddNumber))
        .map(([value, pick, bad]) => {
          const paths = pathsOf(value);
          return paths.length === 0 ? bad : edit(value, paths[pick % paths.length]!, { set: bad });
        })
        .chain((v) =>
          fc.oneof(
            { weight: 5, arbitrary: fc.constant(v) },
            { weight: 1, arbitrary: fc.constant([v, null]) },
            // Many entries (over every list limit), of small values only: the body stays under 1 MiB.
            ...(renderValue(v).length < 500 ? [{ weight: 1, arbitrary: fc.constant(Array.from({ length: 1001 }, () => v)) }] : []),
          ),
        );
  }
};

const memberValue = (m: Member, fx: Fixtures, destructive: boolean): fc.Arbitrary<unknown> =>
  fc.oneof(
    // Destructive operations never get a fixture's own ARN: the fixtures must outlive the run.
    ...(destructive && m.type.kind === 'arn' ? [] : [{ weight: 4, arbitrary: plausible(m.type, fx) }]),
    { weight: 4, arbitrary: hostile(m.type, fx) },
    { weight: 1, arbitrary: wrongType },
  );

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '\u0000', '\ud800', 'Input', 'INPUT'];

/** JSON text of a value whose parts may be `Raw`. */
export const renderValue = (v: unknown): string => {
  if (v instanceof Raw) return v.text;
  if (Array.isArray(v)) return `[${v.map(renderValue).join(',')}]`;
  if (typeof v === 'object' && v !== null) return renderBody(Object.entries(v));
  return JSON.stringify(v) ?? 'null';
};
export const renderBody = (entries: readonly (readonly [string, unknown])[]): string =>
  `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${renderValue(v)}`).join(',')}}`;

/** A body for one operation: each member present or not, plausible or hostile, plus odd extra members. */
export const bodyFor = (shape: OperationShape, fx: Fixtures): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.tuple(...shape.members.map((m) => fc.option(memberValue(m, fx, shape.destructive === true), { nil: undefined, freq: m.required ? 12 : 2 }))),
      fc.array(fc.tuple(fc.oneof(fc.constantFrom(...ODD_KEYS, ...shape.members.map((m) => m.name)), edgeString), fc.oneof(wrongType, edgeString)), {
        maxLength: 2,
      }),
      fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    )
    .map(([values, extras, extrasFirst]) => {
      const members = shape.members.flatMap((m, i) => (values[i] === undefined ? [] : [[m.name, values[i]] as const]));
      return renderBody(extrasFirst ? [...extras, ...members] : [...members, ...extras]);
    });

/** Whole bodies that are not a JSON object, or barely one. */
const hostileBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      'true',
      '1',
      '-0',
      '1e400',
      '"x"',
      '[]',
      '[{}]',
      '{',
      '{"',
      '{"a"',
      '{"a":',
      '{"a":}',
      '{,}',
      '{}}',
      '{} {}',
      '\ufeff{}',
      '{"a":1,}',
      "{'a':1}",
      'NaN',
      '{"a":undefined}',
    ),
  },
  { weight: 2, arbitrary: anyUtf16(64) },
  { weight: 1, arbitrary: fc.constantFrom(deepArrayText(), deepObjectText(), `{"a":${deepArrayText()}}`, deepArrayText(100_000).slice(0, 100_000)) },
  // Bytes that are not UTF-8: CESU surrogates, overlong forms, 0xFF, a NUL, inside a string member.
  {
    weight: 2,
    arbitrary: fc
      .constantFrom([0xed, 0xa0, 0x80], [0xc0, 0x80], [0xff, 0xfe], [0x00], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80])
      .map((bad) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(bad), Buffer.from('","definition":"{}","roleArn":"r"}')])),
  },
  // The whole request just under and over the server's body limit (1 MiB + 64 KiB).
  {
    weight: 1,
    arbitrary: fc.constantFrom(1024 * 1024 + 64 * 1024 - 1, 1024 * 1024 + 64 * 1024, 1024 * 1024 + 64 * 1024 + 1, 4 * 1024 * 1024).map((n) => paddedJson(n)),
  },
);

/** Any operation's name, and targets that name none. */
export const OPERATION_NAMES = OPERATION_SHAPES.map((s) => s.name);
const oddTarget: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constantFrom(
    undefined,
    '',
    'AWSStepFunctions.',
    'AWSStepFunctions.LaunchRockets',
    'AWSStepFunctions.__proto__',
    'AWSStepFunctions.constructor',
    'AWSStepFunctions.toString',
    'AWSStepFunctions.hasOwnProperty',
    'AWSStepFunctions.startExecution',
    'AWSStepFunctions.StartExecution ',
    'AWSStepFunctions.StartExecution.StartExecution',
    'awsstepfunctions.StartExecution',
    'AmazonSQS.SendMessage',
    'StartExecution',
    'AWSStepFunctions.\u0000',
    'AWSStepFunctions.\ud800',
  ),
  edgeString.map((s) => `AWSStepFunctions.${s}`),
);

const CONTENT_TYPES = [
  'application/x-amz-json-1.0',
  'application/x-amz-json-1.1',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  '',
];

/** A request to a real operation with a generated body; now and then an odd method, path or content type. */
export const hostileRequest = (fx: Fixtures): fc.Arbitrary<HostileRequest> => {
  const byOperation = fc.constantFrom(...ALL_SHAPES).chain((shape) =>
    fc
      .tuple(
        fc.oneof({ weight: 9, arbitrary: bodyFor(shape, fx) }, { weight: 1, arbitrary: hostileBody }),
        fc.oneof({ weight: 19, arbitrary: fc.constant(CONTENT_TYPES[0]!) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      )
      .map(([body, contentType]): HostileRequest => ({
        label: shape.name,
        method: 'POST',
        path: '/',
        headers: headers(`${shape.target ?? 'AWSStepFunctions.'}${shape.name}`, contentType),
        body,
      })),
  );
  const oddRoute = fc
    .record({
      target: oddTarget,
      method: fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
      path: fc.constantFrom('/', '/', '/health', '/x', '//', '/?Action=ListStateMachines', '/%00', '/..%2f'),
      contentType: fc.constantFrom(...CONTENT_TYPES),
      body: fc.oneof(fc.constant('{}'), hostileBody),
    })
    .map(({ target, method, path, contentType, body }): HostileRequest => ({
      label: '(odd route)',
      method,
      path,
      headers: headers(target, contentType),
      body: method === 'GET' || method === 'OPTIONS' ? '' : body,
    }));
  return fc.oneof({ weight: 12, arbitrary: byOperation }, { weight: 1, arbitrary: oddRoute });
};

/** Header values must be ByteStrings for fetch: other characters are sent as `%<hex>`. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
const headers = (target: string | undefined, contentType: string): Record<string, string> => ({
  ...(contentType ? { 'Content-Type': contentType } : {}),
  ...(target === undefined ? {} : { 'X-Amz-Target': headerSafe(target) }),
});
