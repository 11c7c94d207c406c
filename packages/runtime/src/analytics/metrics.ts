/**
 * An engine's metrics in Prometheus's text format (`GET /metrics`): CloudWatch's AWS/States
 * metrics with their names and dimensions, counted from what each batch the analytics projector
 * commits did, plus the engine's own (`stepstream_…`) and the process's.
 *
 * The AWS/States names follow one rule ({@link prometheusName}): `aws_states_` + the snake_case of
 * the CloudWatch name; a count ends in `_total`; a time interval ("always measured in
 * milliseconds", AWS says) is a histogram ending in `_milliseconds`. Dimensions become labels in
 * snake_case ({@link labelName}): `StateMachineArn` → `state_machine_arn`.
 *
 * Counts are this node's: every event is counted once across the nodes of a cluster (by the node
 * whose projector applied it), so a cluster's total is the sum over its nodes. The gauges read
 * at scrape time (open executions, projection lag) are the deployment's, the same on every node.
 *
 * See https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 *
 * @module
 */
import type { TaskRun } from '@stepstream/domain';
import type { AppendOptions, AppendResult, EventData, EventStore } from '@stepstream/eventstore';
import { SFN_READ_MODEL, type AnalyticsOutcome, type ProjectorLag } from '@stepstream/projections';
import { sql, type Kysely } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../logger.js';

/** The prefix of every AWS/States metric. */
export const AWS_STATES_PREFIX = 'aws_states_';

/** `ExecutionsTimedOut` → `executions_timed_out`; `StateMachineArn` → `state_machine_arn`. */
export const snakeCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();

/**
 * What a CloudWatch metric is here: a count (a Prometheus counter), a time interval in
 * milliseconds (a histogram), or a level (a gauge).
 */
export type MetricKind = 'count' | 'time' | 'level';

/**
 * The Prometheus name of an AWS/States metric.
 *
 * @example
 * prometheusName('ExecutionsStarted', 'count');           // 'aws_states_executions_started_total'
 * prometheusName('ActivityScheduleTime', 'time');         // 'aws_states_activity_schedule_time_milliseconds'
 * prometheusName('ApproximateOpenMapRunCount', 'level');  // 'aws_states_approximate_open_map_run_count'
 */
export const prometheusName = (cloudWatchName: string, kind: MetricKind): string =>
  `${AWS_STATES_PREFIX}${snakeCase(cloudWatchName)}${kind === 'count' ? '_total' : kind === 'time' ? '_milliseconds' : ''}`;

/** The label of a CloudWatch dimension: `ServiceIntegrationResourceArn` → `service_integration_resource_arn`. */
export const labelName = (dimension: string): string => snakeCase(dimension);

/** What a server serves at `GET /metrics`. */
export interface MetricsScrape {
  /** The Content-Type of {@link MetricsScrape.scrape}'s text (Prometheus's text format 0.0.4). */
  readonly contentType: string;
  /** Every metric now, in the text format; never rejects (a gauge that cannot be read is left out and logged). */
  scrape(): Promise<string>;
}

/** Where the metrics read at scrape time come from. */
export interface MetricsSources {
  readonly log: Logger;
  /** The read models' database (`sfn_read`: open executions and Map Runs). */
  readonly db: Kysely<any>;
  /** The lag of each read model kept in the background, by name (`sfn_read`, `audit`, `analytics`). */
  readonly projections: Readonly<Record<string, () => Promise<ProjectorLag>>>;
  /** Alarms armed now (Wait states, retries' back-offs, timeouts, heartbeats). */
  readonly pendingTimers: () => number;
}

/**
 * Time intervals, in milliseconds: from a few milliseconds (a Pass-only execution, a local
 * integration) to a day (an execution that waits for people).
 */
const MS_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];
/** An append's round trip, in seconds. */
const APPEND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The task metrics of each kind of task: AWS's plural for counts, singular for times, and the
 * dimension. "Lambda Function Metrics are emitted for Task states that specify the Lambda function
 * ARN in the Resource field. Task states that use "Resource": "arn:aws:states:::lambda:invoke"
 * emit Service Integration Metrics instead."
 */
