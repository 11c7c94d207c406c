/**
 * `packages/audit/VECTORS.md` is what the code computes today. Regenerate it with
 * `STEPSTREAM_WRITE_VECTORS=1 npx ava packages/audit/dist/test/vectors.unit.test.js` (after
 * `npx tsc -b`) when a change to the hashing is intended — and then it is a breaking change for
 * every stored chain, tree and bundle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import test from 'ava';
import { renderVectors } from './vectors.js';

// dist/test/vectors.unit.test.js → the package directory.
const FILE = new URL('../../VECTORS.md', import.meta.url);

test('VECTORS.md is what the code computes', (t) => {
  const rendered = renderVectors();
  if (process.env.STEPSTREAM_WRITE_VECTORS === '1') writeFileSync(FILE, rendered);
  t.is(readFileSync(FILE, 'utf8'), rendered);
});

test('VECTORS.md carries the published reference roots and proofs', (t) => {
  const text = readFileSync(FILE, 'utf8');
  // RFC 6962 reference tree of 8 (transparency-dev/merkle testonly/constants.go) and the
  // inclusion proof of leaf 5 (proof/verify_test.go).
  t.true(text.includes('| 8 | `5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328` |'));
  t.true(text.includes('| 0 | `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855` |'));
  t.true(
    text.includes(
      [
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ].join('\n'),
    ),
  );
});
