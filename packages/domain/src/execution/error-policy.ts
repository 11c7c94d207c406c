import type { Catcher, Retrier } from '@stepstream/asl/definition';
import type { InnerRestart, RestartPoint } from './model.js';

/** A failure as Retry and Catch see it. */
export interface Failure {
  /** Undefined for a Fail state without Error (AWS then records no error at all). */
  readonly error: string | undefined;
  readonly cause: string | undefined;
  /** The event the failure's successors point to (TaskFailed, FailStateEntered, the state's Entered…). */
  readonly failureEventId: number;
  /** Raised by a Task's work (what `States.TaskFailed` matches). */
  readonly fromTask?: boolean;
  /**
   * A task's heartbeat ran out (HeartbeatSeconds), as opposed to its TimeoutSeconds: recorded as
   * `States.Timeout` like any task timeout, but also what `States.HeartbeatTimeout` matches.
   */
  readonly heartbeatTimeout?: boolean;
  /** A failing Parallel or Map: what its branches or iterations had done, for a redrive. */
  readonly inner?: InnerRestart;
  /** Set by the frame the failure leaves: where that frame starts again on a redrive. */
  readonly restart?: RestartPoint;
}

/**
 * Whether an `ErrorEquals` list matches an error. `States.ALL` matches everything but
 * `States.Runtime`, which AWS never retries or catches (recorded: a Catch naming
 * States.Runtime explicitly did not catch it); `States.TaskFailed` matches a task's errors except
 * `States.Timeout`; `States.HeartbeatTimeout` matches a heartbeat expiry, which is recorded as
 * `States.Timeout` (so `States.Timeout` matches it too). Developer Guide, error names:
 * "States.HeartbeatTimeout: A Task state failed to send a heartbeat for a period longer than the
 * HeartbeatSeconds value. This error is available inside the Catch and Retry fields."
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)
 */
export const matchesError = (errorEquals: readonly string[], f: Failure): boolean => {
  if (f.error === 'States.Runtime') return false;
  return (
    (f.error !== undefined && errorEquals.includes(f.error)) ||
    errorEquals.includes('States.ALL') ||
    (f.fromTask === true && f.error !== 'States.Timeout' && errorEquals.includes('States.TaskFailed')) ||
    (f.heartbeatTimeout === true && errorEquals.includes('States.HeartbeatTimeout'))
  );
};

export type RetryDecision = { readonly retry: true; readonly delayMs: number; readonly counts: readonly number[] } | { readonly retry: false };

/**
 * AWS's retry algorithm: the first retrier whose ErrorEquals matches handles the error, and only
 * its counter counts; when that counter has reached MaxAttempts (default 3; 0 = never) the error
 * goes on to Catch — later retriers are not tried. The wait before retry k is
 * `min(IntervalSeconds × BackoffRate^(k−1), MaxDelaySeconds)` (defaults 1 s and 2.0), uniformly
 * random in [0, that] with `JitterStrategy: FULL`.
 */
export const decideRetry = (retriers: readonly Retrier[] | undefined, counts: readonly number[], f: Failure, random: () => number): RetryDecision => {
  const i = (retriers ?? []).findIndex((r) => matchesError(r.ErrorEquals, f));
  if (i < 0) return { retry: false };
  const r = retriers![i]!;
  const done = counts[i] ?? 0;
  if (done >= (r.MaxAttempts ?? 3)) return { retry: false };
  let seconds = (r.IntervalSeconds ?? 1) * Math.pow(r.BackoffRate ?? 2, done);
  if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
  if (r.JitterStrategy === 'FULL') seconds = random() * seconds;
  const next = [...counts];
  while (next.length <= i) next.push(0);
  next[i] = done + 1;
  return { retry: true, delayMs: Math.round(seconds * 1000), counts: next };
};

/** The first catcher whose ErrorEquals matches. */
export const findCatcher = (catchers: readonly Catcher[] | undefined, f: Failure): Catcher | undefined =>
  (catchers ?? []).find((c) => matchesError(c.ErrorEquals, f));

/** The Error Output a catcher passes on: `{"Error", "Cause"}`. */
export const errorOutput = (f: Failure) => ({ Error: f.error, Cause: f.cause ?? null });
