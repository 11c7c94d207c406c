import { createPublicKey, randomUUID } from 'node:crypto';
import { defaultArnScope, type ArnScope, type TaskSignal } from '@stepstream/domain';
import { chainedEventStore, comparePositions, isLeaseLostError, type EventStore, type Position } from '@stepstream/eventstore';
import {
  activityArns,
  analyticsReadModel,
  describeSkippedEvent,
  getProjector,
  runningExecutionStreams,
  sfnReadModel,
  type AnalyticsListener,
  type Projector,
} from '@stepstream/projections';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { EngineMetrics, type MetricsScrape } from './analytics/metrics.js';
import { auditApi, type AuditApi } from './audit/audit-api.js';
import { AwsServices } from './aws/aws-services.js';
import { bucketsAt, sdkEndpoints } from './aws/configured.js';
import { AuditTables } from './audit/audit-queries.js';
import { auditTree } from './audit/audit-tree.js';
import { Checkpointer, CHECKPOINT_EVERY, CHECKPOINT_INTERVAL_MS } from './audit/checkpointer.js';
import { loadDeployment, type Deployment } from './deployment.js';
import type { EngineOptions } from './engine-options.js';
import { ExecutionCommands } from './executions/command-handler.js';
import { decisionEnv } from './executions/decision-env.js';
import { ExecutionClocks } from './virtual-time.js';
import { executionsApi, type ExecutionsApi } from './executions/api.js';
import { ExecutionReactor } from './executions/reactor.js';
import { childExecutions, startExecution } from './executions/start-execution.js';
import type { ExpressStartDeps } from './express/start.js';
import { FoldedExecutions } from './executions/folded-executions.js';
import { InspectSnapshots } from './executions/inspect.js';
import { Integrations } from './integrations/integrations.js';
import { NoFunctions } from './integrations/lambda.js';
import { silentLogger, type Logger } from './logger.js';
import { MapRunData } from './map-runs/map-data.js';
import { MapRunScheduler } from './map-runs/scheduler.js';
import { Recoveries } from './executions/recoveries.js';
import { resourcesApi, type ResourcesApi } from './resources/api.js';
import { machineDeleted } from './resources/state-machines.js';
import { SerialQueue } from './serial-queue.js';
import { StateMachineCache } from './resources/state-machine-cache.js';
import { StreamFolds } from './resources/stream-folds.js';
import { Tasks } from './tasks/tasks.js';
import { ClusterChannel } from './cluster/channel.js';
import { ClusterFollower, type ExecutionAppended } from './cluster/follower.js';
import { ShardLeases } from './cluster/leases.js';
import { leaseOwnership, soleOwnership, type Ownership } from './cluster/ownership.js';
import { shardOf } from './cluster/shards.js';
import { SharedActivityQueue } from './cluster/shared-activity-queue.js';

export { ACTIVITY_POLL_MS, MAX_ACTIVITY_POLLERS, type EngineOptions } from './engine-options.js';

/** What the API server reads directly: the read models and the streams (histories are read natively). */
export interface Reads {
  /**
   * The read models, once they show every write this process has acknowledged (read-your-writes):
   * a write answers as soon as it is stored, and the next Describe or List waits (bounded) for the
   * projector instead. Already caught up, it answers without waiting.
   */
  readonly readModel: () => Promise<Kysely<any>>;
  /**
   * The analytics read model (docs/analytics.md), once it shows every event committed before the
   * call (bounded wait: it answers with what it has after 10 s, and logs that it lags).
   */
  readonly analytics: () => Promise<Kysely<any>>;
  /** The store, through which every append to a state machine's stream refreshes the machine cache. */
  readonly store: EventStore;
}

/** Activity workers' calls and the answers of tasks (src/tasks/tasks.ts). */
export type TasksApi = Pick<Tasks, 'getActivityTask' | 'completeTask' | 'heartbeatTask' | 'activityBacklog'>;

