import type { RecordedEvent } from '@stepstream/eventstore';
import { readModelDb } from '@stepstream/projections';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { sql, type Kysely } from 'kysely';
import { Engine } from '../src/index.js';
import { backendKinds, readEverything, type AuditBackend } from './audit-fixtures.js';
import { createActivity, createMachine, startExecution, takeTask, until } from './engine-fixtures.js';
import { flakyFunctions, lambdaTask } from './task-fixtures.js';

// The analytics read model (docs/analytics.md) against the histories it is folded from, on PGlite
// and on Postgres: real executions of every kind of state (retries, catches, Parallel branches
// aborted, inline and Distributed Maps, activities, a timeout, a stop), then every state entered
// must appear once in state_runs with the duration and attempts an independent reading of the
// history gives, every task scheduled once in task_runs, every execution once in executions, and
// a rebuild must give the same rows.

const test = anyTest as TestFn;
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string, e?: unknown) => console.error(m, e) };

const MIX = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.mode', StringEquals: 'fail', Next: 'Boom' },
        { Variable: '$.mode', StringEquals: 'wait', Next: 'Hold' },
        { Variable: '$.mode', StringEquals: 'parfail', Next: 'Guarded' },
      ],
      Default: 'Work',
    },
    Boom: { Type: 'Fail', Error: 'Boom', Cause: 'asked to fail' },
    Hold: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Work: lambdaTask('flaky', { Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }], Next: 'Fan' }),
    Fan: {
      Type: 'Parallel',
      Next: 'Each',
      ResultPath: null,
      Branches: [
        { StartAt: 'Short', States: { Short: { Type: 'Pass', Next: 'Nap' }, Nap: { Type: 'Wait', Seconds: 1, End: true } } },
        { StartAt: 'Call', States: { Call: lambdaTask('ok', { End: true }) } },
      ],
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ResultPath: null,
      ItemProcessor: {
        StartAt: 'Item',
        States: {
          Item: lambdaTask('item', { Catch: [{ ErrorEquals: ['BadItem'], Next: 'Fallback' }], End: true }),
          Fallback: { Type: 'Pass', End: true },
        },
      },
      Next: 'Done',
    },
    Guarded: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Long', States: { Long: { Type: 'Wait', Seconds: 3600, End: true } } },
        { StartAt: 'Broken', States: { Broken: { Type: 'Fail', Error: 'Broken' } } },
      ],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Done' }],
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

const DISTRIBUTED = {
  StartAt: 'Spread',
  States: {
    Spread: {
      Type: 'Map',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'One', States: { One: { Type: 'Pass', End: true } } },
      End: true,
    },
  },
};

type Event = { id: number; type: string; timestamp: number; previousEventId: number; details: Record<string, unknown> };

const asEvents = (stored: readonly RecordedEvent[]): Event[] =>
  stored.map((e) => {
    const data = e.data as Record<string, unknown>;
    const details = Object.entries(data).find(([k]) => k.endsWith('EventDetails'))?.[1] as Record<string, unknown> | undefined;
    return {
      id: Number(e.revision) + 1,
      type: e.type,
      timestamp: Number(data['timestamp']),
      previousEventId: Number(data['previousEventId']),
      details: details ?? {},
    };
  });

const CLOSING = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * The runs of a history read another way than the fold reads them: a state's own events are those
 * reached from its entered event through `previousEventId` (not entering another state); it ends
 * at its own exit or abort; a Parallel or Map at the first exit of its name after it; else at the
 * execution's end. Attempts: its own scheduled tasks (or branch starts), at least 1.
 */
const oracle = (history: readonly Event[]) => {
  const closing = history.find((e) => CLOSING.has(e.type));
  return history.flatMap((e, i) => {
    if (!e.type.endsWith('StateEntered')) return [];
    const type = e.type.slice(0, -'StateEntered'.length);
    const name = e.details['name'];
    const own = new Set([e.id]);
    let end: Event | undefined;
    let attempts = 0;
    for (const x of history.slice(i + 1)) {
      if (!own.has(x.previousEventId) || x.type.endsWith('StateEntered')) continue;
      own.add(x.id);
      if (/Scheduled$/.test(x.type) || x.type === `${type}StateStarted`) attempts++;
      if ((x.type === `${type}StateExited` && x.details['name'] === name) || x.type === `${type}StateAborted`) {
        end = x;
        break;
      }
    }
    if (!end && (type === 'Parallel' || type === 'Map')) end = history.slice(i + 1).find((x) => x.type === `${type}StateExited` && x.details['name'] === name);
    end ??= closing;
    return [{ enteredEventId: e.id, state: String(name), type, duration: end ? end.timestamp - e.timestamp : undefined, attempts: Math.max(1, attempts) }];
  });
};

