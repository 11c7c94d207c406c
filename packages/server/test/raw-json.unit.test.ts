import test from 'ava';
import { encodeBody, RawJson } from '../src/raw-json.js';

test('a RawJson body is its parts in UTF-8, of its exact length; any other body is JSON.stringify’s text', (t) => {
  const value = { a: 'é😀\u0000"\\', b: [1, '\u2028'], c: '\ud800' };
  const text = JSON.stringify(value);
  const parts = ['{"a":', JSON.stringify(value.a), ',"b":[1,', JSON.stringify(value.b[1]), '],"c":', JSON.stringify(value.c), '}'];
  const raw = encodeBody(new RawJson(parts));
  t.deepEqual(raw, Buffer.from(text, 'utf8'));
  t.is(raw.length, Buffer.byteLength(text));
  t.deepEqual(JSON.parse(raw.toString('utf8')), value);
  t.deepEqual(encodeBody(value), Buffer.from(text, 'utf8'));
  t.deepEqual(encodeBody(new RawJson([])), Buffer.alloc(0));
});
