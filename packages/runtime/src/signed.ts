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

/** The sealed value, or undefined when the token is malformed, forged or of another domain. */
export const unseal = (secret: Buffer, domain: string, token: string): unknown => {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(secret, domain, payload), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown;
  } catch {
    return undefined;
  }
};

const sign = (secret: Buffer, domain: string, payload: string) => createHmac('sha256', secret).update(`${domain}\n${payload}`).digest('base64url');
