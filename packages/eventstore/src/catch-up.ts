import { Observable } from 'rxjs';

/** One page read by a catch-up loop. */
export interface Page<T> {
  readonly items: readonly T[];
  /** True when the reader knows events exist beyond what it could see (an older writer is still committing). */
  readonly pending: boolean;
}

export interface CatchUpOptions<T, C> {
  /** Where to start (exclusive); `undefined` is the beginning. Resolved when the subscription opens. */
  readonly from: () => Promise<C | undefined>;
  readonly pageSize: number;
  /** Reads up to `pageSize` items after the cursor (exclusive), in order. */
  readonly readPage: (after: C | undefined, pageSize: number) => Promise<Page<T>>;
  readonly cursorOf: (item: T) => C;
  /** Signals that new items may exist. */
  readonly wake: Observable<unknown>;
  /** How long to wait before reading again while `pending`; doubles up to 8× this. */
  readonly pendingRetryMs?: number;
}

/**
 * Catch-up then live, as one loop: it reads pages after a cursor until a page comes back short,
 * then sleeps until `wake` fires. Catch-up and live are the same code path, so there is no switch
 * over which an event could be lost or delivered twice; the wake subscription is opened before
 * the first read, so a signal that arrives during a read is never missed.
 *
 * No polling: the loop only reads again on a wake signal, or — while an older writer is known to
 * be mid-commit (`pending`) — after a short back-off.
 */
export const catchUp = <T, C>(options: CatchUpOptions<T, C>): Observable<T> =>
  new Observable<T>((subscriber) => {
    let closed = false;
    let dirty = true;
    let waiter: (() => void) | undefined;
    const wakeUp = () => {
      dirty = true;
      const w = waiter;
      waiter = undefined;
      w?.();
    };
    const wakeSub = options.wake.subscribe({ next: wakeUp, error: (e: unknown) => subscriber.error(e) });
    const sleep = (ms: number | undefined) =>
      new Promise<void>((resolve) => {
        if (dirty || closed) return resolve();
        const timer = ms === undefined ? undefined : setTimeout(wakeUp, ms);
        waiter = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });

    const run = async () => {
      let cursor: C | undefined = await options.from();
      const baseRetry = options.pendingRetryMs ?? 5;
      let retry = baseRetry;
      while (!closed) {
        dirty = false;
        const page = await options.readPage(cursor, options.pageSize);
        for (const item of page.items) {
          if (closed) return;
          subscriber.next(item);
          cursor = options.cursorOf(item);
        }
        if (page.items.length >= options.pageSize) {
          dirty = true;
          continue;
        }
        if (page.pending) {
          await sleep(retry);
          retry = Math.min(retry * 2, baseRetry * 8);
        } else {
          retry = baseRetry;
          await sleep(undefined);
        }
      }
    };
    run().catch((e: unknown) => {
      if (!closed) subscriber.error(e);
    });
    return () => {
      closed = true;
      wakeSub.unsubscribe();
      waiter?.();
    };
  });
