import {
  activityWorkerLimitExceeded,
  nextTimerAt,
  pendingTasks,
  taskDoesNotExist,
  taskTimedOut,
  type ApiError,
  type ArnScope,
  type ExecutionCommand,
  type ExecutionInfo,
  type ExecutionState,
  type PendingTask,
  type TaskSignal,
} from '@stepstream/domain';
import { isLeaseLostError, type Position } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { ActivityTasks, type ActivityQueue, type OfferedTask } from './activity-tasks.js';
import type { CallMetadata } from '../command.js';
import { ACTIVITY_POLL_MS, MAX_ACTIVITY_POLLERS } from '../engine-options.js';
import type { ExecutionOutcome } from '../executions/command-handler.js';
import type { Integrations } from '../integrations/integrations.js';
import { locateExecution } from '../locate.js';
import type { Logger } from '../logger.js';
import { mockedAnswer, type MockConfig, type MockedResponse } from '../integrations/mocks.js';
import type { SerialQueue } from '../serial-queue.js';
import { Heartbeats } from './heartbeats.js';
import { RunningTask } from './running-task.js';

/** What the tasks of executions need from the engine: the executions' queue and a narrow way to command them. */
export interface TasksPort {
  readonly scope: ArnScope;
  readonly clock: () => number;
  readonly log: Logger;
  readonly queue: SerialQueue;
  readonly isClosed: () => boolean;
  readonly integrations: Integrations;
  readonly mocks?: MockConfig | undefined;
  readonly activityPollMs?: number | undefined;
  /** The activity, or ActivityDoesNotExist. */
  readonly loadActivity: (activityArn: string) => Promise<E.Either<ApiError, unknown>>;
  readonly loadExecutionState: (stream: string) => Promise<ExecutionState>;
  /** Decides and appends a command on an existing execution (the caller holds its queue); undefined when it does not exist. */
  readonly runExecutionCommand: (stream: string, command: ExecutionCommand, meta: CallMetadata) => Promise<ExecutionOutcome | undefined>;
  /** Records a write the caller is answered for (read-your-writes, see Engine.readModel). */
  readonly acknowledge: (position: Position | undefined) => void;
  /** Arms the execution's alarm at `at` (none when undefined). */
  readonly setAlarm: (stream: string, at: number | undefined) => void;
  /** Runs a Distributed Map's Map Run (src/map-runs/). */
  readonly runMapRun: (stream: string, info: ExecutionInfo, task: PendingTask) => void;
  /** Reads a Distributed Map's items (an `itemReader` task; map-runs/map-data.ts). */
  readonly readItems: (task: PendingTask) => Promise<TaskSignal>;
  /** Where activity tasks wait for workers; this process's memory when absent (one node). */
  readonly activityQueue?: ActivityQueue;
  /** The metadata fencing the appends this node makes as the owner of `stream`'s work (cluster/ownership.ts). */
  readonly fence?: (stream: string) => CallMetadata;
  /** Tells the other nodes of a heartbeat (the execution's owner keeps its heartbeat timeout); none on one node. */
  readonly shareHeartbeat?: (stream: string, taskId: string, at: number) => void;
}

/**
 * The failure recorded for a task the engine had started and whose answer was never recorded (the
 * node performing it stopped). A Standard workflow runs each task at most once ("exactly-once
 * workflow execution"): the call may or may not have happened, so it is not made again silently;
 * a Retry on States.TaskFailed makes it again, as a new attempt.
 */
export const interruptedTask = (resource: string): TaskSignal => ({
  type: 'failed',
  error: 'States.TaskFailed',
  cause:
    `Stepstream: the node performing this task (${resource}) stopped before its answer was recorded, so the call may or may not have happened. ` +
    'A Standard workflow runs a task at most once, so it is not made again; add a Retry on States.TaskFailed to make it again.',
});

/**
 * The tasks of executions, in this process: activity tasks offered to workers (GetActivityTask,
 * their answers and heartbeats), and the tasks the engine performs itself (integrations and mocked
 * states), one {@link RunningTask} each. A graceful stop waits for those in flight.
 */
