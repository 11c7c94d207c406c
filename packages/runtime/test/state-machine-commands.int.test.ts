import { openPGlite, type EventStore, type ReadStreamOptions } from '@stepstream/eventstore';
import test, { type ExecutionContext } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { closeDatabase, createMachine, startNode } from './engine-fixtures.js';

// Commands on a state machine's stream start from the fold the last command on it kept and read
// only the events after it (resources/resource-deps.ts): an update of a machine updated many
// times reads a few events, not all of them; and what another node on the same store appended
// meanwhile is read and folded in before the next command decides.

const definition = (n: number) => ({ StartAt: 'A', States: { A: { Type: 'Pass', Result: { n }, End: true } } });

/** Two engines on one PGlite database; `reads` records where A's reads of streams with those prefixes began. */
const twoNodes = async (t: ExecutionContext, prefixes: readonly string[]) => {
  const db = await openPGlite();
  t.teardown(() => closeDatabase(db));
  const reads: { stream: string; from: bigint | 'start' | 'end' | undefined }[] = [];
  const counting = (store: EventStore): EventStore => ({
    ...store,
    readStream: (stream: string, options?: ReadStreamOptions) => {
      if (prefixes.some((p) => stream.startsWith(p))) reads.push({ stream, from: options?.fromRevision });
      return store.readStream(stream, options);
    },
  });
  const a = await startNode(db, { wrapStore: counting });
  t.teardown(() => a.close());
  const b = await startNode(db);
  t.teardown(() => b.close());
  return { a, b, reads };
};

test('an update reads only the events after the fold the last command kept; a second node’s writes are folded in before deciding', async (t) => {
  const { a, b, reads } = await twoNodes(t, ['stateMachine-']);

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

// Tags live on the machine's stream (and an activity's): TagResource and ListTagsForResource read
// only what came after the fold kept for the stream (resources/stream-folds.ts), and still see
// what another node wrote.
test('tags on a machine updated many times: TagResource and ListTagsForResource read only the new events, and see another node’s tags', async (t) => {
  const { a, b, reads } = await twoNodes(t, ['stateMachine-', 'activity-']);

  const arn = await createMachine(a.engine, 'tagged-often-updated', definition(0));
  for (let n = 1; n <= 30; n++)
    t.true(E.isRight(await a.engine.resources.updateStateMachine({ stateMachineArn: arn, definition: JSON.stringify(definition(n)) })));
  t.true(E.isRight(await a.engine.resources.tagResource(arn, [{ key: 'team', value: 'a' }])));
  t.deepEqual(await a.engine.resources.listTags(arn), E.right([{ key: 'team', value: 'a' }]));
  reads.length = 0;
  t.true(E.isRight(await a.engine.resources.tagResource(arn, [{ key: 'env', value: 'prod' }])));
  t.deepEqual(
    await a.engine.resources.listTags(arn),
    E.right([
      { key: 'team', value: 'a' },
      { key: 'env', value: 'prod' },
    ]),
  );
  t.true(reads.length >= 2, 'the tag command and the list read the stream');
  t.true(
    reads.every((r) => typeof r.from === 'bigint' && r.from > 30n),
    `reads began at ${reads.map((r) => String(r.from)).join(', ')}`,
  );

  // B tags and untags; A's kept fold is behind, and A's list folds B's events in.
  t.true(E.isRight(await b.engine.resources.tagResource(arn, [{ key: 'owner', value: 'b' }])));
  t.true(E.isRight(await b.engine.resources.untagResource(arn, ['team'])));
  t.deepEqual(
    await a.engine.resources.listTags(arn),
    E.right([
      { key: 'env', value: 'prod' },
      { key: 'owner', value: 'b' },
    ]),
  );

  // An activity deleted by B is gone for A too, although A kept its fold.
  const created = await a.engine.resources.createActivity({ name: 'often-read' });
  if (E.isLeft(created)) return t.fail(created.left.message);
  t.true(E.isRight(await a.engine.resources.loadActivity(created.right.activityArn)));
  t.true(E.isRight(await b.engine.resources.deleteActivity(created.right.activityArn)));
  const gone = await a.engine.resources.loadActivity(created.right.activityArn);
  t.true(E.isLeft(gone) && gone.left._tag === 'ActivityDoesNotExist', JSON.stringify(gone));
});
