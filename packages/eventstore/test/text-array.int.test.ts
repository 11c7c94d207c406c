import { PGlite } from '@electric-sql/pglite';
import test from 'ava';
import fc from 'fast-check';
import pg from 'pg';
import { textArrayLiteral, withArrayLiterals } from '../src/sql/text-array.js';
import { postgresUnavailable, postgresUrl } from '../src/testing/postgres.js';

// The array literals appends send (text-array.ts) read back, on Postgres and on PGlite, as exactly
// the texts they were made of: quotes, backslashes, braces, commas, spaces, `NULL`, the empty
// string, JSON with escapes, any character Postgres text can hold.

const awkward = fc.constantFrom(
  '',
  'NULL',
  'null',
  '"',
  '\\',
  '\\"',
  '{',
  '}',
  ',',
  ' ',
  ' x ',
  '{"a":"b\\"c"}',
  'é😀',
  '\u2028',
  '\\u0000',
  'a,b',
  '{}',
  '[1,2]',
);
/** Any text Postgres can store: no NUL; surrogates only in pairs. */
const storable = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\u0000'));
const texts = fc.array(
  fc.oneof(
    awkward,
    storable,
    fc.array(awkward, { maxLength: 5 }).map((xs) => xs.join('')),
  ),
  { maxLength: 8 },
);

const unavailable = await postgresUnavailable();

test('Postgres reads every literal back as the texts it was made of', async (t) => {
  if (unavailable) return t.log(`skipped: ${unavailable}`);
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  t.teardown(() => client.end());
  const samples = fc.sample(texts, 300);
  t.deepEqual((await client.query<{ a: string[] }>('select $1::text[] as a', [textArrayLiteral([])])).rows[0]?.a, [], 'the empty array');
  for (const sample of samples) {
    const back = await client.query<{ a: string[] }>('select $1::text[] as a', [textArrayLiteral(sample)]);
    t.deepEqual(back.rows[0]?.a, sample);
  }
});

test('PGlite reads every literal back as the texts it was made of', async (t) => {
  const db = await PGlite.create();
  t.teardown(() => db.close());
  for (const sample of fc.sample(texts, 300)) {
    const back = await db.query<{ a: string[] }>('select $1::text[] as a', [textArrayLiteral(sample)]);
    t.deepEqual(back.rows[0]?.a, sample);
  }
});

test('withArrayLiterals turns the arrays of texts of an append into literals and leaves the rest', (t) => {
  t.deepEqual(withArrayLiterals(['s', 'exact', '3', ['id'], ['T'], ['{"a":"\\""}'], ['{}']]), [
    's',
    'exact',
    '3',
    '{"id"}',
    '{"T"}',
    '{"{\\"a\\":\\"\\\\\\"\\"}"}',
    '{"{}"}',
  ]);
  t.deepEqual(withArrayLiterals([null, [], [1, 2]]), [null, '{}', [1, 2]]);
});