/** The ports an API server is given: the use cases, the reads, and the deployment's tokens. */
export interface EnginePorts {
  /** The deployment's partition, region and account: what its ARNs carry. */
  readonly scope: ArnScope;
  readonly resources: ResourcesApi;
  readonly executions: ExecutionsApi;
  readonly tasks: TasksApi;
  readonly reads: Reads;
  /** The deployment's secret and task tokens; available once the engine has started. */
  readonly deployment: () => Deployment;
  /** The audit tree's checkpoints and proofs. */
  readonly audit: AuditApi;
  /** The engine's metrics in Prometheus's text format (`GET /metrics`, src/analytics/metrics.ts). */
  readonly metrics: MetricsScrape;
}

/**
 * The engine, wired: the command handler and the reactor of executions, their tasks and Map Runs,
 * the use cases of resources, and the read model projector, over one store. It decides nothing
 * itself (the domain's deciders do) and performs only through its parts; what it exposes is the
 * {@link EnginePorts} and its life cycle (start, resume, close).
 */
export class Engine implements EnginePorts {
  readonly scope: ArnScope;
  readonly projector: Projector;
  readonly resources: ResourcesApi;
  readonly executions: ExecutionsApi;
  readonly tasks: TasksApi;
  readonly reads: Reads;
  readonly audit: AuditApi;
  /** Keeps the audit tree (a Merkle tree over `$all`, src/audit/audit-tree.ts). */
  readonly auditProjector: Projector;
  /** Keeps the analytics read model (docs/analytics.md); its listeners hear what each batch did. */
  readonly analyticsProjector: Projector;
  /** CloudWatch's AWS/States metrics, the engine's and the process's, in a registry of the engine's own. */
  readonly metrics: EngineMetrics;
  private readonly analyticsListeners = new Set<AnalyticsListener>();
  /** Signs the tree's checkpoints; undefined without an audit key. */
  private readonly checkpointer: Checkpointer | undefined;
  private readonly log: Logger;
  /** One decision at a time per execution (and per Map Run) in this process. */
  private readonly queue = new SerialQueue();
  private closed = false;
  /** Closes the SDK clients of the configured AWS services (set in the constructor). */
  private readonly closeClients: () => void;
  /** The activities that exist (a Task on any other fails), kept current by this process's writes. */
  private readonly activities = new Set<string>();
  private readonly taskRunner: Tasks;
  private readonly reactor: ExecutionReactor;
  private readonly mapRuns: MapRunScheduler;
  private started: Deployment | undefined;
  /** The newest position of a write this process answered for (see {@link Engine.readModel}). */
  private acknowledged: Position | undefined;
  /** The store every part reads and appends through: the given one, hash-chained unless `chain` is false. */
  private readonly base: EventStore;
  /** Several nodes (options.cluster): this node's shard leases, its channel to the others, and its follower of their appends. */
  private readonly cluster:
    | { readonly leases: ShardLeases; readonly channel: ClusterChannel; readonly follower: ClusterFollower; readonly activities: SharedActivityQueue }
    | undefined;
  /** The leases' own connections (several nodes). */
  private readonly leaseDb: Kysely<any> | undefined;
  /** Per execution this node owns: the last revision whose effects it performed (the follower pokes only past it). */
  private readonly reacted = new Map<string, bigint>();
  /** Executions resumed and quarantined since the engine started (a cluster node resumes shard by shard). */
  private resumed = { recovered: 0, quarantined: [] as string[] };

