/**
 * Signed checkpoints: the tree head (size, root, time) signed with Ed25519 through `node:crypto`,
 * like a Certificate Transparency signed tree head (RFC 9162 §4.10). Anyone with the public key
 * can check one offline; two checkpoints and a consistency proof show that the log only grew.
 *
 * What is signed: the UTF-8 of the line `stepstream-checkpoint-v1\n` followed by the RFC 8785
 * canonical JSON of `{ keyId, rootHash, timestamp, treeSize }`. The first line separates our
 * signatures from anything else the same key might ever sign.
 *
 * @module
 */
import * as crypto from 'node:crypto';
import { isHexHash } from './bytes.js';
import { canonicalJson } from './canonical.js';
import { isTreeSize } from './merkle.js';

/** The line that starts every signed checkpoint message. */
export const CHECKPOINT_DOMAIN = 'stepstream-checkpoint-v1\n';

/** A tree head to sign. */
export interface CheckpointBody {
  /** Leaves in the tree. */
  readonly treeSize: number;
  /** Its root (Merkle Tree Hash), 64 lower-case hex digits. */
  readonly rootHash: string;
  /** When it was signed, as `Date.prototype.toISOString` writes it (`2024-06-10T12:00:00.000Z`). */
  readonly timestamp: string;
  /** The signing key: {@link keyIdOf} its public key. */
  readonly keyId: string;
}

/** A tree head with its Ed25519 signature (base64, 64 bytes). */
export interface SignedCheckpoint extends CheckpointBody {
  readonly signature: string;
}

/** An Ed25519 key pair as PEM: PKCS #8 private key, SPKI public key. */
export interface SigningKey {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** Why a checkpoint was rejected. */
export const CheckpointProblem = {
  /** Not a signed checkpoint: a field missing, extra or ill-formed. */
  malformed: 'malformed',
  /** The public key is not an Ed25519 public key. */
  badKey: 'bad-key',
  /** Signed by another key (its `keyId` is not the public key's). */
  wrongKey: 'wrong-key',
  /** The signature does not verify: some field or the signature changed. */
  badSignature: 'bad-signature',
} as const;
export type CheckpointProblem = (typeof CheckpointProblem)[keyof typeof CheckpointProblem];

/** The outcome of {@link verifyCheckpoint}. */
export type CheckpointVerification =
  { readonly ok: true; readonly checkpoint: SignedCheckpoint } | { readonly ok: false; readonly problem: CheckpointProblem; readonly message: string };

const KEY_ID = /^[0-9a-f]{16}$/;
// 64 bytes: 86 base64 characters and two of padding; the re-encoding check below refuses the
// spellings Node would also accept (unused low bits set, missing padding).
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const BODY_FIELDS = ['keyId', 'rootHash', 'timestamp', 'treeSize'] as const;
const SIGNED_FIELDS = [...BODY_FIELDS, 'signature'].sort();

const isTimestamp = (value: unknown): value is string => {
  if (typeof value !== 'string') return false;
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
};

/** What is wrong with a body, or undefined. */
const bodyProblem = (body: CheckpointBody): string | undefined => {
  if (!isTreeSize(body.treeSize)) return 'treeSize is not a whole number of leaves';
  if (!isHexHash(body.rootHash)) return 'rootHash is not 64 lower-case hex digits';
  if (!isTimestamp(body.timestamp)) return 'timestamp is not an ISO 8601 UTC time as toISOString writes it';
  if (typeof body.keyId !== 'string' || !KEY_ID.test(body.keyId)) return 'keyId is not 16 lower-case hex digits';
  return undefined;
};

/**
 * The bytes a checkpoint's signature covers.
 *
 * @example
 * checkpointMessage(body).toString(); // 'stepstream-checkpoint-v1\n{"keyId":"…","rootHash":"…","timestamp":"…","treeSize":8}'
 */
export const checkpointMessage = (body: CheckpointBody): Buffer =>
  Buffer.from(CHECKPOINT_DOMAIN + canonicalJson({ keyId: body.keyId, rootHash: body.rootHash, timestamp: body.timestamp, treeSize: body.treeSize }), 'utf8');

/**
 * A new Ed25519 key pair, as PEM.
 *
 * @example
 * const { privateKeyPem, publicKeyPem } = generateSigningKey(); // keep the private key with the deployment
 */
export const generateSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

const ed25519 = (key: crypto.KeyObject): crypto.KeyObject => {
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 key: ${String(key.asymmetricKeyType)}`);
  return key;
};

const keyIdOfKey = (publicKey: crypto.KeyObject): string =>
  crypto
    .createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);

/**
 * A key's id: the first 16 hex digits of SHA-256 over its SPKI DER encoding. Accepts a public key
 * PEM (or a private one, whose public half it uses). Throws on anything but an Ed25519 key.
 *
 * @example
 * keyIdOf(publicKeyPem); // '3f1c9a0b7d2e4f61'
 */
export const keyIdOf = (keyPem: string): string => keyIdOfKey(ed25519(crypto.createPublicKey(keyPem)));

/**
 * Signs a tree head. `keyId` may be left out (it is the private key's); if given it must match.
 * Throws a `TypeError` on an ill-formed body or a key that is not Ed25519.
 *
 * @example
 * const signed = signCheckpoint({ treeSize: frontier.size, rootHash: toHex(frontier.root()), timestamp: now.toISOString() }, privateKeyPem);
 */
export const signCheckpoint = (body: Omit<CheckpointBody, 'keyId'> & { readonly keyId?: string }, privateKeyPem: string): SignedCheckpoint => {
  const privateKey = ed25519(crypto.createPrivateKey(privateKeyPem));
  const keyId = keyIdOfKey(crypto.createPublicKey(privateKey));
  if (body.keyId !== undefined && body.keyId !== keyId) {
    throw new TypeError(`keyId ${body.keyId} is not the signing key's (${keyId})`);
  }
  const full: CheckpointBody = { treeSize: body.treeSize, rootHash: body.rootHash, timestamp: body.timestamp, keyId };
  const problem = bodyProblem(full);
  if (problem !== undefined) throw new TypeError(`cannot sign this checkpoint: ${problem}`);
  const signature = crypto.sign(null, checkpointMessage(full), privateKey).toString('base64');
  return { ...full, signature };
};

