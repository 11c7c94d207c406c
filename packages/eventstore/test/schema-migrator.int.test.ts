import test from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { openPGlite } from '../src/sql/pglite.js';
import { migrateEventStore } from '../src/sql/schema.js';
import { schemaMigrator } from '../src/sql/schema-migrator.js';
import { postgresUnavailable, postgresUrl } from '../src/testing/postgres.js';

// Kysely's own migrator lists every table of the database and looks each schema up again by name:
// a schema dropped elsewhere in between failed a migration with `schema "…" does not exist` (a
// projector test failed so in CI, on another test's schema). schemaMigrator looks at its schema alone.

const unavailable = await postgresUnavailable();

test('migrations succeed while other schemas are created and dropped all the time', async (t) => {
  if (unavailable) return t.log(`skipped: ${unavailable}`);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: postgresUrl, max: 4 }) }) });
  const churn = new pg.Client({ connectionString: postgresUrl });
  await churn.connect();
  const tag = `t_mig_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const schemas = Array.from({ length: 12 }, (_, i) => `${tag}_${i}`);
  let churning = true;
  let churned = 0;
  // Schemas with a serial column come and go, as other tests' and other nodes' do.
  const churnLoop = (async () => {
    for (let i = 0; churning; i++) {
      const name = `${tag}_churn_${i % 4}`;
      // Three statements, three transactions: each schema is there for others to see, then gone.
      await churn.query(`create schema ${name}`);
      await churn.query(`create table ${name}.t (id serial primary key)`);
      await churn.query(`drop schema ${name} cascade`);
      churned++;
    }
  })();
  t.teardown(async () => {
    churning = false;
    await churnLoop.catch(() => {});
    await churn.end();
    for (const s of schemas) await sql`drop schema if exists ${sql.id(s)} cascade`.execute(db);
    await db.destroy();
  });
  const failures: string[] = [];
  for (const schema of schemas) {
    try {
      await migrateEventStore(db, schema);
      // Run again: the migrator finds its tables and has nothing to do.
      await migrateEventStore(db, schema);
    } catch (e) {
      failures.push(`${schema}: ${(e as Error).message}`);
    }
  }
  churning = false;
  await churnLoop;
  t.deepEqual(failures, []);
  t.true(churned > 10, `the churn ran (${churned} schemas created and dropped)`);
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from pg_tables where schemaname = ${schemas[0]!} and tablename = 'events'`.execute(db);
  t.is(rows[0]!.n, '1', 'the event store tables exist');
});

test('the migrator finds its own tables in its schema only: a migrated schema is left as it is, another is migrated', async (t) => {
  const { pglite, db } = await openPGlite();
  t.teardown(async () => {
    await db.destroy();
    await pglite.close();
  });
  const migrations = {
    '0001': {
      async up(m: Kysely<any>) {
        await sql`create table ${sql.id('a', 'runs')} (n int)`.execute(m);
        await sql`insert into ${sql.id('a', 'runs')} values (1)`.execute(m);
      },
    },
  };
  const other = {
    '0001': {
      async up(m: Kysely<any>) {
        await sql`create table ${sql.id('b', 'made')} (n int)`.execute(m);
      },
    },
  };
  await sql`create schema a`.execute(db);
  await sql`create schema b`.execute(db);
  const migrate = async (schema: string, list: typeof migrations) => {
    const { error, results } = await schemaMigrator({
      db,
      provider: { getMigrations: async () => list },
      migrationTableSchema: schema,
      migrationTableName: 'migrations',
      migrationLockTableName: 'migrations_lock',
    }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).map((r) => `${r.migrationName}: ${r.status}`);
  };
  t.deepEqual(await migrate('a', migrations), ['0001: Success']);
  t.deepEqual(await migrate('a', migrations), [], 'the second run finds the first one recorded');
  // Schema b has migration tables of the same names: its own, found in b, not a's.
  t.deepEqual(await migrate('b', other), ['0001: Success']);
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.id('a', 'runs')}`.execute(db);
  t.is(rows[0]!.n, 1, 'the first migration ran once');
});
