import test from 'ava';
import pg from 'pg';
import { firstValueFrom, take, timeout } from 'rxjs';
import { listenChannel } from '../src/sql/listen.js';
import { openPostgresEventStore } from '../src/sql/postgres.js';
import { dropSchema, uniqueSchema } from '../src/testing/postgres.js';
import { postgresUnavailable, postgresUrl } from '../src/testing/postgres.js';

// listenChannel keeps a LISTEN open: a connection the server ends is reported and opened again,
// and notifications sent afterwards are heard.

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`SKIP LISTEN on Postgres: ${unavailable}`);
  test.skip(`LISTEN (${unavailable})`, () => {});
} else {
  test('a LISTEN connection the server ends is opened again, and what is sent afterwards is heard', async (t) => {
    const channel = `t_listen_${process.pid}`;
    const app = `t-listen-${process.pid}`;
    const heard: string[] = [];
    const notices: string[] = [];
    let reconnected = 0;
    const listening = await listenChannel({
      connectionString: postgresUrl,
      channel,
      applicationName: app,
      onPayload: (p) => heard.push(p),
      onNotice: (m) => notices.push(m),
      onReconnected: () => reconnected++,
    });
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    t.teardown(async () => {
      await listening.close();
      await admin.end();
    });
    const until = async (what: string, ok: () => boolean) => {
      for (const deadline = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 20)))
        if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
    };
    await admin.query('select pg_notify($1, $2)', [channel, 'one']);
    await until('one heard', () => heard.includes('one'));
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [app]);
    await until('reconnected', () => reconnected === 1);
    await admin.query('select pg_notify($1, $2)', [channel, 'two']);
    await until('two heard', () => heard.includes('two'));
    t.deepEqual(heard, ['one', 'two']);
    t.true(
      notices.some((n) => n.includes(`LISTEN ${channel}: connection lost`)),
      notices.join('; '),
    );
  });

  // A NOTIFY only goes out while another process listens: a lone store announces nothing, and one
  // that sees a newcomer tells it at once, then announces every append.
  test('a store alone sends no NOTIFY; a second store on its schema is told at once, then hears every append', async (t) => {
    const schema = uniqueSchema('presence');
    const a = await openPostgresEventStore({ connectionString: postgresUrl, schema });
    // A bystander on the channel, under a name that is not a store's: it hears, and is not counted.
    const spy = new pg.Client({ connectionString: postgresUrl, application_name: 't-presence-spy' });
    await spy.connect();
    const heard: string[] = [];
    spy.on('notification', (n) => heard.push(n.payload ?? ''));
    await spy.query(`listen ${pg.escapeIdentifier(`${schema}_events`)}`);
    let b: Awaited<ReturnType<typeof openPostgresEventStore>> | undefined;
    t.teardown(async () => {
      await spy.end();
      await b?.close();
      await a.close();
      await dropSchema(schema);
    });
    // The store's first look at who listens answers within a second (more under a loaded machine).
    await new Promise((r) => setTimeout(r, 2500));
    for (let i = 0; i < 3; i++) await a.appendToStream(`alone-${i}`, [{ type: 'E', data: { i } }]);
    await new Promise((r) => setTimeout(r, 300));
    t.deepEqual(heard, [], 'no NOTIFY while no other store listens');
    b = await openPostgresEventStore({ connectionString: postgresUrl, schema });
    const told = firstValueFrom(
      b.appended().pipe(take(1), timeout({ first: 5000, with: () => Promise.reject(new Error('the newcomer was not told within 5 s')) })),
    );
    await told;
    // The bystander's connection hears each NOTIFY in its own time.
    const hears = async (count: number) => {
      for (const deadline = Date.now() + 5000; heard.length < count && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      return heard.length >= count;
    };
    t.true(await hears(1), 'one NOTIFY when the newcomer appeared');
    const before = heard.length;
    const next = firstValueFrom(
      b.appended().pipe(take(1), timeout({ first: 5000, with: () => Promise.reject(new Error('an append was not announced within 5 s')) })),
    );
    await a.appendToStream('together-1', [{ type: 'E', data: {} }]);
    await next;
    t.true(await hears(before + 1), 'the append was announced');
  });
}