/**
 * Checks a signed checkpoint (as parsed from JSON) against a public key PEM. Nothing but the
 * five fields is accepted, each in its one spelling, so a checkpoint that differs in any byte
 * from what was signed is rejected.
 *
 * @example
 * const result = verifyCheckpoint(JSON.parse(text), publicKeyPem);
 * if (!result.ok) console.error(result.problem, result.message); // 'bad-signature', …
 */
export const verifyCheckpoint = (signed: unknown, publicKeyPem: string): CheckpointVerification => {
  const fail = (problem: CheckpointProblem, message: string): CheckpointVerification => ({ ok: false, problem, message });
  if (typeof signed !== 'object' || signed === null || Array.isArray(signed)) {
    return fail('malformed', 'a checkpoint is a JSON object');
  }
  const fields = Object.keys(signed).sort();
  if (fields.length !== SIGNED_FIELDS.length || fields.some((field, i) => field !== SIGNED_FIELDS[i])) {
    return fail('malformed', `a checkpoint has exactly the fields ${SIGNED_FIELDS.join(', ')}`);
  }
  const checkpoint = signed as SignedCheckpoint;
  const problem = bodyProblem(checkpoint);
  if (problem !== undefined) return fail('malformed', problem);
  const { signature } = checkpoint;
  if (typeof signature !== 'string' || !SIGNATURE.test(signature) || Buffer.from(signature, 'base64').toString('base64') !== signature) {
    return fail('malformed', 'signature is not the base64 of 64 bytes');
  }
  let publicKey: crypto.KeyObject;
  try {
    publicKey = ed25519(crypto.createPublicKey(publicKeyPem));
  } catch (error) {
    return fail('bad-key', `not an Ed25519 public key: ${(error as Error).message}`);
  }
  const keyId = keyIdOfKey(publicKey);
  if (checkpoint.keyId !== keyId) {
    return fail('wrong-key', `signed by key ${checkpoint.keyId}, not by ${keyId}`);
  }
  if (!crypto.verify(null, checkpointMessage(checkpoint), publicKey, Buffer.from(signature, 'base64'))) {
    return fail('bad-signature', 'the signature does not match the checkpoint');
  }
  return { ok: true, checkpoint };
};
