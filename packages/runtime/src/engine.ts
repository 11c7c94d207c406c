import { randomUUID } from 'node:crypto';
import {
  activityWorkerLimitExceeded,
  pendingTasks,
  taskDoesNotExist,
  type PendingTask,
  type ParentTask,
  executionNotRedrivable,
  type Tag,
  taskTimedOut,
  type TaskSignal,
  decideExecution,
  defaultArnScope,
  evolveExecution,
  executionAlreadyExists,
  executionArn as makeExecutionArn,
  executionDoesNotExist,
  executionStream,
  foldExecution,
  invalidName,
  isValidName,
  nextTimerAt,
  HISTORY_EVENT_LIMIT,
  type ApiError,
  type ArnScope,
  type ExecutionCommand,
  type ExecutionInfo,
  type ExecutionState,
} from '@stepstream/domain';
import { WrongExpectedVersionError, type EventStore, type Position } from '@stepstream/eventstore';
import { activityArns, describeSkippedEvent, getProjector, runningExecutionStreams, sfnReadModel, type Projector } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import { ActivityTasks, type OfferedTask } from './activity-tasks.js';
import * as express from './express-executions.js';
import { testState, type TestStateInput, type TestStateResult } from './test-state.js';
import type { TaskTokens } from './task-tokens.js';
import type { CallMetadata } from './command.js';
import { StateMachineCache } from './state-machine-cache.js';
import { Integrations } from './integrations.js';
import { mockedAnswer, type MockedResponse } from './mocks.js';
import { NoFunctions } from './lambda.js';
import { Alarms } from './timers.js';
import { FoldedExecutions } from './folded-executions.js';
import { Recoveries } from './recoveries.js';
import { silentLogger, type Logger } from './logger.js';
import { SerialQueue } from './serial-queue.js';
import { syncAnswer, syncChildren } from './executions/sync-children.js';
import { unsuccessfulEnd } from './executions/report-end.js';
import { Heartbeats } from './tasks/heartbeats.js';
import { resolveStartTarget } from './executions/start-target.js';
import { ACTIVITY_POLL_MS, MAX_ACTIVITY_POLLERS, type EngineOptions } from './engine-options.js';
import { MapRunScheduler } from './map-runs/scheduler.js';
import type { MapRunUpdate } from './map-runs/tracker.js';
import { locateExecution } from './locate.js';
import * as stateMachines from './resources/state-machines.js';
import type { CreateStateMachineInput, UpdateStateMachineInput } from './resources/state-machines.js';
import * as versions from './resources/versions.js';
import * as aliases from './resources/aliases.js';
import * as tagging from './resources/tags.js';
import * as activityResources from './resources/activities.js';
import type { ActivityDeps } from './resources/activities.js';

export { ACTIVITY_POLL_MS, MAX_ACTIVITY_POLLERS, type EngineOptions } from './engine-options.js';

/**
 * The engine: runs the deciders against the event store, keeps the read models current, fires
 * durable timers, and recovers running executions after a restart.
 */
export class Engine {
  readonly scope: ArnScope;
  readonly projector: Projector;
  private readonly clock: () => number;
  private readonly uuid: () => string;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly alarms: Alarms;
  /** One decision at a time per execution (and per Map Run) in this process. */
  private readonly queue = new SerialQueue();
  private closed = false;
  /** Activity tasks waiting for workers, in this process. */
  private readonly activityTasks = new ActivityTasks();
  /** The activities that exist (a Task on any other fails), kept current by this process's writes. */
  private readonly activities = new Set<string>();
  /** The last heartbeat of each task: heartbeats write no history event. */
  private readonly heartbeats = new Heartbeats();
  /** The integrations this engine performs (Lambda, service integrations), and those in flight. */
  private readonly integrations: Integrations;
  private readonly inFlight = new Set<string>();
  /** The Map Runs in progress in this process (src/map-runs/). */
  private readonly mapRuns: MapRunScheduler;
  private readonly machines = new StateMachineCache();
  private readonly watchedStore: EventStore;
  /** How often each mocked state has been invoked, per execution (`stream#state`). */
  private readonly mockInvocations = new Map<string, number>();
  private readonly effects = new Set<Promise<void>>();
  /** Executions folded from their histories, kept between decisions. */
  private readonly folded: FoldedExecutions;
  /** Crash markers of executions that were running when this process started (see `resume`). */
  private readonly recoveries: Recoveries;
  /** What the use cases of state machines, versions, aliases, tags and activities need (src/resources/). */
  private readonly resources: ActivityDeps;
  /** What Express executions and TestState need (src/express-executions.ts). */
  private readonly expressStarts: express.ExpressStartDeps;

