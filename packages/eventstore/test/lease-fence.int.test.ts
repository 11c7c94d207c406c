import test from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { chainedEventStore } from '../src/chained.js';
import { LeaseLostError } from '../src/port/errors.js';
import { makePgPool, openPostgresEventStore } from '../src/sql/postgres.js';
import { SHARDS } from '../src/sql/schema.js';
import { dropSchema, postgresUnavailable, postgresUrl, uniqueSchema } from '../src/testing/postgres.js';

// An append fenced by a lease (`$lease: "<shard>/<epoch>/<node>"` in its first event's metadata,
// migration 0006) is written only while that node holds that shard at that epoch: a node that lost
// a shard cannot append for it, whatever else is appended beside it (group commit).

const unavailable = await postgresUnavailable();
const schema = uniqueSchema('lease_fence');
test.after.always(() => dropSchema(schema));

if (unavailable) {
  console.log(`SKIP lease fences on Postgres: ${unavailable}`);
  test.skip(`lease fences (${unavailable})`, () => {});
} else {
  test.serial('a fenced append is written while its lease holds, refused (nothing written) once the shard has a new epoch or owner', async (t) => {
    const raw = await openPostgresEventStore({ connectionString: postgresUrl, schema, maxConnections: 4 });
    const store = chainedEventStore(raw);
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 2) }) });
    t.teardown(async () => {
      await raw.close();
      await db.destroy();
    });
    const leases = sql.id(schema, 'leases');
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${leases}`.execute(db);
    t.is(rows[0]!.n, SHARDS, 'one lease row per shard');
    await sql`update ${leases} set owner = 'a', epoch = 7, expires_at = now() + interval '1 minute' where shard = 3`.execute(db);

    const fenced = (lease: string, n: number) => [{ type: 'Fired', data: { n }, metadata: { $lease: lease } }];
    await store.appendToStream('execution-x', fenced('3/7/a', 1), { expectedRevision: 'no_stream' });

    for (const stale of ['3/6/a', '3/7/b', '4/7/a', '99/1/a', 'garbage']) {
      const error = await t.throwsAsync(store.appendToStream('execution-x', fenced(stale, 2), { expectedRevision: 0n }));
      t.true(error instanceof LeaseLostError, `${stale}: ${String(error)}`);
      t.regex(error?.message ?? '', /no longer held/);
    }
    t.deepEqual(
      (await store.readStream('execution-x')).map((e) => e.data),
      [{ n: 1 }],
      'nothing of a refused append was written',
    );

    // Another node takes the shard over (epoch 8): the old lease is refused, the new one written.
    await sql`update ${leases} set owner = 'b', epoch = 8 where shard = 3`.execute(db);
    await t.throwsAsync(store.appendToStream('execution-x', fenced('3/7/a', 2)), { instanceOf: LeaseLostError });
    await store.appendToStream('execution-x', fenced('3/8/b', 2), { expectedRevision: 0n });
    // An append without a lease (an API call any node serves) is not fenced.
    await store.appendToStream('execution-x', [{ type: 'Answered', data: { n: 3 } }], { expectedRevision: 1n });
    t.deepEqual(
      (await store.readStream('execution-x')).map((e) => [e.type, e.data]),
      [
        ['Fired', { n: 1 }],
        ['Fired', { n: 2 }],
        ['Answered', { n: 3 }],
      ],
    );
  });

  test.serial('appends sent together (group commit): only those under a lost lease fail, the others are written', async (t) => {
    const raw = await openPostgresEventStore({ connectionString: postgresUrl, schema, maxConnections: 2 });
    const store = chainedEventStore(raw);
    t.teardown(() => raw.close());
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        store.appendToStream(`execution-g${i}`, [{ type: 'Fired', data: { i }, metadata: { $lease: i % 2 === 0 ? '3/8/b' : '3/7/a' } }], {
          expectedRevision: 'no_stream',
        }),
      ),
    );
    outcomes.forEach((o, i) => {
      if (i % 2 === 0) t.is(o.status, 'fulfilled', `g${i} holds its lease`);
      else t.true(o.status === 'rejected' && o.reason instanceof LeaseLostError, `g${i} lost its lease`);
    });
    for (let i = 0; i < 40; i++) t.is((await store.readStream(`execution-g${i}`)).length, i % 2 === 0 ? 1 : 0);
  });
}
