import test from 'ava';
import pg from 'pg';
import { makePgPool } from '../src/sql/postgres.js';
import { postgresUnavailable, postgresUrl } from '../src/testing/postgres.js';

// The server ending an idle pooled connection (a restart, an administrator's pg_terminate_backend,
// a dropped database) must not take the process down: the pool drops that connection and the next
// query opens another. Without an 'error' listener on the pool, pg raises it as an uncaught
// exception, which ends the process (ava reports it as one).

const unavailable = await postgresUnavailable();

test('an idle pooled connection the server ends is dropped; the pool goes on', async (t) => {
  if (unavailable) return t.log(`skipped: ${unavailable}`);
  const pool = makePgPool(postgresUrl, 2);
  t.teardown(() => pool.end());
  const { rows } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
  const pid = rows[0]!.pid;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  t.teardown(() => admin.end());
  await admin.query('select pg_terminate_backend($1)', [pid]);
  // The idle connection hears of it now; give the event loop a moment to deliver the error.
  await new Promise((r) => setTimeout(r, 200));
  const again = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
  t.not(again.rows[0]!.pid, pid, 'a new connection answered');
});
