import { createHmac, timingSafeEqual } from 'node:crypto';

/** AWS: "Tokens expire after 24 hours." */
export const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Pagination tokens: opaque to clients, signed with the deployment's secret so they cannot be
 * forged or moved to another operation, and expiring after 24 hours. The payload is a keyset
 * cursor (the last item returned), so a page stays correct while new items arrive.
 */
export class PageTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly clock: () => number = Date.now,
  ) {}

  issue(scope: string, cursor: unknown): string {
    const payload = Buffer.from(JSON.stringify({ s: scope, c: cursor, t: this.clock() })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The cursor, or undefined when the token is malformed, forged, for another scope, or expired. */
  read<T>(scope: string, token: string): T | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const { s, c, t } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { s: string; c: T; t: number };
      if (s !== scope || typeof t !== 'number' || this.clock() - t > TOKEN_LIFETIME_MS) return undefined;
      return c;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

export { TaskTokens, type TaskRef } from '@stepstream/runtime';
