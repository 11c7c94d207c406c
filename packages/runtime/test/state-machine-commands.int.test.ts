import { openPGlite, type EventStore, type ReadStreamOptions } from '@stepstream/eventstore';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { closeDatabase, createMachine, startNode } from './engine-fixtures.js';

// Commands on a state machine's stream start from the fold the last command on it kept and read
// only the events after it (resources/resource-deps.ts): an update of a machine updated many
// times reads a few events, not all of them; and what another node on the same store appended
// meanwhile is read and folded in before the next command decides.

const definition = (n: number) => ({ StartAt: 'A', States: { A: { Type: 'Pass', Result: { n }, End: true } } });

test('an update reads only the events after the fold the last command kept; a second node’s writes are folded in before deciding', async (t) => {
  const db = await openPGlite();
  t.teardown(() => closeDatabase(db));
  const reads: { stream: string; from: bigint | 'start' | 'end' | undefined }[] = [];
  const counting = (store: EventStore): EventStore => ({
    ...store,
    readStream: (stream: string, options?: ReadStreamOptions) => {
      if (stream.startsWith('stateMachine-')) reads.push({ stream, from: options?.fromRevision });
      return store.readStream(stream, options);
    },
  });
  const a = await startNode(db, { wrapStore: counting });
  t.teardown(() => a.close());
  const b = await startNode(db);
  t.teardown(() => b.close());

  const arn = await createMachine(a.engine, 'often-updated', definition(0));
  for (let n = 1; n <= 30; n++) {
    const updated = await a.engine.resources.updateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(definition(n)), publish: true });
    t.true(E.isRight(updated), `update ${n}`);
  }
  // The 31st update of A reads from the revision after the fold it kept, not from the start.
  reads.length = 0;
  t.true(E.isRight(await a.engine.resources.updateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(definition(31)), publish: true })));
  const commandReads = reads.filter((r) => r.from !== undefined && r.from !== 'start');
  t.true(commandReads.length >= 1, 'the command read after a revision');
  t.true(
    commandReads.every((r) => typeof r.from === 'bigint' && r.from > 50n),
    `reads began at ${commandReads.map((r) => String(r.from)).join(', ')}`,
  );

  // B (no folds of its own yet) updates and publishes; A's kept fold is then two events behind.
  const fromB = await b.engine.resources.updateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(definition(100)), publish: true });
  t.true(E.isRight(fromB));
  const fromA = await a.engine.resources.updateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(definition(200)), publish: true });
  if (E.isLeft(fromA) || E.isLeft(fromB)) return t.fail('an update failed');
  // Version numbers are never reused: A decided on B's version too.
  t.is(fromB.right.stateMachineVersionArn, `${arn}:32`);
  t.is(fromA.right.stateMachineVersionArn, `${arn}:33`);
  const loaded = await b.engine.resources.loadStateMachine(arn);
  if (E.isLeft(loaded)) return t.fail(loaded.left.message);
  t.deepEqual(JSON.parse(loaded.right.current?.definition ?? 'null'), definition(200));
  t.is(Object.keys(loaded.right.versions ?? {}).length, 33);
});