const rows = async (db: Kysely<any>, query: ReturnType<typeof sql>) => (await query.execute(readModelDb(db))).rows as Record<string, unknown>[];

const allRows = async (db: Kysely<any>) => ({
  executions: await rows(db, sql`select * from analytics.executions order by execution_arn`),
  stateRuns: await rows(db, sql`select * from analytics.state_runs order by execution_arn, entered_event_id`),
  taskRuns: await rows(db, sql`select * from analytics.task_runs order by execution_arn, scheduled_event_id`),
  mapRuns: await rows(db, sql`select * from analytics.map_runs order by map_run_arn`),
});

const run = async (t: ExecutionContext, backend: AuditBackend) => {
  const engine = new Engine({ store: backend.store, db: backend.db, log: quiet, lambda: flakyFunctions(), activityPollMs: 2_000 });
  await engine.start();
  try {
    const mix = await createMachine(engine, 'mix', MIX);
    const timed = await createMachine(engine, 'timed', { TimeoutSeconds: 1, StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 30, End: true } } });
    const spread = await createMachine(engine, 'spread', DISTRIBUTED);
    const activity = await createActivity(engine, 'work');
    const worked = await createMachine(engine, 'worked', { StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: activity, End: true } } });
    const inputs = [
      { mode: 'run', items: ['a', 'bad', 'c'] },
      { mode: 'run', items: [] },
      { mode: 'fail' },
      { mode: 'wait' },
      { mode: 'parfail' },
      { mode: 'run', items: ['bad', 'bad'] },
    ];
    const started = [];
    for (const [i, input] of inputs.entries()) started.push(await startExecution(engine, mix, input, `mix-${i}`));
    started.push(await startExecution(engine, timed, {}, 'timed'));
    started.push(await startExecution(engine, spread, [1, 2, 3, 4], 'spread'));
    started.push(await startExecution(engine, worked, { job: 1 }, 'worked'));
    const offered = await takeTask(engine, activity);
    const sent = await engine.tasks.completeTask(offered.executionArn, offered.taskId, { type: 'succeeded', output: '{"done":true}' });
    t.true(E.isRight(sent));
    const waiting = started[3]!;
    await until('the Wait state is entered', async () =>
      (await backend.store.readStream(waiting.stream)).some((e) => e.type === 'WaitStateEntered') ? true : undefined,
    );
    t.true(E.isRight(await engine.executions.stopExecution({ executionArn: waiting.executionArn, error: 'Stopped', cause: 'by the test' })));
    const streams = (all: readonly RecordedEvent[]) => [...new Set(all.filter((e) => e.streamName.startsWith('execution-')).map((e) => e.streamName))];
    await until(
      'every execution ends',
      async () => {
        const all = await readEverything(backend.store);
        const names = streams(all);
        const closed = names.filter((s) => all.some((e) => e.streamName === s && CLOSING.has(e.type)));
        return names.length === started.length + 4 && closed.length === names.length ? true : undefined;
      },
      30_000,
    );
    const head = (await backend.store.headPosition())!;
    t.true(await engine.analyticsProjector.waitFor(head, 15_000), 'the analytics projector reaches the head');

    const all = await readEverything(backend.store);
    const byStream = new Map<string, Event[]>();
    for (const s of streams(all)) byStream.set(s, asEvents(all.filter((e) => e.streamName === s)));
    const live = await allRows(backend.db);
    t.is(live.executions.length, byStream.size, 'every execution once (the four Map Run children too)');

    let entered = 0;
    let scheduled = 0;
    for (const [stream, history] of byStream) {
      const arn = String((all.find((e) => e.streamName === stream && e.type === 'ExecutionStarted')!.metadata as Record<string, unknown>)['executionArn']);
      const execution = live.executions.find((r) => r['execution_arn'] === arn);
      const closing = history.find((e) => CLOSING.has(e.type))!;
      t.is(
        execution?.['status'],
        { ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionAborted: 'ABORTED', ExecutionTimedOut: 'TIMED_OUT' }[closing.type],
        arn,
      );
      t.is(Number(execution?.['duration_ms']), closing.timestamp - history[0]!.timestamp, `${arn} duration`);
      const expected = oracle(history);
      const got = live.stateRuns.filter((r) => r['execution_arn'] === arn);
      entered += expected.length;
      t.is(got.length, expected.length, `${arn}: one state run per state entered`);
      t.is(Number(execution?.['state_transitions']), expected.length, `${arn}: transitions`);
      for (const e of expected) {
        const r = got.find((g) => g['entered_event_id'] === e.enteredEventId);
        t.truthy(r, `${arn}: the run entered at event ${e.enteredEventId}`);
        t.is(r?.['state_name'], e.state);
        t.is(r?.['state_type'], e.type);
        t.is(Number(r?.['duration_ms']), e.duration ?? -1, `${arn} ${e.state}@${e.enteredEventId}: duration`);
        t.is(r?.['attempts'], e.attempts, `${arn} ${e.state}@${e.enteredEventId}: attempts`);
      }
      const tasks = history.filter((e) => /Scheduled$/.test(e.type));
      scheduled += tasks.length;
      const gotTasks = live.taskRuns.filter((r) => r['execution_arn'] === arn);
      t.deepEqual(gotTasks.map((r) => r['scheduled_event_id']).sort(), tasks.map((e) => e.id).sort(), `${arn}: one task run per task scheduled`);
      for (const task of gotTasks) {
        const s = history.find((e) => e.id === task['scheduled_event_id'])!;
        const ended = history.find((e) => e.id === task['ended_event_id'])!;
        t.is(Number(task['duration_ms']), ended.timestamp - s.timestamp);
      }
    }
    t.true(entered >= 45, `${entered} states entered`);
    t.true(scheduled > 10, `${scheduled} tasks scheduled`);

    // What the runs say, state by state.
    const one = (state: string, execution: string) =>
      live.stateRuns.filter((r) => r['state_name'] === state && String(r['execution_arn']).endsWith(`:${execution}`));
    t.deepEqual(
      one('Work', 'mix-0').map((r) => [r['attempts'], r['retries'], r['status'], r['error']]),
      [[3, 2, 'SUCCEEDED', 'Flaky']],
    );
    t.deepEqual(
      one('Item', 'mix-0').map((r) => [r['frame'], r['status'], r['error']]),
      [
        ['Each/0', 'SUCCEEDED', null],
        ['Each/1', 'CAUGHT', 'BadItem'],
        ['Each/2', 'SUCCEEDED', null],
      ],
      'each item in its iteration',
    );
    t.deepEqual(
      one('Nap', 'mix-0').map((r) => r['frame']),
      ['Fan/0'],
    );
    t.deepEqual(
      one('Call', 'mix-0').map((r) => r['frame']),
      ['Fan/1'],
    );
    t.deepEqual(
      one('Boom', 'mix-2').map((r) => [r['status'], r['error'], r['cause']]),
      [['FAILED', 'Boom', 'asked to fail']],
      "a Fail state's run takes the execution's error",
    );
    t.deepEqual(
      one('Hold', 'mix-3').map((r) => r['status']),
      ['ABORTED'],
    );
    t.deepEqual(
      one('Long', 'mix-4').map((r) => [r['status'], r['frame']]),
      [['ABORTED', 'Guarded/0']],
    );
    t.deepEqual(
      one('Guarded', 'mix-4').map((r) => [r['status'], r['error']]),
      [['CAUGHT', null]],
    );
    t.deepEqual(
      one('Sleep', 'timed').map((r) => r['status']),
      ['TIMED_OUT'],
    );
    const ask = live.taskRuns.filter((r) => r['state_name'] === 'Ask');
    t.deepEqual(
      ask.map((r) => [r['kind'], r['resource'], r['status']]),
      [['activity', activity, 'SUCCEEDED']],
    );
    t.true(Number(ask[0]!['schedule_ms']) >= 0 && ask[0]!['run_ms'] !== null);
    t.deepEqual(
      live.mapRuns.map((m) => [m['state_name'], m['status'], Number(m['child_executions']), Number(m['child_executions_succeeded'])]),
      [['Spread', 'SUCCEEDED', 4, 4]],
    );
    const lambdaRuns = live.taskRuns.filter((r) => r['state_name'] === 'Work' && String(r['execution_arn']).endsWith(':mix-0'));
    t.deepEqual(
      lambdaRuns.map((r) => [r['resource'], r['pattern'], r['status'], r['error']]),
      [
        ['arn:aws:states:::lambda:invoke', 'request-response', 'FAILED', 'Flaky'],
        ['arn:aws:states:::lambda:invoke', 'request-response', 'FAILED', 'Flaky'],
        ['arn:aws:states:::lambda:invoke', 'request-response', 'SUCCEEDED', null],
      ],
    );

    // A rebuild replays every event into a fresh copy: the same rows.
    const rebuilt = await engine.analyticsProjector.rebuild();
    t.is(rebuilt.eventsSkipped, 0n);
    t.deepEqual(await allRows(backend.db), live, 'a rebuild gives the same rows');
  } finally {
    await engine.close();
  }
};

for (const kind of await backendKinds()) {
  if (kind.skip) {
    test.skip(`${kind.label}: the analytics read model agrees with the histories (${kind.skip})`, () => {});
    continue;
  }
  test(`${kind.label}: the analytics read model agrees with the histories; a rebuild gives the same rows`, async (t) => {
    const backend = await kind.open();
    try {
      await run(t, backend);
    } finally {
      await backend.close();
    }
  });
}