const TASK_FAMILIES = {
  activity: { counts: 'Activities', times: 'Activity', dimension: 'ActivityArn', what: 'activities' },
  lambda: { counts: 'LambdaFunctions', times: 'LambdaFunction', dimension: 'LambdaFunctionArn', what: 'Lambda functions (a function ARN as Resource)' },
  task: { counts: 'ServiceIntegrations', times: 'ServiceIntegration', dimension: 'ServiceIntegrationResourceArn', what: 'service tasks' },
} as const satisfies Record<TaskRun['kind'], { counts: string; times: string; dimension: string; what: string }>;

interface TaskMetrics {
  readonly label: string;
  readonly scheduled: Counter<string>;
  readonly started: Counter<string>;
  readonly succeeded: Counter<string>;
  readonly failed: Counter<string>;
  readonly timedOut: Counter<string>;
  readonly scheduleTime: Histogram<string>;
  readonly runTime: Histogram<string>;
  readonly time: Histogram<string>;
}

/** A closing event: the execution metric it counts and the redriven one. */
interface Closing {
  readonly count: Counter<string>;
  readonly redriven: Counter<string>;
}

/** The execution dimensions: `StateMachineArn`, with `Version` or `Alias` for an execution started through one. */
const EXECUTION_LABELS = [labelName('StateMachineArn'), labelName('Version'), labelName('Alias')];

/** The name a qualified ARN adds to its state machine's: `…:stateMachine:orders:3` → `3`, `…:orders:PROD` → `PROD`. */
const qualifier = (arn: string): string => arn.slice(arn.lastIndexOf(':') + 1);

/**
 * The series an execution counts in: its state machine's, and for an execution started through a
 * version or an alias also the state machine's with that `version` or `alias` (CloudWatch's
 * "Dimensions for executions with version": StateMachineArn and Version; "with an alias":
 * StateMachineArn and Alias). One started through an alias is associated with the alias and the
 * version it pointed to (AWS: "Step Functions associates the execution with that alias and the
 * version to which the alias points"), so it counts in both.
 */
const executionSeries = (x: AnalyticsOutcome['execution']): Record<string, string>[] => {
  const state_machine_arn = x.stateMachineArn;
  const series: Record<string, string>[] = [{ state_machine_arn }];
  if (x.versionArn !== undefined) series.push({ state_machine_arn, version: qualifier(x.versionArn) });
  if (x.aliasArn !== undefined) series.push({ state_machine_arn, alias: qualifier(x.aliasArn) });
  return series;
};

/**
 * The metrics of one engine, in a registry of its own (never prom-client's global one: several
 * engines in one process keep separate counts). Fed by `Engine.onAnalytics` ({@link observe}),
 * by the store's appends ({@link timeAppends}), and read at scrape time ({@link scrape}).
 *
 * @example
 * const metrics = new EngineMetrics({ log, db, projections: { sfn_read: () => projector.lag() }, pendingTimers: () => 0 });
 * engine.onAnalytics((outcomes) => metrics.observe(outcomes));
 * await metrics.scrape(); // '# HELP aws_states_executions_started_total …'
 */
