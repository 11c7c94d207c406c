import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionOutput,
} from '@aws-sdk/client-sfn';
import type { LambdaFunctions, LambdaOutcome } from '@stepstream/runtime';
import { eventually, finished, history, ROLE, stackTests, type Stack } from './harness.js';

// GET /metrics over real HTTP after a known set of executions run through the SDK v3 client:
// the AWS/States counters equal what the executions did, per state machine ARN (and version and
// alias), per Lambda function, integration and activity; ExecutionTime counts every closing.

/** In-process Lambda functions: `echo` answers its event, `boom` fails. */
const lambda: LambdaFunctions = {
  invoke(call): Promise<LambdaOutcome> {
    if (call.name === 'echo') return Promise.resolve({ kind: 'ok', payload: JSON.parse(call.body) as unknown, body: call.body, executedVersion: '$LATEST' });
    return Promise.resolve({ kind: 'error', errorType: 'Boom', body: JSON.stringify({ errorType: 'Boom', errorMessage: 'it broke' }) });
  },
};
const test = stackTests({ lambda, activityPollMs: 1000 });

const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus's text format, as a scraper reads it: one sample a line, `# …` lines skipped. */
const parseMetrics = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
        labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });

/** The value of the sample with exactly these labels; 0 when there is none (a counter never counted). */
const valueOf = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number => {
  const same = (l: Readonly<Record<string, string>>) =>
    Object.keys(l).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => l[k] === v);
  return samples.find((s) => s.name === name && same(s.labels))?.value ?? 0;
};

