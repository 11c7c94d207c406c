import type { TestFn } from 'ava';
import type { EventStore, Position, RecordedEvent } from '@stepstream/eventstore';
import { comparePositions } from '@stepstream/eventstore';
import { sql, type Kysely } from 'kysely';
import { firstValueFrom, filter } from 'rxjs';
import { getProjector, listSkippedEvents, readModelDb, type Projection, type ProjectionHandler, type SkippedEvent } from '../src/index.js';
import { appendLedgerEvents, batchedLedger, expectedSnapshot, ledger, snapshot } from './fixtures/ledger.js';

export interface Backend {
  store: EventStore;
  db: Kysely<any>;
  close(): Promise<void>;
}
export interface SuiteContext {
  backend: Backend;
}

const unique = (label: string) => `${label}${Math.random().toString(36).slice(2, 10)}`;
/** Read-model schemas this run created, dropped at the end (the Postgres database is shared). */
const created: string[] = [];
const readModel = (label: string) => {
  const name = unique(label);
  created.push(name);
  return name;
};

const allEvents = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  let from: Position | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 5000 });
    const fresh = from === 'start' ? page : page.slice(1);
    out.push(...fresh);
    if (page.length < 5000) return out;
    from = page.at(-1)!.position;
  }
};
const upTo = (events: readonly RecordedEvent[], p: Position | undefined) => (p ? events.filter((e) => comparePositions(e.position, p) <= 0) : []);

/**
 * The ledger, with some events made unappliable: after the real handler has written, the hook
 * may fail the event with a genuine Postgres data error (SQLSTATE 22P02), so the savepoint must
 * also undo what the handler wrote.
 */
const poisoned = (base: Projection, fail: (e: RecordedEvent) => boolean): Projection => ({
  ...base,
  handlers: Object.fromEntries(
    Object.entries(base.handlers).map(([type, handler]): [string, ProjectionHandler] => [
      type,
      async (tx, e, schema) => {
        await handler(tx, e, schema);
        if (fail(e)) await sql`select (${'not a number'})::integer`.execute(tx);
      },
    ]),
  ),
});

/**
 * An in-order projection for tests: one row per event it was given, numbered in the order it was
 * given them (`seq`), with the event's id as primary key (twice fails loudly). `calls` records each
 * call's events; `fail` may fail a call that holds a given event with a Postgres data error.
 */
const inOrderLog = (name: string, calls: RecordedEvent[][], fail: (e: RecordedEvent) => boolean = () => false): Projection => ({
  name,
  migrations: (schema) => ({
    '0001_log': {
      async up(db) {
        await sql`create table ${sql.id(schema, 'log')} (seq bigserial primary key, event_id uuid not null unique, stream_name text not null, revision bigint not null)`.execute(
          db,
        );
      },
    },
  }),
  handlers: {},
  inOrder: async (tx, events, schema) => {
    calls.push([...events]);
    await sql`insert into ${sql.id(schema, 'log')} (event_id, stream_name, revision)
      select id, stream_name, revision from unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.streamName)}::text[],
        ${events.map((e) => e.revision.toString())}::bigint[]) with ordinality as u(id, stream_name, revision, n) order by n`.execute(tx);
    if (events.some(fail)) await sql`select (${'not a number'})::integer`.execute(tx);
  },
});

/** The events an in-order log holds, in the order it was given them. */
const logged = async (db: Kysely<any>, schema: string): Promise<string[]> => {
  const { rows } = await sql<{ event_id: string }>`select event_id from ${sql.id(schema, 'log')} order by seq`.execute(readModelDb(db));
  return rows.map((r) => r.event_id);
};