  constructor(readonly options: EngineOptions) {
    this.watchedStore = this.machines.watch(options.store);
    this.folded = new FoldedExecutions(options.store);
    this.scope = options.scope ?? defaultArnScope;
    this.clock = options.clock ?? Date.now;
    this.uuid = options.uuid ?? randomUUID;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger;
    this.projector = getProjector({
      store: options.store,
      db: options.db,
      projection: this.machines.following(sfnReadModel),
      onError: (e, attempt) => this.log.error(`read model projector failed (attempt ${attempt}); retrying`, e),
      onSkipped: (skipped) => this.log.error(describeSkippedEvent(skipped)),
    });
    this.resources = {
      store: this.watchedStore,
      scope: this.scope,
      clock: this.clock,
      uuid: this.uuid,
      machines: this.machines,
      activities: this.activities,
      readYourWrites: (position) => this.readYourWrites(position),
    };
    this.mapRuns = new MapRunScheduler({
      store: this.watchedStore,
      scope: this.scope,
      clock: this.clock,
      queue: this.queue,
      isClosed: () => this.closed,
      loadExecutionState: (stream) => this.loadExecutionState(stream),
      runExecutionCommand: (stream, command) => this.runExecutionCommand(stream, command, {}),
      appendStart: (stream, info, now) => this.appendStart(stream, info, now),
      completeTask: (executionArn, taskId, answer) => this.completeTask(executionArn, taskId, answer),
    });
    this.alarms = new Alarms(this.clock, (stream) => void this.fire(stream));
    this.recoveries = new Recoveries(options.store, this.log, this.clock);
    this.integrations = new Integrations(
      options.lambda ?? new NoFunctions(),
      this.clock,
      {
        start: async (input, parent) => {
          const r = await this.startExecution({
            stateMachineArn: input.stateMachineArn,
            input: input.input,
            ...(input.name !== undefined ? { name: input.name } : {}),
            parent,
          });
          return E.isRight(r)
            ? { ok: true, executionArn: r.right.executionArn, startDate: r.right.startDate }
            : { ok: false, tag: r.left._tag, message: r.left.message };
        },
      },
      options.httpConnections ?? {},
    );
    this.expressStarts = {
      ...this.resources,
      express: { integrations: this.integrations, env: () => this.env(), clock: this.clock },
      log: this.log,
    };
  }

  /** The store, through which every append to a state machine's stream refreshes the machine cache. */
  get store(): EventStore {
    return this.watchedStore;
  }
  get db(): Kysely<any> {
    return this.options.db;
  }

  /**
   * Brings the read models up to date, starts following, and re-arms every running execution.
   * With `{ resume: false }` the running executions are left for `resume()`, which a server calls
   * once it listens: work that may have crashed the last process never runs before the service
   * answers.
   */
  async start(options: { readonly resume?: boolean } = {}): Promise<{ recovered: number }> {
    await this.projector.catchUp();
    await this.projector.start();
    for (const arn of await activityArns(this.db)) this.activities.add(arn);
    if (options.resume === false) return { recovered: 0 };
    return this.resume();
  }