  constructor(readonly options: EngineOptions) {
    this.scope = options.scope ?? defaultArnScope;
    const clock = options.clock ?? options.virtualTime?.now ?? Date.now;
    const uuid = options.uuid ?? randomUUID;
    const random = options.random ?? Math.random;
    const log = (this.log = options.log ?? silentLogger);
    const isClosed = () => this.closed;
    const queue = this.queue;
    const machines = new StateMachineCache();
    // Folds of histories, kept as decisions reach them and as inspections read them.
    const snapshots = new InspectSnapshots();
    // The metrics' gauges are read at scrape time (the projectors and the reactor are built below).
    this.metrics = new EngineMetrics({
      log,
      db: options.db,
      projections: {
        sfn_read: () => this.projector.lag(),
        ...(options.audit === false ? {} : { audit: () => this.auditProjector.lag() }),
        ...(options.analytics === false ? {} : { analytics: () => this.analyticsProjector.lag() }),
      },
      pendingTimers: () => this.pendingTimers,
    });
    this.onAnalytics((outcomes) => this.metrics.observe(outcomes));
    // Every append goes through the chain (one place, above the port, whatever the adapter), timed.
    const base = (this.base = this.metrics.timeAppends(options.chain === false ? options.store : chainedEventStore(options.store)));
    const store = machines.watch(base);
    this.reads = { readModel: () => this.readModel(), analytics: () => this.analyticsModel(), store };
    const cluster = options.cluster;
    const schema = cluster?.schema ?? 'stepstream';
    const inShards = (shards: readonly number[]) => {
      const set = new Set(shards);
      return (stream: string) => set.has(shardOf(stream));
    };
    // The leases get connections of their own: a busy pool must not delay a renewal past the lease.
    const leaseDb = cluster ? new Kysely<any>({ dialect: new PostgresDialect({ pool: leasePool(cluster.connectionString) }) }) : undefined;
    this.leaseDb = leaseDb;
    const leases =
      cluster && leaseDb
        ? new ShardLeases(
            leaseDb,
            schema,
            cluster.node,
            {
              acquired: async (shards) => {
                // Everything appended before the lease was taken is in the read models once they reach the head.
                const head = await this.head.read();
                if (head) await this.projector.waitFor(head, 30_000);
                const r = await this.reactor.resumeWhere(inShards(shards));
                this.resumed = { recovered: this.resumed.recovered + r.recovered, quarantined: [...this.resumed.quarantined, ...r.quarantined] };
              },
              lost: (shards) => {
                this.reactor.dropWhere(inShards(shards));
                mapRuns.dropWhere(inShards(shards));
              },
              handOver: async (shards) => {
                this.reactor.dropWhere(inShards(shards));
                mapRuns.dropWhere(inShards(shards));
                await this.taskRunner.drainWhere(inShards(shards), options.drainMs ?? 30_000);
              },
            },
            log,
            cluster.leaseTimes,
          )
        : undefined;
    const ownership: Ownership = leases && cluster ? leaseOwnership(cluster.node, leases.held) : soleOwnership;
    const channel = cluster ? new ClusterChannel(cluster.connectionString, options.db, `${schema}_cluster`, log) : undefined;
    const sharedActivities = cluster && channel ? new SharedActivityQueue(options.db, schema, cluster.node, (m) => channel.say(m), log) : undefined;
    const follower = cluster
      ? new ClusterFollower(
          base,
          {
            executions: (appended) => this.othersAppended(appended, ownership),
            stateMachine: (stream) => machines.invalidate(stream),
            activityCreated: (arn) => this.activities.add(arn),
            activityDeleted: (arn) => this.activities.delete(arn),
            mapRun: (stream) => void this.mapRuns.updated(stream).catch((e: unknown) => log.error(`could not apply the updates of ${stream}`, e)),
          },
          log,
        )
      : undefined;
    this.cluster = leases && channel && follower && sharedActivities ? { leases, channel, follower, activities: sharedActivities } : undefined;
    this.projector = getProjector({
      store: base,
      db: options.db,
      projection: machines.following(sfnReadModel),
      // A batch costs ~7 round trips however few events it holds: under load, a pause gathers
      // many executions' starts and ends into one. 25 ms while nobody reads; 5 ms while a read
      // waits for a write (Describe or List after a Start), which then waits up to 5 ms more.
      liveBatchIntervalMs: 25,
      waitedBatchIntervalMs: 5,
      onError: (e, attempt) => log.error(`read model projector failed (attempt ${attempt}); retrying`, e),
      onSkipped: (skipped) => log.error(describeSkippedEvent(skipped)),
    });
    const audit = options.audit === false ? {} : (options.audit ?? {});
    this.auditProjector = getProjector({
      store: base,
      db: options.db,
      projection: auditTree,
      // Four statements a batch however large: big batches while catching up, and live a batch
      // at most every 250 ms (nothing waits on the tree but proofs, which catch it up themselves).
      batchSize: 2000,
      liveBatchIntervalMs: 250,
      onError: (e, attempt) => log.error(`audit tree projector failed (attempt ${attempt}); retrying`, e),
      onSkipped: (skipped) => log.error(`the audit tree skipped an event: every later proof is broken until a rebuild. ${describeSkippedEvent(skipped)}`),
    });
    this.analyticsProjector = getProjector({
      store: base,
      db: options.db,
      projection: analyticsReadModel((outcomes) => {
        for (const listener of this.analyticsListeners) {
          try {
            listener(outcomes);
          } catch (e) {
            log.error('an analytics listener failed (metrics or traces miss this batch)', e);
          }
        }
      }),
      batchSize: 1000,
      liveBatchIntervalMs: 50,
      onError: (e, attempt) => log.error(`analytics projector failed (attempt ${attempt}); retrying`, e),
      onSkipped: (skipped) => log.error(`the analytics read model skipped an event. ${describeSkippedEvent(skipped)}`),
    });
    const tables = new AuditTables(options.db);
    const key = audit.privateKeyPem;
    this.checkpointer =
      key === undefined
        ? undefined
        : new Checkpointer({
            store: base,
            tables,
            projector: this.auditProjector,
            privateKeyPem: key,
            clock,
            log,
            every: audit.checkpointEvery ?? CHECKPOINT_EVERY,
            intervalMs: audit.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS,
          });
    this.audit = auditApi({
      store: base,
      tables,
      projector: this.auditProjector,
      checkpointer: this.checkpointer,
      publicKeyPem: key === undefined ? undefined : createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
    });
    const acknowledge = (position: Position | undefined) => this.acknowledge(position);
    const resources = { store, scope: this.scope, clock, uuid, machines, folds: new StreamFolds(), activities: this.activities, acknowledge };
    this.resources = resourcesApi(resources);
    const recoveries = new Recoveries(base, log, clock);
    // Executions on their own virtual clocks (a fork's `time: virtual`); every other decision reads the engine's clock.
    const clocks = new ExecutionClocks(clock);
    const env = (executionArn?: string) =>
      decisionEnv(
        { clock: () => clocks.now(executionArn), random, uuid, activities: this.activities, taskTokens: () => this.started?.taskTokens },
        executionArn,
      );
    const isDeleted = (stream: string) => machineDeleted(resources, stream);
    const commands: ExecutionCommands = new ExecutionCommands({
      store,
      folded: new FoldedExecutions(base, undefined, (stream, state) => snapshots.decided(stream, state)),
      recoveries,
      log,
      env,
      crashEnteringState: options.crashEnteringState,
      machineDeleted: isDeleted,
      heartbeats: (stream, state) => tasks.heartbeatsOf(stream, state),
      react: (stream, effects, revision) => {
        if (this.cluster && ownership.owns(stream)) this.reacted.set(stream, revision);
        this.reactor.perform(stream, effects);
      },
      clocks,
    });
    const completeTask = (executionArn: string, taskId: string, answer: TaskSignal) => tasks.completeTask(executionArn, taskId, answer);
    // A Distributed Map's ItemReader and ResultWriter read and write the deployment's S3; Tasks call the services configured.
    const mapData = new MapRunData(bucketsAt(options.endpoints?.get('s3'), this.scope.region));
    const services = options.endpoints ? new AwsServices(sdkEndpoints(options.endpoints)) : undefined;
    this.closeClients = () => {
      mapData.close();
      services?.close();
    };
    const mapRuns = new MapRunScheduler({
      store,
      scope: this.scope,
      clock,
      queue,
      isClosed,
      loadExecutionState: (stream) => commands.load(stream),
      runExecutionCommand: (stream, command, meta) => commands.run(stream, command, meta),
      appendStart: async (stream, info, now, meta) => (await commands.start(stream, info, now, meta)) !== undefined,
      completeTask,
      writeResults: (spec, results) => mapData.write(spec, results),
      fence: (parentStream) => ownership.fence(parentStream),
      log,
    });
    const integrations = new Integrations(
      options.lambda ?? new NoFunctions(),
      clock,
      childExecutions((input) => this.executions.startExecution(input)),
      options.httpConnections ?? {},
      services,
    );
    const tasks: Tasks = (this.taskRunner = new Tasks({
      scope: this.scope,
      clock,
      log,
      queue,
      isClosed,
      integrations,
      mocks: options.mocks,
      activityPollMs: options.activityPollMs,
      loadActivity: (arn) => this.resources.loadActivity(arn),
      loadExecutionState: (stream) => commands.load(stream),
      runExecutionCommand: (stream, command, meta) => commands.run(stream, command, meta),
      acknowledge,
      setAlarm: (stream, at) => this.reactor.setAlarm(stream, at),
      readItems: (task) => mapData.read(task),
      runMapRun: (stream, info, task) =>
        void mapRuns
          .run(stream, info, task)
          .catch((e: unknown) =>
            isLeaseLostError(e)
              ? log.info(`the Map Run of ${stream} is another node's now (this node no longer holds the shard): it goes on there`)
              : log.error(`the Map Run of ${stream} failed in the engine`, e),
          ),
      ...(sharedActivities ? { activityQueue: sharedActivities } : {}),
      fence: (stream) => ownership.fence(stream),
      ...(channel
        ? { shareHeartbeat: (stream: string, taskId: string, at: number) => void channel.say(`heartbeat ${at} ${taskId} ${stream}`).catch(() => undefined) }
        : {}),
    }));
    this.tasks = tasks;
    this.reactor = new ExecutionReactor({
      clock,
      ...(options.virtualTime !== undefined ? { virtualTime: { clock: options.virtualTime, busy: () => queue.size > 0 || this.taskRunner.inFlight > 0 } } : {}),
      virtualExecutions: {
        isVirtual: (stream) => clocks.isVirtual(stream),
        now: (stream) => clocks.nowOf(stream),
        advanceTo: (stream, at) => clocks.advanceTo(stream, at),
        busy: (stream) => queue.has(stream) || this.taskRunner.busyWith(stream),
      },
      log,
      queue,
      isClosed,
      commands: {
        load: (stream) => commands.load(stream),
        fireTimers: (stream, heartbeats) =>
          commands.run(stream, { type: 'FireTimers', ...(Object.keys(heartbeats).length > 0 ? { heartbeats } : {}) }, ownership.fence(stream)),
        completeTask,
      },
      tasks,
      mapRunChildEnded: (parent, result) => mapRuns.childEnded(parent, result),
      recoveries,
      runningStreams: () => runningExecutionStreams(options.db),
      ownership,
    });
    this.mapRuns = mapRuns;
    const expressStarts: ExpressStartDeps = {
      ...resources,
      express: { integrations, mapData, env: () => env(), clock, ...(options.virtualTime !== undefined ? { virtualTime: options.virtualTime } : {}) },
      log,
    };
    this.executions = executionsApi({
      useCases: {
        clock,
        log,
        queue,
        commands,
        acknowledge,
        expressStarts,
        random,
        mocks: options.mocks,
        virtualTestCases: options.virtualTestCases === true,
        track: (run) => tasks.track(run),
        runningMapRunChildren: (parentStream, task) => mapRuns.runningChildren(parentStream, task),
        machineDeleted: isDeleted,
      },
      commands,
      recoveries,
      mapRuns,
      expressStarts,
      integrations,
      store: base,
      snapshots,
    });
    if (this.cluster) {
      // Read-your-writes across nodes: a call first sees what any node committed before it began
      // (a state machine or an activity created on another node a moment ago).
      const barrier = () => this.seeOthers();
      this.resources = behind(barrier, this.resources);
      this.executions = behind(barrier, this.executions);
    }
  }

