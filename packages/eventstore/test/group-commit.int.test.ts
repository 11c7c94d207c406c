import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { Kysely, PostgresDialect } from 'kysely';
import { WrongExpectedVersionError } from '../src/port/errors.js';
import type { EventStore } from '../src/port/types.js';
import { groupCommit, type AppendParams, type GroupCommitOptions } from '../src/sql/group-commit.js';
import type { AppendRow } from '../src/sql/sql-event-store.js';
import { openPGlite, openPGliteEventStore, pgliteAppendCalls } from '../src/sql/pglite.js';
import { makePgPool, openPostgresEventStore, postgresAppendCalls } from '../src/sql/postgres.js';
import { migrateEventStore } from '../src/sql/schema.js';
import { dropSchema, postgresUnavailable, postgresUrl, uniqueSchema } from '../src/testing/postgres.js';

// Group commit on both SQL stores (PGlite in the process, a real Postgres server): concurrent
// appends go out together in one append_many call and each still gets exactly its own outcome.

const unavailable = await postgresUnavailable();

interface Backend {
  readonly name: string;
  /** The store over a new schema, closed after the test. */
  readonly store: (t: ExecutionContext, label: string) => Promise<EventStore>;
  /** A new schema with the store's two append calls, and a count of its events. */
  readonly freshSchema: (
    t: ExecutionContext,
    label: string,
  ) => Promise<{ schema: string; real: Pick<GroupCommitOptions, 'one' | 'many'>; countEvents: () => Promise<number> }>;
}

// One in-memory PGlite for the file (creating one costs seconds); each test takes a schema of it.
let pglite: Awaited<ReturnType<typeof openPGlite>>;
test.before(async () => {
  pglite = await openPGlite();
});
test.after.always(() => pglite.db.destroy());

const pgliteBackend: Backend = {
  name: 'pglite',
  store: async (t, label) => {
    const store = await openPGliteEventStore({ shared: pglite, schema: uniqueSchema(label) });
    t.teardown(() => store.close());
    return store;
  },
  freshSchema: async (_t, label) => {
    const schema = uniqueSchema(label);
    await migrateEventStore(pglite.db, schema);
    const countEvents = async () => Number((await pglite.pglite.query<{ n: string }>(`select count(*)::text as n from "${schema}".events`)).rows[0]?.n);
    return { schema, real: pgliteAppendCalls(pglite.db, schema), countEvents };
  },
};

const schemas: string[] = [];
test.after.always(async () => {
  for (const s of schemas) await dropSchema(s);
});

const postgresBackend: Backend = {
  name: 'postgres',
  store: async (t, label) => {
    const schema = uniqueSchema(label);
    schemas.push(schema);
    const store = await openPostgresEventStore({ connectionString: postgresUrl, schema });
    t.teardown(() => store.close());
    return store;
  },
  freshSchema: async (t, label) => {
    const schema = uniqueSchema(label);
    schemas.push(schema);
    const pool = makePgPool(postgresUrl, 4);
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    t.teardown(() => db.destroy());
    await migrateEventStore(db, schema);
    const countEvents = async () => Number((await pool.query<{ n: string }>(`select count(*)::text as n from "${schema}".events`)).rows[0]?.n);
    return { schema, real: postgresAppendCalls(pool, schema), countEvents };
  },
};

/** The text the store sends for one append (as sql-event-store.ts builds it). */
const oneText = (schema: string) => `select o_revision::text as revision, o_transaction_id::text as transaction_id, o_position::text as position
  from "${schema}".append_events($1, $2, $3::bigint, $4::uuid[], $5::text[], $6::text[], $7::text[])`;

const params = (stream: string, mode: string, expected: string | null, data: readonly string[]): AppendParams => [
  stream,
  mode,
  expected,
  data.map(() => randomUUID()),
  data.map(() => 'Tested'),
  data,
  data.map(() => '{}'),
];

if (unavailable) {
  console.log(`SKIP postgres group commit: ${unavailable}`);
  test.skip(`postgres group commit (${unavailable})`, () => {});
}

