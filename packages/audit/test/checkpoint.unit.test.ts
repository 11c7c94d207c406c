/**
 * Signed checkpoints: round trip, every one-character change rejected, wrong keys rejected. The
 * fixed key is RFC 8032 §7.1 TEST 1's (a published test key; its seed wrapped in PKCS #8), which
 * also shows that node:crypto's Ed25519 is the RFC's: it signs the empty message exactly as the
 * RFC says.
 */
import * as crypto from 'node:crypto';
import test from 'ava';
import type { SignedCheckpoint } from '../src/index.js';
import { CHECKPOINT_DOMAIN, checkpointMessage, generateSigningKey, keyIdOf, signCheckpoint, verifyCheckpoint } from '../src/index.js';
import { RFC8032_TEST1 } from './keys.js';

const KEY = generateSigningKey();
const OTHER = generateSigningKey();
const BODY = {
  treeSize: 1234,
  rootHash: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  timestamp: '2024-06-10T12:34:56.789Z',
};

test('RFC 8032 TEST 1 through node:crypto: the published public key and signature of the empty message', (t) => {
  const privateKey = crypto.createPrivateKey(RFC8032_TEST1.privateKeyPem);
  const publicDer = crypto.createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  t.is(publicDer.subarray(-32).toString('hex'), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  t.is(
    crypto.sign(null, Buffer.alloc(0), privateKey).toString('hex'),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
});

test('sign then verify; the key id is the public key’s, from either half', (t) => {
  const signed = signCheckpoint(BODY, KEY.privateKeyPem);
  t.is(signed.keyId, keyIdOf(KEY.publicKeyPem));
  t.is(keyIdOf(KEY.privateKeyPem), signed.keyId);
  t.regex(signed.keyId, /^[0-9a-f]{16}$/);
  t.regex(signed.signature, /^[A-Za-z0-9+/]{86}==$/);
  t.deepEqual(verifyCheckpoint(signed, KEY.publicKeyPem), { ok: true, checkpoint: signed });
  // Through JSON, as a file would carry it.
  t.true(verifyCheckpoint(JSON.parse(JSON.stringify(signed)), KEY.publicKeyPem).ok);
  // keyId may be given if it is right.
  t.is(signCheckpoint({ ...BODY, keyId: signed.keyId }, KEY.privateKeyPem).signature, signed.signature);
});

test('the message is the domain line and the canonical body', (t) => {
  const signed = signCheckpoint(BODY, KEY.privateKeyPem);
  t.is(
    checkpointMessage(signed).toString('utf8'),
    `${CHECKPOINT_DOMAIN}{"keyId":"${signed.keyId}","rootHash":"${BODY.rootHash}","timestamp":"${BODY.timestamp}","treeSize":1234}`,
  );
  t.is(CHECKPOINT_DOMAIN, 'stepstream-checkpoint-v1\n');
  // The signature is over exactly that.
  t.true(crypto.verify(null, checkpointMessage(signed), KEY.publicKeyPem, Buffer.from(signed.signature, 'base64')));
});

test('one changed character anywhere in the checkpoint is rejected', (t) => {
  const text = JSON.stringify(signCheckpoint(BODY, KEY.privateKeyPem));
  const replacements = ['0', '1', 'a', 'f', 'A', 'Z', '+', '/', '=', '9', '.', ':', '-', 'x', ' '];
  let tried = 0;
  const problems = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    for (const replacement of replacements) {
      if (replacement === text[i]) continue;
      const changed = text.slice(0, i) + replacement + text.slice(i + 1);
      let value: unknown;
      try {
        value = JSON.parse(changed);
      } catch {
        continue;
      }
      // Only a change that is a different value counts (a space between tokens is none).
      if (JSON.stringify(value) === text) continue;
      const result = verifyCheckpoint(value, KEY.publicKeyPem);
      t.false(result.ok, `position ${String(i)}: ${changed}`);
      if (!result.ok) problems.add(result.problem);
      tried += 1;
    }
  }
  t.true(tried > 1500, String(tried));
  t.deepEqual([...problems].sort(), ['bad-signature', 'malformed', 'wrong-key']);
});

test('the wrong key is rejected, and a key id swapped in does not help', (t) => {
  const signed = signCheckpoint(BODY, KEY.privateKeyPem);
  const result = verifyCheckpoint(signed, OTHER.publicKeyPem);
  t.like(result, { ok: false, problem: 'wrong-key' });
  const relabelled: SignedCheckpoint = { ...signed, keyId: keyIdOf(OTHER.publicKeyPem) };
  t.like(verifyCheckpoint(relabelled, OTHER.publicKeyPem), { ok: false, problem: 'bad-signature' });
  t.like(verifyCheckpoint(signed, 'not a key'), { ok: false, problem: 'bad-key' });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  t.like(verifyCheckpoint(signed, ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()), { ok: false, problem: 'bad-key' });
});

test('malformed checkpoints: missing, extra or ill-spelled fields', (t) => {
  const signed = signCheckpoint(BODY, KEY.privateKeyPem);
  const { signature, ...unsigned } = signed;
  // 64 bytes leave 4 unused low bits in the last base64 digit: Node decodes this spelling the same.
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lastDigit = ALPHABET.indexOf(signature.at(-3) as string);
  const sameBytes = `${signature.slice(0, -3)}${ALPHABET[lastDigit ^ 1] as string}==`;
  t.deepEqual(Buffer.from(sameBytes, 'base64'), Buffer.from(signature, 'base64'));
  const cases: unknown[] = [
    null,
    [],
    'checkpoint',
    unsigned,
    { ...signed, extra: 1 },
    { ...signed, signature: sameBytes },
    { ...signed, signature: signature.slice(0, -2) },
    { ...signed, rootHash: signed.rootHash.toUpperCase() },
    { ...signed, timestamp: '2024-06-10T12:34:56Z' },
    { ...signed, timestamp: '2024-06-10 12:34:56.789Z' },
    { ...signed, treeSize: 1.5 },
    { ...signed, treeSize: -1 },
    { ...signed, treeSize: '1234' },
    { ...signed, keyId: signed.keyId.toUpperCase() },
  ];
  for (const value of cases) t.like(verifyCheckpoint(value, KEY.publicKeyPem), { ok: false, problem: 'malformed' }, JSON.stringify(value));
});

test('signing refuses an ill-formed body, a key id that is not the key’s and a key that is not Ed25519', (t) => {
  t.throws(() => signCheckpoint({ ...BODY, timestamp: 'yesterday' }, KEY.privateKeyPem), { instanceOf: TypeError });
  t.throws(() => signCheckpoint({ ...BODY, treeSize: -1 }, KEY.privateKeyPem), { instanceOf: TypeError });
  t.throws(() => signCheckpoint({ ...BODY, rootHash: 'ab' }, KEY.privateKeyPem), { instanceOf: TypeError });
  t.throws(() => signCheckpoint({ ...BODY, keyId: keyIdOf(OTHER.publicKeyPem) }, KEY.privateKeyPem), { message: /is not the signing key/ });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  t.throws(() => signCheckpoint(BODY, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()), { message: /not an Ed25519 key/ });
});
