import type { ExecutionFacts, TaskRun } from '@stepstream/domain';
import type { AnalyticsOutcome } from '@stepstream/projections';
import type { Logger } from '../src/logger.js';
import test from 'ava';
import type { Kysely } from 'kysely';
import type { Counter, Histogram } from 'prom-client';
import { EngineMetrics, labelName, prometheusName } from '../src/analytics/metrics.js';

// The metrics' names (CloudWatch's, by one rule) and what outcomes they count, without a store.

test('CloudWatch names map to Prometheus names: aws_states_ + snake_case, _total for counts, _milliseconds for times', (t) => {
  const cases: [string, 'count' | 'time' | 'level', string][] = [
    ['ExecutionsStarted', 'count', 'aws_states_executions_started_total'],
    ['ExecutionsTimedOut', 'count', 'aws_states_executions_timed_out_total'],
    ['RedrivenExecutionsAborted', 'count', 'aws_states_redriven_executions_aborted_total'],
    ['ExecutionTime', 'time', 'aws_states_execution_time_milliseconds'],
    ['ActivitiesHeartbeatTimedOut', 'count', 'aws_states_activities_heartbeat_timed_out_total'],
    ['ActivityScheduleTime', 'time', 'aws_states_activity_schedule_time_milliseconds'],
    ['LambdaFunctionsScheduled', 'count', 'aws_states_lambda_functions_scheduled_total'],
    ['LambdaFunctionRunTime', 'time', 'aws_states_lambda_function_run_time_milliseconds'],
    ['ServiceIntegrationsSucceeded', 'count', 'aws_states_service_integrations_succeeded_total'],
    ['ServiceIntegrationTime', 'time', 'aws_states_service_integration_time_milliseconds'],
    ['ApproximateOpenMapRunCount', 'level', 'aws_states_approximate_open_map_run_count'],
  ];
  for (const [cloudWatch, kind, prometheus] of cases) t.is(prometheusName(cloudWatch, kind), prometheus, cloudWatch);
  t.is(labelName('StateMachineArn'), 'state_machine_arn');
  t.is(labelName('ServiceIntegrationResourceArn'), 'service_integration_resource_arn');
  t.is(labelName('LambdaFunctionArn'), 'lambda_function_arn');
});

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const ACT = 'arn:aws:states:us-east-1:123456789012:activity:work';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const facts = (over: Partial<ExecutionFacts> = {}): ExecutionFacts => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:orders:one',
  stateMachineArn: SM,
  stateMachineType: 'STANDARD',
  name: 'one',
  started: 1_000,
  status: 'RUNNING',
  redriveCount: 0,
  transitions: 0,
  lastEventId: 1,
  ...over,
});
const outcome = (type: string, execution: ExecutionFacts, over: Partial<AnalyticsOutcome> = {}): AnalyticsOutcome => ({
  eventId: 1,
  type,
  execution,
  stateRuns: [],
  taskRuns: [],
  ...over,
});
const activityRun = (over: Partial<TaskRun>): TaskRun => ({
  executionArn: 'x',
  scheduledEventId: 3,
  stateEnteredEventId: 2,
  state: 'Work',
  kind: 'activity',
  resource: ACT,
  pattern: 'request-response',
  scheduled: 1_000,
  ended: 1_500,
  endedEventId: 5,
  status: 'SUCCEEDED',
  ...over,
});

const metricsWith = (over: { projections?: Record<string, () => Promise<never>>; log?: Logger } = {}) =>
  new EngineMetrics({
    log: over.log ?? quiet,
    // No database: counting the open executions fails, and is left out.
    db: {} as Kysely<any>,
    projections: over.projections ?? {},
    pendingTimers: () => 2,
  });

const valueOf = async (metrics: EngineMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = metrics.registry.getSingleMetric(name) as Counter | Histogram | undefined;
  if (!metric) throw new Error(`no metric ${name}`);
  const values = (await metric.get()).values as { value: number; labels: Record<string, unknown>; metricName?: string }[];
  const same = (l: Record<string, unknown>) => Object.keys(l).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => l[k] === v);
  // A histogram's count (its buckets carry `le`, its sum has another name); a counter's value.
  return values.find((v) => same(v.labels) && (v.metricName === undefined || v.metricName === name || v.metricName === `${name}_count`))?.value;
};