export class EngineMetrics implements MetricsScrape {
  /** Counters and histograms (and, from the first scrape, the process's metrics). */
  readonly registry = new Registry();
  readonly contentType: string = this.registry.contentType;
  private readonly executionsStarted: Counter<string>;
  private readonly executionsRedriven: Counter<string>;
  private readonly closings: Readonly<Record<string, Closing>>;
  private readonly executionTime: Histogram<string>;
  private readonly tasks: Readonly<Record<TaskRun['kind'], TaskMetrics>>;
  private readonly activitiesHeartbeatTimedOut: Counter<string>;
  private readonly appendSeconds: Histogram;
  private processMetrics = false;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const count = (name: string, help: string, labelNames: readonly string[]) =>
      new Counter({ name: prometheusName(name, 'count'), help: `${name}: ${help}`, labelNames, registers });
    const time = (name: string, help: string, labelNames: readonly string[]) =>
      new Histogram({ name: prometheusName(name, 'time'), help: `${name}: ${help}`, labelNames, buckets: MS_BUCKETS, registers });
    const x = EXECUTION_LABELS;
    this.executionsStarted = count('ExecutionsStarted', 'Number of started executions.', x);
    this.executionsRedriven = count('ExecutionsRedriven', 'Number of redriven executions.', x);
    const closing = (status: string, help: string, redrivenHelp: string): Closing => ({
      count: count(`Executions${status}`, help, x),
      redriven: count(`RedrivenExecutions${status}`, redrivenHelp, x),
    });
    this.closings = {
      ExecutionSucceeded: closing('Succeeded', 'Number of successfully completed executions.', 'Number of redriven executions that completed successfully.'),
      ExecutionFailed: closing('Failed', 'Number of failed executions.', 'Number of redriven executions that failed.'),
      ExecutionAborted: closing('Aborted', 'Number of aborted or terminated executions.', 'Number of redriven executions that are canceled or terminated.'),
      ExecutionTimedOut: closing(
        'TimedOut',
        'Number of executions that time out for any reason.',
        'Number of redriven executions that time out for any reason.',
      ),
    };
    this.executionTime = time('ExecutionTime', 'Interval between the time the execution starts and the time it closes.', x);
    const family = (kind: TaskRun['kind']): TaskMetrics => {
      const f = TASK_FAMILIES[kind];
      const labels = [labelName(f.dimension)];
      return {
        label: labelName(f.dimension),
        scheduled: count(`${f.counts}Scheduled`, `Number of scheduled ${f.what}.`, labels),
        started: count(`${f.counts}Started`, `Number of started ${f.what}.`, labels),
        succeeded: count(`${f.counts}Succeeded`, `Number of successfully completed ${f.what}.`, labels),
        failed: count(`${f.counts}Failed`, `Number of failed ${f.what}.`, labels),
        timedOut: count(`${f.counts}TimedOut`, `Number of ${f.what} that time out on close.`, labels),
        scheduleTime: time(`${f.times}ScheduleTime`, 'Interval for which the task stays in the schedule state.', labels),
        runTime: time(`${f.times}RunTime`, 'Interval between the time the task starts and the time it closes.', labels),
        time: time(`${f.times}Time`, 'Interval between the time the task is scheduled and the time it closes.', labels),
      };
    };
    this.tasks = { activity: family('activity'), lambda: family('lambda'), task: family('task') };
    this.activitiesHeartbeatTimedOut = count('ActivitiesHeartbeatTimedOut', 'Number of activities that time out due to a heartbeat timeout.', [
      labelName('ActivityArn'),
    ]);
    this.appendSeconds = new Histogram({
      name: 'stepstream_append_seconds',
      help: "Time an append to the event store takes, as the engine waits for it (the hash chain and a retry on another writer's append included).",
      buckets: APPEND_BUCKETS,
      registers,
    });
  }

  /**
   * Counts what each committed event did: executions started, redriven and closed (and how long
   * they ran), tasks scheduled, started and ended (and their times). An `Engine.onAnalytics`
   * listener.
   */
  observe(outcomes: readonly AnalyticsOutcome[]): void {
    for (const o of outcomes) {
      this.execution(o);
      if (o.task) {
        const t = this.tasks[o.task.kind];
        (o.task.phase === 'scheduled' ? t.scheduled : t.started).inc({ [t.label]: o.task.resource });
      }
      for (const run of o.taskRuns) this.taskEnded(run);
    }
  }

  private execution(o: AnalyticsOutcome): void {
    const x = o.execution;
    if (o.type === 'ExecutionStarted') {
      for (const s of executionSeries(x)) this.executionsStarted.inc(s);
      return;
    }
    if (o.type === 'ExecutionRedriven') {
      for (const s of executionSeries(x)) this.executionsRedriven.inc(s);
      return;
    }
    const closing = this.closings[o.type];
    if (!closing) return;
    // AWS: "For all redriven executions, the Executions* metric is emitted": a redriven execution
    // that fails counts in ExecutionsFailed and RedrivenExecutionsFailed.
    for (const s of executionSeries(x)) {
      closing.count.inc(s);
      if (x.redriveCount > 0) closing.redriven.inc(s);
      if (x.ended !== undefined) this.executionTime.observe(s, Math.max(0, x.ended - x.started));
    }
  }

  /**
   * An attempt that ended by itself: SUCCEEDED, FAILED or TIMED_OUT (one the execution's end
   * aborted, ABORTED, has no AWS metric), and its times when it had started.
   */
  private taskEnded(run: TaskRun): void {
    if (run.status === 'ABORTED') return;
    const t = this.tasks[run.kind];
    const labels = { [t.label]: run.resource };
    ({ SUCCEEDED: t.succeeded, FAILED: t.failed, TIMED_OUT: t.timedOut })[run.status].inc(labels);
    // A heartbeat expiry is recorded as States.Timeout, as AWS records it; the fold tells it from a
    // TimeoutSeconds expiry (TaskRun.heartbeatTimedOut). An error that names it counts too.
    if (run.kind === 'activity' && run.status === 'TIMED_OUT' && (run.heartbeatTimedOut === true || run.error === 'States.HeartbeatTimeout'))
      this.activitiesHeartbeatTimedOut.inc(labels);
    if (run.started === undefined) return;
    t.scheduleTime.observe(labels, Math.max(0, run.started - run.scheduled));
    t.runTime.observe(labels, Math.max(0, run.ended - run.started));
    t.time.observe(labels, Math.max(0, run.ended - run.scheduled));
  }

  /**
   * The store with its appends timed (`stepstream_append_seconds`); reads pass through unchanged.
   * One clock read before and after each append.
   */
  timeAppends(store: EventStore): EventStore {
    const timed = Object.create(store) as { -readonly [K in keyof EventStore]: EventStore[K] };
    const histogram = this.appendSeconds;
    timed.appendToStream = async (streamName: string, events: readonly EventData[], options?: AppendOptions): Promise<AppendResult> => {
      const begun = performance.now();
      try {
        return await store.appendToStream(streamName, events, options);
      } finally {
        histogram.observe((performance.now() - begun) / 1000);
      }
    };
    return timed;
  }

  /**
   * Every metric now. The gauges read here (projection lag, open executions and Map Runs, timers)
   * are each left out of this scrape, and logged, when they cannot be read: the rest is served.
   * The process's metrics (prom-client's defaults) start with the first scrape, so an engine
   * never scraped keeps no event-loop monitor.
   */
  async scrape(): Promise<string> {
    if (!this.processMetrics) {
      this.processMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    // Read at scrape time into a registry of this scrape's: a gauge that failed is simply absent.
    const now = new Registry();
    await Promise.all([this.lags(now), this.openCounts(now), this.timers(now)]);
    const parts = await Promise.all([this.registry.metrics(), now.metrics()]);
    return `${parts
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .join('\n\n')}\n`;
  }

  private async lags(into: Registry): Promise<void> {
    const read = await Promise.all(
      Object.entries(this.sources.projections).map(async ([projection, lag]) => {
        try {
          return { projection, behind: Number((await lag()).behind) };
        } catch (e) {
          this.sources.log.error(`metrics: the lag of the ${projection} read model could not be read; left out of this scrape`, e);
          return undefined;
        }
      }),
    );
    const known = read.filter((r) => r !== undefined);
    if (known.length === 0) return;
    const gauge = new Gauge({
      name: 'stepstream_projection_lag_events',
      help: "Events of the store a read model has not applied yet (the store's head position minus the read model's checkpoint).",
      labelNames: ['projection'],
      registers: [into],
    });
    for (const { projection, behind } of known) gauge.set({ projection }, behind);
  }

  private async openCounts(into: Registry): Promise<void> {
    try {
      // Both counts through partial indexes (`where status = 'RUNNING'`), in one round trip.
      const { rows } = await sql<{ executions: string; map_runs: string }>`select
          (select count(*) from ${sql.id(SFN_READ_MODEL, 'executions')} where status = 'RUNNING') as executions,
          (select count(*) from ${sql.id(SFN_READ_MODEL, 'map_runs')} where status = 'RUNNING') as map_runs`.execute(this.sources.db);
      const row = rows[0];
      if (!row) return;
      new Gauge({ name: 'stepstream_open_executions', help: 'Executions RUNNING (CloudWatch: OpenExecutionCount).', registers: [into] }).set(
        Number(row.executions),
      );
      new Gauge({
        name: prometheusName('ApproximateOpenMapRunCount', 'level'),
        help: 'ApproximateOpenMapRunCount: Map Runs in progress.',
        registers: [into],
      }).set(Number(row.map_runs));
    } catch (e) {
      this.sources.log.error('metrics: the open executions and Map Runs could not be counted; left out of this scrape', e);
    }
  }

  private timers(into: Registry): Promise<void> {
    try {
      const pending = this.sources.pendingTimers();
      new Gauge({
        name: 'stepstream_timers_pending',
        help: "Alarms armed in this node (Wait states, retries' back-offs, timeouts, heartbeats).",
        registers: [into],
      }).set(pending);
    } catch (e) {
      this.sources.log.error('metrics: the pending timers could not be read; left out of this scrape', e);
    }
    return Promise.resolve();
  }
}
