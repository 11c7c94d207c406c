/**
 * Canonical JSON (RFC 8785). The examples are the RFC's own: §3.2.2's sample object, §3.2.3's
 * sorting sample and Appendix B's number table (IEEE 754 bits → text), checked both against our
 * encoder and against the `canonicalize` package (the RFC author's implementation), which is
 * also the oracle for random values.
 */
import test from 'ava';
import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { CanonicalJsonError, canonicalJson, sha256Hex } from '../src/index.js';

// A CommonJS module whose typings say `export default`: from ESM the default import is
// module.exports, the function itself.
const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

const double = (bits: string): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
};

test('RFC 8785 §3.2.2: the sample object', (t) => {
  const input: unknown = JSON.parse(
    String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
     "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
  );
  const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
  t.is(canonicalJson(input), expected);
  t.is(canonicalize(input), expected);
});

test('RFC 8785 §3.2.3: members sorted by UTF-16 code units (the emoji before U+FB33)', (t) => {
  const input: unknown = JSON.parse(
    String.raw`{"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
     "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis"}`,
  );
  const expected =
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis",' +
    '"€":"Euro Sign","😀":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}';
  t.is(canonicalJson(input), expected);
  t.is(canonicalize(input), expected);
});

test('RFC 8785 Appendix B: number serialization', (t) => {
  const table: [string, string][] = [
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ];
  for (const [bits, text] of table) {
    t.is(canonicalJson(double(bits)), text, bits);
    t.is(canonicalJson([double(bits)]), `[${text}]`, bits);
  }
  // The table's two rows that must fail: NaN and Infinity.
  t.throws(() => canonicalJson(double('7fffffffffffffff')), { instanceOf: CanonicalJsonError, message: /NaN/ });
  t.throws(() => canonicalJson(double('7ff0000000000000')), { instanceOf: CanonicalJsonError, message: /Infinity/ });
});

test('refuses what is not JSON, naming where', (t) => {
  t.throws(() => canonicalJson(undefined), { instanceOf: CanonicalJsonError, message: 'undefined is not JSON at $' });
  t.throws(() => canonicalJson({ a: [1, { b: NaN }] }), { message: 'NaN is not allowed in JSON at $["a"][1]["b"]' });
  t.throws(() => canonicalJson({ a: -Infinity }), { message: '-Infinity is not allowed in JSON at $["a"]' });
  t.throws(() => canonicalJson({ big: 1n }), { message: 'a value of type bigint is not JSON at $["big"]' });
  t.throws(() => canonicalJson([() => 1]), { message: 'a value of type function is not JSON at $[0]' });
  t.throws(() => canonicalJson({ s: Symbol('x') }), { message: 'a value of type symbol is not JSON at $["s"]' });
  const cyclic: Record<string, unknown> = { a: {} };
  (cyclic.a as Record<string, unknown>).back = cyclic;
  t.throws(() => canonicalJson(cyclic), { message: 'a cycle at $["a"]["back"]' });
});

test('undefined members are left out and undefined elements are null, as the store writes them', (t) => {
  const value = { a: undefined, b: [undefined, 1] };
  t.is(canonicalJson(value), '{"b":[null,1]}');
  t.is(canonicalJson(value), canonicalJson(JSON.parse(JSON.stringify(value))));
});

test('toJSON is honoured (a Date is its ISO string)', (t) => {
  t.is(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
});

test('lone surrogates are escaped as JSON.stringify does, deterministically and without loss', (t) => {
  t.is(canonicalJson('\ud800'), '"\\ud800"');
  t.is(canonicalJson('a\udc00b'), '"a\\udc00b"');
  t.is(canonicalJson({ '\udbff': 1, '\ud800': 2 }), '{"\\ud800":2,"\\udbff":1}');
  // A valid pair stays as it is.
  t.is(canonicalJson('\ud83d\ude00'), '"😀"');
  // Distinct strings keep distinct hashes (UTF-8 of a lone surrogate would be U+FFFD's bytes).
  const hashes = ['\ud800', '\udc00', '\ufffd', '\ud800\ud800'].map((s) => sha256Hex(canonicalJson({ s })));
  t.is(new Set(hashes).size, hashes.length);
  t.deepEqual(JSON.parse(canonicalJson({ s: 'x\ud800y' })), { s: 'x\ud800y' });
});

test('NUL and the other control characters are escaped as JSON.stringify does', (t) => {
  t.is(canonicalJson('\u0000'), '"\\u0000"');
  t.is(canonicalJson({ '\u0000': '\u0000\b\t\n\f\r\u001f\u007f' }), '{"\\u0000":"\\u0000\\b\\t\\n\\f\\r\\u001f\u007f"}');
  t.not(sha256Hex(canonicalJson('\u0000')), sha256Hex(canonicalJson('')));
});

// Any UTF-16 code unit, lone surrogates included, and any code point.
const anyString = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((units) => String.fromCharCode(...units)),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'a', 'b', 'A', '1', '10', '__proto__', 'constructor', 'toString'),
);
const anyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(-0, 0, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false),
    anyNumber,
    anyString,
    fc.array(tie('json'), { maxLength: 5 }),
    fc.dictionary(anyString, tie('json'), { maxKeys: 6 }),
  ),
}));

test('agrees byte for byte with canonicalize on random JSON values', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(json, (value) => canonicalJson(value) === canonicalize(value)),
      { numRuns: 3000 },
    );
  });
});

test('is a function of the value: parsing it back and canonicalizing again gives the same text', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        return canonicalJson(JSON.parse(text)) === text;
      }),
      { numRuns: 1000 },
    );
  });
});