  /**
   * Waits until this node's follower has seen every state machine, activity and Map Run change
   * committed before this call began (cluster only): what the node's caches hold. Executions need
   * no wait (a decision reads its stream). One query finds the newest such change; calls that come
   * while it is in flight share the next one.
   */
  private async seeOthers(): Promise<void> {
    if (!this.cluster) return;
    await this.cluster.follower.reach(await this.resourcesHead.read());
  }

  /** The newest change of a state machine, an activity or a Map Run in the store. */
  private readonly resourcesHead = new SharedRead(async () => {
    const [newest] = await this.base.readAll({
      direction: 'backwards',
      fromPosition: 'end',
      maxCount: 1,
      filter: { categories: ['stateMachine', 'activity', 'mapRun'] },
      dataOnlyOfTypes: [],
    });
    return newest?.position;
  });

  /** The head of the store (cluster only: what a Describe or List on any node must show). */
  private readonly head = new SharedRead(() => this.base.headPosition());

  /**
   * What the follower saw appended (by any node) to executions: a Map Run child's end reaches its
   * Map Run here if this node schedules it, and an execution this node owns that moved past what
   * it has reacted to is poked (its new tasks dispatched, its alarm armed, its parent told).
   */
  private othersAppended(appended: readonly ExecutionAppended[], ownership: Ownership): void {
    for (const a of appended) {
      if (a.ended) this.mapRuns.childMayHaveEnded(a.stream).catch((e: unknown) => this.log.error(`could not read Map Run child ${a.stream}`, e));
      if (!ownership.owns(a.stream)) continue;
      const seen = this.reacted.get(a.stream);
      if (seen === undefined || seen < a.revision) this.reactor.poke(a.stream);
      if (a.ended) this.reacted.delete(a.stream);
      else this.reacted.set(a.stream, a.revision);
    }
    // Only a hint: forgetting it costs a poke that finds nothing new.
    if (this.reacted.size > 100_000) this.reacted.clear();
  }