test('executions count under their state machine, and also with the version or alias they were started through; a redriven one in both families', async (t) => {
  const metrics = metricsWith();
  const viaAlias = facts({ versionArn: `${SM}:3`, aliasArn: `${SM}:PROD` });
  metrics.observe([
    outcome('ExecutionStarted', facts()),
    outcome('ExecutionStarted', viaAlias),
    outcome('ExecutionFailed', { ...facts(), status: 'FAILED', ended: 4_000 }),
    outcome('ExecutionRedriven', { ...facts(), redriveCount: 1 }),
    outcome('ExecutionSucceeded', { ...facts(), status: 'SUCCEEDED', redriveCount: 1, ended: 9_000 }),
    outcome('ExecutionAborted', { ...viaAlias, status: 'ABORTED', ended: 2_000 }),
  ]);
  const started = prometheusName('ExecutionsStarted', 'count');
  t.is(await valueOf(metrics, started, { state_machine_arn: SM }), 2);
  t.is(await valueOf(metrics, started, { state_machine_arn: SM, version: '3' }), 1);
  t.is(await valueOf(metrics, started, { state_machine_arn: SM, alias: 'PROD' }), 1);
  t.is(await valueOf(metrics, prometheusName('ExecutionsFailed', 'count'), { state_machine_arn: SM }), 1);
  t.is(await valueOf(metrics, prometheusName('ExecutionsRedriven', 'count'), { state_machine_arn: SM }), 1);
  t.is(await valueOf(metrics, prometheusName('ExecutionsSucceeded', 'count'), { state_machine_arn: SM }), 1);
  t.is(await valueOf(metrics, prometheusName('RedrivenExecutionsSucceeded', 'count'), { state_machine_arn: SM }), 1);
  t.is(await valueOf(metrics, prometheusName('RedrivenExecutionsFailed', 'count'), { state_machine_arn: SM }), undefined, 'it failed before its redrive');
  t.is(await valueOf(metrics, prometheusName('ExecutionsAborted', 'count'), { state_machine_arn: SM, alias: 'PROD' }), 1);
  t.is(await valueOf(metrics, prometheusName('ExecutionTime', 'time'), { state_machine_arn: SM }), 3, 'three closings');
  t.is(await valueOf(metrics, prometheusName('ExecutionTime', 'time'), { state_machine_arn: SM, version: '3' }), 1);
});

test('task attempts: phases from the outcome, ends by status (an aborted one not at all), a heartbeat timeout in both timed-out families, times only once started', async (t) => {
  const metrics = metricsWith();
  const x = facts();
  const labels = { activity_arn: ACT };
  metrics.observe([
    outcome('ActivityScheduled', x, { task: { phase: 'scheduled', kind: 'activity', resource: ACT } }),
    outcome('ActivityStarted', x, { task: { phase: 'started', kind: 'activity', resource: ACT } }),
    outcome('ActivitySucceeded', x, { taskRuns: [activityRun({ started: 1_200 })] }),
    outcome('ActivityTimedOut', x, { taskRuns: [activityRun({ started: 1_100, status: 'TIMED_OUT', error: 'States.HeartbeatTimeout' })] }),
    outcome('ActivityTimedOut', x, { taskRuns: [activityRun({ status: 'TIMED_OUT', error: 'States.Timeout' })] }),
    // As the engine records a heartbeat's expiry: States.Timeout, told apart by the fold.
    outcome('ActivityTimedOut', x, { taskRuns: [activityRun({ started: 1_100, status: 'TIMED_OUT', error: 'States.Timeout', heartbeatTimedOut: true })] }),
    outcome('ExecutionAborted', x, { taskRuns: [activityRun({ status: 'ABORTED' })] }),
  ]);
  t.is(await valueOf(metrics, prometheusName('ActivitiesScheduled', 'count'), labels), 1);
  t.is(await valueOf(metrics, prometheusName('ActivitiesStarted', 'count'), labels), 1);
  t.is(await valueOf(metrics, prometheusName('ActivitiesSucceeded', 'count'), labels), 1);
  t.is(await valueOf(metrics, prometheusName('ActivitiesTimedOut', 'count'), labels), 3);
  t.is(await valueOf(metrics, prometheusName('ActivitiesHeartbeatTimedOut', 'count'), labels), 2);
  t.is(await valueOf(metrics, prometheusName('ActivitiesFailed', 'count'), labels), undefined, 'the aborted attempt is not a failure');
  t.is(await valueOf(metrics, prometheusName('ActivityTime', 'time'), labels), 3, 'the three attempts that had started');
  const schedule = (await (metrics.registry.getSingleMetric(prometheusName('ActivityScheduleTime', 'time')) as Histogram).get()).values as {
    value: number;
    metricName?: string;
  }[];
  t.is(schedule.find((v) => v.metricName?.endsWith('_sum'))?.value, 200 + 100 + 100);
});

test('a scrape serves what it can: a gauge whose source fails is left out and logged, the rest is there', async (t) => {
  const errors: string[] = [];
  const metrics = metricsWith({
    log: { ...quiet, error: (message: string) => errors.push(message) },
    projections: { sfn_read: () => Promise.reject(new Error('connection refused')) },
  });
  metrics.observe([outcome('ExecutionStarted', facts())]);
  const text = await metrics.scrape();
  t.regex(text, new RegExp(`^aws_states_executions_started_total\\{state_machine_arn="${SM}"\\} 1$`, 'm'));
  t.regex(text, /^stepstream_timers_pending 2$/m);
  t.regex(text, /^# TYPE stepstream_append_seconds histogram$/m);
  t.regex(text, /^process_cpu_user_seconds_total /m, "the process's metrics");
  t.notRegex(text, /stepstream_projection_lag_events/);
  t.notRegex(text, /stepstream_open_executions/);
  t.is(errors.length, 2);
  t.true(errors.some((m) => m.includes('sfn_read')));
  t.true(errors.some((m) => m.includes('open executions')));
});
