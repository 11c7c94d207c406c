/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * In-memory alarms keyed by execution stream. They are a cache of what the histories say (a
 * Wait's due time, an execution's timeout): after a restart the engine re-arms them from the
 * histories of the running executions, so a timer is never lost, and a late one fires at once.
 */
export class Alarms {
  private readonly timers = new Map<string, { at: number; handle: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    private readonly clock: () => number,
    private readonly onFire: (key: string) => void,
  ) {}

  /** Sets (or moves) the alarm of `key` to `at`; `undefined` clears it. */
  set(key: string, at: number | undefined): void {
    const existing = this.timers.get(key);
    if (existing && existing.at === at) return;
    if (existing) clearTimeout(existing.handle);
    this.timers.delete(key);
    if (at === undefined || this.closed) return;
    const delay = Math.max(0, at - this.clock());
    const handle = setTimeout(
      () => {
        this.timers.delete(key);
        if (this.clock() < at) this.set(key, at);
        else this.onFire(key);
      },
      Math.min(delay, MAX_DELAY),
    );
    this.timers.set(key, { at, handle });
  }

  get size(): number {
    return this.timers.size;
  }

  close(): void {
    this.closed = true;
    for (const { handle } of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }
}
