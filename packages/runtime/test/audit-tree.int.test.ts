import {
  fromHex,
  generateSigningKey,
  HASH_BYTES,
  leafHash,
  verifyBundle,
  verifyCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type SignedCheckpoint,
} from '@stepstream/audit';
import { executionHistory } from '@stepstream/domain';
import { leafDataOf, type EventStore } from '@stepstream/eventstore';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { sql } from 'kysely';
import { AuditTables } from '../src/audit/audit-queries.js';
import { isStoredLevel } from '../src/audit/audit-tree.js';
import { Checkpointer } from '../src/audit/checkpointer.js';
import { CHECKPOINT_SIGNED, CHECKPOINT_STREAM, Engine, locateExecution, type EngineOptions } from '../src/index.js';
import { backendKinds, independentTree, readEverything, storedNodes, type AuditBackend } from './audit-fixtures.js';
import { createMachine, ended, startExecution, until } from './engine-fixtures.js';

// The audit tree (src/audit/): its root and nodes equal what @stepstream/audit computes on its own
// from readAll and leafDataOf; proofs read from its tables verify; checkpoints come on their
// cadence and at close — on PGlite and on Postgres.

const test = anyTest as TestFn;
const key = generateSigningKey();
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string, e?: unknown) => console.error(m, e) };
/** No checkpoint but the ones a test asks for. */
const NEVER = { checkpointEvery: 1e12, checkpointIntervalMs: 3_600_000 };

const engineOver = async (backend: AuditBackend, options: Partial<EngineOptions> = {}) => {
  const engine = new Engine({ store: backend.store, db: backend.db, log: quiet, audit: { privateKeyPem: key.privateKeyPem, ...NEVER }, ...options });
  await engine.start();
  return engine;
};

/** Appends `n` events through the engine's (chained) store: `streams` streams, appends of 1 to 4 events. */
const appendMany = async (store: EventStore, prefix: string, n: number, streams = 37) => {
  let written = 0;
  for (let i = 0; written < n; i++) {
    const size = Math.min(1 + (i % 4), n - written);
    const events = Array.from({ length: size }, (_, k) => ({
      type: `Happened${(i + k) % 5}`,
      data: { i, k, text: `é\u0000${i}` },
      metadata: { requestId: `r${i}` },
    }));
    await store.appendToStream(`${prefix}-${i % streams}`, events);
    written += size;
  }
};

const PASS_CHAIN = {
  StartAt: 'A',
  States: { A: { Type: 'Pass', Result: { x: 1 }, Next: 'B' }, B: { Type: 'Pass', ResultPath: '$.b', Next: 'C' }, C: { Type: 'Succeed' } },
};

const streamNameOf = (arn: string) => {
  const located = locateExecution(arn);
  return E.isRight(located) ? located.right.stream : '';
};

const checkpointsIn = async (store: EventStore): Promise<SignedCheckpoint[]> =>
  (await store.readStream(CHECKPOINT_STREAM)).filter((e) => e.type === CHECKPOINT_SIGNED).map((e) => e.data as SignedCheckpoint);

/** The checkpoint's root is the independent tree's at its size, and its signature checks. */
const assertCheckpointOfTree = (t: ExecutionContext, checkpoint: SignedCheckpoint, roots: readonly string[]) => {
  t.true(verifyCheckpoint(checkpoint, key.publicKeyPem).ok, 'signed with the engine key');
  t.is(checkpoint.rootHash, roots[checkpoint.treeSize]!, `the root of the first ${checkpoint.treeSize} events`);
};

