import test from 'ava';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { inspectJson, MAX_NESTING_DEPTH, parseJsonText } from '../src/json-limits.js';

// The edge's one JSON walker: depth as Jackson counts it, lone surrogates named by Coral path,
// without recursion.

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('depth counts the document’s own container as level 1: 1000 levels pass, 1001 do not', (t) => {
  t.true(E.isRight(parseJsonText(deep(MAX_NESTING_DEPTH))));
  t.deepEqual(
    parseJsonText(deep(MAX_NESTING_DEPTH + 1)),
    E.left({ kind: 'depth', message: 'Document nesting depth (1001) exceeds the maximum allowed (1000)' }),
  );
  t.deepEqual(parseJsonText(`{"a":${deep(999)}}`), E.right({ a: JSON.parse(deep(999)) as unknown }));
  t.true(E.isLeft(parseJsonText(`{"a":${deep(1000)}}`)));
  const broken = parseJsonText('{"a":');
  t.is(E.isLeft(broken) ? broken.left.kind : 'parsed', 'syntax', "JSON.parse's own message is kept for a syntax error");
});

test('a value far deeper than the stack allows is walked, not recursed', (t) => {
  t.deepEqual(inspectJson(JSON.parse(deep(200_000)), {}), { kind: 'depth', depth: 1001 });
});

test('the first unpaired surrogate in document order is named by its Coral path; pairs, NUL and keys pass', (t) => {
  const body = {
    a: 'ok\u0000',
    tags: [
      { key: 'k', value: '😀' },
      { key: 'k', value: 'x\udfff' },
    ],
    z: '\ud800',
  };
  t.deepEqual(inspectJson(body, { strings: true }), { kind: 'surrogate', path: 'tags.2.member.value' });
  t.deepEqual(inspectJson({ mock: { errorOutput: { cause: '\udc00…' } } }, { strings: true }), { kind: 'surrogate', path: 'mock.errorOutput.cause' });
  t.is(inspectJson({ ['\udfff']: 'a', b: ['\ud83d\ude00'] }, { strings: true }), undefined);
  t.is(inspectJson({ a: '\udfff' }, {}), undefined, 'strings are only checked when asked');
});

test('any string of well-formed code points passes; one lone surrogate anywhere is found', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.integer({ min: 0xd800, max: 0xdfff }), (before, after, lone) => {
      const clean = inspectJson({ s: before + after }, { strings: true }) === undefined;
      const found = inspectJson({ s: [before + String.fromCharCode(lone) + after] }, { strings: true });
      // A lone surrogate next to its partner becomes a pair: then nothing is lone.
      const paired = /[\ud800-\udbff]$/.test(before) || /^[\udc00-\udfff]/.test(after);
      return clean && (paired || (found?.kind === 'surrogate' && found.path === 's.1.member'));
    }),
  );
  t.pass();
});
