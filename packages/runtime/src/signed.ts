import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A JSON value sealed with the deployment's secret: `<base64url payload>.<HMAC-SHA256>`, the HMAC
 * taken over a `domain` and the payload, so a token of one kind (a page token, a task token) is
 * never accepted as another. Opaque to clients; forged or altered tokens do not open.
 */
export const seal = (secret: Buffer, domain: string, value: unknown): string => {
  const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${payload}.${sign(secret, domain, payload)}`;
};

/** Unpadded base64url: the only alphabet and shape `seal` writes. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The bytes of `text` if it is the canonical unpadded base64url of some bytes, else undefined.
 * Node's decoder is lenient (it skips foreign characters and `=`, reads `+/` as `-_`, ignores the
 * unused low bits of the last character), so many strings would decode to the same bytes; only
 * the one string that re-encodes to itself is accepted.
 */
const canonicalBase64url = (text: string): Buffer | undefined => {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
};

/**
 * The sealed value, or undefined when the token is malformed, forged or of another domain. One
 * value has one token: the payload and the signature must each be canonical base64url, joined
 * by exactly one `.`, so a token with a character added, padded, written in standard base64 or
 * with altered trailing bits does not open.
 */
export const unseal = (secret: Buffer, domain: string, token: string): unknown => {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [payload, signature] = parts as [string, string];
  const payloadBytes = canonicalBase64url(payload);
  const given = canonicalBase64url(signature);
  if (!payloadBytes || !given) return undefined;
  const expected = Buffer.from(sign(secret, domain, payload), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(payloadBytes.toString()) as unknown;
  } catch {
    return undefined;
  }
};

const sign = (secret: Buffer, domain: string, payload: string) => createHmac('sha256', secret).update(`${domain}\n${payload}`).digest('base64url');
