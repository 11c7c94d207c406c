import { openPGlite, openPGliteEventStore } from '@stepstream/eventstore';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSoundHistory, closeDatabase, count, createMachine, ended, historyReaches, startExecution, startNode } from './engine-fixtures.js';

// Durable timers: a Wait's timer is a fact of the history, not of the process that armed it. An
// engine stopped while an execution waits leaves the timer to the next engine over the same store,
// which fires it once.

const WAITS = {
  StartAt: 'Before',
  States: {
    Before: { Type: 'Pass', Result: { before: true }, ResultPath: '$.before', Next: 'Nap' },
    Nap: { Type: 'Wait', Seconds: 1, Next: 'After' },
    After: { Type: 'Pass', Result: 'done', ResultPath: '$.after', End: true },
  },
};

test('a Wait armed by one engine fires once in the next engine over the same data directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-timers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  // The first process: starts the execution and stops while it waits.
  const firstDb = await openPGlite(dir);
  const first = await startNode(firstDb);
  const machine = await createMachine(first.engine, 'naps', WAITS);
  const { stream } = await startExecution(first.engine, machine, { n: 1 }, 'across-restart');
  const entered = await historyReaches(first.store, stream, 'WaitStateEntered');
  t.is(count(entered, 'WaitStateExited'), 0, 'the process stops before the timer is due');
  t.is(first.engine.pendingTimers, 1, 'the first engine armed the Wait');
  await first.close();
  t.is(first.engine.pendingTimers, 0, 'a closed engine holds no timers');
  await closeDatabase(firstDb);

  // The next process over the same data directory: it finds the execution running and re-arms it.
  const secondDb = await openPGlite(dir);
  const second = await startNode(secondDb);
  t.teardown(async () => {
    await second.close();
    await closeDatabase(secondDb);
  });
  const done = await ended(second.engine, stream);
  t.is(done.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(done.output!), { n: 1, before: { before: true }, after: 'done' });
  const events = await second.store.readStream(stream);
  t.is(count(events, 'WaitStateEntered'), 1);
  t.is(count(events, 'WaitStateExited'), 1, 'the timer fired once');
  t.is(events.at(-1)?.type, 'ExecutionSucceeded');
  assertSoundHistory(t, events);
});

test('a Wait already due when the next engine starts fires once, at its start', async (t) => {
  // One in-memory database shared by both engines: the second starts after the first is closed,
  // and only once the Wait is due (waiting for that is the behaviour under test, not an ordering).
  const db = await openPGlite();
  t.teardown(() => closeDatabase(db));
  const first = await startNode(db);
  const machine = await createMachine(first.engine, 'late', WAITS);
  const { stream } = await startExecution(first.engine, machine, {}, 'late');
  const entered = await historyReaches(first.store, stream, 'WaitStateEntered');
  await first.close();
  const due = (entered.find((e) => e.type === 'WaitStateEntered')!.data as { timestamp: number }).timestamp + 1_000;
  await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 50));
  const reader = await openPGliteEventStore({ shared: db });
  t.is(count(await reader.readStream(stream), 'WaitStateExited'), 0, 'nobody fired it while no engine ran');
  await reader.close();

  const second = await startNode(db);
  t.teardown(() => second.close());
  const done = await ended(second.engine, stream);
  t.is(done.status, 'SUCCEEDED');
  const events = await second.store.readStream(stream);
  t.is(count(events, 'WaitStateExited'), 1, 'the overdue timer fired once');
  assertSoundHistory(t, events);
});
