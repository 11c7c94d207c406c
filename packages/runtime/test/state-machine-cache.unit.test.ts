import { foldStateMachine, type StateMachineEvent } from '@stepstream/domain';
import { openPGlite, openPGliteEventStore } from '@stepstream/eventstore';
import test from 'ava';
import { StateMachineCache } from '../src/resources/state-machine-cache.js';

// The engine's cache of state machines, on a real (in-memory PGlite) store.

const created = (definition: string): { type: string; data: StateMachineEvent['data'] } => ({
  type: 'StateMachineCreated',
  data: {
    stateMachineArn: 'arn',
    name: 'm',
    definition,
    roleArn: 'r',
    stateMachineType: 'EXPRESS',
    creationDate: 1,
    loggingConfiguration: {},
    tracingConfiguration: {},
  },
});

test('an append through the watched store drops the entry; a load that raced with an append is not kept', async (t) => {
  const shared = await openPGlite();
  const raw = await openPGliteEventStore({ shared });
  try {
    const cache = new StateMachineCache();
    const store = cache.watch(raw);
    const stream = 'stateMachine-123456789012:us-east-1:m';
    let loads = 0;
    const load = async () => {
      loads++;
      return foldStateMachine((await store.readStream(stream)).map((e) => ({ type: e.type, data: e.data }) as StateMachineEvent));
    };
    await store.appendToStream(stream, [created('one')]);
    t.is((await cache.get(stream, load)).current?.definition, 'one');
    t.is((await cache.get(stream, load)).current?.definition, 'one');
    t.is(loads, 1, 'the second read came from the cache');

    await store.appendToStream(stream, [{ type: 'StateMachineUpdated', data: { stateMachineArn: 'arn', updateDate: 2, revisionId: 'r2', definition: 'two' } }]);
    t.is((await cache.get(stream, load)).current?.definition, 'two', 'an append drops the entry');

    // A load that read before an append and finished after it must not be kept.
    cache.invalidate(stream);
    const slow = cache.get(stream, async () => {
      const state = await load();
      await store.appendToStream(stream, [
        { type: 'StateMachineUpdated', data: { stateMachineArn: 'arn', updateDate: 3, revisionId: 'r3', definition: 'three' } },
      ]);
      return state;
    });
    t.is((await slow).current?.definition, 'two');
    t.is((await cache.get(stream, load)).current?.definition, 'three', 'the stale load was not cached');

    // Other streams are not affected by appends elsewhere.
    const before = loads;
    await store.appendToStream('execution-123456789012:us-east-1:m:x', [{ type: 'ExecutionStarted', data: {} }]);
    await cache.get(stream, load);
    t.is(loads, before);
  } finally {
    await raw.close();
    await shared.db.destroy();
    await shared.pglite.close();
  }
});
