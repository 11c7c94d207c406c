import { pendingTasks, type ExecutionState } from '@stepstream/domain';

/**
 * The last heartbeat of each task, in this process. AWS writes no history event for
 * SendTaskHeartbeat, so heartbeats live here only: after a restart a started task's clock starts
 * again (the engine calls {@link Heartbeats.beat} for it), which gives workers one full interval.
 */
export class Heartbeats {
  /** By `stream#taskId`. */
  private readonly last = new Map<string, number>();

  /** A heartbeat of a task at `at`. */
  beat(stream: string, taskId: string, at: number): void {
    this.last.set(`${stream}#${taskId}`, at);
  }

  /** The last heartbeat of each task the execution waits on (what FireTimers and the next timer need). */
  of(stream: string, state: ExecutionState): Record<string, number> {
    const out: Record<string, number> = {};
    for (const task of pendingTasks(state)) {
      const at = this.last.get(`${stream}#${task.id}`);
      if (at !== undefined) out[task.id] = at;
    }
    return out;
  }

  /** Forgets the heartbeats of the execution's tasks that are no longer pending. */
  keepOnly(stream: string, live: ReadonlySet<string>): void {
    for (const key of [...this.last.keys()]) {
      if (key.startsWith(`${stream}#`) && !live.has(key.slice(stream.length + 1))) this.last.delete(key);
    }
  }
}
