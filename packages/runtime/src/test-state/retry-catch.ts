/**
 * TestState and the state's Retry and Catch: the retries the request says were already made, and
 * which retrier or catcher handles the error (`inspectionData.errorDetails`).
 *
 * @module
 */
import { matchesError } from '@stepstream/domain';
import type { InspectionData, TestStateInput, TestStatus } from './types.js';

/**
 * Retry/Catch matching, the decider's own (`States.ALL` is everything but `States.Runtime`;
 * `States.TaskFailed` a task's errors but `States.Timeout`).
 *
 * @example
 * ```ts
 * matches(['States.TaskFailed'], 'MyError', true); // → true
 * matches(['States.TaskFailed'], 'MyError', false); // → false
 * ```
 */
export const matches = (equals: unknown, error: string | undefined, fromTask: boolean): boolean =>
  Array.isArray(equals) && matchesError(equals as string[], { error, cause: undefined, failureEventId: 0, fromTask });

/**
 * `retrierRetryCount`: "The number of retry attempts that have occurred for the state's Retry that
 * applies to the mocked error" (API reference, TestStateConfiguration). Only the first retrier
 * that matches an error decides, so taking the used attempts off every retrier's MaxAttempts
 * makes the decider's next decision the one AWS makes: retry while attempts are left, otherwise
 * go on to Catch or fail (recorded: MaxAttempts 5 with 4 used is RETRIABLE, with 5 used FAILED).
 *
 * @example
 * ```ts
 * withRetriesUsed({ Type: 'Task', Retry: [{ ErrorEquals: ['E'], MaxAttempts: 5 }] }, 4);
 * // → { Type: 'Task', Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }] }
 * ```
 */
export const withRetriesUsed = (s: Record<string, unknown>, used: number | undefined): Record<string, unknown> =>
  used === undefined || !Array.isArray(s['Retry'])
    ? s
    : {
        ...s,
        Retry: (s['Retry'] as Record<string, unknown>[]).map((r) => ({
          ...r,
          MaxAttempts: Math.max(0, ((r['MaxAttempts'] as number | undefined) ?? 3) - used),
        })),
      };

/**
 * `inspectionData.errorDetails`: the retrier that matched the error (`retryIndex`, also when its
 * attempts are used up — recorded), the back-off before the retry when there is one, and the
 * catcher that caught it. The back-off is `IntervalSeconds × BackoffRate^used`, at most
 * MaxDelaySeconds (recorded: 1 s, rate 2, 4 used → 16).
 *
 * @example
 * ```ts
 * errorDetailsOf({ state: { Retry: [{ ErrorEquals: ['E'], IntervalSeconds: 1 }] }, retrierRetryCount: 4, … }, 'RETRIABLE', 'E', true);
 * // → { retryIndex: 0, retryBackoffIntervalSeconds: 16 }
 * ```
 */
export const errorDetailsOf = (t: TestStateInput, status: TestStatus, error: string | undefined, fromTask: boolean): InspectionData['errorDetails'] => {
  const retriers = (t.state['Retry'] as Record<string, unknown>[] | undefined) ?? [];
  const catchers = (t.state['Catch'] as Record<string, unknown>[] | undefined) ?? [];
  const retryIndex = retriers.findIndex((r) => matches(r['ErrorEquals'], error, fromTask));
  const catchIndex = status === 'CAUGHT_ERROR' ? catchers.findIndex((c) => matches(c['ErrorEquals'], error, fromTask)) : -1;
  let backoff: number | undefined;
  if (status === 'RETRIABLE' && retryIndex >= 0) {
    const r = retriers[retryIndex]!;
    backoff = ((r['IntervalSeconds'] as number | undefined) ?? 1) * Math.pow((r['BackoffRate'] as number | undefined) ?? 2, t.retrierRetryCount ?? 0);
    if (typeof r['MaxDelaySeconds'] === 'number') backoff = Math.min(backoff, r['MaxDelaySeconds']);
  }
  const d = {
    ...(catchIndex >= 0 ? { catchIndex } : {}),
    ...(retryIndex >= 0 ? { retryIndex } : {}),
    ...(backoff !== undefined ? { retryBackoffIntervalSeconds: backoff } : {}),
  };
  return Object.keys(d).length > 0 ? d : undefined;
};