for (const kind of await backendKinds()) {
  const each = (title: string, body: (t: ExecutionContext, backend: AuditBackend) => Promise<void>) => {
    if (kind.skip) {
      test.skip(`${kind.label}: ${title} (${kind.skip})`, () => {});
      return;
    }
    test(`${kind.label}: ${title}`, async (t) => {
      const backend = await kind.open();
      try {
        await body(t, backend);
      } finally {
        await backend.close();
      }
    });
  };

  each(
    'the tree over every event (unchained ones before the chain too) is the one @stepstream/audit computes from readAll; its proofs verify',
    async (t, backend) => {
      // Events written before the chain existed: their leaves are the hashes of their content.
      for (let i = 0; i < 25; i++) await backend.store.appendToStream(`old-${i % 3}`, [{ type: 'Legacy', data: { i } }]);
      const engine = await engineOver(backend);
      try {
        await appendMany(engine.reads.store, 'ledger', 1500);
        const machine = await createMachine(engine, 'audited', PASS_CHAIN);
        const executions = [];
        for (let i = 0; i < 3; i++) executions.push(await startExecution(engine, machine, { i }));
        for (const { stream } of executions) await ended(engine, stream);
        await appendMany(engine.reads.store, 'after', 300, 5);

        const checkpoint = (await engine.audit.checkpointNow())!;
        await engine.auditProjector.catchUp(); // the checkpoint's event too
        const events = await readEverything(backend.store);
        const { roots, nodes } = independentTree(events);
        t.is(checkpoint.treeSize, events.length - 1, 'every event but the checkpoint itself');
        t.true(checkpoint.treeSize > 1800);
        assertCheckpointOfTree(t, checkpoint, roots);
        t.false(
          events.slice(0, 25).some((e) => '$hash' in e.metadata),
          'the first events are unchained',
        );

        // Every perfect subtree node of a stored level (4, 8 …) is stored, and is the independent one.
        const stored = await storedNodes(backend.db);
        const ofStoredLevels = [...nodes].filter(([ref]) => isStoredLevel(Number(ref.split('/')[0])));
        t.true(ofStoredLevels.length > 100);
        t.is(stored.size, ofStoredLevels.length);
        t.true(
          ofStoredLevels.every(([ref, hash]) => stored.get(ref) === hash),
          'every node equal',
        );
        // Every node of any level, as proofs read it (folded from the stored ones and the leaves), is the independent one.
        const lookup = await new AuditTables(backend.db).nodes(
          [...nodes.keys()].map((ref) => ({ level: Number(ref.split('/')[0]), index: Number(ref.split('/')[1]) })),
        );
        t.true(
          [...nodes].every(([ref, hash]) => {
            const [level, index] = ref.split('/').map(Number) as [number, number];
            const got = lookup(level, index);
            return got !== undefined && Buffer.from(got).toString('hex') === hash;
          }),
          'every node of every level equal as read',
        );
        // Leaf i is event i of $all.
        const { rows: leaves } = await sql<{ stream_name: string; revision: string; event_id: string; leaf_data: string }>`
        select stream_name, revision::text as revision, event_id::text as event_id, encode(leaf_data, 'hex') as leaf_data from audit.leaves order by leaf_index`.execute(
          backend.db,
        );
        t.deepEqual(
          leaves,
          events.map((e) => ({
            stream_name: e.streamName,
            revision: e.revision.toString(),
            event_id: e.id,
            leaf_data: Buffer.from(leafDataOf(e)).toString('hex'),
          })),
        );

        // Consistency proofs between any two sizes lead from one independent root to the other.
        const n = checkpoint.treeSize;
        const pairs = [
          [0, n],
          [n, n],
          [1, 2],
          [1, n],
          [2, 3],
          [7, 8],
          [8, 9],
          [25, n],
          [1024, n],
          [1023, 1025],
          [n - 1, n],
          [313, 1700],
        ] as const;
        for (const [m, size] of pairs) {
          const answer = await engine.audit.consistencyProof(m, size);
          if (E.isLeft(answer)) return t.fail(`${m} → ${size}: ${answer.left.message}`);
          t.is(answer.right.firstRootHash, roots[m]!);
          t.is(answer.right.secondRootHash, roots[size]!);
          const proof = answer.right.proof.map((h) => fromHex(h, HASH_BYTES));
          t.true(verifyConsistency(m, size, fromHex(roots[m]!, HASH_BYTES), fromHex(roots[size]!, HASH_BYTES), proof), `${m} → ${size}`);
          if (m > 0 && m < size)
            t.false(verifyConsistency(m, size, fromHex(roots[m + 1]!, HASH_BYTES), fromHex(roots[size]!, HASH_BYTES), proof), 'not from another root');
        }
        const beyond = await engine.audit.consistencyProof(1, n + 1000);
        t.true(E.isLeft(beyond) && beyond.left._tag === 'ValidationException');
        const backwards = await engine.audit.consistencyProof(5, 4);
        t.true(E.isLeft(backwards) && backwards.left._tag === 'ValidationException');

        // Each execution's bundle: its head is the leaf the independent order says, proven in the checkpoint.
        for (const { executionArn, stream } of executions) {
          const bundle = await engine.audit.proofBundle(executionArn);
          if (E.isLeft(bundle)) return t.fail(bundle.left.message);
          const { head, checkpoint: signed, inclusionProof } = bundle.right;
          const headEvent = events.findIndex((e) => e.streamName === stream && e.revision.toString() === head.revision);
          t.is(head.leafIndex, headEvent);
          t.deepEqual(signed, checkpoint, 'the newest checkpoint covering it');
          const proof = inclusionProof.map((h) => fromHex(h, HASH_BYTES));
          t.true(
            verifyInclusion(leafHash(leafDataOf(events[headEvent]!)), head.leafIndex, signed.treeSize, proof, fromHex(roots[signed.treeSize]!, HASH_BYTES)),
          );
          const verified = verifyBundle(JSON.parse(JSON.stringify(bundle.right)), key.publicKeyPem, { toHistory: executionHistory, streamNameOf });
          t.deepEqual(verified.problems, []);
          t.true(verified.ok);
          t.deepEqual(bundle.right.history, executionHistory(await engine.reads.store.readStream(stream)));
        }
        const missing = await engine.audit.proofBundle(`${executions[0]!.executionArn}-not`);
        t.true(E.isLeft(missing) && missing.left._tag === 'ExecutionDoesNotExist');
        const invalid = await engine.audit.proofBundle('arn:aws:states:us-east-1:123456789012:stateMachine:audited');
        t.true(E.isLeft(invalid) && invalid.left._tag === 'InvalidArn');
      } finally {
        await engine.close();
      }
    },
  );

  each('a bundle of an execution no checkpoint covers yet signs one now; later bundles use the newest checkpoint covering them', async (t, backend) => {
    const engine = await engineOver(backend);
    try {
      const machine = await createMachine(engine, 'fresh', PASS_CHAIN);
      const first = await startExecution(engine, machine);
      await ended(engine, first.stream);
      t.is((await checkpointsIn(backend.store)).length, 0);
      const bundle = await engine.audit.proofBundle(first.executionArn);
      if (E.isLeft(bundle)) return t.fail(bundle.left.message);
      const signed = await checkpointsIn(backend.store);
      t.deepEqual(signed, [bundle.right.checkpoint], 'one checkpoint, signed for it');
      t.true(bundle.right.checkpoint.treeSize > bundle.right.head.leafIndex);
      // Asked again: the same checkpoint covers it; nothing new is signed.
      const again = await engine.audit.proofBundle(first.executionArn);
      if (E.isLeft(again)) return t.fail(again.left.message);
      t.deepEqual(again.right, bundle.right);
      t.is((await checkpointsIn(backend.store)).length, 1);
      t.deepEqual(await engine.audit.latestCheckpoint(), bundle.right.checkpoint);
    } finally {
      await engine.close();
    }
  });

  each('the checkpointer signs a grown tree, not one whose only new leaves are checkpoints', async (t, backend) => {
    const engine = await engineOver(backend, { audit: false });
    try {
      const tables = new AuditTables(backend.db);
      const checkpointer = new Checkpointer({
        store: engine.reads.store,
        tables,
        projector: engine.auditProjector,
        privateKeyPem: key.privateKeyPem,
        clock: () => Date.parse('2024-06-10T12:00:00.000Z'),
        log: quiet,
        every: 1e12,
        intervalMs: 3_600_000,
      });
      await engine.auditProjector.catchUp();
      const before = await checkpointer.signIfGrown(); // the engine's own first events (its deployment secret)
      await appendMany(engine.reads.store, 'grow', 40, 3);
      await engine.auditProjector.catchUp();
      const grown = await checkpointer.signIfGrown();
      t.truthy(grown);
      t.is(grown!.timestamp, '2024-06-10T12:00:00.000Z', 'stamped by the engine clock');
      t.is(grown!.treeSize, (before?.treeSize ?? 0) + (before ? 1 : 0) + 40);
      // Projected: the tree's only new leaf is that checkpoint's event.
      await engine.auditProjector.catchUp();
      t.is(await checkpointer.signIfGrown(), undefined);
      t.is((await tables.frontier()).size, grown!.treeSize + 1);
      t.deepEqual(await tables.newestCheckpoint(), grown, 'recorded in the tree tables from its event');
      // One more event: a new checkpoint covers it and the previous checkpoint's event.
      await engine.reads.store.appendToStream('grow-0', [{ type: 'Again', data: {} }]);
      await engine.auditProjector.catchUp();
      const next = await checkpointer.signIfGrown();
      t.is(next?.treeSize, grown!.treeSize + 2);
      const { roots } = independentTree(await readEverything(backend.store));
      assertCheckpointOfTree(t, grown!, roots);
      assertCheckpointOfTree(t, next!, roots);
    } finally {
      await engine.close();
    }
  });

  each('cadence: a checkpoint every N events and every T when the tree grew, none closer than N by count', async (t, backend) => {
    const engine = await engineOver(backend, { audit: { privateKeyPem: key.privateKeyPem, checkpointEvery: 100, checkpointIntervalMs: 3_600_000 } });
    try {
      // By count alone (the interval is an hour): each round of 110 events is covered by a checkpoint.
      let signed: SignedCheckpoint[] = [];
      for (let round = 0; round < 4; round++) {
        await appendMany(engine.reads.store, `count${round}`, 110, 9);
        const size = (await readEverything(backend.store)).length;
        signed = await until(`a checkpoint of ${size - 100} events or more`, async () => {
          const all = await checkpointsIn(backend.store);
          return all.some((c) => c.treeSize > size - 100) ? all : undefined;
        });
      }
      t.true(signed.length >= 4, `${signed.length} checkpoints`);
      for (let i = 1; i < signed.length; i++)
        t.true(signed[i]!.treeSize - signed[i - 1]!.treeSize >= 100, `${signed[i - 1]!.treeSize} → ${signed[i]!.treeSize}`);
      const { roots } = independentTree(await readEverything(backend.store));
      for (const c of signed) assertCheckpointOfTree(t, c, roots);
    } finally {
      await engine.close();
    }
    // By time: an engine signing every 200 ms signs the few events appended since.
    const timed = await engineOver(backend, { audit: { privateKeyPem: key.privateKeyPem, checkpointEvery: 1e12, checkpointIntervalMs: 200 } });
    try {
      const { position } = await timed.reads.store.appendToStream('timed-0', [{ type: 'Tick', data: {} }]);
      const all = await readEverything(backend.store);
      const size = all.findIndex((e) => e.position.commit === position.commit && e.position.prepare === position.prepare) + 1;
      const covering = await until('a timed checkpoint', async () => (await checkpointsIn(backend.store)).find((c) => c.treeSize >= size));
      assertCheckpointOfTree(t, covering, independentTree(await readEverything(backend.store)).roots);
    } finally {
      await timed.close();
    }
  });

  each('close brings the tree up to date and signs it; a restart with nothing new signs nothing more', async (t, backend) => {
    const engine = await engineOver(backend);
    await appendMany(engine.reads.store, 'closing', 230, 4);
    await engine.close();
    const events = await readEverything(backend.store);
    const last = events.at(-1)!;
    t.is(last.streamName, CHECKPOINT_STREAM, 'the last event is the checkpoint');
    const checkpoint = last.data as SignedCheckpoint;
    t.is(checkpoint.treeSize, events.length - 1, 'covering every event before it');
    assertCheckpointOfTree(t, checkpoint, independentTree(events).roots);

    const again = await engineOver(backend);
    await again.close();
    t.deepEqual(await checkpointsIn(backend.store), [checkpoint], 'no new checkpoint: its event was the only new leaf');
  });

  each('without a key: a warning at start, the tree is kept, no bundle can be signed', async (t, backend) => {
    const warnings: string[] = [];
    const engine = await engineOver(backend, { audit: undefined, log: { ...quiet, warn: (m) => warnings.push(m) } });
    try {
      t.true(
        warnings.some((w) => w.includes('no audit key')),
        warnings.join('\n'),
      );
      t.is(engine.audit.publicKeyPem(), undefined);
      t.is(await engine.audit.checkpointNow(), undefined);
      const machine = await createMachine(engine, 'keyless', PASS_CHAIN);
      const { executionArn, stream } = await startExecution(engine, machine);
      await ended(engine, stream);
      await engine.auditProjector.catchUp();
      const events = await readEverything(backend.store);
      t.is((await new AuditTables(backend.db).frontier()).size, events.length);
      const bundle = await engine.audit.proofBundle(executionArn);
      t.true(E.isLeft(bundle) && bundle.left._tag === 'ResourceNotFound' && bundle.left.message.includes('no audit key'));
      t.is(await engine.audit.latestCheckpoint(), undefined);
    } finally {
      await engine.close();
    }
    t.deepEqual(await checkpointsIn(backend.store), [], 'nothing signed at close either');
  });
}
