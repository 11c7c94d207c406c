/**
 * Virtual time (`stepstream serve --time virtual`): the engine's clock runs with the wall clock
 * and jumps ahead whenever the engine has nothing to do but wait for a timer — a Wait, a retry's
 * back-off, a task's timeout or heartbeat, an execution's timeout — to that timer's due time. A
 * machine that waits an hour finishes in milliseconds, and its history's timestamps show the hour:
 * every timestamp comes from this clock. Never used unless asked for: real deployments keep
 * `Date.now`.
 *
 * @example
 * const time = new VirtualClock();
 * const engine = new Engine({ store, db, clock: time.now, virtualTime: time });
 */
export class VirtualClock {
  private offset = 0;

  /** The engine's now: the wall clock plus every jump so far (never goes back). */
  readonly now = (): number => Date.now() + this.offset;

  /** Moves now to `at` when it is ahead (a timer's due time); never back. */
  advanceTo(at: number): void {
    const ahead = at - this.now();
    if (ahead > 0) this.offset += ahead;
  }
}

/** How long the engine must have been idle before the clock jumps: decisions and tasks under way settle first. */
export const QUIET_MS = 10;
