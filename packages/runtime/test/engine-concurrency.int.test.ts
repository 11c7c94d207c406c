import { openPGlite, type EventData, type EventStore } from '@stepstream/eventstore';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from '../src/index.js';
import {
  assertSoundHistory,
  closeDatabase,
  count,
  createActivity,
  createMachine,
  historyReaches,
  startExecution,
  startNode,
  takeTask,
  until,
  type Database,
  type Node,
} from './engine-fixtures.js';

// Two engines over one store race on one execution. Engine A decides an execution and keeps its
// fold between decisions, reading only the events after the revision it reached; engine B (another
// node sharing the store) stops the execution. Whether B's append lands between two of A's
// decisions or in the middle of one (after A read, before A appended), A's next decision must see
// it: no lost update, no event after ExecutionAborted, no duplicate id, and nothing for A to retry.

interface Context {
  readonly db: Database;
  /** Engine A's appends can be interleaved with another writer's (see `interleave`). */
  readonly a: Node;
  readonly b: Node;
  /** What engine A logged as errors (a failed timer, a decision that gave up). */
  readonly errors: string[];
  /** Arms a one-time interleaving: `act` runs just before A's next append that `when` selects. */
  interleave(when: (stream: string, events: readonly EventData[]) => boolean, act: () => Promise<void>): { readonly done: () => boolean };
}

const test = anyTest as TestFn<Context>;

test.beforeEach(async (t) => {
  const db = await openPGlite();
  const errors: string[] = [];
  const log: Logger = { debug() {}, info() {}, warn() {}, error: (m) => void errors.push(m) };
  let pending: { when: (stream: string, events: readonly EventData[]) => boolean; act: () => Promise<void>; fired: boolean } | undefined;
  // Engine A's store is the real store; an armed interleaving runs the other writer's command
  // after A has read and decided, before A's append reaches the store.
  const wrapStore = (store: EventStore): EventStore => ({
    ...store,
    async appendToStream(stream, events, options) {
      const armed = pending;
      if (armed && !armed.fired && armed.when(stream, events)) {
        armed.fired = true;
        await armed.act();
      }
      return store.appendToStream(stream, events, options);
    },
  });
  // Both engines start before any execution exists, so B resumes nothing: it only acts when told.
  const a = await startNode(db, { log, wrapStore, activityPollMs: 30_000 });
  const b = await startNode(db);
  t.context = {
    db,
    a,
    b,
    errors,
    interleave(when, act) {
      const armed = { when, act, fired: false };
      pending = armed;
      return { done: () => armed.fired };
    },
  };
});

test.afterEach.always(async (t) => {
  await t.context.a?.close();
  await t.context.b?.close();
  if (t.context.db) await closeDatabase(t.context.db);
});

const NAP = {
  StartAt: 'Before',
  States: {
    Before: { Type: 'Pass', Next: 'Nap' },
    Nap: { Type: 'Wait', Seconds: 1, Next: 'After' },
    After: { Type: 'Pass', End: true },
  },
};

/** B stops the execution; returns the stop date B recorded. */
const stopThroughB = async (t: ExecutionContext<Context>, executionArn: string) => {
  const stopped = await t.context.b.engine.executions.stopExecution({ executionArn, error: 'Elsewhere', cause: 'stopped by engine B' });
  if (E.isLeft(stopped)) throw new Error(`B's StopExecution: ${stopped.left._tag}`);
  return stopped.right.stopDate;
};

/**
 * After A's timer has fired: A's decision is done once a later command on the same execution
 * (queued behind it in A) is answered. A sees B's stop, holds no timer and logged no error.
 */