  /** A message from the cluster channel: an activity task offered, or a heartbeat given to another node. */
  private heard(message: string): void {
    if (!this.cluster) return;
    if (message.startsWith('activity ')) return this.cluster.activities.heard(message);
    if (message.startsWith('heartbeat ')) {
      const [, at, taskId, ...rest] = message.split(' ');
      const stream = rest.join(' ');
      if (at !== undefined && taskId !== undefined && this.cluster.leases.held.has(shardOf(stream))) this.taskRunner.heardHeartbeat(stream, taskId, Number(at));
    }
  }

  /**
   * Brings the read models up to date, starts following, loads the deployment's secret, and
   * re-arms every running execution. With `{ resume: false }` the running executions are left for
   * `resume()`, which a server calls once it listens: work that may have crashed the last process
   * never runs before the service answers.
   */
  async start(options: { readonly resume?: boolean } = {}): Promise<{ recovered: number }> {
    this.started = await loadDeployment(this.base, this.options.secret);
    await this.projector.catchUp();
    await this.projector.start();
    await this.startAudit();
    if (this.options.analytics !== false) await this.analyticsProjector.start();
    for (const arn of await activityArns(this.options.db)) this.activities.add(arn);
    if (this.cluster) {
      await this.cluster.channel.start();
      this.cluster.channel.heard.subscribe((m) => this.heard(m));
      await this.cluster.follower.start();
    }
    if (options.resume === false) return { recovered: 0 };
    return this.resume();
  }

