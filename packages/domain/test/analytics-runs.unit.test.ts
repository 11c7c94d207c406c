import test from 'ava';
import fc from 'fast-check';
import { foldRuns, type RunsCursor, type RunsEvent } from '../src/index.js';
import { FAN_HISTORY } from './fan-history.js';

// foldRuns (src/analytics/runs.ts): what a history says about its runs, folded batch by batch.

const fan = FAN_HISTORY as unknown as readonly RunsEvent[];

/** Folds `events` in the given chunk sizes, the cursor going through JSON between chunks as the projector stores it. */
const foldInChunks = (events: readonly RunsEvent[], sizes: readonly number[]) => {
  let cursor: RunsCursor | undefined;
  const stateRuns = [];
  const taskRuns = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= events.length) break;
    const folded = foldRuns(cursor === undefined ? undefined : (JSON.parse(JSON.stringify(cursor)) as RunsCursor), events.slice(at, at + size));
    at += size;
    cursor = folded.cursor;
    stateRuns.push(...folded.stateRuns);
    taskRuns.push(...folded.taskRuns);
  }
  if (at < events.length) {
    const folded = foldRuns(cursor, events.slice(at));
    cursor = folded.cursor;
    stateRuns.push(...folded.stateRuns);
    taskRuns.push(...folded.taskRuns);
  }
  return { cursor, stateRuns, taskRuns };
};

test('a Parallel and an inline Map: each state once, in its frame, with its duration, attempts and outcome', (t) => {
  const { cursor, stateRuns, taskRuns } = foldInChunks(fan, [fan.length]);
  const byName = Object.fromEntries(stateRuns.map((r) => [r.state, r]));
  t.deepEqual(
    stateRuns
      .map((r) => [
        r.state,
        r.type,
        r.frame,
        r.parentEnteredEventId === 0 ? '' : byName[stateRuns.find((p) => p.enteredEventId === r.parentEnteredEventId)!.state]!.state,
      ])
      .sort(),
    [
      ['A', 'Pass', 'P/0', 'P'],
      ['A2', 'Wait', 'P/0', 'P'],
      ['B', 'Pass', 'P/1', 'P'],
      ['F', 'Pass', 'M/0', 'M'],
      ['I', 'Task', 'M/0', 'M'],
      ['M', 'Map', '', ''],
      ['P', 'Parallel', '', ''],
    ],
  );
  const ts = (id: number) => (fan[id - 1]!.data as { timestamp: number }).timestamp;
  t.is(byName['P']!.ended - byName['P']!.entered, ts(11) - ts(2), 'the Parallel runs to its exit');
  t.is(byName['A2']!.ended - byName['A2']!.entered, ts(9) - ts(6));
  t.deepEqual([byName['I']!.attempts, byName['I']!.status, byName['I']!.error], [2, 'CAUGHT', 'Lambda.ResourceNotFoundException']);
  t.deepEqual([byName['M']!.status, byName['P']!.status, byName['F']!.status], ['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  t.deepEqual(
    taskRuns.map((r) => [r.scheduledEventId, r.state, r.kind, r.resource, r.status]),
    [
      [16, 'I', 'task', 'arn:aws:states:::lambda:invoke', 'FAILED'],
      [19, 'I', 'task', 'arn:aws:states:::lambda:invoke', 'FAILED'],
    ],
  );
  t.deepEqual(
    [cursor?.execution.status, cursor?.execution.transitions, cursor?.execution.executionArn],
    ['SUCCEEDED', 7, 'arn:aws:states:us-east-1:123456789012:execution:fan:run-1'],
  );
  t.deepEqual([cursor?.pointers, cursor?.runs], [{}, {}], 'nothing is kept once the execution has ended');
});

test('any split into batches gives the same runs as one batch (the cursor through JSON between them)', (t) => {
  const whole = foldInChunks(fan, [fan.length]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 30 }), (sizes) => {
      const split = foldInChunks(fan, sizes);
      t.deepEqual(split.stateRuns, whole.stateRuns);
      t.deepEqual(split.taskRuns, whole.taskRuns);
      t.deepEqual(split.cursor, whole.cursor);
    }),
    { numRuns: 200 },
  );
});

test('a long loop keeps a small cursor: what a later event may point to, not the whole history', (t) => {
  const events: RunsEvent[] = [
    {
      id: 1,
      type: 'ExecutionStarted',
      data: { timestamp: 0, previousEventId: 0, executionStartedEventDetails: {} },
      metadata: { executionArn: 'x', stateMachineArn: 'm' },
    },
  ];
  for (let i = 0; i < 3000; i++) {
    const entered = events.length + 1;
    events.push({ id: entered, type: 'PassStateEntered', data: { timestamp: i, previousEventId: entered - 1, stateEnteredEventDetails: { name: 'Loop' } } });
    events.push({ id: entered + 1, type: 'PassStateExited', data: { timestamp: i + 1, previousEventId: entered, stateExitedEventDetails: { name: 'Loop' } } });
  }
  let cursor: RunsCursor | undefined;
  let runs = 0;
  let largest = 0;
  for (let i = 0; i < events.length; i += 100) {
    const folded = foldRuns(cursor, events.slice(i, i + 100));
    cursor = folded.cursor;
    runs += folded.stateRuns.length;
    largest = Math.max(largest, JSON.stringify(cursor).length);
  }
  t.is(runs, 3000);
  t.is(cursor?.execution.transitions, 3000);
  t.true(largest < 1000, `the cursor stayed at ${largest} characters`);
});

