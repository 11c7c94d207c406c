import { openPGlite, type EventStore } from '@stepstream/eventstore';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import type { OfferedTask } from '../src/index.js';
import { assertSoundHistory, closeDatabase, createActivity, createMachine, ended, startExecution, startNode, takeTask } from './engine-fixtures.js';

// A Distributed Map's Map Run starts its child executions at most MaxConcurrency at a time: a child
// starts only once another has ended. Checked twice: live, while a worker answers the children's
// tasks one by one, and afterwards over the store's global order, which records every child's start
// and end as they committed.

const ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** The child executions' starts and ends in commit order (every execution stream but the parent's). */
const childLifecycle = async (store: EventStore, parentStream: string) =>
  (await store.readAll({ filter: { categories: ['execution'], types: ['ExecutionStarted', ...ENDS] } })).filter((e) => e.streamName !== parentStream);

/** The most children running at once over a run of starts and ends, and how many run at its end. */
const overlap = (events: readonly { readonly type: string; readonly streamName: string }[]) => {
  const running = new Set<string>();
  let most = 0;
  for (const e of events) {
    if (e.type === 'ExecutionStarted') running.add(e.streamName);
    else running.delete(e.streamName);
    most = Math.max(most, running.size);
  }
  return { most, now: running.size, started: events.filter((e) => e.type === 'ExecutionStarted').length };
};

test('a Map Run with MaxConcurrency 2 never has more than 2 child executions running; all 8 succeed', async (t) => {
  const db = await openPGlite();
  const node = await startNode(db, { activityPollMs: 30_000 });
  t.teardown(async () => {
    await node.close();
    await closeDatabase(db);
  });
  const { engine, store } = node;
  const activityArn = await createActivity(engine, 'item-work');
  const machine = await createMachine(engine, 'fan-out', {
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        MaxConcurrency: 2,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: activityArn, End: true } },
        },
        End: true,
      },
    },
  });
  const items = [0, 1, 2, 3, 4, 5, 6, 7];
  const { stream } = await startExecution(engine, machine, items);

  const take = async (): Promise<OfferedTask> => {
    const task = await takeTask(engine, activityArn);
    const live = overlap(await childLifecycle(store, stream));
    t.true(live.now <= 2, `${live.now} children running after handing out a task`);
    return task;
  };
  // Two tasks handed out and unanswered: both children run, and no third one has started.
  const held = [await take(), await take()];
  const both = overlap(await childLifecycle(store, stream));
  t.is(both.now, 2);
  t.is(both.started, 2, 'no third child starts while two run');
  let taken = 2;
  const answered: number[] = [];
  while (held.length > 0) {
    const task = held.shift()!;
    const item = JSON.parse(task.input) as number;
    const done = await engine.tasks.completeTask(task.executionArn, task.taskId, { type: 'succeeded', output: JSON.stringify({ item, square: item * item }) });
    t.true(E.isRight(done));
    answered.push(item);
    if (taken < items.length) {
      held.push(await take());
      taken++;
    }
  }
  t.deepEqual(
    [...answered].sort((a, b) => a - b),
    items,
    'each item was worked once',
  );

  const parent = await ended(engine, stream);
  t.is(parent.status, 'SUCCEEDED');
  t.deepEqual(
    JSON.parse(parent.output!),
    items.map((item) => ({ item, square: item * item })),
  );

  const lifecycle = await childLifecycle(store, stream);
  const all = overlap(lifecycle);
  t.is(all.started, 8, 'one child per item');
  t.is(all.most, 2, 'at most MaxConcurrency children ran at once, in commit order');
  t.is(all.now, 0);
  t.is(lifecycle.filter((e) => e.type === 'ExecutionSucceeded').length, 8, 'every child succeeded');
  for (const child of new Set(lifecycle.map((e) => e.streamName))) assertSoundHistory(t, await store.readStream(child));
  assertSoundHistory(t, await store.readStream(stream));
});