  /**
   * Re-arms every running execution found in the read models, one after the other. An execution
   * whose first decision in this process is marked in its recovery stream until it settles; one
   * whose decisions crashed the process twice (two marks never settled) is quarantined: reported,
   * and not run again until it is stopped (StopExecution) or `stepstream quarantine release` is run.
   */
  async resume(): Promise<{ recovered: number; quarantined: readonly string[] }> {
    const running = await runningExecutionStreams(this.db);
    const quarantined: string[] = [];
    for (const stream of running) {
      if (this.closed) break;
      if (await this.recoveries.isQuarantined(stream)) {
        quarantined.push(stream);
        continue;
      }
      this.recoveries.expect(stream);
      await this.fire(stream, { recovering: true });
    }
    return { recovered: running.length - quarantined.length, quarantined };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.alarms.close();
    this.activityTasks.close();
    // A graceful stop waits for the tasks in flight and records their answers, so none runs again
    // after the restart; past `drainMs` it stops waiting (those run again after the restart: at least once).
    const inFlight = this.effects.size;
    if (inFlight > 0) this.log.info(`waiting for ${inFlight} tasks in flight to finish and be recorded (at most ${(this.options.drainMs ?? 30_000) / 1000} s)`);
    let drained = true;
    await Promise.race([
      Promise.allSettled([...this.effects]),
      new Promise((r) => setTimeout(r, this.options.drainMs ?? 30_000).unref()).then(() => (drained = false)),
    ]);
    if (!drained) this.log.warn(`${this.effects.size} tasks were still running at the stop: they run again after the restart`);
    this.options.lambda?.close?.();
    await this.queue.drain();
    await this.projector.stop();
  }

  /** Waits (bounded) until the read models show a write, so a following Describe/List sees it. */
  async readYourWrites(position: Position | undefined): Promise<void> {
    if (!position) return;
    const ok = await this.projector.waitFor(position, this.options.readYourWritesMs ?? 5000);
    if (!ok) this.log.warn('read models are lagging: a write is not yet visible to Describe/List');
  }

  /** Signs task tokens; the API server hands the engine its deployment's signer. */
  private taskTokens: TaskTokens | undefined;

  useTaskTokens(tokens: TaskTokens): void {
    this.taskTokens = tokens;
  }

  private env(executionArn?: string) {
    const tokens = this.taskTokens;
    return {
      now: this.clock(),
      random: this.random,
      uuid: this.uuid,
      activityExists: (arn: string) => this.activities.has(arn),
      ...(tokens && executionArn !== undefined ? { taskToken: (taskId: string) => tokens.issue({ executionArn, taskId }) } : {}),
    };
  }

  // ---------------------------------------------------------------- state machines (src/resources/state-machines.ts)

  createStateMachine(input: CreateStateMachineInput, meta: CallMetadata = {}) {
    return stateMachines.createStateMachine(this.resources, input, meta);
  }

  /** The current state of a state machine, from its stream (authoritative, not the read model). */
  loadStateMachine(arn: string) {
    return stateMachines.loadStateMachine(this.resources, arn);
  }

  updateStateMachine(input: UpdateStateMachineInput, meta: CallMetadata = {}) {
    return stateMachines.updateStateMachine(this.resources, input, meta);
  }

  deleteStateMachine(arn: string, meta: CallMetadata = {}) {
    return stateMachines.deleteStateMachine(this.resources, arn, meta);
  }

  // ---------------------------------------------------------------- executions

