import type { VirtualClock } from '../virtual-time.js';
import {
  assertNever,
  executionEffects,
  initialExecutionState,
  nextTimerAt,
  pendingTasks,
  syncAnswer,
  syncChildren,
  type ExecutionEffect,
  type ExecutionInfo,
  type ExecutionState,
  type MapRunResult,
  type ParentTask,
  type PendingTask,
  type TaskSignal,
} from '@stepstream/domain';
import { isLeaseLostError } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { soleOwnership, type Ownership } from '../cluster/ownership.js';
import { locateExecution } from '../locate.js';
import type { Logger } from '../logger.js';
import type { SerialQueue } from '../serial-queue.js';
import { Alarms, type VirtualExecutions } from './alarms.js';

/** The only way the reactor acts on executions: read one, and wake it (a `FireTimers` command). */
export interface ReactorCommands {
  /** The execution's state at the head of its stream. */
  readonly load: (stream: string) => Promise<ExecutionState>;
  /** Fires what is due on the execution (the caller holds its queue). */
  readonly fireTimers: (stream: string, heartbeats: Readonly<Record<string, number>>) => Promise<unknown>;
  /** Answers a task (SendTaskSuccess inside the engine): a `.sync` child's end answers its parent. */
  readonly completeTask: (executionArn: string, taskId: string, answer: TaskSignal) => Promise<unknown>;
}

/** What performs the effects on tasks: offers, the engine's own tasks, heartbeats (src/tasks/tasks.ts). */
export interface ReactorTasks {
  readonly dispatch: (stream: string, info: ExecutionInfo, task: PendingTask) => void;
  readonly withdraw: (stream: string, taskId: string) => void;
  readonly forget: (stream: string, taskId: string) => void;
  readonly heartbeatsOf: (stream: string, state: ExecutionState) => Record<string, number>;
  /** After a restart: the started tasks' heartbeat clocks restart. */
  readonly recovered: (stream: string, state: ExecutionState) => void;
}

/** What the reactor needs: commands, tasks, Map Runs, the executions' queue, and the crash marks. */
export interface ExecutionReactorPort {
  readonly clock: () => number;
  /** Virtual time: the clock the alarms move when the engine is quiet (src/virtual-time.ts). */
  readonly virtualTime?: { readonly clock: VirtualClock; readonly busy: () => boolean };
  /** Virtual time per execution: the executions on their own clocks (src/virtual-time.ts's ExecutionClocks). */
  readonly virtualExecutions?: VirtualExecutions;
  readonly log: Logger;
  readonly queue: SerialQueue;
  readonly isClosed: () => boolean;
  readonly commands: ReactorCommands;
  readonly tasks: ReactorTasks;
  /** A Map Run's child ended (src/map-runs/scheduler.ts). */
  readonly mapRunChildEnded: (parent: ParentTask & { readonly index: number }, result: MapRunResult) => Promise<void>;
  readonly recoveries: {
    readonly settle: (stream: string) => void;
    readonly isQuarantined: (stream: string) => Promise<boolean>;
    readonly expect: (stream: string) => void;
  };
  /** The running executions' streams, from the read models (what a restart resumes). */
  readonly runningStreams: () => Promise<readonly string[]>;
  /** Which executions' effects this node performs (all of them when it runs alone). */
  readonly ownership?: Ownership;
}

/**
 * Performs what decisions on executions ask for ({@link ExecutionEffect}s, decided in the domain):
 * tasks dispatched and forgotten, timers armed (firing a `FireTimers` command when due), parents
 * answered, Map Runs told; and resumes running executions after a restart. It talks back to
 * executions only through {@link ReactorCommands}.
 */
export class ExecutionReactor {
  private readonly alarms: Alarms;

  constructor(private readonly port: ExecutionReactorPort) {
    this.alarms = new Alarms(port.clock, (stream) => void this.fire(stream), port.virtualTime, port.virtualExecutions);
  }

  private owns(stream: string): boolean {
    return (this.port.ownership ?? soleOwnership).owns(stream);
  }

  /**
   * Performs a decision's effects on the execution of `stream`, in order — on the node that owns
   * it. Another node's decision (an API call served there) performs nothing: the owner sees the
   * append and reacts ({@link poke}).
   */
  perform(stream: string, effects: readonly ExecutionEffect[]): void {
    const { port } = this;
    if (!this.owns(stream)) {
      // Its recovery mark is settled all the same: the decision that follows a resume ended well
      // here, even if the shard was handed over meanwhile (left unsettled, two hand-overs would
      // quarantine an execution that never crashed anything).
      for (const effect of effects) if (effect.type === 'ArmTimer' && (effect.at === undefined || effect.at > this.now(stream))) port.recoveries.settle(stream);
      return;
    }
    for (const effect of effects) {
      switch (effect.type) {
        case 'DispatchTask':
          port.tasks.dispatch(stream, effect.info, effect.task);
          break;
        case 'WithdrawOffer':
          port.tasks.withdraw(stream, effect.taskId);
          break;
        case 'ForgetTask':
          port.tasks.forget(stream, effect.taskId);
          break;
        case 'ArmTimer':
          this.alarms.set(stream, effect.at);
          // Settled: nothing more to decide at once (a pause between two slices is due at once).
          if (effect.at === undefined || effect.at > this.now(stream)) port.recoveries.settle(stream);
          break;
        case 'AnswerParent':
          void this.answerParent(effect.parent, effect.signal);
          break;
        case 'ReportToMapRun':
          void port.mapRunChildEnded(effect.parent, effect.result);
          break;
        default:
          assertNever(effect);
      }
    }
  }