/** The projector's guarantees, run against a store and read-model database of each kind. */
export const projectorSuite = (test: TestFn<SuiteContext>, open: () => Promise<Backend>) => {
  test.before(async (t) => {
    t.context.backend = await open();
  });
  test.after.always(async (t) => {
    for (const schema of created) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(t.context.backend.db);
    await t.context.backend?.close();
  });

  test('a clean run applies every event once; lag shows the backlog and reaches zero', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('clean');
    await appendLedgerEvents(store, category, 300);
    const projector = getProjector({ store, db, projection: ledger(readModel('rm_clean'), category), batchSize: 64 });
    await projector.catchUp();
    const before = await projector.lag();
    await appendLedgerEvents(store, category, 40);
    const behind = await projector.lag();
    t.true(behind.behind > before.behind, `lag grows with new events (${before.behind} → ${behind.behind})`);
    await projector.start();
    const head = (await store.headPosition())!;
    t.true(await projector.waitFor(head, 20_000));
    t.is((await projector.lag()).behind, 0n);
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
    // Live: a new append reaches the read model without anyone calling catchUp.
    const { position } = await store.appendToStream(`${category}-live`, [{ type: 'Deposited', data: { amount: 5 } }]);
    t.true(await projector.waitFor(position, 20_000));
    const live = await snapshot(db, projector.schema);
    t.deepEqual(
      live.rows.find((r) => r.stream_name === `${category}-live`),
      { stream_name: `${category}-live`, events: 1, total: '5', last_type: 'Deposited' },
    );
    await projector.stop();
  });

  test('live, a long pause between batches gathers appends while nobody reads; a reader that waits cuts it short', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('gather');
    // 60 s between batches while nobody waits, none while a reader waits.
    const projector = getProjector({ store, db, projection: ledger(readModel('rm_gather'), category), liveBatchIntervalMs: 60_000, waitedBatchIntervalMs: 0 });
    const before = await store.appendToStream(`${category}-0`, [{ type: 'Deposited', data: { amount: 0 } }]);
    await projector.start();
    t.true(await projector.waitFor(before.position, 20_000), 'caught up at the start');
    // An append that a reader waits for is applied without the pause…
    const first = await store.appendToStream(`${category}-a`, [{ type: 'Deposited', data: { amount: 1 } }]);
    t.true(await projector.waitFor(first.position, 20_000), 'a reader waiting for the first append sees it applied');
    // …the next one waits for the pause, as long as nobody reads: 300 ms later it is not applied.
    const second = await store.appendToStream(`${category}-b`, [{ type: 'Deposited', data: { amount: 2 } }]);
    await new Promise((r) => setTimeout(r, 300));
    const checkpoint = projector.status().checkpoint;
    t.true(checkpoint !== undefined && comparePositions(checkpoint, second.position) < 0, 'nobody waits: the append waits for the next batch');
    t.false((await snapshot(db, projector.schema)).rows.some((r) => r.stream_name === `${category}-b`));
    // A reader that begins to wait ends the pause: far less than the 60 s it had left.
    t.true(await projector.waitFor(second.position, 10_000), 'the waiting reader sees the append applied within 10 s');
    t.true((await snapshot(db, projector.schema)).rows.some((r) => r.stream_name === `${category}-b`));
    await projector.stop();
  });

  // Serial: its slow appends would move the head under the other tests' lag checks.
  test.serial('batch handlers apply many events of distinct streams at once, and the read model is the one-by-one one', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('batch');
    // 13 streams, one event per append, round robin: a batch of 64 meets each stream ~5 times, so
    // its events are applied in ~5 levels of (at most) 13, one per stream.
    for (let i = 0; i < 260; i++) {
      await store.appendToStream(`${category}-${i % 13}`, [{ type: i % 5 === 2 ? 'Withdrawn' : 'Deposited', data: { amount: (i * 31) % 97 } }]);
    }
    await appendLedgerEvents(store, category, 40);
    const calls: number[] = [];
    const projector = getProjector({ store, db, projection: batchedLedger(readModel('rm_batch'), category, calls), batchSize: 64 });
    await projector.catchUp();
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
    t.true(calls.length > 0 && Math.max(...calls) === 13, `one event of each stream is applied together (sizes ${calls.join(', ')})`);
  });

  // Serial, as the test above.
  test.serial('a follower goes with its predecessor of the same stream to one batch call; the read model is the one-by-one one', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('follow');
    // 11 streams, round robin, one event per append; Withdrawn (a follower of Deposited) every third.
    for (let i = 0; i < 220; i++) {
      await store.appendToStream(`${category}-${i % 11}`, [
        { type: Math.floor(i / 11) % 3 === 1 ? 'Withdrawn' : 'Deposited', data: { amount: (i * 17) % 89 } },
      ]);
    }
    const calls: number[] = [];
    const projector = getProjector({ store, db, projection: batchedLedger(readModel('rm_follow'), category, calls, { followers: true }), batchSize: 64 });
    await projector.catchUp();
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
    t.true(Math.max(...calls) > 11, `a call held more events than there are streams: followers went with their predecessors (sizes ${calls.join(', ')})`);
  });

  test('a handler that throws mid-batch leaves nothing of that batch; the retry completes it exactly once', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('throw');
    await appendLedgerEvents(store, category, 200);
    // The 130th event of the category fails three times, then applies.
    let seen = 0;
    let poison: string | undefined;
    let failures = 3;
    const errors: unknown[] = [];
    const projection = ledger(readModel('rm_throw'), category, {
      beforeApply: (e) => {
        if (poison === undefined && ++seen === 130) poison = e.id;
        if (e.id === poison && failures > 0) {
          failures--;
          throw new Error('handler failed mid-batch');
        }
      },
    });
    const projector = getProjector({ store, db, projection, batchSize: 50, onError: (e) => errors.push(e), retryDelayMs: () => 200 });
    await projector.start();
    const retrying = await firstValueFrom(projector.status$.pipe(filter((s) => s.state === 'retrying')));
    t.is(retrying.lastError, 'handler failed mid-batch');
    // While it fails, the read model holds exactly the committed batches: all or nothing.
    const during = await snapshot(db, projector.schema);
    const checkpoint = projector.status().checkpoint;
    t.deepEqual(during, expectedSnapshot(upTo(await allEvents(store), checkpoint), category));
    t.true(during.applied > 0 && during.applied < 200, `a partial read model (${during.applied} applied)`);
    const head = (await store.headPosition())!;
    t.true(await projector.waitFor(head, 30_000));
    t.is(errors.length, 3);
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
    await projector.stop();
  });

  test('a projector stopped mid-way and started again ends as a clean run', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('restart');
    await appendLedgerEvents(store, category, 250);
    const name = readModel('rm_restart');
    let applied = 0;
    const slow = ledger(name, category, {
      beforeApply: async () => {
        applied++;
        if (applied % 20 === 0) await new Promise((r) => setTimeout(r, 5));
      },
    });
    const first = getProjector({ store, db, projection: slow, batchSize: 30 });
    await first.start();
    await firstValueFrom(first.status$.pipe(filter((s) => s.eventsApplied > 0n && s.state === 'catching-up')));
    await first.stop();
    const partial = await snapshot(db, name);
    const checkpoint = first.status().checkpoint;
    t.deepEqual(partial, expectedSnapshot(upTo(await allEvents(store), checkpoint), category));
    const second = getProjector({ store, db, projection: ledger(name, category), batchSize: 30 });
    await second.catchUp();
    t.deepEqual(await snapshot(db, name), expectedSnapshot(await allEvents(store), category));
  });

  test('rebuild replays from zero into a fresh read model and swaps it in', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('rebuild');
    await appendLedgerEvents(store, category, 150);
    const projector = getProjector({ store, db, projection: ledger(readModel('rm_rebuild'), category), batchSize: 40 });
    await projector.catchUp();
    const clean = await snapshot(db, projector.schema);
    t.deepEqual(clean, expectedSnapshot(await allEvents(store), category));
    // Damage the read model; a rebuild must restore it from the events alone.
    await sql`delete from ${sql.id(projector.schema, 'accounts')} where stream_name like ${`${category}-1`}`.execute(db);
    await sql`update ${sql.id(projector.schema, 'accounts')} set total = 0`.execute(db);
    t.notDeepEqual(await snapshot(db, projector.schema), clean);
    await projector.rebuild();
    t.deepEqual(await snapshot(db, projector.schema), clean);
    // Other tests of this file append concurrently: count the events up to the rebuilt checkpoint.
    const { checkpoint, eventsApplied } = projector.status();
    const handled = upTo(await allEvents(store), checkpoint).filter((e) => e.type === 'Deposited' || e.type === 'Withdrawn');
    t.is(eventsApplied, BigInt(handled.length), 'only the handled types are read and applied');
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from pg_namespace where nspname = ${`${projector.schema}__rebuild`}`.execute(db);
    t.is(rows[0]?.n, '0', 'the shadow schema is gone');
  });

  // Serial (ava runs serial tests before the others): its appends must not move the head under the lag test.
  test.serial('an event that cannot be applied is skipped, recorded and reported once; every other event applies', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('poison');
    await appendLedgerEvents(store, category, 120);
    const ours = (await allEvents(store)).filter((e) => e.streamName.startsWith(`${category}-`) && e.type === 'Deposited');
    const poison = new Set([ours[10]!.id, ours[11]!.id, ours.at(-1)!.id]);
    const skipped: SkippedEvent[] = [];
    const errors: unknown[] = [];
    const projector = getProjector({
      store,
      db,
      projection: poisoned(ledger(readModel('rm_poison'), category), (e) => poison.has(e.id)),
      batchSize: 25,
      onSkipped: (s) => skipped.push(s),
      onError: (e) => errors.push(e),
    });
    await projector.catchUp();
    // Events after the poison ones, and later batches, applied: the projector did not stall.
    const expected = expectedSnapshot(
      (await allEvents(store)).filter((e) => !poison.has(e.id)),
      category,
    );
    t.deepEqual(await snapshot(db, projector.schema), expected);
    t.deepEqual(new Set(skipped.map((s) => s.eventId)), poison, 'each poison event reported once');
    t.is(skipped.length, 3);
    const first = skipped.find((s) => s.eventId === ours[10]!.id)!;
    t.is(first.streamName, ours[10]!.streamName);
    t.is(first.revision, ours[10]!.revision);
    t.deepEqual(first.position, ours[10]!.position);
    t.is(first.sqlState, '22P02');
    t.is(first.projection, projector.schema);
    t.deepEqual(errors, [], 'a deterministic failure is isolated at once, not retried with back-off');
    // Recorded where it can be queried, with the checkpoint.
    const recorded = await listSkippedEvents(db, projector.schema);
    t.deepEqual(recorded.map((r) => r.eventId).sort(), [...poison].sort());
    t.true(recorded.every((r) => r.attempts === 3 && r.sqlState === '22P02' && r.error.length > 0));
    t.is(projector.status().eventsSkipped, 3n);
    // Live: a new event behind them still arrives.
    const { position } = await store.appendToStream(`${category}-after`, [{ type: 'Deposited', data: { amount: 7 } }]);
    await projector.start();
    t.true(await projector.waitFor(position, 20_000));
    t.truthy((await snapshot(db, projector.schema)).rows.find((r) => r.stream_name === `${category}-after`));
    await projector.stop();
    // A rebuild completes too, and says how many it skipped.
    const summary = await projector.rebuild();
    t.is(summary.eventsSkipped, 3n);
    t.is((await listSkippedEvents(db, projector.schema)).length, 3);
    t.is(skipped.length, 6, 'the rebuild reported them again');
    // The stored count leaves the skipped events out: every handled event up to the checkpoint but the three.
    const { checkpoint, eventsApplied } = projector.status();
    const handled = upTo(await allEvents(store), checkpoint).filter((e) => e.type === 'Deposited' || e.type === 'Withdrawn');
    t.is(eventsApplied, BigInt(handled.length - poison.size));
  });

  // Serial (ava runs serial tests before the others): its appends must not move the head under the lag test.
  test.serial('a data error that passes when the event is retried alone is applied, not skipped', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('flaky');
    await appendLedgerEvents(store, category, 60);
    const ours = (await allEvents(store)).filter((e) => e.streamName.startsWith(`${category}-`) && e.type === 'Deposited');
    let failures = 2; // the batch, then the first attempt alone
    const skipped: SkippedEvent[] = [];
    const projector = getProjector({
      store,
      db,
      projection: poisoned(ledger(readModel('rm_flaky'), category), (e) => e.id === ours[5]!.id && failures-- > 0),
      batchSize: 20,
      onSkipped: (s) => skipped.push(s),
    });
    await projector.catchUp();
    t.deepEqual(skipped, []);
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
    t.is(projector.status().eventsSkipped, 0n);
  });

  // Serial (ava runs serial tests before the others): its appends must not move the head under the lag test.
  test.serial('a transient failure (a lost connection) is retried with back-off until it passes, never skipped', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('transient');
    await appendLedgerEvents(store, category, 60);
    const ours = (await allEvents(store)).filter((e) => e.streamName.startsWith(`${category}-`) && e.type === 'Deposited');
    let failures = 5; // more than the attempts alone before a skip
    const errors: unknown[] = [];
    const skipped: SkippedEvent[] = [];
    const projection = ledger(readModel('rm_transient'), category, {
      beforeApply: (e) => {
        if (e.id === ours[3]!.id && failures-- > 0) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      },
    });
    const projector = getProjector({
      store,
      db,
      projection,
      batchSize: 20,
      retryDelayMs: () => 10,
      onError: (e) => errors.push(e),
      onSkipped: (s) => skipped.push(s),
    });
    await projector.catchUp();
    t.is(errors.length, 5);
    t.deepEqual(skipped, []);
    t.deepEqual(await snapshot(db, projector.schema), expectedSnapshot(await allEvents(store), category));
  });

  // Serial (ava runs serial tests before the others): the checkpoint it compares with must not move under the lag test.
  test.serial('an in-order projection is given every event, of any type, in $all commit order, one call per batch', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('order');
    // Types no projection names, several streams interleaved, and appends of several events.
    for (let i = 0; i < 150; i++) {
      const events = Array.from({ length: 1 + (i % 3) }, (_, k) => ({ type: `Kind${(i + k) % 4}`, data: { i, k } }));
      await store.appendToStream(`${category}-${i % 7}`, events);
    }
    const calls: RecordedEvent[][] = [];
    const projector = getProjector({ store, db, projection: inOrderLog(readModel('rm_order'), calls), batchSize: 64 });
    await projector.catchUp();
    const expected = upTo(await allEvents(store), projector.status().checkpoint);
    t.deepEqual(
      await logged(db, projector.schema),
      expected.map((e) => e.id),
      'every event, in commit order',
    );
    t.is(expected.filter((e) => e.streamName.startsWith(`${category}-`)).length, 300);
    t.true(
      calls.every((c) => c.length > 0 && c.length <= 64),
      'no empty call, none over the batch size',
    );
    t.true(
      calls.length >= Math.ceil(expected.length / 64) && calls.length <= Math.ceil(expected.length / 64) + 1,
      `${calls.length} calls for ${expected.length} events`,
    );
    t.is(projector.status().eventsApplied, BigInt(expected.length), 'every event counts as applied');
    // Each call's events are in commit order, and the calls follow each other.
    const positions = calls.flat().map((e) => e.position);
    t.true(positions.every((p, i) => i === 0 || comparePositions(positions[i - 1]!, p) < 0));
    // Live: new events of other streams arrive in order too.
    await projector.start();
    const { position } = await store.appendToStream(`${category}-live`, [
      { type: 'Anything', data: {} },
      { type: 'Else', data: {} },
    ]);
    t.true(await projector.waitFor(position, 20_000));
    await projector.stop();
    t.deepEqual(
      (await logged(db, projector.schema)).slice(-2),
      (await store.readStream(`${category}-live`)).map((e) => e.id),
    );
  });

  // Serial, as the test above.
  test.serial('an in-order batch that fails deterministically is applied one event per call; only the event that fails alone is skipped', async (t) => {
    const { store, db } = t.context.backend;
    const category = unique('orderpoison');
    for (let i = 0; i < 40; i++) await store.appendToStream(`${category}-${i % 3}`, [{ type: 'Tick', data: { i } }]);
    const ours = (await allEvents(store)).filter((e) => e.streamName.startsWith(`${category}-`));
    const poison = ours[17]!;
    const calls: RecordedEvent[][] = [];
    const skipped: SkippedEvent[] = [];
    const projector = getProjector({
      store,
      db,
      projection: inOrderLog(readModel('rm_orderpoison'), calls, (e) => e.id === poison.id),
      batchSize: 16,
      onSkipped: (s) => skipped.push(s),
    });
    await projector.catchUp();
    const expected = upTo(await allEvents(store), projector.status().checkpoint).filter((e) => e.id !== poison.id);
    t.deepEqual(
      await logged(db, projector.schema),
      expected.map((e) => e.id),
      'every other event, in commit order',
    );
    t.deepEqual(
      skipped.map((s) => s.eventId),
      [poison.id],
    );
    // The batch that held it was given again one event per call, the poison one three times.
    t.is(calls.filter((c) => c.length === 1 && c[0]!.id === poison.id).length, 3);
    t.true(
      calls.some((c) => c.length > 1 && c.some((e) => e.id === poison.id)),
      'first as part of a batch',
    );
  });

  test('any string is stored and read back exactly through readModelDb: NUL, lone surrogates, the escape mark', async (t) => {
    const { db } = t.context.backend;
    const schema = readModel('rm_strings');
    await sql`create schema ${sql.id(schema)}`.execute(db);
    await sql`create table ${sql.id(schema, 'strings')} (id integer primary key, s text not null, a text[] not null)`.execute(db);
    const values = ['plain', '', '\u0000', 'a\u0000b', '\udfff', '\ud800x', '\udc00\ud800', '\ud83d\ude00', '\u0001', '\u0001"x"', 'x\u0001', '\\u0000'];
    const rm = readModelDb(db);
    for (const [i, v] of values.entries()) {
      await sql`insert into ${sql.id(schema, 'strings')} (id, s, a) values (${i}, ${v}, ${[v, 'k']})`.execute(rm);
    }
    const { rows } = await sql<{ s: string; a: string[] }>`select s, a from ${sql.id(schema, 'strings')} order by id`.execute(rm);
    t.deepEqual(
      rows.map((r) => r.s),
      values,
    );
    t.deepEqual(
      rows.map((r) => r.a),
      values.map((v) => [v, 'k']),
    );
    // Lookups by a stored value find it; ordinary text is stored as itself (SQL tools see it).
    const { rows: found } = await sql<{ id: number }>`select id from ${sql.id(schema, 'strings')} where s = ${'a\u0000b'}`.execute(rm);
    t.deepEqual(found, [{ id: 3 }]);
    const { rows: raw } = await sql<{ s: string }>`select s from ${sql.id(schema, 'strings')} where id = 0`.execute(db);
    t.is(raw[0]?.s, 'plain');
  });
};