  async startExecution(
    input: { stateMachineArn: string; name?: string; input?: string; traceHeader?: string; parent?: ParentTask },
    meta: CallMetadata = {},
  ): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> {
    const resolved = await resolveStartTarget({ ...this.resources, random: this.random, mocks: this.options.mocks }, input.stateMachineArn);
    if (E.isLeft(resolved)) return resolved;
    const { sm, testCase, versionArn, aliasArn } = resolved.right;
    const name = input.name ?? this.uuid();
    if (!isValidName(name)) return E.left(invalidName(name));
    if (sm.stateMachineType === 'EXPRESS') {
      // Express: asynchronous, at least once, nothing stored (AWS keeps no Express history).
      const started = express.expressInfo(this.resources, sm, name, input.input ?? '{}', input.traceHeader);
      const run = express.runExpressInBackground(started, this.expressStarts);
      this.effects.add(run);
      void run.finally(() => this.effects.delete(run));
      return E.right({ executionArn: started.executionArn, startDate: started.startDate });
    }
    const executionArn = makeExecutionArn(this.scope, sm.name, name);
    const stream = executionStream(this.scope.account, this.scope.region, sm.name, name);
    const text = input.input ?? '{}';
    return this.queue.run(stream, async () => {
      // A new name is the common case: append with no_stream straight away (the store enforces
      // uniqueness); only when the name is taken, read the execution for the idempotency rule.
      const now = this.clock();
      const info: ExecutionInfo = {
        executionArn,
        stateMachineArn: sm.stateMachineArn,
        stateMachineName: sm.name,
        name,
        roleArn: sm.roleArn,
        definition: sm.definition,
        stateMachineType: sm.stateMachineType,
        input: text,
        startDate: now,
        ...(input.traceHeader !== undefined ? { traceHeader: input.traceHeader } : {}),
        ...(input.parent !== undefined ? { parent: input.parent } : {}),
        ...(testCase !== undefined ? { testCase } : {}),
        ...(versionArn !== undefined ? { stateMachineVersionArn: versionArn } : {}),
        ...(aliasArn !== undefined ? { stateMachineAliasArn: aliasArn } : {}),
      };
      const decided = decideExecution(foldExecution([]), { type: 'StartExecution', info }, { ...this.env(executionArn), now });
      try {
        const appended = await this.store.appendToStream(
          stream,
          decided.map((e) => ({ ...e, metadata: { ...meta, ...(e.metadata ?? {}) } })),
          { expectedRevision: 'no_stream' },
        );
        const started = decided.reduce(evolveExecution, foldExecution([]));
        this.folded.remember(stream, started, appended.nextExpectedRevision);
        this.reportEnd(started, decided);
        this.afterAppend(stream, started);
        await this.readYourWrites(appended.position);
        return E.right({ executionArn, startDate: now });
      } catch (e) {
        if (!(e instanceof WrongExpectedVersionError)) throw e;
      }
      // Idempotent while RUNNING with the same input; otherwise the name is taken.
      const existing = (await this.folded.load(stream)).state;
      return existing.status === 'RUNNING' && existing.info?.input === text
        ? E.right({ executionArn, startDate: existing.info.startDate })
        : E.left(executionAlreadyExists(executionArn));
    });
  }

  async stopExecution(
    input: { executionArn: string; error?: string; cause?: string },
    meta: CallMetadata = {},
  ): Promise<E.Either<ApiError, { stopDate: number }>> {
    const located = locateExecution(input.executionArn);
    if (E.isLeft(located)) return located;
    const where = located.right;
    return this.queue.run(where.stream, async () => {
      const before = await this.loadExecutionState(where.stream);
      // The children it waits on: .sync executions, and the running child runs of its Map Runs.
      const children = [
        ...syncChildren(before),
        ...pendingTasks(before).flatMap((t) => (t.kind === 'mapRun' ? this.mapRuns.runningChildren(where.stream, t.id) : [])),
      ];
      const outcome = await this.runExecutionCommand(
        where.stream,
        {
          type: 'StopExecution',
          ...(input.error !== undefined ? { error: input.error } : {}),
          ...(input.cause !== undefined ? { cause: input.cause } : {}),
        },
        meta,
      );
      if (!outcome) return E.left(executionDoesNotExist(input.executionArn));
      // Stopping a parent stops the children it waits on with .sync (not awaited: each has its own queue).
      if (outcome.appended)
        for (const child of children) void this.stopExecution({ executionArn: child }).catch((e) => this.log.error(`could not stop ${child}`, e));
      await this.readYourWrites(outcome.position);
      return E.right({ stopDate: outcome.state.stopDate ?? this.clock() });
    });
  }