/** Scrapes after the analytics projector has applied every event stored so far. */
const scrape = async (stack: Stack): Promise<{ samples: Sample[]; text: string; contentType: string | null }> => {
  const head = await stack.engine.reads.store.headPosition();
  if (head && !(await stack.engine.analyticsProjector.waitFor(head, 30_000))) throw new Error('the analytics projector did not reach the head');
  const res = await fetch(`${stack.api.url}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  const text = await res.text();
  return { samples: parseMetrics(text), text, contentType: res.headers.get('content-type') };
};

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

test('GET /metrics counts the executions, Lambda functions, integrations and activities that ran, per ARN; ExecutionTime counts every closing', async (t) => {
  const { stack } = t.context;
  const { client } = stack;
  const machine = async (label: string, definition: object, publish = false) =>
    client.send(new CreateStateMachineCommand({ name: unique(label), definition: JSON.stringify(definition), roleArn: ROLE, publish }));
  const work = (await client.send(new CreateActivityCommand({ name: unique('work') }))).activityArn!;
  const beats = (await client.send(new CreateActivityCommand({ name: unique('beats') }))).activityArn!;
  const pass = await machine('pass', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, true);
  const { stateMachineAliasArn: alias } = await client.send(
    new CreateStateMachineAliasCommand({ name: 'live', routingConfiguration: [{ stateMachineVersionArn: pass.stateMachineVersionArn!, weight: 100 }] }),
  );
  const fail = await machine('fail', { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Broken', Cause: 'on purpose' } } });
  const waits = await machine('waits', { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });
  const tasks = await machine('tasks', {
    StartAt: 'Echo',
    States: {
      Echo: { Type: 'Task', Resource: FN('echo'), Next: 'Invoke' },
      Invoke: { Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: FN('echo'), 'Payload.$': '$' }, Next: 'Boom' },
      Boom: { Type: 'Task', Resource: FN('boom'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }], End: true },
      Done: { Type: 'Pass', End: true },
    },
  });
  const worked = await machine('worked', { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: work, End: true } } });
  const silent = await machine('silent', { StartAt: 'Beat', States: { Beat: { Type: 'Task', Resource: beats, HeartbeatSeconds: 1, End: true } } });

  const start = async (stateMachineArn: string) => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":1}' }));
    stack.started.add(executionArn!);
    return executionArn!;
  };
  /** A worker's poll until it gets a task of `activityArn`. */
  const takeTask = (activityArn: string) =>
    eventually(async () => (await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'metrics' }))).taskToken || undefined, 30_000, 0);

  const runs = [
    await start(pass.stateMachineArn!),
    await start(pass.stateMachineArn!),
    await start(pass.stateMachineVersionArn!),
    await start(alias!),
    await start(fail.stateMachineArn!),
    await start(fail.stateMachineArn!),
    await start(tasks.stateMachineArn!),
  ];
  const workedRun = await start(worked.stateMachineArn!);
  await client.send(new SendTaskSuccessCommand({ taskToken: await takeTask(work), output: '{"done":true}' }));
  const silentRun = await start(silent.stateMachineArn!);
  await takeTask(beats); // started, then never a heartbeat: it times out after 1 s (recorded as States.Timeout)
  runs.push(workedRun, silentRun);
  /** Every closing, as DescribeExecution tells it (a redriven execution closes twice). */
  const closings: DescribeExecutionOutput[] = [];
  for (const arn of runs) closings.push(await finished(stack, arn, 30_000));
  const redriven = runs[4]!;
  await client.send(new RedriveExecutionCommand({ executionArn: redriven }));
  closings.push(await finished(stack, redriven, 30_000));
  t.deepEqual(
    closings.map((d) => d.status),
    ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'FAILED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'FAILED'],
  );
  t.is(closings.at(-1)!.redriveCount, 1);

  // One execution still waiting: open, with its alarm armed.
  const waiting = await start(waits.stateMachineArn!);
  await eventually(async () => ((await history(stack, waiting)).some((e) => e.type === 'WaitStateEntered') ? true : undefined));
  await eventually(() => Promise.resolve(stack.engine.pendingTimers > 0 ? true : undefined));
  const during = await scrape(stack);
  t.is(valueOf(during.samples, 'stepstream_open_executions'), 1, 'the waiting execution is the only one running');
  t.true(valueOf(during.samples, 'stepstream_timers_pending') >= 1, 'its alarm is armed');
  t.is(valueOf(during.samples, 'aws_states_approximate_open_map_run_count'), 0);
  t.is(valueOf(during.samples, 'aws_states_executions_started_total', { state_machine_arn: waits.stateMachineArn! }), 1);
  await client.send(new StopExecutionCommand({ executionArn: waiting }));
  closings.push(await finished(stack, waiting));

  const { samples, text, contentType } = await scrape(stack);
  t.is(contentType, 'text/plain; version=0.0.4; charset=utf-8');
  t.regex(text, /^# TYPE aws_states_execution_time_milliseconds histogram$/m);

  // Executions, per state machine ARN (and version or alias), from what DescribeExecution said of each.
  const seriesOf = (d: DescribeExecutionOutput): Record<string, string>[] => {
    const state_machine_arn = d.stateMachineArn!;
    return [
      { state_machine_arn },
      ...(d.stateMachineVersionArn ? [{ state_machine_arn, version: d.stateMachineVersionArn.split(':').at(-1)! }] : []),
      ...(d.stateMachineAliasArn ? [{ state_machine_arn, alias: d.stateMachineAliasArn.split(':').at(-1)! }] : []),
    ];
  };
  const expected = new Map<string, Record<string, number>>();
  const count = (d: DescribeExecutionOutput, metric: string) => {
    for (const s of seriesOf(d)) {
      const key = JSON.stringify(s);
      const counts = expected.get(key) ?? {};
      counts[metric] = (counts[metric] ?? 0) + 1;
      expected.set(key, counts);
    }
  };
  const STATUS: Record<string, string> = { SUCCEEDED: 'succeeded', FAILED: 'failed', ABORTED: 'aborted', TIMED_OUT: 'timed_out' };
  const firstClosings = new Set<string>();
  for (const d of closings) {
    const again = firstClosings.has(d.executionArn!);
    firstClosings.add(d.executionArn!);
    if (!again) count(d, 'started');
    else count(d, 'redriven');
    count(d, STATUS[d.status!]!);
    if (again) count(d, `redriven_${STATUS[d.status!]!}`);
  }
  t.is(expected.size, 8, 'six state machines, a version and an alias');
  const metric = (m: string) =>
    m.startsWith('redriven_') && m !== 'redriven'
      ? `aws_states_redriven_executions_${m.slice('redriven_'.length)}_total`
      : m === 'redriven'
        ? 'aws_states_executions_redriven_total'
        : `aws_states_executions_${m}_total`;
  const families = [
    'started',
    'succeeded',
    'failed',
    'aborted',
    'timed_out',
    'redriven',
    'redriven_succeeded',
    'redriven_failed',
    'redriven_aborted',
    'redriven_timed_out',
  ];
  for (const [key, counts] of expected) {
    const labels = JSON.parse(key) as Record<string, string>;
    for (const m of families) t.is(valueOf(samples, metric(m), labels), counts[m] ?? 0, `${metric(m)} ${key}`);
    const closed = (counts['succeeded'] ?? 0) + (counts['failed'] ?? 0) + (counts['aborted'] ?? 0) + (counts['timed_out'] ?? 0);
    t.is(valueOf(samples, 'aws_states_execution_time_milliseconds_count', labels), closed, `ExecutionTime ${key}`);
  }
  t.is(valueOf(samples, 'aws_states_executions_started_total', { state_machine_arn: pass.stateMachineArn! }), 4);
  t.is(
    valueOf(samples, 'aws_states_executions_started_total', { state_machine_arn: pass.stateMachineArn!, version: '1' }),
    2,
    'by the version and through the alias',
  );
  t.is(valueOf(samples, 'aws_states_executions_started_total', { state_machine_arn: pass.stateMachineArn!, alias: 'live' }), 1);
  t.is(
    valueOf(samples, 'aws_states_executions_failed_total', { state_machine_arn: fail.stateMachineArn! }),
    3,
    'two failures and the redriven one failing again',
  );
  t.is(valueOf(samples, 'aws_states_executions_aborted_total', { state_machine_arn: waits.stateMachineArn! }), 1);

  // Tasks: the legacy Lambda resource, the lambda:invoke integration, the two activities.
  const fn = (m: string, name: string) => valueOf(samples, `aws_states_lambda_functions_${m}_total`, { lambda_function_arn: FN(name) });
  t.deepEqual(
    ['scheduled', 'started', 'succeeded', 'failed', 'timed_out'].map((m) => [fn(m, 'echo'), fn(m, 'boom')]),
    [
      [1, 1],
      [1, 1],
      [1, 0],
      [0, 1],
      [0, 0],
    ],
  );
  t.is(valueOf(samples, 'aws_states_lambda_function_time_milliseconds_count', { lambda_function_arn: FN('boom') }), 1);
  const integration = { service_integration_resource_arn: LAMBDA_INVOKE };
  t.is(valueOf(samples, 'aws_states_service_integrations_scheduled_total', integration), 1);
  t.is(valueOf(samples, 'aws_states_service_integrations_started_total', integration), 1);
  t.is(valueOf(samples, 'aws_states_service_integrations_succeeded_total', integration), 1);
  t.is(valueOf(samples, 'aws_states_service_integration_run_time_milliseconds_count', integration), 1);
  const act = (m: string, arn: string) => valueOf(samples, `aws_states_activities_${m}_total`, { activity_arn: arn });
  t.deepEqual(
    ['scheduled', 'started', 'succeeded', 'failed', 'timed_out'].map((m) => [act(m, work), act(m, beats)]),
    [
      [1, 1],
      [1, 1],
      [1, 0],
      [0, 0],
      [0, 1],
    ],
  );
  t.is(valueOf(samples, 'aws_states_activity_schedule_time_milliseconds_count', { activity_arn: work }), 1);

  // The engine's own.
  t.is(valueOf(samples, 'stepstream_open_executions'), 0);
  for (const projection of ['sfn_read', 'audit', 'analytics'])
    t.true(
      samples.some((s) => s.name === 'stepstream_projection_lag_events' && s.labels['projection'] === projection),
      projection,
    );
  t.true(valueOf(samples, 'stepstream_append_seconds_count') >= expected.size, 'every start is an append');
  t.true(
    samples.some((s) => s.name === 'process_resident_memory_bytes'),
    "the process's metrics",
  );
});

test('GET / names /metrics; GET /metrics answers a plain GET, outside the AWS protocol (no X-Amz-Target)', async (t) => {
  const { stack } = t.context;
  t.regex(await (await fetch(`${stack.api.url}/`)).text(), /metrics \(Prometheus\) at \/metrics/);
  const res = await fetch(`${stack.api.url}/metrics`);
  t.is(res.status, 200);
  t.regex(await res.text(), /^# TYPE aws_states_executions_started_total counter$/m);
});
