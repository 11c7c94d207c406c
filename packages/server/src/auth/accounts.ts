import { AsyncLocalStorage } from 'node:async_hooks';
import { accountOf, type TaskTokens } from '@stepstream/runtime';
import type { Refusal } from './guard.js';

/**
 * Accounts kept apart (docs/security.md): with SigV4 on, each key acts in its account. Every
 * resource's ARN carries its account, so a request may only name ARNs of the caller's account
 * ({@link foreignResource}); it creates in the caller's account and lists only it (the operations
 * read `RequestContext.account`); its task tokens and page tokens are its own (a task token names
 * its execution; a page token is bound to the account that got it, {@link callerAccount}).
 *
 * @module
 */

/** The verified caller's account while its request runs (undefined: requests are not verified). */
export const callerAccount = new AsyncLocalStorage<string>();

/** Members that name a resource by ARN; `roleArn` is an IAM role's, not a Step Functions resource. */
const ARN_MEMBER = /Arn$/;

/** AccessDeniedException as IAM words it when a resource is not the caller's. */
const denied = (account: string, operation: string, resource: string): Refusal => ({
  type: 'AccessDeniedException',
  status: 400,
  message: `User: arn:aws:iam::${account}:root is not authorized to perform: states:${operation.replace(/^Stepstream\./, 'Stepstream')} on resource: ${resource.slice(0, 256)} because no resource-based policy allows it (it belongs to another account)`,
});

/**
 * The first resource of another account a request names — an ARN member at any depth (a Step
 * Functions ARN whose account is not `account`), or a task token of another account's execution —
 * as the refusal to answer; undefined when it names only its own.
 */
export const foreignResource = (body: Record<string, unknown>, account: string, operation: string, taskTokens: TaskTokens): Refusal | undefined => {
  const seen: unknown[] = [body];
  for (let i = 0; i < seen.length && i < 10_000; i++) {
    const v = seen[i];
    if (Array.isArray(v)) {
      seen.push(...v);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    for (const [key, value] of Object.entries(v)) {
      if (typeof value === 'string') {
        if (key === 'taskToken') {
          const ref = taskTokens.read(value);
          const owner = ref ? accountOf(ref.executionArn) : undefined;
          if (owner !== undefined && owner !== account) return denied(account, operation, 'the task token');
        } else if (ARN_MEMBER.test(key) && key !== 'roleArn') {
          const owner = accountOf(value);
          if (owner !== undefined && owner !== account) return denied(account, operation, value);
        }
      } else if (typeof value === 'object' && value !== null && key !== 'definition') seen.push(value);
    }
  }
  return undefined;
};
