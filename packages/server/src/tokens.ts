import { seal, unseal } from '@stepstream/runtime';
import { callerAccount } from './auth/accounts.js';

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

  /** The token's scope: the operation, and the verified caller's account when there is one (a token is its account's). */
  private scoped(scope: string): string {
    const account = callerAccount.getStore();
    return account === undefined ? scope : `${account}/${scope}`;
  }

  issue(scope: string, cursor: unknown): string {
    return seal(this.secret, 'page-token', { s: this.scoped(scope), c: cursor, t: this.clock() });
  }

  /** The cursor, or undefined when the token is malformed, forged, for another scope, or expired. */
  read<T>(scope: string, token: string): T | undefined {
    const v = unseal(this.secret, 'page-token', token) as { s?: unknown; c?: T; t?: unknown } | undefined;
    if (!v || v.s !== this.scoped(scope) || typeof v.t !== 'number' || this.clock() - v.t > TOKEN_LIFETIME_MS) return undefined;
    return v.c;
  }
}

export { TaskTokens, type TaskRef } from '@stepstream/runtime';
