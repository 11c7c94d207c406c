import test from 'ava';
import pg from 'pg';
import { listenChannel } from '../src/sql/listen.js';
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
}
