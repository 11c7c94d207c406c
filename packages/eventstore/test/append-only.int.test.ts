import test, { type ExecutionContext } from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { NEVER } from 'rxjs';
import { openPGlite } from '../src/sql/pglite.js';
import { makePgPool } from '../src/sql/postgres.js';
import { migrateEventStore } from '../src/sql/schema.js';
import { getSqlEventStore } from '../src/sql/sql-event-store.js';
import { dropSchema, postgresUnavailable, postgresUrl, uniqueSchema } from '../src/testing/postgres.js';

// The events table refuses UPDATE, DELETE and TRUNCATE (migration 0005_append_only), on PGlite and
// on Postgres; appends and reads go on as before.

const unavailable = await postgresUnavailable();
const schemas: string[] = [];
test.after.always(async () => {
  for (const s of schemas) await dropSchema(s);
});

const noSignal = { wake: NEVER, announce: () => {}, close: async () => {} };

const refusesEdits = async (t: ExecutionContext, db: Kysely<any>, schema: string) => {
  await migrateEventStore(db, schema);
  const store = getSqlEventStore({ db, schema, kind: 'test', signal: noSignal });
  await store.appendToStream('audit-1', [
    { type: 'A', data: { n: 1 } },
    { type: 'B', data: { n: 2 } },
  ]);
  const events = sql.id(schema, 'events');
  for (const [what, statement] of [
    ['UPDATE', sql`update ${events} set data = '{"n":666}' where revision = 0`],
    ['DELETE', sql`delete from ${events} where revision = 1`],
    ['TRUNCATE', sql`truncate ${events}`],
  ] as const) {
    const error = await t.throwsAsync(statement.execute(db));
    t.regex(error?.message ?? '', new RegExp(`append-only: ${what} refused`), what);
  }
  const after = await store.readStream('audit-1');
  t.deepEqual(
    after.map((e) => e.data),
    [{ n: 1 }, { n: 2 }],
    'nothing changed',
  );
  await store.appendToStream('audit-1', [{ type: 'C', data: { n: 3 } }], { expectedRevision: 1n });
  t.is((await store.readStream('audit-1')).length, 3, 'appends go on');
};

test('PGlite: the events table refuses UPDATE, DELETE and TRUNCATE', async (t) => {
  const shared = await openPGlite();
  t.teardown(async () => {
    await shared.db.destroy();
    await shared.pglite.close();
  });
  await refusesEdits(t, shared.db, 'append_only');
});

test('Postgres: the events table refuses UPDATE, DELETE and TRUNCATE', async (t) => {
  if (unavailable) {
    t.log(`skipped: ${unavailable}`);
    return;
  }
  const schema = uniqueSchema('append_only');
  schemas.push(schema);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 2) }) });
  t.teardown(() => db.destroy());
  await refusesEdits(t, db, schema);
});