export class Tasks {
  /** Activity tasks waiting for workers: in this process, or shared by the nodes. */
  private readonly activityTasks: ActivityQueue;
  /** The last heartbeat of each task: heartbeats write no history event. */
  private readonly heartbeats = new Heartbeats();
  /** The tasks the engine performs, in flight, by `stream#taskId`. */
  private readonly running = new Map<string, RunningTask>();
  /** Work a graceful stop waits for: the running tasks, and Express executions run in the background. */
  private readonly effects = new Set<Promise<void>>();
  /** How often each mocked state has been invoked, per execution (`stream#state`). */
  private readonly mockInvocations = new Map<string, number>();

  constructor(private readonly port: TasksPort) {
    this.activityTasks = port.activityQueue ?? new ActivityTasks();
  }

  /** A heartbeat another node received, for a task of an execution this node may own. */
  heardHeartbeat(stream: string, taskId: string, at: number): void {
    this.heartbeats.beat(stream, taskId, at);
  }

  /** Whether a task of the execution of `stream` is being performed. */
  busyWith(stream: string): boolean {
    const prefix = `${stream}#`;
    for (const key of this.running.keys()) if (key.startsWith(prefix)) return true;
    return false;
  }

  /** Tasks being performed and Express executions running in the background. */
  get inFlight(): number {
    return this.effects.size;
  }

  /**
   * A task an execution now waits on (a `DispatchTask` effect): an activity task is offered to
   * workers, a task the engine runs is performed (or its mock answered), a Distributed Map's task
   * runs its Map Run.
   */
  dispatch(stream: string, info: ExecutionInfo, task: PendingTask): void {
    // A Distributed Map's ItemReader reads (mocks name Task states, not readers).
    if (task.kind === 'itemReader') return this.perform(stream, info.executionArn, task);
    // Task results given for this execution (a fork's mocks) answer its state's invocations in turn, the last repeating.
    const given = info.mocks?.[task.state];
    if (given !== undefined && given.length > 0 && task.startedAt === undefined && !this.running.has(RunningTask.key(stream, task.id))) {
      const count = `${stream}#${task.state}`;
      const index = this.mockInvocations.get(count) ?? 0;
      this.mockInvocations.set(count, index + 1);
      this.perform(stream, info.executionArn, task, given[Math.min(index, given.length - 1)]!);
      return;
    }
    const mocks = this.port.mocks;
    if (info.testCase !== undefined && mocks && task.startedAt === undefined && !this.running.has(RunningTask.key(stream, task.id))) {
      const count = `${stream}#${task.state}`;
      const index = this.mockInvocations.get(count) ?? 0;
      const mocked = mocks.response(info.stateMachineName, info.testCase, task.state, index);
      if (mocked) {
        this.mockInvocations.set(count, index + 1);
        this.perform(stream, info.executionArn, task, mocked);
        return;
      }
    }
    if (task.kind === 'mapRun') this.port.runMapRun(stream, info, task);
    else if (task.kind === 'activity') {
      if (task.startedAt === undefined)
        this.activityTasks.offer({ activityArn: task.resource, stream, executionArn: info.executionArn, taskId: task.id, input: task.input });
    } else if (!task.submitted) {
      // A fork copies its source's events: a task the source had started is started here for the
      // first time (the source's call was the source's), so the fork makes its own.
      const copied = info.forkedFrom !== undefined && task.startedAt !== undefined && task.lastEventId <= info.forkedFrom.eventId;
      this.perform(stream, info.executionArn, task, undefined, copied);
    }
  }

  /** An activity task was handed to a worker (a `WithdrawOffer` effect): it is no longer offered. */
  withdraw(stream: string, taskId: string): void {
    this.activityTasks.forget(stream, taskId);
  }

  /** A task the execution no longer waits on (a `ForgetTask` effect): its offer and heartbeats go. */
  forget(stream: string, taskId: string): void {
    this.activityTasks.forget(stream, taskId);
    this.heartbeats.forget(stream, taskId);
  }

  /** The last heartbeat of each task the execution waits on. */
  heartbeatsOf(stream: string, state: ExecutionState): Record<string, number> {
    return this.heartbeats.of(stream, state);
  }

