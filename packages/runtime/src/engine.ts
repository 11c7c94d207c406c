import { randomUUID } from 'node:crypto';
import { type Tag, type TaskSignal, defaultArnScope, type ApiError, type ArnScope, type ExecutionState } from '@stepstream/domain';
import type { EventStore, Position } from '@stepstream/eventstore';
import { activityArns, describeSkippedEvent, getProjector, runningExecutionStreams, sfnReadModel, type Projector } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import type { Kysely } from 'kysely';
import type { OfferedTask } from './activity-tasks.js';
import * as express from './express-executions.js';
import { testState, type TestStateInput, type TestStateResult } from './test-state/test-state.js';
import type { TaskTokens } from './task-tokens.js';
import type { CallMetadata } from './command.js';
import { StateMachineCache } from './state-machine-cache.js';
import { Integrations } from './integrations.js';
import { NoFunctions } from './lambda.js';
import { FoldedExecutions } from './folded-executions.js';
import { Recoveries } from './recoveries.js';
import { silentLogger, type Logger } from './logger.js';
import { SerialQueue } from './serial-queue.js';
import { ExecutionCommands } from './executions/command-handler.js';
import { childExecutions, startExecution, type StartExecutionDeps, type StartExecutionInput } from './executions/start-execution.js';
import { decisionEnv } from './executions/decision-env.js';
import { ExecutionReactor } from './executions/reactor.js';
import { stopExecution, type StopExecutionDeps } from './executions/stop-execution.js';
import { redriveExecution, type RedriveExecutionDeps } from './executions/redrive-execution.js';
import { Tasks } from './tasks/tasks.js';
import type { EngineOptions } from './engine-options.js';
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
  /** What follows a decision: parents answered, tasks dispatched, timers armed (src/executions/reactor.ts). */
  private readonly reactor: ExecutionReactor;
  /** One decision at a time per execution (and per Map Run) in this process. */
  private readonly queue = new SerialQueue();
  private closed = false;
  /** The activities that exist (a Task on any other fails), kept current by this process's writes. */
  private readonly activities = new Set<string>();
  /** The integrations this engine performs (Lambda, service integrations). */
  private readonly integrations: Integrations;
  /** Activity tasks, heartbeats and the tasks the engine performs, in this process (src/tasks/). */
  private readonly tasks: Tasks;
  /** The Map Runs in progress in this process (src/map-runs/). */
  private readonly mapRuns: MapRunScheduler;
  private readonly machines = new StateMachineCache();
  private readonly watchedStore: EventStore;
  /** Executions folded from their histories, kept between decisions. */
  private readonly folded: FoldedExecutions;
  /** Crash markers of executions that were running when this process started (see `resume`). */
  private readonly recoveries: Recoveries;
  /** What the use cases of state machines, versions, aliases, tags and activities need (src/resources/). */
  private readonly resources: ActivityDeps;
  /** What Express executions and TestState need (src/express-executions.ts). */
  private readonly expressStarts: express.ExpressStartDeps;
  /** The execution command handler: the only way events are appended to an execution (src/executions/). */
  private readonly commands: ExecutionCommands;
  /** What StartExecution, StopExecution and RedriveExecution need (src/executions/). */
  private readonly executionUseCases: StartExecutionDeps & StopExecutionDeps & RedriveExecutionDeps;

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
    this.recoveries = new Recoveries(options.store, this.log, this.clock);
    this.commands = new ExecutionCommands({
      store: this.watchedStore,
      folded: this.folded,
      recoveries: this.recoveries,
      log: this.log,
      env: (executionArn) => this.env(executionArn),
      crashEnteringState: options.crashEnteringState,
      machineDeleted: (stream) => stateMachines.machineDeleted(this.resources, stream),
      afterAppend: (stream, state) => this.reactor.afterAppend(stream, state),
    });
    this.mapRuns = new MapRunScheduler({
      store: this.watchedStore,
      scope: this.scope,
      clock: this.clock,
      queue: this.queue,
      isClosed: () => this.closed,
      loadExecutionState: (stream) => this.commands.load(stream),
      runExecutionCommand: (stream, command) => this.commands.run(stream, command, {}),
      appendStart: (stream, info, now) => this.commands.appendStart(stream, info, now),
      completeTask: (executionArn, taskId, answer) => this.completeTask(executionArn, taskId, answer),
    });
    this.integrations = new Integrations(
      options.lambda ?? new NoFunctions(),
      this.clock,
      childExecutions((input) => this.startExecution(input)),
      options.httpConnections ?? {},
    );
    this.tasks = new Tasks({
      scope: this.scope,
      clock: this.clock,
      log: this.log,
      queue: this.queue,
      isClosed: () => this.closed,
      integrations: this.integrations,
      mocks: options.mocks,
      activityPollMs: options.activityPollMs,
      loadActivity: (arn) => this.loadActivity(arn),
      loadExecutionState: (stream) => this.commands.load(stream),
      runExecutionCommand: (stream, command, meta) => this.commands.run(stream, command, meta),
      readYourWrites: (position) => this.readYourWrites(position),
      setAlarm: (stream, at) => this.reactor.setAlarm(stream, at),
      runMapRun: (stream, info, task) => void this.mapRuns.run(stream, info, task),
    });
    this.reactor = new ExecutionReactor({
      clock: this.clock,
      log: this.log,
      queue: this.queue,
      isClosed: () => this.closed,
      commands: this.commands,
      tasks: this.tasks,
      mapRuns: this.mapRuns,
      recoveries: this.recoveries,
      runningStreams: () => runningExecutionStreams(this.db),
      completeTask: (executionArn, taskId, answer) => this.completeTask(executionArn, taskId, answer),
    });
    this.expressStarts = {
      ...this.resources,
      express: { integrations: this.integrations, env: () => this.env(), clock: this.clock },
      log: this.log,
    };
    this.executionUseCases = {
      clock: this.clock,
      log: this.log,
      queue: this.queue,
      commands: this.commands,
      readYourWrites: (position) => this.readYourWrites(position),
      expressStarts: this.expressStarts,
      random: this.random,
      mocks: options.mocks,
      track: (run) => this.tasks.track(run),
      runningMapRunChildren: (parentStream, taskId) => this.mapRuns.runningChildren(parentStream, taskId),
      machineDeleted: (stream) => stateMachines.machineDeleted(this.resources, stream),
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
   * Re-arms every running execution found in the read models, one after the other; one whose
   * decisions crashed the process twice is quarantined (src/executions/reactor.ts).
   */
  resume(): Promise<{ recovered: number; quarantined: readonly string[] }> {
    return this.reactor.resume();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reactor.close();
    // A graceful stop waits for the tasks in flight and records their answers (src/tasks/tasks.ts).
    await this.tasks.close(this.options.drainMs ?? 30_000);
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
    return decisionEnv(
      { clock: this.clock, random: this.random, uuid: this.uuid, activities: this.activities, taskTokens: () => this.taskTokens },
      executionArn,
    );
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

  /** StartExecution (src/executions/start-execution.ts). */
  startExecution(input: StartExecutionInput, meta: CallMetadata = {}): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> {
    return startExecution(this.executionUseCases, input, meta);
  }

  /** StopExecution, and the children it waits on (src/executions/stop-execution.ts). */
  stopExecution(input: { executionArn: string; error?: string; cause?: string }, meta: CallMetadata = {}): Promise<E.Either<ApiError, { stopDate: number }>> {
    return stopExecution(this.executionUseCases, input, meta);
  }

  /** RedriveExecution (src/executions/redrive-execution.ts). */
  redriveExecution(executionArn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, { redriveDate: number }>> {
    return redriveExecution(this.executionUseCases, executionArn, meta);
  }

  /** Lets a quarantined execution run again (at the next start); false when it is not quarantined. */
  async releaseQuarantine(executionArn: string): Promise<E.Either<ApiError, boolean>> {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    return E.right(await this.recoveries.release(located.right.stream));
  }

  async loadExecutionState(stream: string): Promise<ExecutionState> {
    return this.commands.load(stream);
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

  /** GetActivityTask: a worker's long poll (src/tasks/tasks.ts). */
  getActivityTask(input: { activityArn: string; workerName?: string }, signal?: AbortSignal): Promise<E.Either<ApiError, { task?: OfferedTask }>> {
    return this.tasks.getActivityTask(input, signal);
  }

  /** SendTaskSuccess / SendTaskFailure, and the engine's own answers (src/tasks/tasks.ts). */
  completeTask(executionArn: string, taskId: string, answer: TaskSignal, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> {
    return this.tasks.completeTask(executionArn, taskId, answer, meta);
  }

  /** SendTaskHeartbeat (src/tasks/tasks.ts). */
  heartbeatTask(executionArn: string, taskId: string): Promise<E.Either<ApiError, Record<string, never>>> {
    return this.tasks.heartbeatTask(executionArn, taskId);
  }

  /** Alarms armed now (for tests and metrics). */
  get pendingTimers(): number {
    return this.reactor.pendingTimers;
  }
}