for (const { name, store: openStore, freshSchema } of unavailable ? [pgliteBackend] : [pgliteBackend, postgresBackend]) {
  test(`${name}: concurrent appends through the store: each gets its own revision, a wrong expected revision fails only its own append`, async (t) => {
    const store = await openStore(t, 'group');
    // Ten streams with two events each, then 300 appends at once: new streams, the next revision
    // of the ten, a stale revision on five of them, and `any` on one stream from 20 writers.
    for (let i = 0; i < 10; i++)
      await store.appendToStream(`old-${i}`, [
        { type: 'A', data: { i } },
        { type: 'B', data: { i } },
      ]);
    const calls = [
      ...Array.from({ length: 250 }, (_, i) => ({
        kind: 'new',
        run: () => store.appendToStream(`new-${i}`, [{ type: 'N', data: { i, s: 'x\u0000\ud800' } }], { expectedRevision: 'no_stream' }),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        kind: 'next',
        run: () => store.appendToStream(`old-${i}`, [{ type: 'C', data: { i } }], { expectedRevision: 1n }),
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        kind: 'stale',
        run: () => store.appendToStream(`old-${i}`, [{ type: 'X', data: { i } }], { expectedRevision: 0n }),
      })),
      ...Array.from({ length: 20 }, (_, i) => ({
        kind: 'any',
        run: () =>
          store.appendToStream('shared', [
            { type: 'S', data: { i } },
            { type: 'S', data: { i } },
          ]),
      })),
    ];
    const outcomes = await Promise.allSettled(calls.map((c) => c.run()));
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ kind: calls[i]!.kind, error: o.reason as unknown }] : []));
    t.true(
      failed.every((f) => f.kind === 'stale' && f.error instanceof WrongExpectedVersionError),
      'only stale revisions fail, as wrong expected versions',
    );
    t.is(failed.length, 5);
    for (let i = 0; i < 250; i++) {
      const [event] = await store.readStream(`new-${i}`);
      t.deepEqual(event?.data, { i, s: 'x\u0000\ud800' });
    }
    for (let i = 0; i < 10; i++)
      t.deepEqual(
        (await store.readStream(`old-${i}`)).map((e) => e.type),
        ['A', 'B', 'C'],
        `old-${i}: the stale append wrote nothing`,
      );
    const shared = await store.readStream('shared');
    t.deepEqual(
      shared.map((e) => e.revision),
      Array.from({ length: 40 }, (_, i) => BigInt(i)),
      'dense revisions',
    );
    for (let i = 0; i < 40; i += 2)
      t.is((shared[i]!.data as { i: number }).i, (shared[i + 1]!.data as { i: number }).i, "an append's two events stay together");
    const positions = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.position] : []));
    t.true(new Set(positions.map((p) => `${p.commit}`)).size < positions.length, 'some appends shared a transaction (they were grouped)');
  });

  test(`${name}: a grouped call the server refuses is run again append by append: the bad one fails alone, the others are stored`, async (t) => {
    const { schema, real, countEvents } = await freshSchema(t, 'groupbad');
    const grouped: number[] = [];
    const run = groupCommit({
      ...real,
      many: (appends) => {
        grouped.push(appends.length);
        return real.many(appends);
      },
      maxInFlight: 1,
    });
    const text = oneText(schema);
    const appends = Array.from({ length: 12 }, (_, i) => params(`s-${i}`, 'no_stream', null, [i === 7 ? '{not json' : JSON.stringify({ i })]));
    const outcomes = await Promise.allSettled(appends.map((a) => run(text, a)));
    t.true(grouped.length > 0 && Math.max(...grouped) > 1, `appends were grouped (${grouped.join(', ')})`);
    t.is(outcomes[7]!.status, 'rejected');
    t.is(((outcomes[7] as PromiseRejectedResult).reason as { code?: string }).code, '22P02', "the bad append's own error: invalid JSON");
    t.true(
      outcomes.every((o, i) => i === 7 || (o.status === 'fulfilled' && o.value[0]?.revision === '0')),
      'every other append is stored at revision 0',
    );
    t.is(await countEvents(), 11);
  });

  test(`${name}: a group stops at its bounds on events and characters; an append over a bound goes alone`, async (t) => {
    const { schema, real, countEvents } = await freshSchema(t, 'groupbound');
    const groups: { appends: number; events: number; chars: number }[] = [];
    const run = groupCommit({
      ...real,
      many: (appends) => {
        groups.push({
          appends: appends.length,
          events: appends.reduce((n, a) => n + a[3].length, 0),
          chars: appends.reduce((n, a) => n + a[5].join('').length + a[6].join('').length, 0),
        });
        return real.many(appends);
      },
      maxInFlight: 1,
      maxEvents: 5,
      maxChars: 400,
    });
    const text = oneText(schema);
    const big = JSON.stringify({ pad: 'x'.repeat(500) });
    const appends = Array.from({ length: 40 }, (_, i) =>
      params(`b-${i}`, 'no_stream', null, i === 20 ? [big] : Array.from({ length: 1 + (i % 3) }, (_, j) => JSON.stringify({ i, j }))),
    );
    const outcomes = await Promise.all(appends.map((a) => run(text, a)));
    t.true(outcomes.every((rows) => rows[0]?.revision !== null));
    t.true(groups.length > 1, `several groups (${groups.map((g) => g.appends).join(', ')})`);
    t.true(
      groups.every((g) => g.events <= 5 && g.chars <= 400),
      'no group passes a bound',
    );
    t.is(
      await countEvents(),
      appends.reduce((n, a) => n + a[3].length, 0),
      'every event stored, the big one too',
    );
  });
  test(`${name}: writers answered together append again together: one group of all of them, not one alone and the rest behind it`, async (t) => {
    const { schema, real, countEvents } = await freshSchema(t, 'groupfull');
    const sizes: number[] = [];
    const run = groupCommit({
      one: (text, p) => {
        sizes.push(1);
        return real.one(text, p);
      },
      many: (appends) => {
        sizes.push(appends.length);
        return real.many(appends);
      },
      maxInFlight: 1,
    });
    const text = oneText(schema);
    const layers = async <T>(answer: Promise<T>): Promise<T> => {
      const value = await answer;
      for (let i = 0; i < 4; i++) await null;
      return value;
    };
    const writers = 16;
    const rounds = 12;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        let expected: string | null = null;
        for (let r = 0; r < rounds; r++) {
          // The store and the hash chain above it pass an answer on through a few promises.
          const [row]: readonly AppendRow[] = await layers(run(text, params(`w-${w}`, r === 0 ? 'no_stream' : 'exact', expected, [JSON.stringify({ w, r })])));
          expected = row?.revision ?? null;
          if (expected === null) throw new Error(`writer ${w}: append ${r} was refused`);
        }
      }),
    );
    t.is(await countEvents(), writers * rounds);
    // The first append finds the call free and goes alone, the other 15 wait for it; from then on
    // all 16 go together. Answered and sent at once, they went as 1, 15, 1, 15 … (24 calls).
    t.true(sizes.length <= rounds + 2, `${sizes.length} calls: ${sizes.join(', ')}`);
  });

  test(`${name}: appends that wait are shared out over the calls, eight or more to a call, and the calls run side by side`, async (t) => {
    const { schema, real, countEvents } = await freshSchema(t, 'groupshare');
    const sizes: number[] = [];
    let running = 0;
    let mostRunning = 0;
    const run = groupCommit({
      ...real,
      many: async (appends) => {
        sizes.push(appends.length);
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        try {
          return await real.many(appends);
        } finally {
          running -= 1;
        }
      },
      maxInFlight: 4,
    });
    const text = oneText(schema);
    // Every connection open first: one still connecting would hold its call back while the others ran.
    await Promise.all(Array.from({ length: 16 }, (_, i) => run(text, params(`warm-${i}`, 'no_stream', null, ['{}']))));
    sizes.length = 0;
    mostRunning = 0;
    const outcomes = await Promise.all(Array.from({ length: 64 }, (_, i) => run(text, params(`s-${i}`, 'no_stream', null, [JSON.stringify({ i })]))));
    t.true(outcomes.every((rows) => rows[0]?.revision === '0'));
    t.is(await countEvents(), 16 + 64);
    // The first four find a call free and go alone; the 60 behind them went as one call before.
    t.true(sizes.length >= 4, `groups: ${sizes.join(', ')}`);
    t.true(Math.max(...sizes) <= 16, `no call takes what waits for all of them: ${sizes.join(', ')}`);
    t.true(
      sizes.slice(0, -1).every((n) => n >= 8),
      `eight or more to a call but the last: ${sizes.join(', ')}`,
    );
    t.true(mostRunning >= 2, 'grouped calls ran side by side');
  });
}
