import { makePgPool, openPostgresEventStore } from '@stepstream/eventstore';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';
import test from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { getProjector } from '../src/projector.js';
import { appendLedgerEvents, expectedSnapshot, ledger, snapshot } from './fixtures/ledger.js';

// Several nodes start at once on an empty database: each creates the read model (schema,
// migrations, checkpoint and skipped-events tables). `create … if not exists` races in Postgres's
// catalogue; the migration runs under an advisory lock, so every one of them starts.

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`SKIP concurrent projector starts on Postgres: ${unavailable}`);
  test.skip(`concurrent projector starts (${unavailable})`, () => {});
} else {
  test('five projectors of one read model started at once on an empty database all start, and the read model is the one-by-one one', async (t) => {
    const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const storeSchema = `t_cstore_${suffix}`;
    const name = `t_cproj_${suffix}`;
    const store = await openPostgresEventStore({ connectionString: postgresUrl, schema: storeSchema, maxConnections: 4 });
    const dbs = Array.from({ length: 5 }, () => new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 3) }) }));
    t.teardown(async () => {
      await store.close();
      await sql`drop schema if exists ${sql.id(storeSchema)} cascade`.execute(dbs[0]!);
      await sql`drop schema if exists ${sql.id(name)} cascade`.execute(dbs[0]!);
      for (const db of dbs) await db.destroy();
    });
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
}