test('events before the execution started are ignored; a stop closes every open run and task as ABORTED', (t) => {
  t.is(
    foldRuns(undefined, [{ id: 5, type: 'PassStateEntered', data: { timestamp: 1, previousEventId: 4, stateEnteredEventDetails: { name: 'X' } } }]).cursor,
    undefined,
  );
  const events: RunsEvent[] = [
    { id: 1, type: 'ExecutionStarted', data: { timestamp: 0, previousEventId: 0 }, metadata: { executionArn: 'x', stateMachineArn: 'm' } },
    { id: 2, type: 'TaskStateEntered', data: { timestamp: 10, previousEventId: 0, stateEnteredEventDetails: { name: 'Call' } } },
    { id: 3, type: 'ActivityScheduled', data: { timestamp: 11, previousEventId: 2, activityScheduledEventDetails: { resource: 'arn:act' } } },
    { id: 4, type: 'ActivityStarted', data: { timestamp: 15, previousEventId: 3, activityStartedEventDetails: { workerName: 'w' } } },
    { id: 5, type: 'ExecutionAborted', data: { timestamp: 40, previousEventId: 4, executionAbortedEventDetails: { error: 'Stop', cause: 'by hand' } } },
  ];
  const folded = foldRuns(undefined, events);
  t.deepEqual(
    folded.stateRuns.map((r) => [r.state, r.status, r.ended - r.entered, r.attempts, r.error]),
    [['Call', 'ABORTED', 30, 1, 'Stop']],
  );
  t.deepEqual(
    folded.taskRuns.map((r) => [r.kind, r.resource, r.status, r.started, r.ended]),
    [['activity', 'arn:act', 'ABORTED', 15, 40]],
  );
  t.deepEqual([folded.cursor?.execution.status, folded.cursor?.execution.error, folded.cursor?.execution.ended], ['ABORTED', 'Stop', 40]);
  t.deepEqual(folded.byEvent.get(3)?.task, { phase: 'scheduled', kind: 'activity', resource: 'arn:act' });
  t.deepEqual(folded.byEvent.get(4)?.task, { phase: 'started', kind: 'activity', resource: 'arn:act' });
});

test("a timed-out attempt with HeartbeatSeconds that ended before its TimeoutSeconds was its heartbeat's; one at its TimeoutSeconds was not", (t) => {
  const attempt = (timedOutAt: number, details: Record<string, unknown>, started = true) => {
    const events: RunsEvent[] = [
      { id: 1, type: 'ExecutionStarted', data: { timestamp: 0, previousEventId: 0 }, metadata: { executionArn: 'x', stateMachineArn: 'm' } },
      { id: 2, type: 'TaskStateEntered', data: { timestamp: 0, previousEventId: 0, stateEnteredEventDetails: { name: 'Work' } } },
      { id: 3, type: 'ActivityScheduled', data: { timestamp: 1_000, previousEventId: 2, activityScheduledEventDetails: { resource: 'arn:act', ...details } } },
      ...(started ? [{ id: 4, type: 'ActivityStarted', data: { timestamp: 2_000, previousEventId: 3, activityStartedEventDetails: {} } }] : []),
      {
        id: 5,
        type: 'ActivityTimedOut',
        data: { timestamp: timedOutAt, previousEventId: started ? 4 : 3, activityTimedOutEventDetails: { error: 'States.Timeout' } },
      },
    ];
    const [run] = foldRuns(undefined, events).taskRuns;
    return [run?.status, run?.heartbeatTimedOut ?? false];
  };
  t.deepEqual(attempt(12_000, { heartbeatInSeconds: 10, timeoutInSeconds: 100 }), ['TIMED_OUT', true], 'no heartbeat within 10 s of its start');
  t.deepEqual(attempt(101_000, { heartbeatInSeconds: 10, timeoutInSeconds: 100 }), ['TIMED_OUT', false], 'its TimeoutSeconds ran out');
  t.deepEqual(attempt(12_000, { heartbeatInSeconds: 10 }), ['TIMED_OUT', true], 'no TimeoutSeconds: only the heartbeat can expire');
  t.deepEqual(attempt(12_000, { timeoutInSeconds: 11 }), ['TIMED_OUT', false], 'no HeartbeatSeconds');
  t.deepEqual(attempt(12_000, { heartbeatInSeconds: 10, timeoutInSeconds: 100 }, false), ['TIMED_OUT', false], 'never started: no heartbeat was due');
});
