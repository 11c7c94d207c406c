import test from 'ava';
import fc from 'fast-check';
import { fromStoredText, toStoredText } from '../src/index.js';

/** Any sequence of UTF-16 code units: lone surrogates, NULs and the escape mark included. */
const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n)), maxLength: 40 });
/** What Postgres text cannot hold: a NUL or a surrogate that is not half of a pair. */
const unstorable = /[\u0000\ud800-\udfff]/u;

test('every string comes back exactly from its stored form, which Postgres text can hold', (t) => {
  fc.assert(
    fc.property(anyCodeUnits, (s) => {
      const stored = toStoredText(s);
      return fromStoredText(stored) === s && !unstorable.test(stored);
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('ordinary text is stored as itself; only NUL, lone surrogates and a leading U+0001 are escaped', (t) => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => s.startsWith('\u0001') || s.includes('\u0000') || toStoredText(s) === s));
  t.is(toStoredText('tab\tand\u0001inside 😀'), 'tab\tand\u0001inside 😀');
  t.is(toStoredText('a\u0000b'), '\u0001"a\\u0000b"');
  t.is(toStoredText('\udfff'), '\u0001"\\udfff"');
  t.is(toStoredText('\u0001x'), '\u0001"\\u0001x"');
});
