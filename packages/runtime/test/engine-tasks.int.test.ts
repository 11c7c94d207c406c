import { openPGlite } from '@stepstream/eventstore';
import anyTest, { type TestFn } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import {
  assertSoundHistory,
  closeDatabase,
  count,
  createActivity,
  createMachine,
  ended,
  startExecution,
  startNode,
  takeTask,
  until,
  type Database,
  type Node,
} from './engine-fixtures.js';

// Activity tasks: a worker's answer is a command on the execution, and it moves the execution on
// by itself — no timer is armed while the task waits, none wakes the execution after the answer.

const test = anyTest as TestFn<{ db: Database; node: Node }>;

test.beforeEach(async (t) => {
  t.context.db = await openPGlite();
  t.context.node = await startNode(t.context.db, { activityPollMs: 30_000 });
});

test.afterEach.always(async (t) => {
  await t.context.node?.close();
  if (t.context.db) await closeDatabase(t.context.db);
});

const worked = (activityArn: string) => ({
  StartAt: 'Work',
  States: {
    Work: { Type: 'Task', Resource: activityArn, ResultPath: '$.result', Next: 'Next' },
    Next: { Type: 'Pass', Parameters: { 'got.$': '$.result' }, End: true },
  },
});

test('a worker takes an activity task and its answer moves the execution to the next state, with no timer armed', async (t) => {
  const { engine, store } = t.context.node;
  const activityArn = await createActivity(engine, 'work');
  const machine = await createMachine(engine, 'worked', worked(activityArn));
  const { executionArn, stream } = await startExecution(engine, machine, { item: 7 });

  const task = await takeTask(engine, activityArn, 'w-1');
  t.is(task.executionArn, executionArn);
  t.deepEqual(JSON.parse(task.input), { item: 7 });
  const waiting = await store.readStream(stream);
  t.deepEqual(
    waiting.map((e) => e.type),
    ['ExecutionStarted', 'TaskStateEntered', 'ActivityScheduled', 'ActivityStarted'],
  );
  t.is((waiting[3]!.data as { activityStartedEventDetails?: { workerName?: string } }).activityStartedEventDetails?.workerName, 'w-1');
  t.is(engine.pendingTimers, 0, 'a task without TimeoutSeconds or HeartbeatSeconds arms no timer');

  const answered = await engine.tasks.completeTask(executionArn, task.taskId, { type: 'succeeded', output: JSON.stringify({ ok: 1 }) });
  t.true(E.isRight(answered));
  const done = await ended(engine, stream);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { got: { ok: 1 } });
  const events = await store.readStream(stream);
  t.deepEqual(
    events.slice(4).map((e) => e.type),
    ['ActivitySucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
  );
  t.is(engine.pendingTimers, 0);
  assertSoundHistory(t, events);

  const again = await engine.tasks.completeTask(executionArn, task.taskId, { type: 'succeeded', output: '{}' });
  t.true(E.isLeft(again) && again.left._tag === 'TaskTimedOut', 'a second answer finds no task waiting');
  t.is((await store.readStream(stream)).length, events.length, 'and appends nothing');
});

test('a worker already polling is handed the task when it is scheduled', async (t) => {
  const { engine, store } = t.context.node;
  const activityArn = await createActivity(engine, 'early');
  const machine = await createMachine(engine, 'early', worked(activityArn));
  const polling = engine.tasks.getActivityTask({ activityArn, workerName: 'early-bird' });
  const { executionArn, stream } = await startExecution(engine, machine, { n: 1 });
  const polled = await polling;
  if (E.isLeft(polled) || !polled.right.task) return t.fail('the poll ended without the task');
  t.is(polled.right.task.executionArn, executionArn);
  await engine.tasks.completeTask(executionArn, polled.right.task.taskId, { type: 'succeeded', output: '"fine"' });
  const done = await ended(engine, stream);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { got: 'fine' });
  assertSoundHistory(t, await store.readStream(stream));
});

test('a failure answer is routed by Catch to the next state at once', async (t) => {
  const { engine, store } = t.context.node;
  const activityArn = await createActivity(engine, 'flaky');
  const machine = await createMachine(engine, 'caught', {
    StartAt: 'Work',
    States: {
      Work: { Type: 'Task', Resource: activityArn, Catch: [{ ErrorEquals: ['Boom'], ResultPath: '$.error', Next: 'Recover' }], End: true },
      Recover: { Type: 'Pass', End: true },
    },
  });
  const { executionArn, stream } = await startExecution(engine, machine, {});
  const task = await takeTask(engine, activityArn);
  const answered = await engine.tasks.completeTask(executionArn, task.taskId, { type: 'failed', error: 'Boom', cause: 'it broke' });
  t.true(E.isRight(answered));
  // The answer's own decision took the execution through Catch: the next state is already entered.
  const events = await until('Recover entered', async () => {
    const history = await store.readStream(stream);
    return history.some((e) => e.type === 'PassStateEntered') ? history : undefined;
  });
  t.is(count(events, 'ActivityFailed'), 1);
  const done = await ended(engine, stream);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { error: { Error: 'Boom', Cause: 'it broke' } });
  assertSoundHistory(t, await store.readStream(stream));
});
