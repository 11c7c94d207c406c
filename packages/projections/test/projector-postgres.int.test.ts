import anyTest, { type TestFn } from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { makePgPool, openPostgresEventStore } from '@stepstream/eventstore';
import { getProjector, type Projection } from '../src/index.js';
import { projectorSuite, type SuiteContext } from './projector-suite.js';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';

const test = anyTest as TestFn<SuiteContext>;
const unavailable = await postgresUnavailable();

if (unavailable) {
  console.log(`SKIP projector suite on Postgres: ${unavailable}`);
  test.skip(`projector suite on Postgres (${unavailable})`, () => {});
} else {
  const schema = `t_proj_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  projectorSuite(test, async () => {
    const store = await openPostgresEventStore({ connectionString: postgresUrl, schema });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 5) }) });
    return {
      store,
      db,
      close: async () => {
        await store.close();
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
        await db.destroy();
      },
    };
  });
}

// The projector reads a batch without waiting for an older transaction (readAllBatch): an event
// committed behind one must still reach the read model once it ends, although nothing is appended
// after it to wake the projector.
const hiddenTest = unavailable ? test.skip : test;
hiddenTest('an event committed behind an open older transaction is applied once it ends, with no later append to wake the projector', async (t) => {
  const schema = `t_hidden_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const name = `t_hidden_rm_${Math.random().toString(36).slice(2, 8)}`;
  const store = await openPostgresEventStore({ connectionString: postgresUrl, schema });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 5) }) });
  const projection: Projection = {
    name,
    migrations: (s) => ({
      '0001': {
        async up(m) {
          await sql`create table ${sql.id(s, 'seen')} (event_id uuid primary key)`.execute(m);
        },
      },
    }),
    handlers: {
      Seen: async (tx, e, s) => {
        await sql`insert into ${sql.id(s, 'seen')} (event_id) values (${e.id}::uuid)`.execute(tx);
      },
    },
  };
  const projector = getProjector({ store, db, projection });
  try {
    await projector.start();
    // One connection holds an older transaction open while the event is appended and committed.
    const position = await db.connection().execute(async (slow) => {
      await sql`begin`.execute(slow);
      await sql`select pg_current_xact_id()`.execute(slow);
      const appended = await store.appendToStream('hidden-1', [{ type: 'Seen', data: {} }]);
      t.false(await projector.waitFor(appended.position, 300), 'not applied while the older transaction is open');
      await sql`commit`.execute(slow);
      return appended.position;
    });
    t.true(await projector.waitFor(position, 10_000), 'applied once it ended');
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(name, 'seen')}`.execute(db);
    t.is(rows[0]?.n, '1');
  } finally {
    await projector.stop();
    await store.close();
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await sql`drop schema if exists ${sql.id(name)} cascade`.execute(db);
    await db.destroy();
  }
});