  /**
   * After a restart: a started task's heartbeat clock restarts. Heartbeats are not stored, so a
   * restart gives workers one full heartbeat interval.
   */
  recovered(stream: string, state: ExecutionState): void {
    for (const task of pendingTasks(state)) if (task.startedAt !== undefined) this.heartbeats.beat(stream, task.id, this.port.clock());
  }

  /** Work a graceful stop waits for (an Express execution run in the background). */
  track(run: Promise<void>): void {
    this.effects.add(run);
    void run.finally(() => this.effects.delete(run));
  }

  /**
   * A worker's long poll: the next task of the activity, handed to this worker only, with
   * `ActivityStarted{workerName}` written when it is handed over; `{}` when none came in time.
   */
  async getActivityTask(input: { activityArn: string; workerName?: string }, signal?: AbortSignal): Promise<E.Either<ApiError, { task?: OfferedTask }>> {
    const { port } = this;
    const activity = await port.loadActivity(input.activityArn);
    if (E.isLeft(activity)) return activity;
    if (this.activityTasks.waiting(input.activityArn) >= MAX_ACTIVITY_POLLERS) return E.left(activityWorkerLimitExceeded());
    const deadline = port.clock() + (port.activityPollMs ?? ACTIVITY_POLL_MS);
    for (;;) {
      const task = await this.activityTasks.take(input.activityArn, deadline - port.clock(), signal);
      if (!task) return E.right({});
      if (signal?.aborted || port.isClosed()) {
        this.activityTasks.giveBack(task);
        return E.right({});
      }
      const started: TaskSignal = { type: 'started', ...(input.workerName !== undefined ? { workerName: input.workerName } : {}) };
      const outcome = await port.queue
        .run(task.stream, () => port.runExecutionCommand(task.stream, { type: 'TaskUpdate', taskId: task.taskId, signal: started }, {}))
        .catch((e: unknown) => {
          // Not handed over (the store failed): offered again at once, not left claimed.
          this.activityTasks.giveBack(task);
          throw e;
        });
      if (outcome?.appended) {
        this.activityTasks.forget(task.stream, task.taskId);
        this.heartbeats.beat(task.stream, task.taskId, port.clock());
        return E.right({ task });
      }
      // Gone meanwhile (timed out, execution stopped, started by another node): try the next one.
      this.activityTasks.forget(task.stream, task.taskId);
    }
  }

  /**
   * What an activity has waiting in this process (Stepstream.ListActivityTasks): its tasks not yet
   * handed to a worker, oldest first, and how many workers poll it now. ActivityDoesNotExist for
   * an unknown activity.
   */
  async activityBacklog(activityArn: string): Promise<E.Either<ApiError, { tasks: readonly OfferedTask[]; workers: number }>> {
    const activity = await this.port.loadActivity(activityArn);
    if (E.isLeft(activity)) return activity;
    return E.right({ tasks: await this.activityTasks.queued(activityArn), workers: this.activityTasks.waiting(activityArn) });
  }

