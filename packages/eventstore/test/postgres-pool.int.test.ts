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

// Statements that repeat go by name (prepared.ts): the server then parses them once per connection.
test('a parameterised statement sent twice is prepared by name; one without parameters, or sent once, is not', async (t) => {
  if (unavailable) return t.log(`skipped: ${unavailable}`);
  const pool = makePgPool(postgresUrl, 1);
  t.teardown(() => pool.end());
  const prepared = async () =>
    (await pool.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements order by name')).rows.filter((r) =>
      r.statement.includes('prepared probe'),
    );
  const probe = 'select $1::int + 1 as n -- prepared probe';
  t.is((await pool.query<{ n: number }>(probe, [1])).rows[0]!.n, 2);
  t.deepEqual(await prepared(), [], 'sent once: unnamed');
  t.is((await pool.query<{ n: number }>(probe, [2])).rows[0]!.n, 3);
  t.is((await pool.query<{ n: number }>(probe, [3])).rows[0]!.n, 4, 'a named statement answers with its new values');
  const named = await prepared();
  t.is(named.length, 1, 'sent twice: one named statement');
  t.regex(named[0]!.name, /^stepstream_[0-9a-f]{24}$/);
  await pool.query('select 1 as n -- prepared probe, no parameters');
  await pool.query('select 1 as n -- prepared probe, no parameters');
  t.is((await prepared()).length, 1, 'a text without parameters stays unnamed (it could hold several statements)');
  for (const round of [1, 2]) {
    const results = (await pool.query('select 1; select 2 -- prepared probe, two statements')) as unknown as pg.QueryResult[];
    t.deepEqual(
      results.map((r) => r.rows.length),
      [1, 1],
      `several statements in one text still run, send ${round}`,
    );
  }
});
