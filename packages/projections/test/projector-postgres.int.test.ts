import anyTest, { type TestFn } from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { makePgPool, openPostgresEventStore } from '@stepstream/eventstore';
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
