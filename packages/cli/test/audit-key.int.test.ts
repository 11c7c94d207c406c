import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, signCheckpoint, verifyCheckpoint } from '@stepstream/audit';
import test from 'ava';
import { BadAuditKey, loadAuditKey, publicKeyFileOf } from '../src/audit-key.js';
import { readServeConfig } from '../src/config.js';

// The deployment's audit key: generated once (0600) with its public key beside it, then read back;
// a file that is not an Ed25519 private key stops the start with a reason.

const logged = () => {
  const lines: string[] = [];
  const log = { debug() {}, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  return { lines, log };
};

const scratch = (t: { teardown(f: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'stepstream-key-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('generated on first use (mode 0600, public key beside it, logged), the same key afterwards', (t) => {
  const dir = scratch(t);
  const file = join(dir, 'data', 'audit-key.pem');
  const { lines, log } = logged();
  const first = loadAuditKey(file, log);
  t.true(first.generated);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(first.publicFile, join(dir, 'data', 'audit-key.pub.pem'));
  t.is(readFileSync(first.publicFile, 'utf8'), first.publicKeyPem);
  t.is(first.keyId, keyIdOf(first.publicKeyPem));
  t.true(lines.some((l) => l.includes(first.keyId) && l.includes('BEGIN PUBLIC KEY') && l.includes('generated')));
  // It signs what its public key checks.
  const signed = signCheckpoint({ treeSize: 1, rootHash: '0'.repeat(64), timestamp: '2024-06-10T12:00:00.000Z' }, first.privateKeyPem);
  t.true(verifyCheckpoint(signed, readFileSync(first.publicFile, 'utf8')).ok);

  const again = loadAuditKey(file, log);
  t.false(again.generated);
  t.is(again.privateKeyPem, first.privateKeyPem);
  t.is(again.keyId, first.keyId);
});

test('a given key is used as it is; its public key is written beside it when missing', (t) => {
  const dir = scratch(t);
  const file = join(dir, 'mine.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const key = loadAuditKey(file, logged().log);
  t.false(key.generated);
  t.is(key.publicFile, join(dir, 'mine.pub.pem'));
  t.true(existsSync(key.publicFile));
  t.is(publicKeyFileOf(join(dir, 'key')), join(dir, 'key.pub.pem'));
});

test('a file that is not an Ed25519 private key is refused with a reason, and left alone', (t) => {
  const dir = scratch(t);
  const text = join(dir, 'text.pem');
  writeFileSync(text, 'not a key');
  t.throws(() => loadAuditKey(text, logged().log), { instanceOf: BadAuditKey, message: /text\.pem is not an Ed25519 private key/ });
  t.is(readFileSync(text, 'utf8'), 'not a key');
  const rsa = join(dir, 'rsa.pem');
  writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.throws(() => loadAuditKey(rsa, logged().log), { instanceOf: BadAuditKey });
  const publicOnly = join(dir, 'public.pem');
  writeFileSync(publicOnly, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
  t.throws(() => loadAuditKey(publicOnly, logged().log), { instanceOf: BadAuditKey });
});

test('the key file: --audit-key, then STEPSTREAM_AUDIT_KEY, then audit-key.pem in the data directory', (t) => {
  t.is(readServeConfig({ data: '/srv/data' }, {}).auditKeyFile, join('/srv/data', 'audit-key.pem'));
  t.is(readServeConfig({}, { STEPSTREAM_DATA: '/srv/env' }).auditKeyFile, join('/srv/env', 'audit-key.pem'));
  t.is(readServeConfig({}, { STEPSTREAM_AUDIT_KEY: '/keys/a.pem', DATABASE_URL: 'postgres://x/y' }).auditKeyFile, '/keys/a.pem');
  t.is(readServeConfig({ 'audit-key': '/keys/flag.pem' }, { STEPSTREAM_AUDIT_KEY: '/keys/a.pem' }).auditKeyFile, '/keys/flag.pem');
});
