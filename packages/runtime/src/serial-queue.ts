/**
 * Work queued by key, run one at a time per key: the engine decides one command at a time per
 * execution (and per Map Run) in this process, so a decision always reads what the previous one
 * appended. Different keys run concurrently. A failed piece of work does not stop the queue: the
 * next one runs after it all the same.
 *
 * @example
 * const queue = new SerialQueue();
 * void queue.run('execution-a', () => decide(1));
 * void queue.run('execution-a', () => decide(2)); // starts once decide(1) has settled
 */
export class SerialQueue {
  /** The tail of each key's queue; a key is dropped once its queue is empty. */
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after everything queued before on `key`, and answers what it answers (or throws). */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Settles once the work queued so far has settled (work queued meanwhile is not waited for). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tails.values()]);
  }

  /** Whether `key` has work queued or running. */
  has(key: string): boolean {
    return this.tails.has(key);
  }

  /** The keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