  /**
   * A worker's answer for a task (SendTaskSuccess / SendTaskFailure): TaskDoesNotExist when the
   * execution is unknown, TaskTimedOut when the task is no longer waiting for an answer.
   */
  async completeTask(executionArn: string, taskId: string, answer: TaskSignal, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> {
    const { port } = this;
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return E.left(taskDoesNotExist());
    const stream = located.right.stream;
    return port.queue.run(stream, async () => {
      const outcome = await port.runExecutionCommand(stream, { type: 'TaskUpdate', taskId, signal: answer }, meta);
      if (!outcome) return E.left(taskDoesNotExist());
      if (!outcome.appended) return E.left(taskTimedOut());
      this.activityTasks.forget(stream, taskId);
      port.acknowledge(outcome.position);
      return E.right({});
    });
  }

  /** SendTaskHeartbeat: resets the task's heartbeat clock (no history event, as on AWS). */
  async heartbeatTask(executionArn: string, taskId: string): Promise<E.Either<ApiError, Record<string, never>>> {
    const { port } = this;
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return E.left(taskDoesNotExist());
    const stream = located.right.stream;
    return port.queue.run(stream, async () => {
      const state = await port.loadExecutionState(stream);
      if (state.status === undefined) return E.left(taskDoesNotExist());
      if (!pendingTasks(state).some((t) => t.id === taskId)) return E.left(taskTimedOut());
      const at = port.clock();
      this.heartbeats.beat(stream, taskId, at);
      port.shareHeartbeat?.(stream, taskId, at);
      port.setAlarm(stream, nextTimerAt(state, this.heartbeats.of(stream, state)));
      return E.right({});
    });
  }

  /**
   * A graceful stop: no more activity tasks are handed out; the tasks in flight are waited for and
   * their answers recorded, so none runs again after the restart. Past `drainMs` it stops waiting
   * (those run again after the restart: at least once).
   */
  /** Workers' long polls end now with no task, and no new one gets a task (a stop begins). */
  stopTaking(): void {
    this.activityTasks.close();
  }

  async close(drainMs: number): Promise<void> {
    const { log } = this.port;
    this.activityTasks.close();
    const inFlight = this.effects.size;
    if (inFlight > 0) log.info(`waiting for ${inFlight} tasks in flight to finish and be recorded (at most ${drainMs / 1000} s)`);
    let drained = true;
    await Promise.race([Promise.allSettled([...this.effects]), new Promise((r) => setTimeout(r, drainMs).unref()).then(() => (drained = false))]);
    if (!drained)
      log.warn(
        `${this.effects.size} tasks were still running at the stop: they may have run, so the next start records them failed (States.TaskFailed; a Retry runs them again)`,
      );
  }

  /**
   * A hand-over of shards (cluster/leases.ts): waits, at most `drainMs`, for the tasks this node
   * performs for executions of those shards to be recorded, so the next owner finds them answered.
   */
  async drainWhere(inShards: (stream: string) => boolean, drainMs: number): Promise<void> {
    const runs = [...this.running.values()].filter((r) => inShards(r.stream)).map((r) => r.settled);
    if (runs.length === 0) return;
    this.port.log.info(`waiting for ${runs.length} tasks in flight before handing their shards over (at most ${drainMs / 1000} s)`);
    await Promise.race([Promise.allSettled(runs), new Promise((r) => setTimeout(r, drainMs).unref())]);
  }

  /**
   * Performs a task the engine runs itself: `Started` is appended first, then the integration runs
   * and its answer completes the task. A task found started but unanswered after a restart runs
   * again (at least once, as AWS runs Lambda).
   */
  private perform(stream: string, executionArn: string, task: PendingTask, mocked?: MockedResponse, copied = false): void {
    const { port } = this;
    const key = RunningTask.key(stream, task.id);
    if (this.running.has(key) || port.isClosed()) return;
    const [, , , region = port.scope.region, account = port.scope.account] = executionArn.split(':');
    const update = (signal: TaskSignal, meta: CallMetadata = {}) =>
      port.queue.run(stream, () => port.runExecutionCommand(stream, { type: 'TaskUpdate', taskId: task.id, signal }, meta));
    // Started here, answered by nobody: the node that started it stopped (mocks are answered again, they do nothing).
    const interrupted = task.startedAt !== undefined && mocked === undefined && !copied;
    // An ItemReader has no Started event: reading twice (two nodes, a restart) is harmless, the first answer wins.
    const reader = task.kind === 'itemReader';
    const running = new RunningTask(stream, executionArn, task, {
      // The start is the claim to run the task: fenced, so a node that lost the shard cannot make it.
      start: async () => reader || (await update({ type: 'started' }, port.fence?.(stream) ?? {}))?.appended === true,
      answer: () =>
        reader
          ? port.readItems(task)
          : interrupted
            ? Promise.resolve(interruptedTask(task.resource))
            : mocked
              ? Promise.resolve(mockedAnswer(mocked))
              : port.integrations.run(task, { executionArn, region, account }),
      record: (answer) => update(answer, interrupted ? (port.fence?.(stream) ?? {}) : {}),
      failed: (e) =>
        isLeaseLostError(e)
          ? port.log.info(`task ${task.id} of ${stream} is another node's now (this node lost the shard's lease): not run here`)
          : port.log.error(`task ${task.id} of ${stream} (${task.resource}) failed in the engine`, e),
    });
    this.running.set(key, running);
    const run = running.start().finally(() => this.running.delete(key));
    this.track(run);
  }
}
