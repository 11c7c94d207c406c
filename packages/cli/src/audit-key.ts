import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateSigningKey, keyIdOf } from '@stepstream/audit';
import type { Logger } from '@stepstream/runtime';

/** The deployment's audit key: the Ed25519 key that signs the audit tree's checkpoints. */
export interface AuditKey {
  /** PKCS #8 PEM: give it to the engine (`audit: { privateKeyPem }`). */
  readonly privateKeyPem: string;
  /** SPKI PEM: what auditors check checkpoints and proof bundles with. */
  readonly publicKeyPem: string;
  /** `keyIdOf` the key: the `keyId` of every checkpoint it signs. */
  readonly keyId: string;
  /** Where the private key is kept. */
  readonly file: string;
  /** Where its public key was written (beside it). */
  readonly publicFile: string;
  /** Whether it was generated now (the first start of this deployment). */
  readonly generated: boolean;
}

/** A key file that exists but holds no Ed25519 private key: the server does not start on it. */
export class BadAuditKey extends Error {}

/**
 * The public key's file beside a private key's: `audit-key.pem` → `audit-key.pub.pem` (any other
 * name gets `.pub.pem` in place of a final `.pem`, or after it).
 *
 * @example
 * publicKeyFileOf('/srv/stepstream/audit-key.pem'); // '/srv/stepstream/audit-key.pub.pem'
 */
export const publicKeyFileOf = (file: string): string => `${file.endsWith('.pem') ? file.slice(0, -'.pem'.length) : file}.pub.pem`;

const publicPemOf = (privateKeyPem: string) => createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();

const exists = (file: string) => {
  try {
    statSync(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
};

/** Reads and checks a private key file. */
const readKey = (file: string): string => {
  const pem = readFileSync(file, 'utf8');
  try {
    keyIdOf(pem);
    createPrivateKey(pem);
  } catch (e) {
    throw new BadAuditKey(
      `${file} is not an Ed25519 private key in PEM (${(e as Error).message}); give another with --audit-key, or move it away to generate one`,
    );
  }
  return pem;
};

/**
 * The deployment's audit key from `file` (`--audit-key`, `STEPSTREAM_AUDIT_KEY`, or
 * `<data dir>/audit-key.pem`): read when it exists, else generated — the private key written with
 * mode 0600, never replaced, and the public key beside it (`audit-key.pub.pem`, mode 0644), where
 * `stepstream verify` looks for it. The public key is also written beside a given key that has
 * none. Logs the key id and the public key, so an operator can hand it to auditors.
 *
 * Several servers on one database should share one key (give each the same file): checkpoints of
 * another key do not verify with this one's public key.
 *
 * @throws BadAuditKey when the file holds something else.
 *
 * @example
 * const key = loadAuditKey(config.auditKeyFile, log);
 * const engine = new Engine({ store, db, log, audit: { privateKeyPem: key.privateKeyPem } });
 */
export const loadAuditKey = (file: string, log: Logger): AuditKey => {
  const publicFile = publicKeyFileOf(file);
  let generated = false;
  let privateKeyPem: string;
  if (exists(file)) {
    privateKeyPem = readKey(file);
  } else {
    mkdirSync(dirname(file), { recursive: true });
    const fresh = generateSigningKey();
    try {
      // `wx`: another process starting at the same time may have written one first; keep it.
      writeFileSync(file, fresh.privateKeyPem, { mode: 0o600, flag: 'wx' });
      // The mode given to open() is filtered by the umask; the key must not be readable by others whatever it is.
      chmodSync(file, 0o600);
      privateKeyPem = fresh.privateKeyPem;
      generated = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      privateKeyPem = readKey(file);
    }
  }
  const publicKeyPem = publicPemOf(privateKeyPem);
  if (generated || !exists(publicFile)) {
    try {
      writeFileSync(publicFile, publicKeyPem, { mode: 0o644 });
    } catch (e) {
      log.warn(`could not write the audit public key to ${publicFile} (${(e as Error).message}); it is printed below`);
    }
  }
  const keyId = keyIdOf(privateKeyPem);
  log.info(
    `${generated ? 'audit key generated' : 'audit key'}: ${file} (key id ${keyId}); checkpoints verify with the public key in ${publicFile}:\n${publicKeyPem.trimEnd()}`,
  );
  return { privateKeyPem, publicKeyPem, keyId, file, publicFile, generated };
};
