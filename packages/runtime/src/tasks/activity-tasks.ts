/** An activity task waiting for a worker: which execution's which task, and its input. */
export interface OfferedTask {
  readonly activityArn: string;
  readonly stream: string;
  readonly executionArn: string;
  readonly taskId: string;
  readonly input: string;
}

/**
 * Where activity tasks wait for workers: this process's memory ({@link ActivityTasks}, one node),
 * or a table every node shares (`cluster/shared-activity-queue.ts`). Each task is handed to one
 * worker at a time; the engine's ActivityStarted append decides whether the hand-over counts.
 */
export interface ActivityQueue {
  /** Queues a task (once), or hands it to a waiting worker. */
  offer(task: OfferedTask): void;
  /** Gives a task back (its worker went away before it was handed over). */
  giveBack(task: OfferedTask): void;
  /** The task is over (started, finished, timed out): it is never offered again. */
  forget(stream: string, taskId: string): void;
  /** The tasks of an activity waiting for a worker, oldest first. */
  queued(activityArn: string): Promise<readonly OfferedTask[]>;
  /** The workers polling an activity on this node now. */
  waiting(activityArn: string): number;
  /** The next task of an activity, waiting up to `ms`; undefined when none came or `signal` aborted. */
  take(activityArn: string, ms: number, signal?: AbortSignal): Promise<OfferedTask | undefined>;
  /** Wakes every waiting worker with nothing (the engine is closing). */
  close(): void;
}

const keyOf = (t: { readonly stream: string; readonly taskId: string }) => `${t.stream}#${t.taskId}`;

interface Waiter {
  readonly resolve: (task: OfferedTask | undefined) => void;
}

/**
 * The activity tasks of this process, per activity ARN: a FIFO queue of scheduled tasks and a
 * FIFO of workers long-polling for one. A task offered while a worker waits goes to that worker
 * at once (no polling loop); each task is handed to one worker at a time, and the engine's
 * ActivityStarted append decides whether the hand-over counts.
 */
export class ActivityTasks implements ActivityQueue {
  private readonly queues = new Map<string, OfferedTask[]>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** Tasks queued or handed out, so a task is offered once however often its execution is folded. */
  private readonly known = new Set<string>();
  /** No more tasks are handed out (the engine is stopping). */
  private closed = false;

  /** Queues a task (once), or hands it to the longest-waiting worker. */
  offer(task: OfferedTask): void {
    const key = keyOf(task);
    if (this.known.has(key)) return;
    this.known.add(key);
    this.deliver(task);
  }

  /** Gives a task back (its worker went away before it was handed over), first in line. */
  giveBack(task: OfferedTask): void {
    const waiting = this.waiters.get(task.activityArn);
    const w = waiting?.shift();
    if (w) w.resolve(task);
    else this.queues.set(task.activityArn, [task, ...(this.queues.get(task.activityArn) ?? [])]);
  }

  /** The task is over (started elsewhere, finished, timed out): never offer it again in this process. */
  forget(stream: string, taskId: string): void {
    const key = keyOf({ stream, taskId });
    if (!this.known.delete(key)) return;
    // Answered while still queued (by hand, with the token InspectExecution shows): no worker gets it.
    for (const [activityArn, queue] of this.queues) {
      const i = queue.findIndex((t) => keyOf(t) === key);
      if (i < 0) continue;
      queue.splice(i, 1);
      if (queue.length === 0) this.queues.delete(activityArn);
      return;
    }
  }

  /** The tasks of an activity waiting for a worker, oldest first. */
  queued(activityArn: string): Promise<readonly OfferedTask[]> {
    return Promise.resolve([...(this.queues.get(activityArn) ?? [])]);
  }

  /** The number of workers polling an activity now. */
  waiting(activityArn: string): number {
    return this.waiters.get(activityArn)?.length ?? 0;
  }

  /** The next task of an activity, waiting up to `ms`; undefined when none came or `signal` aborted. */
  take(activityArn: string, ms: number, signal?: AbortSignal): Promise<OfferedTask | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const queued = this.queues.get(activityArn);
    const next = queued?.shift();
    if (next) return Promise.resolve(next);
    if (signal?.aborted || ms <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const list = this.waiters.get(activityArn) ?? [];
      this.waiters.set(activityArn, list);
      const done = (task: OfferedTask | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = list.indexOf(waiter);
        if (i >= 0) list.splice(i, 1);
        resolve(task);
      };
      const waiter: Waiter = { resolve: done };
      const onAbort = () => done(undefined);
      const timer = setTimeout(() => done(undefined), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      list.push(waiter);
    });
  }

  /** Wakes every waiting worker with nothing, and hands out no more tasks (the engine is closing). */
  close(): void {
    this.closed = true;
    for (const list of this.waiters.values()) for (const w of [...list]) w.resolve(undefined);
  }

  private deliver(task: OfferedTask): void {
    const w = this.waiters.get(task.activityArn)?.shift();
    if (w) w.resolve(task);
    else {
      const q = this.queues.get(task.activityArn) ?? [];
      q.push(task);
      this.queues.set(task.activityArn, q);
    }
  }
}
