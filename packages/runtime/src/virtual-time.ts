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

/**
 * Virtual time chosen per execution (a fork's `time: virtual`, recorded in its ExecutionStarted):
 * each such execution has its own clock, the engine's plus how far it jumped. Its timers fire as
 * soon as it has nothing under way (no decision queued, no task being performed) for
 * {@link QUIET_MS}, its clock moving to the timer's due time; every other execution keeps the
 * engine's clock. Offsets live in memory: after a restart an execution's clock starts again from
 * the engine's, and its next timer (due at the latest of its times) moves it ahead again.
 */
export class ExecutionClocks {
  /** Virtual executions by stream: their ARN and how far ahead of the engine's clock they are. */
  private readonly executions = new Map<string, { readonly executionArn: string; offset: number }>();
  private readonly streams = new Map<string, string>();

  constructor(private readonly clock: () => number) {}

  /** Marks the execution of `stream` virtual (idempotent). */
  register(stream: string, executionArn: string): void {
    if (this.executions.has(stream)) return;
    this.executions.set(stream, { executionArn, offset: 0 });
    this.streams.set(executionArn, stream);
  }

  /** The execution ended: its clock is dropped. */
  forget(stream: string): void {
    const e = this.executions.get(stream);
    if (!e) return;
    this.executions.delete(stream);
    this.streams.delete(e.executionArn);
  }

  isVirtual(stream: string): boolean {
    return this.executions.has(stream);
  }

  /** Now for the execution of `stream` (the engine's clock for any execution not virtual). */
  nowOf(stream: string): number {
    return this.clock() + (this.executions.get(stream)?.offset ?? 0);
  }

  /** Now for an execution by its ARN (decisions know the ARN). */
  now(executionArn?: string): number {
    const stream = executionArn === undefined ? undefined : this.streams.get(executionArn);
    return stream === undefined ? this.clock() : this.nowOf(stream);
  }

  /** Moves the execution's clock to `at` when it is ahead; never back. */
  advanceTo(stream: string, at: number): void {
    const e = this.executions.get(stream);
    if (!e) return;
    const ahead = at - this.nowOf(stream);
    if (ahead > 0) e.offset += ahead;
  }
}