  /**
   * RedriveExecution: a FAILED, ABORTED or TIMED_OUT STANDARD execution, closed less than 14 days
   * ago, starts again from the top-level state it ended in (`ExecutionRedriven{redriveCount}`).
   */
  async redriveExecution(executionArn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, { redriveDate: number }>> {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    const stream = located.right.stream;
    return this.queue.run(stream, async () => {
      const state = await this.loadExecutionState(stream);
      if (state.status === undefined) return E.left(executionDoesNotExist(executionArn));
      if (state.status === 'RUNNING' || state.status === 'SUCCEEDED')
        return E.left(executionNotRedrivable(`Execution is ${state.status} and cannot be redriven`));
      if (state.stopDate !== undefined && this.clock() - state.stopDate > 14 * 24 * 3600 * 1000) {
        return E.left(executionNotRedrivable('Execution can only be redriven within 14 days of its end'));
      }
      // AWS: a redrive needs room for ExecutionRedriven and at least one more event.
      if (state.lastEventId >= HISTORY_EVENT_LIMIT - 1) return E.left(executionNotRedrivable('Execution history event limit exceeded'));
      if (!state.restart) return E.left(executionNotRedrivable('Execution has no state to redrive from'));
      if (await stateMachines.machineDeleted(this.resources, stream)) return E.left(executionNotRedrivable('State machine is in DELETING status'));
      const outcome = await this.runExecutionCommand(stream, { type: 'RedriveExecution' }, meta);
      if (!outcome?.appended) return E.left(executionNotRedrivable(`Execution is ${state.status} and cannot be redriven`));
      await this.readYourWrites(outcome.position);
      return E.right({ redriveDate: outcome.state.info?.redriveDate ?? this.clock() });
    });
  }

  /** Lets a quarantined execution run again (at the next start); false when it is not quarantined. */
  async releaseQuarantine(executionArn: string): Promise<E.Either<ApiError, boolean>> {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    return E.right(await this.recoveries.release(located.right.stream));
  }

  async loadExecutionState(stream: string): Promise<ExecutionState> {
    return (await this.folded.load(stream)).state;
  }

  /**
   * Decides and appends one command on an existing execution; undefined when it does not exist.
   * An execution whose state machine was deleted is stopped at its next transition (AWS): a
   * timer or task answer then aborts it instead.
   */
  private async runExecutionCommand(stream: string, requested: ExecutionCommand, meta: CallMetadata) {
    const transition = requested.type === 'FireTimers' || requested.type === 'TaskUpdate';
    const command: ExecutionCommand = transition && (await stateMachines.machineDeleted(this.resources, stream)) ? { type: 'StopExecution' } : requested;
    if (command !== requested) this.log.info(`${stream}: its state machine was deleted; stopping it at this transition`);
    // Read (the fold kept from the last decision, and what others appended since), decide, append
    // with the revision read; a writer that raced us makes the append fail, and we decide again.
    for (let attempt = 1; ; attempt++) {
      const { state: before, revision } = await this.folded.load(stream);
      if (revision === 'no_stream') return undefined;
      await this.recoveries.begin(stream);
      const decided = decideExecution(before, command, this.env(before.info?.executionArn));
      const crash = this.options.crashEnteringState;
      if (crash !== undefined && decided.some((e) => e.type.endsWith('StateEntered') && e.data.stateEnteredEventDetails?.name === crash)) {
        this.log.error(`fault injection: the process dies deciding ${stream} (it enters '${crash}')`);
        process.kill(process.pid, 'SIGKILL');
      }
      let state = before;
      for (const e of decided) state = evolveExecution(state, e);
      if (decided.length === 0) {
        this.afterAppend(stream, state);
        return { state, position: undefined, appended: false };
      }
      try {
        const appended = await this.store.appendToStream(
          stream,
          decided.map((e) => ({ ...e, metadata: { ...meta, ...(e.metadata ?? {}) } })),
          { expectedRevision: revision },
        );
        this.folded.remember(stream, state, appended.nextExpectedRevision);
        this.reportEnd(state, decided);
        this.afterAppend(stream, state);
        return { state, position: appended.position, appended: true };
      } catch (e) {
        if (!(e instanceof WrongExpectedVersionError) || attempt >= 8) throw e;
      }
    }
  }

  /**
   * Appends a new execution's start with `no_stream` (a Map Run's child) and acts on it; false
   * when the stream exists already.
   */
  private async appendStart(stream: string, info: ExecutionInfo, now: number): Promise<boolean> {
    const decided = decideExecution(foldExecution([]), { type: 'StartExecution', info }, { ...this.env(info.executionArn), now });
    try {
      await this.store.appendToStream(stream, decided, { expectedRevision: 'no_stream' });
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      return false;
    }
    this.afterAppend(stream, decided.reduce(evolveExecution, foldExecution([])));
    return true;
  }

  /** `info` logs every execution that ends unsuccessfully (one line: status, error, cause). */
  private reportEnd(state: ExecutionState, decided: readonly { readonly type: string }[]): void {
    const line = unsuccessfulEnd(state, decided);
    if (line !== undefined) this.log.info(line);
  }

  /** After a decision: arm the execution's next timer and offer its new activity tasks to workers. */
  private afterAppend(stream: string, state: ExecutionState): void {
    const parent = state.info?.parent;
    if (parent && state.status !== 'RUNNING' && (parent.pattern === 'sync' || parent.pattern === 'sync:2')) void this.answerParent(state);
    if (parent && state.status !== 'RUNNING' && parent.pattern === 'mapRun') void this.mapRuns.childEnded(state);
    const tasks = pendingTasks(state);
    this.heartbeats.keepOnly(stream, new Set(tasks.map((t) => t.id)));
    this.activityTasks.settle(stream, new Set(tasks.filter((t) => t.startedAt === undefined).map((t) => t.id)));
    for (const task of tasks) {
      if (!state.info) continue;
      if (state.info.testCase !== undefined && this.options.mocks && task.startedAt === undefined) {
        const key = `${stream}#${task.id}`;
        if (this.inFlight.has(key)) continue;
        const count = `${stream}#${task.state}`;
        const index = this.mockInvocations.get(count) ?? 0;
        const mocked = this.options.mocks.response(state.info.stateMachineName, state.info.testCase, task.state, index);
        if (mocked) {
          this.mockInvocations.set(count, index + 1);
          this.perform(stream, state.info.executionArn, task, mocked);
          continue;
        }
      }
      if (task.kind === 'mapRun') void this.mapRuns.run(stream, state.info, task);
      else if (task.kind === 'activity') {
        if (task.startedAt === undefined)
          this.activityTasks.offer({ activityArn: task.resource, stream, executionArn: state.info.executionArn, taskId: task.id, input: task.input });
      } else if (!task.submitted) this.perform(stream, state.info.executionArn, task);
    }
    const next = nextTimerAt(state, this.heartbeats.of(stream, state));
    this.alarms.set(stream, next);
    // Settled: nothing more to decide at once (a pause between two slices is due at once).
    if (next === undefined || next > this.clock()) this.recoveries.settle(stream);
  }

  /**
   * Fires what is due on an execution (or re-arms its alarm when nothing is). After a restart
   * (`recovering`) its tasks are offered again, and a started task's heartbeat clock restarts:
   * heartbeats are not stored, so a restart gives workers one full heartbeat interval.
   */
  private fire(stream: string, options: { readonly recovering?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.queue.run(stream, async () => {
      try {
        const state = await this.loadExecutionState(stream);
        if (options.recovering) {
          for (const task of pendingTasks(state)) if (task.startedAt !== undefined) this.heartbeats.beat(stream, task.id, this.clock());
          this.afterAppend(stream, state);
          // A .sync child may have ended while this process was down.
          for (const child of syncChildren(state)) {
            const where = locateExecution(child);
            if (E.isRight(where)) {
              const childState = await this.loadExecutionState(where.right.stream);
              if (childState.status !== 'RUNNING') void this.answerParent(childState);
            }
          }
        }
        const heartbeats = this.heartbeats.of(stream, state);
        const at = nextTimerAt(state, heartbeats);
        if (at === undefined) return this.alarms.set(stream, undefined);
        if (at > this.clock()) return this.alarms.set(stream, at);
        await this.runExecutionCommand(stream, { type: 'FireTimers', ...(Object.keys(heartbeats).length > 0 ? { heartbeats } : {}) }, {});
      } catch (e) {
        if (this.closed) return;
        this.log.error(`timer of ${stream} failed; retrying in 1 s`, e);
        this.alarms.set(stream, this.clock() + 1000);
      }
    });
  }

  /**
   * Performs a task the engine runs itself: `Started` is appended first, then the integration runs
   * and its answer completes the task. A task found started but unanswered after a restart runs
   * again (at least once, as AWS runs Lambda).
   */
  private perform(stream: string, executionArn: string, task: PendingTask, mocked?: MockedResponse): void {
    const key = `${stream}#${task.id}`;
    if (this.inFlight.has(key) || this.closed) return;
    this.inFlight.add(key);
    const [, , , region = this.scope.region, account = this.scope.account] = executionArn.split(':');
    const run = (async () => {
      try {
        if (task.startedAt === undefined) {
          const started = await this.queue.run(stream, () =>
            this.runExecutionCommand(stream, { type: 'TaskUpdate', taskId: task.id, signal: { type: 'started' } }, {}),
          );
          if (!started?.appended) return;
        }
        const answer: TaskSignal = mocked ? mockedAnswer(mocked) : await this.integrations.run(task, { executionArn, region, account });
        // Even while closing: a graceful stop records what finished, so nothing runs twice after a restart.
        await this.queue.run(stream, () => this.runExecutionCommand(stream, { type: 'TaskUpdate', taskId: task.id, signal: answer }, {}));
      } catch (e) {
        this.log.error(`task ${task.id} of ${stream} (${task.resource}) failed in the engine`, e);
      } finally {
        this.inFlight.delete(key);
      }
    })();
    this.effects.add(run);
    void run.finally(() => this.effects.delete(run));
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
      await this.completeTask(parent.executionArn, parent.taskId, signal);
    } catch (e) {
      this.log.error(`could not answer ${parent.executionArn} for its child ${child.info?.executionArn}`, e);
    }
  }

  /**
   * UpdateMapRun: a running Map Run's MaxConcurrency (applied at once) and tolerated failures
   * (applied when it ends), kept in the Map Run's stream so a restart keeps them.
   */
  updateMapRun(mapRunArn: string, update: MapRunUpdate, running: boolean, meta: CallMetadata = {}) {
    return this.mapRuns.update(mapRunArn, update, running, meta);
  }

  // ---------------------------------------------------------------- express

  /**
   * StartSyncExecution: runs an Express execution to its end and answers with its result (200 even
   * when it failed, as AWS does). STANDARD machines get StateMachineTypeNotSupported.
   */
  startSyncExecution(input: { stateMachineArn: string; name?: string; input?: string; traceHeader?: string }) {
    return express.startSyncExecution(this.expressStarts, input);
  }

  /** TestState: one state run on its own, in memory (see test-state.ts). */
  testState(input: TestStateInput): Promise<TestStateResult> {
    return testState(input, this.expressStarts.express);
  }

  // ---------------------------------------------------------------- versions (src/resources/versions.ts)

  publishVersion(input: { stateMachineArn: string; revisionId?: string; description?: string }, meta: CallMetadata = {}) {
    return versions.publishVersion(this.resources, input, meta);
  }

  /** A state machine's versions, newest first. */
  listVersions(stateMachineArn: string) {
    return versions.listVersions(this.resources, stateMachineArn);
  }

  /** The version a version ARN names, or ResourceNotFound / InvalidArn. */
  loadVersion(versionArn: string) {
    return versions.loadVersion(this.resources, versionArn);
  }

  deleteVersion(versionArn: string, meta: CallMetadata = {}) {
    return versions.deleteVersion(this.resources, versionArn, meta);
  }

  // ---------------------------------------------------------------- aliases (src/resources/aliases.ts)

  createAlias(
    input: { name: string; description?: string; routingConfiguration: readonly { stateMachineVersionArn: string; weight: number }[] },
    meta: CallMetadata = {},
  ) {
    return aliases.createAlias(this.resources, input, meta);
  }

  /** The alias an alias ARN names, or ResourceNotFound. */
  loadAlias(aliasArn: string) {
    return aliases.loadAlias(this.resources, aliasArn);
  }

  updateAlias(
    input: { stateMachineAliasArn: string; description?: string; routingConfiguration?: readonly { stateMachineVersionArn: string; weight: number }[] },
    meta: CallMetadata = {},
  ) {
    return aliases.updateAlias(this.resources, input, meta);
  }

  /** Deleting a missing alias answers 200 (rec). */
  deleteAlias(aliasArn: string, meta: CallMetadata = {}) {
    return aliases.deleteAlias(this.resources, aliasArn, meta);
  }

  listAliases(stateMachineArn: string) {
    return aliases.listAliases(this.resources, stateMachineArn);
  }

  // ---------------------------------------------------------------- tags (src/resources/tags.ts)

  tagResource(arn: string, tags: readonly Tag[], meta: CallMetadata = {}) {
    return tagging.tagResource(this.resources, arn, tags, meta);
  }

  untagResource(arn: string, tagKeys: readonly string[], meta: CallMetadata = {}) {
    return tagging.untagResource(this.resources, arn, tagKeys, meta);
  }

  listTags(arn: string) {
    return tagging.listTags(this.resources, arn);
  }

  // ---------------------------------------------------------------- activities (src/resources/activities.ts)

  createActivity(
    input: { name: string; tags?: readonly { key: string; value: string }[]; encryptionConfiguration?: Record<string, unknown> },
    meta: CallMetadata = {},
  ) {
    return activityResources.createActivity(this.resources, input, meta);
  }

  deleteActivity(arn: string, meta: CallMetadata = {}) {
    return activityResources.deleteActivity(this.resources, arn, meta);
  }

  /** The activity as its stream has it (authoritative), or ActivityDoesNotExist. */
  loadActivity(arn: string) {
    return activityResources.loadActivity(this.resources, arn);
  }

  /**
   * A worker's long poll: the next task of the activity, handed to this worker only, with
   * `ActivityStarted{workerName}` written when it is handed over; `{}` when none came in time.
   */
  async getActivityTask(input: { activityArn: string; workerName?: string }, signal?: AbortSignal): Promise<E.Either<ApiError, { task?: OfferedTask }>> {
    const activity = await this.loadActivity(input.activityArn);
    if (E.isLeft(activity)) return activity;
    if (this.activityTasks.waiting(input.activityArn) >= MAX_ACTIVITY_POLLERS) return E.left(activityWorkerLimitExceeded());
    const deadline = this.clock() + (this.options.activityPollMs ?? ACTIVITY_POLL_MS);
    for (;;) {
      const task = await this.activityTasks.take(input.activityArn, deadline - this.clock(), signal);
      if (!task) return E.right({});
      if (signal?.aborted || this.closed) {
        this.activityTasks.giveBack(task);
        return E.right({});
      }
      const started: TaskSignal = { type: 'started', ...(input.workerName !== undefined ? { workerName: input.workerName } : {}) };
      const outcome = await this.queue.run(task.stream, () =>
        this.runExecutionCommand(task.stream, { type: 'TaskUpdate', taskId: task.taskId, signal: started }, {}),
      );
      if (outcome?.appended) {
        this.heartbeats.beat(task.stream, task.taskId, this.clock());
        return E.right({ task });
      }
      // Gone meanwhile (timed out, execution stopped, started by another node): try the next one.
      this.activityTasks.forget(task.stream, task.taskId);
    }
  }

  /**
   * A worker's answer for a task (SendTaskSuccess / SendTaskFailure): TaskDoesNotExist when the
   * execution is unknown, TaskTimedOut when the task is no longer waiting for an answer.
   */
  async completeTask(executionArn: string, taskId: string, answer: TaskSignal, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return E.left(taskDoesNotExist());
    const stream = located.right.stream;
    return this.queue.run(stream, async () => {
      const outcome = await this.runExecutionCommand(stream, { type: 'TaskUpdate', taskId, signal: answer }, meta);
      if (!outcome) return E.left(taskDoesNotExist());
      if (!outcome.appended) return E.left(taskTimedOut());
      this.activityTasks.forget(stream, taskId);
      await this.readYourWrites(outcome.position);
      return E.right({});
    });
  }

  /** SendTaskHeartbeat: resets the task's heartbeat clock (no history event, as on AWS). */
  async heartbeatTask(executionArn: string, taskId: string): Promise<E.Either<ApiError, Record<string, never>>> {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return E.left(taskDoesNotExist());
    const stream = located.right.stream;
    return this.queue.run(stream, async () => {
      const state = await this.loadExecutionState(stream);
      if (state.status === undefined) return E.left(taskDoesNotExist());
      if (!pendingTasks(state).some((t) => t.id === taskId)) return E.left(taskTimedOut());
      this.heartbeats.beat(stream, taskId, this.clock());
      this.alarms.set(stream, nextTimerAt(state, this.heartbeats.of(stream, state)));
      return E.right({});
    });
  }

  /** Alarms armed now (for tests and metrics). */
  get pendingTimers(): number {
    return this.alarms.size;
  }
}
