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

  /** Forgets a task's heartbeats (it is no longer pending). */
  forget(stream: string, taskId: string): void {
    this.last.delete(`${stream}#${taskId}`);
  }
}