const assertASeesTheStop = async (t: ExecutionContext<Context>, executionArn: string, stream: string, stopDate: number) => {
  const { a, errors } = t.context;
  await until('A fired its timer', async () => (a.engine.pendingTimers === 0 ? true : undefined));
  const again = await a.engine.executions.stopExecution({ executionArn });
  t.true(E.isRight(again) && again.right.stopDate === stopDate, 'A reports the stop B recorded');
  const state = await a.engine.executions.loadExecutionState(stream);
  t.is(state.status, 'ABORTED');
  t.is(state.error, 'Elsewhere');
  t.is(a.engine.pendingTimers, 0, 'A re-armed nothing');
  t.deepEqual(errors, [], 'A gave up on no decision');
  const events = await a.store.readStream(stream);
  t.is(events.at(-1)?.type, 'ExecutionAborted');
  t.is(count(events, 'ExecutionAborted'), 1);
  t.is(state.lastEventId, events.length, "A's fold holds every stored event");
  assertSoundHistory(t, events);
  return events;
};

test("B's stop between two of A's decisions: A's timer decision reads it from the store and appends nothing", async (t) => {
  const { a } = t.context;
  const machine = await createMachine(a.engine, 'between', NAP);
  const { executionArn, stream } = await startExecution(a.engine, machine, {}, 'between');
  await historyReaches(a.store, stream, 'WaitStateEntered');
  // A holds the fold of the history up to the Wait and an armed timer.
  t.is((await a.engine.executions.loadExecutionState(stream)).status, 'RUNNING');
  t.is(a.engine.pendingTimers, 1);

  const stopDate = await stopThroughB(t, executionArn);
  const events = await assertASeesTheStop(t, executionArn, stream, stopDate);
  t.is(count(events, 'WaitStateExited'), 0, 'the Wait never ended');
});

test("B's stop after A read and before A appended: A's timer decision conflicts, re-decides on B's history, appends nothing", async (t) => {
  const { a } = t.context;
  const machine = await createMachine(a.engine, 'racing', NAP);
  const { executionArn, stream } = await startExecution(a.engine, machine, {}, 'racing');
  await historyReaches(a.store, stream, 'WaitStateEntered');
  let stopDate = 0;
  const race = t.context.interleave(
    (s, events) => s === stream && events.some((e) => e.type === 'WaitStateExited'),
    async () => {
      stopDate = await stopThroughB(t, executionArn);
    },
  );

  const events = await until('A decided the timer and B stopped meanwhile', async () => (race.done() ? true : undefined)).then(() =>
    assertASeesTheStop(t, executionArn, stream, stopDate),
  );
  t.is(count(events, 'WaitStateExited'), 0, "A's decision on the stale history was not appended");
});

test("B's stop while A appends a task's answer: the answer finds no task waiting and the history ends aborted", async (t) => {
  const { a, errors } = t.context;
  const activityArn = await createActivity(a.engine, 'raced');
  const machine = await createMachine(a.engine, 'answered', {
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: activityArn, Next: 'After' }, After: { Type: 'Pass', End: true } },
  });
  const { executionArn, stream } = await startExecution(a.engine, machine, {}, 'answered');
  const task = await takeTask(a.engine, activityArn);
  const race = t.context.interleave(
    (s, events) => s === stream && events.some((e) => e.type === 'ActivitySucceeded'),
    async () => {
      await stopThroughB(t, executionArn);
    },
  );

  const answered = await a.engine.tasks.completeTask(executionArn, task.taskId, { type: 'succeeded', output: '{}' });
  t.true(race.done());
  t.true(E.isLeft(answered) && answered.left._tag === 'TaskTimedOut', 'the re-decided answer finds the task gone');
  const state = await a.engine.executions.loadExecutionState(stream);
  t.is(state.status, 'ABORTED');
  t.deepEqual(errors, []);
  const events = await a.store.readStream(stream);
  t.is(count(events, 'ActivitySucceeded'), 0);
  t.is(count(events, 'PassStateEntered'), 0);
  t.is(events.at(-1)?.type, 'ExecutionAborted');
  t.is(state.lastEventId, events.length);
  assertSoundHistory(t, events);
});
