/**
 * A bounded read-ahead: work started for a key a client is expected to ask for next (the next page
 * of a history a client is reading), kept until it is asked for, for a few seconds, or until room
 * is needed. What it holds must not change between the read and the ask: the caller only keeps
 * results that cannot (see `GetExecutionHistory`, which keeps full pages, whose events are
 * immutable).
 *
 * Bounded three ways, so a client that never asks for what was read ahead costs little: at most
 * `inFlight` reads at once (more are not started), at most `weight` units held (the oldest go
 * first), and each entry for `ttlMs`.
 *
 * @example
 * const ahead = new ReadAhead<Page>({ inFlight: 2, weight: 32 << 20, ttlMs: 5_000 });
 * ahead.start(`${stream}@${next}`, () => readPage(next), (page) => page.chars);
 * const page = (await ahead.take(`${stream}@${next}`)) ?? (await readPage(next));
 */
export class ReadAhead<V> {
  readonly #entries = new Map<string, { readonly value: Promise<V | undefined>; weight: number; readonly until: number }>();
  #running = 0;
  #held = 0;

  constructor(private readonly limits: { readonly inFlight: number; readonly weight: number; readonly ttlMs: number }) {}

  /**
   * Starts `read` for `key` unless it is held already or `inFlight` reads are running. `weigh`
   * gives a result's weight; a result `keep` refuses (or a failed read) is dropped.
   */
  start(key: string, read: () => Promise<V>, weigh: (value: V) => number, keep: (value: V) => boolean = () => true): void {
    this.#sweep();
    if (this.#entries.has(key) || this.#running >= this.limits.inFlight) return;
    this.#running += 1;
    const entry = {
      weight: 0,
      until: Date.now() + this.limits.ttlMs,
      value: read().then(
        (value) => {
          if (!keep(value)) {
            this.#drop(key, entry);
            return undefined;
          }
          entry.weight = weigh(value);
          this.#held += entry.weight;
          this.#makeRoom();
          return value;
        },
        () => {
          this.#drop(key, entry);
          return undefined;
        },
      ),
    };
    this.#entries.set(key, entry);
    void entry.value.finally(() => (this.#running -= 1));
  }

  /** What was read ahead for `key` (waiting for a read still running), or undefined; it is not held any more. */
  take(key: string): Promise<V | undefined> | undefined {
    this.#sweep();
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#drop(key, entry);
    return entry.value;
  }

  #drop(key: string, entry: { weight: number }): void {
    if (this.#entries.get(key) !== entry) return;
    this.#entries.delete(key);
    this.#held -= entry.weight;
    entry.weight = 0;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.until <= now) this.#drop(key, entry);
  }

  #makeRoom(): void {
    for (const [key, entry] of this.#entries) {
      if (this.#held <= this.limits.weight) return;
      this.#drop(key, entry);
    }
  }
}
