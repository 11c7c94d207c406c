import { makePgPool, openPostgresEventStore } from '@stepstream/eventstore';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';
import test, { type ExecutionContext } from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { getProjector } from '../src/projector.js';
import type { Projection } from '../src/projection.js';
import { appendLedgerEvents, expectedSnapshot, ledger, snapshot } from './fixtures/ledger.js';

// Several nodes start at once on an empty database: each creates the read model (schema,
// migrations, checkpoint and skipped-events tables). `create … if not exists` races in Postgres's
// catalogue; the migration runs under an advisory lock, so every one of them starts. And two that
// read the same first batch (no checkpoint row yet) must not both apply it.

/** A fresh event store schema, `nodes` databases (one pool each, as nodes have) and a read model name, all dropped after the test. */
const fresh = async (t: ExecutionContext, tag: string, nodes: number) => {
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const storeSchema = `t_${tag}store_${suffix}`;
  const name = `t_${tag}proj_${suffix}`;
  const store = await openPostgresEventStore({ connectionString: postgresUrl, schema: storeSchema, maxConnections: 4 });
  const dbs = Array.from({ length: nodes }, () => new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 3) }) }));
  t.teardown(async () => {
    await store.close();
    await sql`drop schema if exists ${sql.id(storeSchema)} cascade`.execute(dbs[0]!);
    await sql`drop schema if exists ${sql.id(name)} cascade`.execute(dbs[0]!);
    for (const db of dbs) await db.destroy();
  });
  return { store, dbs, name };
};

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`SKIP concurrent projector starts on Postgres: ${unavailable}`);
  test.skip(`concurrent projector starts (${unavailable})`, () => {});
} else {
  test('five projectors of one read model started at once on an empty database all start, and the read model is the one-by-one one', async (t) => {
    const { store, dbs, name } = await fresh(t, 'c', 5);
    await appendLedgerEvents(store, 'acct', 40);
    const events = await store.readAll({ maxCount: 1000 });
    const projectors = dbs.map((db) => getProjector({ store, db, projection: ledger(name, 'acct') }));
    const started = await Promise.allSettled(projectors.map((p) => p.catchUp()));
    t.deepEqual(
      started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok')),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
    );
    t.deepEqual(await snapshot(dbs[0]!, name), expectedSnapshot(events, 'acct'));
  });

  test('a projector that starts while another is inside the first batch waits for it: the batch is applied once, even by writes that cannot conflict', async (t) => {
    const { store, dbs, name } = await fresh(t, 'f', 2);
    await appendLedgerEvents(store, 'acct', 20);
    const events = await store.readAll({ maxCount: 1000 });
    // A count of the events seen: one row, added to by every batch, so that applying a batch twice
    // shows (a read model keyed by event would refuse the second copy and hide the race).
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const counter = (pauseFirst: boolean): Projection => {
      let paused = !pauseFirst;
      return {
        name,
        migrations: (schema) => ({
          '0001_counter': {
            async up(db) {
              await sql`create table ${sql.id(schema, 'counter')} (id boolean primary key, seen bigint not null)`.execute(db);
              await sql`insert into ${sql.id(schema, 'counter')} values (true, 0)`.execute(db);
            },
          },
        }),
        handlers: {},
        inOrder: async (tx, batch, schema) => {
          if (!paused) {
            // Inside the first batch's transaction, before its write.
            paused = true;
            entered();
            await new Promise((r) => setTimeout(r, 500));
          }
          await sql`update ${sql.id(schema, 'counter')} set seen = seen + ${batch.length}`.execute(tx);
        },
      };
    };
    const errors: unknown[] = [];
    const first = getProjector({ store, db: dbs[0]!, projection: counter(true), onError: (e) => errors.push(e) });
    const second = getProjector({ store, db: dbs[1]!, projection: counter(false), onError: (e) => errors.push(e), retryDelayMs: () => 50 });
    const firstDone = first.catchUp();
    await inside;
    // The second reads the same (empty) checkpoint and the same batch while the first has not committed it.
    await second.catchUp();
    await firstDone;
    const { rows } = await sql<{ seen: string }>`select seen::text as seen from ${sql.id(name, 'counter')}`.execute(dbs[0]!);
    t.is(rows[0]?.seen, String(events.length), 'every event counted once');
    t.deepEqual(errors.map(String), [], 'neither projector failed');
  });
}