  /** Starts keeping the audit tree in the background, and signing it when there is a key. */
  private async startAudit(): Promise<void> {
    if (this.options.audit === false) return;
    await this.auditProjector.start();
    if (this.checkpointer) this.checkpointer.start();
    else
      this.log.warn('no audit key: the audit tree is kept but no checkpoint is signed, so no proof bundle can be made (give the engine audit.privateKeyPem)');
  }

  /** Stops the tree's signing and projector; with a key, brings the tree up to date and signs it a last time. */
  private async closeAudit(): Promise<void> {
    await this.checkpointer?.stop();
    await this.auditProjector.stop();
    if (!this.checkpointer || !this.started || this.options.audit === false) return;
    try {
      await this.auditProjector.catchUp();
      await this.checkpointer.signIfGrown();
    } catch (e) {
      this.log.error('signing the last audit checkpoint failed', e);
    }
  }

  /** The deployment's secret and task tokens (after `start`). */
  deployment(): Deployment {
    if (!this.started) throw new Error('the engine has not started: call engine.start() before serving it');
    return this.started;
  }

  /**
   * Re-arms every running execution found in the read models, one after the other; one whose
   * decisions crashed the process twice is quarantined (src/executions/reactor.ts).
   */
  async resume(): Promise<{ recovered: number; quarantined: readonly string[] }> {
    if (!this.cluster) return this.reactor.resume();
    // A node resumes the running executions of the shards it takes, now and whenever it takes more.
    await this.cluster.leases.start();
    await this.cluster.leases.idle();
    return this.resumed;
  }

  /**
   * The first step of a graceful stop: workers' long polls end with no task and no more tasks are
   * handed out here, so the requests under way can be let finish (a task handed over reaches its
   * worker) before the server stops listening and {@link close} runs.
   */
  stopTaking(): void {
    this.taskRunner.stopTaking();
  }

