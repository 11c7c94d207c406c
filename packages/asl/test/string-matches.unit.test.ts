/**
 * `StringMatches` without backtracking: the same answers as the RegExp-based matcher it
 * replaced (kept below as the oracle), and no blow-up on the patterns that made it take 11 s.
 */
import test from 'ava';
import fc from 'fast-check';
import { stringMatches } from '../src/choice/string-matches.js';
import { evaluateChoiceRule } from '../src/index.js';

/** The matcher as it was before issue 11: the pattern compiled into a backtracking RegExp. */
const regexpMatches = (value: string, pattern: string): boolean => {
  const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) source += escape(pattern[++i] ?? '');
    else if (c === '*') source += '[\\s\\S]*';
    else source += escape(c);
  }
  return new RegExp(`^${source}$`).test(value);
};

test('a pattern of many stars against a long run of its letter is false (was 11 s of backtracking)', (t) => {
  t.false(stringMatches('a'.repeat(40), '*a*a*a*a*a*a*a*a*a*az'));
  t.true(stringMatches(`${'a'.repeat(40)}z`, '*a*a*a*a*a*a*a*a*a*az'));
  t.false(stringMatches('a'.repeat(10_000), `${'*a'.repeat(200)}*z`));
});

test('the pathological pattern through a Choice rule gives the Default branch (no match)', (t) => {
  t.false(evaluateChoiceRule({ Variable: '$.v', StringMatches: '*a*a*a*a*a*a*a*a*a*az', Next: 'X' }, { input: { v: 'a'.repeat(40) }, context: {} }));
});

const table = test.macro({
  exec(t, value: string, pattern: string, expected: boolean) {
    t.is(stringMatches(value, pattern), expected);
    t.is(regexpMatches(value, pattern), expected, 'the old matcher agrees');
  },
  title: (_p, value: string, pattern: string, expected: boolean) => `${JSON.stringify(pattern)} on ${JSON.stringify(value)} is ${expected}`,
});

test(table, 'foo23.log', 'foo*.log', true);
test(table, 'zebra.log', '*.log', true);
test(table, 'foobar.zebra', 'foo*.*', true);
test(table, 'foo.log', 'foo*.log', true);
test(table, 'fo.log', 'foo*.log', false);
test(table, 'aba', 'a*ba', true);
test(table, 'aba', 'ab*ba', false);
test(table, '', '', true);
test(table, '', '*', true);
test(table, 'x', '', false);
test(table, '', '**', true);
test(table, 'a*b', 'a\\*b', true);
test(table, 'axb', 'a\\*b', false);
test(table, 'a\\b', 'a\\\\b', true);
test(table, 'a\\xb', 'a\\\\*b', true);
test(table, 'ab', 'a\\b', true);
test(table, 'a\\', 'a\\', true);
test(table, 'a\\', 'a*\\', true);
test(table, 'a.b(c)', 'a.b(c)', true);
test(table, 'axb(c)', 'a.b(c)', false);
test(table, 'line\nbreak', 'line*break', true);
test(table, '😀', '*\uDE00', true);
test(table, '😀', '\uD83D*', true);
test(table, '😀x', '\uD83D*x', true);

// A small alphabet where the escape rules and pieces collide often: stars, backslashes, two
// letters, and the halves of a surrogate pair (the old RegExp had no `u` flag: code units).
const ALPHABET = ['a', 'b', '*', '\\', '\uD83D', '\uDE00', '😀'];
const text = (maxLength: number) => fc.array(fc.constantFrom(...ALPHABET), { maxLength }).map((cs) => cs.join(''));

test('property: the same answer as the RegExp-based matcher on random patterns and values', (t) => {
  fc.assert(
    fc.property(text(8), text(10), (pattern, value) => stringMatches(value, pattern) === regexpMatches(value, pattern)),
    { numRuns: 20_000 },
  );
  t.pass();
});

test('property: a value built from the pattern (each star filled in) always matches', (t) => {
  const escaped = fc.array(fc.oneof(fc.constantFrom('a', 'b', '\\*', '\\\\', '😀'), fc.constant('*')), { maxLength: 8 });
  fc.assert(
    fc.property(escaped, fc.array(text(4), { minLength: 8, maxLength: 8 }), (tokens, fills) => {
      const pattern = tokens.join('');
      const value = tokens.map((tok, i) => (tok === '*' ? (fills[i] ?? '') : tok.length === 2 && tok.startsWith('\\') ? tok.slice(1) : tok)).join('');
      return stringMatches(value, pattern) && regexpMatches(value, pattern);
    }),
    { numRuns: 5_000 },
  );
  t.pass();
});
