import test from 'ava';
import fc from 'fast-check';
import { seal, unseal } from '../src/signed.js';
import { TaskTokens } from '../src/task-tokens.js';

// Sealed tokens (page tokens, task tokens) open only in the one form `seal` wrote: no other
// string — padded, standard base64, with a character added, removed or changed, with altered
// unused trailing bits — opens to the same value.

const SECRET = Buffer.from('a secret of this deployment');
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const token = seal(SECRET, 'page-token', { s: 'ListExecutions:arn', c: { startDate: 1_700_000_000_000, arn: 'arn:x' }, t: 1 });

/** The base64url characters that differ from `c` only in the low `bits` bits (the bits past the last byte). */
const sameHighBits = (c: string, bits: number): string[] => {
  const i = ALPHABET.indexOf(c);
  const mask = (1 << bits) - 1;
  return [...ALPHABET].filter((x) => x !== c && (ALPHABET.indexOf(x) & ~mask) === (i & ~mask));
};

test('a sealed value opens with its secret and domain, and not with another domain or secret', (t) => {
  t.deepEqual(unseal(SECRET, 'page-token', token), { s: 'ListExecutions:arn', c: { startDate: 1_700_000_000_000, arn: 'arn:x' }, t: 1 });
  t.is(unseal(SECRET, 'task-token', token), undefined);
  t.is(unseal(Buffer.from('another secret'), 'page-token', token), undefined);
});

test('the lenient spellings Node would decode to the same bytes do not open', (t) => {
  const [payload, signature] = token.split('.') as [string, string];
  // 32 bytes of HMAC are 43 characters: the last one carries 2 unused bits.
  const trailing = sameHighBits(signature.at(-1)!, 2).map((c) => `${payload}.${signature.slice(0, -1)}${c}`);
  t.true(trailing.length > 0);
  const standard = (s: string) => s.replaceAll('-', '+').replaceAll('_', '/');
  const variants = [
    `${token}=`,
    `${payload}.${signature}=`,
    `${payload}=.${signature}`,
    `${payload}.${signature} `,
    ` ${token}`,
    `${payload}..${signature}`,
    `${payload}.${signature}.`,
    `${payload}.${signature}!`,
    `${payload}.${signature.slice(0, 20)}*${signature.slice(20)}`,
    ...trailing,
  ];
  if (/[-_]/.test(signature)) variants.push(`${payload}.${standard(signature)}`);
  if (/[-_]/.test(payload)) variants.push(`${standard(payload)}.${signature}`);
  for (const v of variants) t.is(unseal(SECRET, 'page-token', v), undefined, v);
});

/** One random edit of a string: a character inserted, removed or replaced, from base64's alphabets and a few strangers. */
const mutation = (s: string) =>
  fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: s.length }), c: fc.constantFrom(...ALPHABET, '=', '+', '/', '.', ' ', '\n', '%') }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat({ max: s.length - 1 }) }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat({ max: s.length - 1 }), c: fc.constantFrom(...ALPHABET, '=', '+', '/', '.') }),
  );

const apply = (s: string, m: { kind: 'insert' | 'delete' | 'replace'; at: number; c?: string }) =>
  m.kind === 'insert'
    ? s.slice(0, m.at) + m.c! + s.slice(m.at)
    : m.kind === 'delete'
      ? s.slice(0, m.at) + s.slice(m.at + 1)
      : s.slice(0, m.at) + m.c! + s.slice(m.at + 1);

test('random edits of a valid token never open, unless they give back the token itself', (t) => {
  fc.assert(
    fc.property(fc.array(mutation(token), { minLength: 1, maxLength: 3 }), (edits) => {
      const mutated = edits.reduce((s, m) => apply(s, m), token);
      return mutated === token || unseal(SECRET, 'page-token', mutated) === undefined;
    }),
    { numRuns: 2_000 },
  );
  t.pass();
});

test('task tokens: any value round-trips, and an edited token names no task', (t) => {
  const tokens = new TaskTokens(SECRET);
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (executionArn, taskId) => {
      const issued = tokens.issue({ executionArn, taskId });
      const read = tokens.read(issued);
      return read?.executionArn === executionArn && read.taskId === taskId;
    }),
  );
  const issued = tokens.issue({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:e', taskId: 'States/T#5' });
  fc.assert(
    fc.property(mutation(issued), (m) => {
      const mutated = apply(issued, m);
      return mutated === issued || tokens.read(mutated) === undefined;
    }),
    { numRuns: 2_000 },
  );
  t.is(tokens.read(`${issued}=`), undefined);
});
