/**
 * States.Base64Encode, States.Base64Decode and States.Hash. `node:crypto`'s `createHash` and
 * `Buffer` are deterministic, hence allowed in this pure package.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto';
import { arg, expectString, invalidArguments, MAX_STRING_INPUT, type IntrinsicImpl } from './support.js';
import type { IntrinsicName } from '../ast.js';

const boundedString = (v: unknown, name: IntrinsicName): string => {
  const s = expectString(v, name);
  if (s.length > MAX_STRING_INPUT) throw invalidArguments(name);
  return s;
};

/** `States.Base64Encode('Data to encode')` → `'RGF0YSB0byBlbmNvZGU='` (rec); UTF-8 bytes. */
export const base64Encode: IntrinsicImpl = (args, { name }) => Buffer.from(boundedString(arg(args, 0), name), 'utf8').toString('base64');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The inverse of {@link base64Encode}; malformed base64 fails. */
export const base64Decode: IntrinsicImpl = (args, { name }) => {
  const s = boundedString(arg(args, 0), name);
  if (!BASE64.test(s)) throw invalidArguments(name);
  return Buffer.from(s, 'base64').toString('utf8');
};

/** AWS's algorithm names and Node's. */
const ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Lowercase hex digest: `States.Hash('input data', 'SHA-1')` → `aaff4a45…` (rec). */
export const hash: IntrinsicImpl = (args, { name }) => {
  const data = boundedString(arg(args, 0), name);
  const algorithm = ALGORITHMS[expectString(arg(args, 1), name)];
  if (algorithm === undefined) throw invalidArguments(name);
  return createHash(algorithm).update(data, 'utf8').digest('hex');
};