  /**
   * Hears what each batch the analytics projector commits did (executions started and ended, state
   * runs and task attempts ended): metrics and traces. Returns the unsubscribe.
   */
  onAnalytics(listener: AnalyticsListener): () => void {
    this.analyticsListeners.add(listener);
    return () => this.analyticsListeners.delete(listener);
  }

  /** This node's name and the shards it holds (several nodes), for logs and status. */
  clusterStatus(): { readonly node: string; readonly shards: readonly number[] } | undefined {
    return this.cluster ? { node: this.cluster.leases.node, shards: [...this.cluster.leases.held.keys()].sort((a, b) => a - b) } : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    // A node hands its shards over: their alarms stop, the tasks it performs for them are recorded
    // (at most drainMs), then their leases are released for the other nodes to take at once.
    if (this.cluster) await this.cluster.leases.close();
    this.reactor.close();
    // A graceful stop waits for the tasks in flight and records their answers (src/tasks/tasks.ts).
    await this.taskRunner.close(this.options.drainMs ?? 30_000);
    this.options.lambda?.close?.();
    this.closeClients();
    await this.queue.drain();
    await this.closeAudit();
    await this.analyticsProjector.stop();
    await this.projector.stop();
    if (this.cluster) {
      await this.cluster.follower.close();
      await this.cluster.channel.close();
    }
    await this.leaseDb?.destroy();
  }

  /** Records a write the caller is answered for: reads of the read models wait until they show it. */
  acknowledge(position: Position | undefined): void {
    if (position && (!this.acknowledged || comparePositions(position, this.acknowledged) > 0)) this.acknowledged = position;
  }

  /** The read models once they show every acknowledged write (bounded wait; see {@link Reads.readModel}). */
  async readModel(): Promise<Kysely<any>> {
    // Several nodes: the head of the store, so a write acknowledged by any node is shown.
    const position = this.cluster ? ((await this.head.read()) ?? this.acknowledged) : this.acknowledged;
    const shown = this.projector.status().checkpoint;
    // Caught up (the common case): no wait to set up.
    if (position && !(shown && comparePositions(shown, position) >= 0)) {
      const ok = await this.projector.waitFor(position, this.options.readYourWritesMs ?? 5000);
      if (!ok) this.log.warn('read models are lagging: a Describe/List answers without a write this process acknowledged');
    }
    return this.options.db;
  }

  /** The analytics read model once it has reached the store's head (see {@link Reads.analytics}). */
  private async analyticsModel(): Promise<Kysely<any>> {
    const head = await this.base.headPosition();
    if (head === undefined) return this.options.db;
    // Not kept in the background (options.analytics false): brought up to date here.
    if (this.options.analytics === false) await this.analyticsProjector.catchUp();
    else if (!(await this.analyticsProjector.waitFor(head, 10_000)))
      this.log.warn('the analytics read model is lagging: statistics answer without the newest events');
    return this.options.db;
  }

  /** Alarms armed now (for tests and metrics). */
  get pendingTimers(): number {
    return this.reactor.pendingTimers;
  }
}

/** The API with every call made after `barrier` settles (read-your-writes across nodes). */
const behind = <T extends object>(barrier: () => Promise<void>, api: T): T => {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(api)) {
    out[name] =
      typeof value === 'function'
        ? async (...args: unknown[]) => {
            await barrier();
            return (value as (...a: unknown[]) => unknown).apply(api, args);
          }
        : value;
  }
  return out as T;
};

/** Two connections for a node's leases (an idle one the server ends is replaced at the next use). */
const leasePool = (connectionString: string): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max: 2, application_name: 'stepstream-leases' });
  pool.on('error', () => {});
  return pool;
};

/**
 * A read whose answer must be as of a moment after the caller asked: callers that come while one
 * is in flight share the next one, started once it has ended (so it sees whatever they saw
 * committed). Under load one query answers many calls instead of one each.
 */
class SharedRead<T> {
  private inFlight: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly query: () => Promise<T>) {}

  read(): Promise<T> {
    if (this.inFlight === undefined) return this.start();
    this.queued ??= this.inFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<T> {
    const read: Promise<T> = this.query().finally(() => {
      if (this.inFlight === read) this.inFlight = undefined;
    });
    this.inFlight = read;
    return read;
  }
}