  /** Now for the execution of `stream`: its own clock under per-execution virtual time, the engine's otherwise. */
  private now(stream: string): number {
    const v = this.port.virtualExecutions;
    return v?.isVirtual(stream) ? v.now(stream) : this.port.clock();
  }

  /** Arms the execution's alarm at `at` (none when undefined), when this node owns it. */
  setAlarm(stream: string, at: number | undefined): void {
    if (this.owns(stream)) this.alarms.set(stream, at);
  }

  /**
   * Another node appended to an execution this node owns: everything it now waits on is
   * dispatched (a dispatch already made is not made twice), its parent told if it ended, and its
   * alarm armed.
   */
  poke(stream: string): void {
    void this.fire(stream, { dispatch: true });
  }

  /**
   * Shards taken over (cluster/leases.ts): their running executions are resumed as after a
   * restart — with crash marks, quarantine, and every task dispatched again.
   */
  async resumeWhere(inShards: (stream: string) => boolean): Promise<{ recovered: number; quarantined: readonly string[] }> {
    const running = (await this.port.runningStreams()).filter(inShards);
    return this.resumeStreams(running);
  }

  /** Shards given up or lost: their alarms stop here (their new owner arms them). */
  dropWhere(inShards: (stream: string) => boolean): void {
    this.alarms.clearWhere(inShards);
  }

  /**
   * Re-arms every running execution found in the read models, one after the other. An execution
   * whose first decision in this process is marked in its recovery stream until it settles; one
   * whose decisions crashed the process twice (two marks never settled) is quarantined: reported,
   * and not run again until it is stopped (StopExecution) or `stepstream quarantine release` is run.
   */
  async resume(): Promise<{ recovered: number; quarantined: readonly string[] }> {
    return this.resumeStreams(await this.port.runningStreams());
  }

  private async resumeStreams(running: readonly string[]): Promise<{ recovered: number; quarantined: readonly string[] }> {
    const { port } = this;
    const quarantined: string[] = [];
    for (const stream of running) {
      if (port.isClosed()) break;
      if (await port.recoveries.isQuarantined(stream)) {
        quarantined.push(stream);
        continue;
      }
      if (!this.owns(stream)) continue;
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
   * (`recovering`) everything it waits on is dispatched again (as if it had just started), and a
   * started task's heartbeat clock restarts: heartbeats are not stored, so a restart gives workers
   * one full heartbeat interval.
   */
  private fire(stream: string, options: { readonly recovering?: boolean; readonly dispatch?: boolean } = {}): Promise<void> {
    const { port } = this;
    if (port.isClosed() || !this.owns(stream)) return Promise.resolve();
    return port.queue.run(stream, async () => {
      try {
        const { commands, tasks } = port;
        if (!this.owns(stream)) return;
        const state = await commands.load(stream);
        if (options.recovering) tasks.recovered(stream, state);
        if (options.recovering || options.dispatch) this.perform(stream, executionEffects(initialExecutionState, state, tasks.heartbeatsOf(stream, state)));
        if (options.recovering) {
          // A .sync child may have ended while this process was down.
          for (const child of syncChildren(state)) {
            const where = locateExecution(child);
            if (E.isRight(where)) {
              const answer = syncAnswer(await commands.load(where.right.stream));
              if (answer) void this.answerParent(answer.parent, answer.signal);
            }
          }
        }
        const heartbeats = tasks.heartbeatsOf(stream, state);
        const at = nextTimerAt(state, heartbeats);
        if (at === undefined) return this.alarms.set(stream, undefined);
        if (at > this.now(stream)) return this.alarms.set(stream, at);
        await commands.fireTimers(stream, heartbeats);
      } catch (e) {
        if (port.isClosed()) return;
        if (isLeaseLostError(e)) return port.log.info(`${stream} is another node's now (this node lost its shard's lease): its timer fires there`);
        port.log.error(`timer of ${stream} failed; retrying in 1 s`, e);
        this.alarms.set(stream, port.clock() + 1000);
      }
    });
  }

  /** A `.sync` child ended: its parent's task gets its answer. */
  private async answerParent(parent: ParentTask, signal: TaskSignal): Promise<void> {
    try {
      await this.untilSubmitted(parent);
      await this.port.commands.completeTask(parent.executionArn, parent.taskId, signal);
    } catch (e) {
      this.port.log.error(`could not answer ${parent.executionArn} for its child`, e);
    }
  }

  /**
   * A `.sync` child can end before its parent has recorded the start call's answer (a Pass-only
   * child ends while the start is still being answered): on AWS a `.sync` task's TaskSubmitted
   * always comes before its TaskSucceeded or TaskFailed, so the child's end waits until the parent's
   * task is submitted or no longer waits — at most {@link SUBMIT_WAIT_MS} (a process that stopped
   * between the child's start and that record never writes it; the end is answered then anyway).
   */
  private async untilSubmitted(parent: ParentTask): Promise<void> {
    if (parent.pattern !== 'sync' && parent.pattern !== 'sync:2') return;
    const where = locateExecution(parent.executionArn);
    if (E.isLeft(where)) return;
    for (let waited = 0, pause = 2; waited < SUBMIT_WAIT_MS && !this.port.isClosed(); waited += pause, pause = Math.min(pause * 2, 100)) {
      const task = pendingTasks(await this.port.commands.load(where.right.stream)).find((t) => t.id === parent.taskId);
      if (task === undefined || task.submitted === true) return;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** How long a `.sync` child's end waits for its parent's TaskSubmitted (see {@link ExecutionReactor.untilSubmitted}). */
const SUBMIT_WAIT_MS = 5000;
