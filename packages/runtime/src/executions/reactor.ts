import { nextTimerAt, type ExecutionState, type TaskSignal } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { locateExecution } from '../locate.js';
import type { Logger } from '../logger.js';
import type { MapRunScheduler } from '../map-runs/scheduler.js';
import type { Recoveries } from '../recoveries.js';
import type { SerialQueue } from '../serial-queue.js';
import type { Tasks } from '../tasks/tasks.js';
import { Alarms } from '../timers.js';
import type { ExecutionCommands } from './command-handler.js';
import { syncAnswer, syncChildren } from './sync-children.js';

/** What the reactor needs: the executions' queue and command handler, their tasks and Map Runs, and the crash marks. */
export interface ExecutionReactorPort {
  readonly clock: () => number;
  readonly log: Logger;
  readonly queue: SerialQueue;
  readonly isClosed: () => boolean;
  readonly commands: ExecutionCommands;
  readonly tasks: Tasks;
  readonly mapRuns: MapRunScheduler;
  readonly recoveries: Recoveries;
  /** The running executions' streams, from the read models (what a restart resumes). */
  readonly runningStreams: () => Promise<readonly string[]>;
  /** Answers a task (SendTaskSuccess inside the engine): a `.sync` child's end answers its parent. */
  readonly completeTask: (executionArn: string, taskId: string, answer: TaskSignal) => Promise<unknown>;
}

/**
 * What follows a decision on an execution, in this process: a `.sync` or Map Run parent is
 * answered, the execution's tasks are dispatched, its next timer is armed (and fires a
 * `FireTimers` command when due), and a resumed execution's crash mark is settled.
 */
export class ExecutionReactor {
  private readonly alarms: Alarms;

  constructor(private readonly port: ExecutionReactorPort) {
    this.alarms = new Alarms(port.clock, (stream) => void this.fire(stream));
  }

  /** After a decision: answer a parent, dispatch the execution's tasks, arm its next timer. */
  afterAppend(stream: string, state: ExecutionState): void {
    const { port } = this;
    const parent = state.info?.parent;
    if (parent && state.status !== 'RUNNING' && (parent.pattern === 'sync' || parent.pattern === 'sync:2')) void this.answerParent(state);
    if (parent && state.status !== 'RUNNING' && parent.pattern === 'mapRun') void port.mapRuns.childEnded(state);
    const tasks = port.tasks;
    tasks.dispatch(stream, state);
    const next = nextTimerAt(state, tasks.heartbeatsOf(stream, state));
    this.alarms.set(stream, next);
    // Settled: nothing more to decide at once (a pause between two slices is due at once).
    if (next === undefined || next > port.clock()) port.recoveries.settle(stream);
  }

  /** Arms the execution's alarm at `at` (none when undefined). */
  setAlarm(stream: string, at: number | undefined): void {
    this.alarms.set(stream, at);
  }

  /**
   * Re-arms every running execution found in the read models, one after the other. An execution
   * whose first decision in this process is marked in its recovery stream until it settles; one
   * whose decisions crashed the process twice (two marks never settled) is quarantined: reported,
   * and not run again until it is stopped (StopExecution) or `stepstream quarantine release` is run.
   */
  async resume(): Promise<{ recovered: number; quarantined: readonly string[] }> {
    const { port } = this;
    const running = await port.runningStreams();
    const quarantined: string[] = [];
    for (const stream of running) {
      if (port.isClosed()) break;
      if (await port.recoveries.isQuarantined(stream)) {
        quarantined.push(stream);
        continue;
      }
      port.recoveries.expect(stream);
      await this.fire(stream, { recovering: true });
    }
    return { recovered: running.length - quarantined.length, quarantined };
  }

  /** No more alarms fire. */
  close(): void {
    this.alarms.close();
  }

  /** Alarms armed now. */
  get pendingTimers(): number {
    return this.alarms.size;
  }

  /**
   * Fires what is due on an execution (or re-arms its alarm when nothing is). After a restart
   * (`recovering`) its tasks are offered again, and a started task's heartbeat clock restarts:
   * heartbeats are not stored, so a restart gives workers one full heartbeat interval.
   */
  private fire(stream: string, options: { readonly recovering?: boolean } = {}): Promise<void> {
    const { port } = this;
    if (port.isClosed()) return Promise.resolve();
    return port.queue.run(stream, async () => {
      try {
        const commands = port.commands;
        const tasks = port.tasks;
        const state = await commands.load(stream);
        if (options.recovering) {
          tasks.recovered(stream, state);
          this.afterAppend(stream, state);
          // A .sync child may have ended while this process was down.
          for (const child of syncChildren(state)) {
            const where = locateExecution(child);
            if (E.isRight(where)) {
              const childState = await commands.load(where.right.stream);
              if (childState.status !== 'RUNNING') void this.answerParent(childState);
            }
          }
        }
        const heartbeats = tasks.heartbeatsOf(stream, state);
        const at = nextTimerAt(state, heartbeats);
        if (at === undefined) return this.alarms.set(stream, undefined);
        if (at > port.clock()) return this.alarms.set(stream, at);
        await commands.run(stream, { type: 'FireTimers', ...(Object.keys(heartbeats).length > 0 ? { heartbeats } : {}) }, {});
      } catch (e) {
        if (port.isClosed()) return;
        port.log.error(`timer of ${stream} failed; retrying in 1 s`, e);
        this.alarms.set(stream, port.clock() + 1000);
      }
    });
  }

  /**
   * A `.sync` child ended: its parent's task gets the child's DescribeExecution (Input and Output
   * as JSON texts, or as JSON with `.sync:2`), or `States.TaskFailed` with it as the cause.
   */
  private async answerParent(child: ExecutionState): Promise<void> {
    const answer = syncAnswer(child);
    if (!answer) return;
    const { parent, signal } = answer;
    try {
      await this.port.completeTask(parent.executionArn, parent.taskId, signal);
    } catch (e) {
      this.port.log.error(`could not answer ${parent.executionArn} for its child ${child.info?.executionArn}`, e);
    }
  }
}
