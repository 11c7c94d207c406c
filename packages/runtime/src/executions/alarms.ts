import { QUIET_MS, type VirtualClock } from '../virtual-time.js';

/** Virtual time chosen per execution: which alarms are on their execution's own clock, and how to move it. */
export interface VirtualExecutions {
  readonly isVirtual: (key: string) => boolean;
  readonly now: (key: string) => number;
  readonly advanceTo: (key: string, at: number) => void;
  /** Whether the execution has something under way (a decision queued, a task performed). */
  readonly busy: (key: string) => boolean;
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); longer waits are re-armed in steps. */
const MAX_DELAY = 2 ** 31 - 1;

/**
 * In-memory alarms keyed by execution stream. They are a cache of what the histories say (a
 * Wait's due time, an execution's timeout): after a restart the engine re-arms them from the
 * histories of the running executions, so a timer is never lost, and a late one fires at once.
 */
export class Alarms {
  private readonly timers = new Map<string, { readonly at: number; handle: NodeJS.Timeout }>();
  private closed = false;

  /** Under virtual time: the check, once the engine is quiet, that jumps the clock to the next alarm. */
  private skip: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: () => number,
    private readonly onFire: (key: string) => void,
    /** Virtual time: the clock to move, and whether the engine is busy (decisions or tasks under way). */
    private readonly virtual?: { readonly clock: VirtualClock; readonly busy: () => boolean },
    /** Virtual time per execution: those alarms fire once their execution is quiet, moving its clock. */
    private readonly perExecution?: VirtualExecutions,
  ) {}

  /** An alarm of an execution on its own clock: once it has nothing under way for {@link QUIET_MS}, its clock moves to `at` and it fires. */
  private setVirtual(key: string, at: number, virtual: VirtualExecutions): void {
    const check = (): NodeJS.Timeout =>
      setTimeout(() => {
        const timer = this.timers.get(key);
        if (this.closed || timer?.at !== at) return;
        if (virtual.busy(key) && virtual.now(key) < at) {
          timer.handle = check();
          return;
        }
        this.timers.delete(key);
        virtual.advanceTo(key, at);
        this.onFire(key);
      }, QUIET_MS);
    this.timers.set(key, { at, handle: check() });
  }

  /**
   * Virtual time: when the engine has been quiet for {@link QUIET_MS}, moves the clock to the
   * earliest alarm and fires it (the others stay armed, and are looked at again after it).
   */
  private skipWhenQuiet(): void {
    const { virtual } = this;
    if (virtual === undefined || this.closed || this.skip !== undefined || this.timers.size === 0) return;
    this.skip = setTimeout(() => {
      this.skip = undefined;
      if (this.closed || this.timers.size === 0) return;
      if (virtual.busy()) return this.skipWhenQuiet();
      let next: [string, { at: number; handle: NodeJS.Timeout }] | undefined;
      for (const entry of this.timers) if (next === undefined || entry[1].at < next[1].at) next = entry;
      const [key, { at, handle }] = next!;
      clearTimeout(handle);
      this.timers.delete(key);
      virtual.clock.advanceTo(at);
      this.onFire(key);
      this.skipWhenQuiet();
    }, QUIET_MS);
  }

  /** Sets (or moves) the alarm of `key` to `at`; `undefined` clears it. */
  set(key: string, at: number | undefined): void {
    const existing = this.timers.get(key);
    if (existing && existing.at === at) return;
    if (existing) clearTimeout(existing.handle);
    this.timers.delete(key);
    if (at === undefined || this.closed) return;
    if (this.perExecution?.isVirtual(key)) return this.setVirtual(key, at, this.perExecution);
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
    this.skipWhenQuiet();
  }

  get size(): number {
    return this.timers.size;
  }

  /** Clears the alarms of the keys `which` selects. */
  clearWhere(which: (key: string) => boolean): void {
    for (const [key, { handle }] of this.timers) {
      if (!which(key)) continue;
      clearTimeout(handle);
      this.timers.delete(key);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.skip);
    for (const { handle } of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }
}
