import { createHash, randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Subject } from 'rxjs';
import type { EventStore } from '../port/types.js';
import { withArrayLiterals } from './text-array.js';
import { appendManyText, appendManyValues, groupCommit, type AppendParams, type GroupCommitOptions } from './group-commit.js';
import { listenChannel } from './listen.js';
import { migrateEventStore } from './schema.js';
import { getSqlEventStore, type AppendRow, type AppendSignal } from './sql-event-store.js';

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:port/db` */
  readonly connectionString: string;
  /** Defaults to `stepstream`. */
  readonly schema?: string;
  /** Pool size; defaults to 20. */
  readonly maxConnections?: number;
  /** Called when the LISTEN connection drops and is re-established, for logs. */
  readonly onNotice?: (message: string) => void;
}

/** A `pg` pool on which bigint and numeric columns stay strings (the store casts what it reads). */
export const makePgPool = (connectionString: string, max = 20): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max, application_name: 'stepstream' });
  // An idle connection the server ends (a restart, an administrator, a dropped database) is an
  // 'error' on the pool; without a listener it would be an uncaught exception that takes the
  // process down. The pool has already dropped that connection: the next query opens another.
  pool.on('error', () => {});
  return pool;
};

/**
 * The least time between two NOTIFYs: under load one announces the appends of several
 * milliseconds (a NOTIFY is a statement and a transaction of its own), and another process hears
 * of an append at most this much later.
 */
const NOTIFY_INTERVAL_MS = 5;

/**
 * Tells other processes about appends with LISTEN/NOTIFY. The NOTIFY is sent after the append
 * has committed, on its own: a NOTIFY inside the appending transaction would hold Postgres's
 * global notify lock through the commit and serialise every writer. Notifications are coalesced:
 * one in flight at a time, and at most one every NOTIFY_INTERVAL_MS.
 */
const listenNotify = async (pool: pg.Pool, connectionString: string, channel: string, onNotice: (m: string) => void): Promise<AppendSignal> => {
  const wake = new Subject<void>();
  // Our own appends already woke our subscribers in-process; a NOTIFY carries who sent it, so
  // this process skips its own and does not read $all twice per append.
  const self = randomUUID();
  let closed = false;
  const listening = await listenChannel({
    connectionString,
    channel,
    applicationName: 'stepstream-listen',
    onPayload: (payload) => {
      if (payload !== self) wake.next();
    },
    onNotice: (m) => onNotice(`event store ${m}`),
    // Anything appended while we were away.
    onReconnected: () => wake.next(),
  });

  // At most one NOTIFY in flight and one every NOTIFY_INTERVAL_MS: appends that come meanwhile
  // are announced by the next one, which always follows the last append.
  let inFlight = false;
  let again = false;
  let lastSent = -Infinity;
  const notify = (): void => {
    if (closed) return;
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    const wait = lastSent + NOTIFY_INTERVAL_MS - performance.now();
    const send = () => {
      if (closed) return;
      lastSent = performance.now();
      pool
        .query('select pg_notify($1, $2)', [channel, self])
        .catch((e: Error) => onNotice(`event store NOTIFY failed: ${e.message}`))
        .finally(() => {
          inFlight = false;
          if (again) {
            again = false;
            notify();
          }
        });
    };
    if (wait > 0) setTimeout(send, wait);
    else send();
  };

  return {
    wake,
    announce: notify,
    async close() {
      closed = true;
      wake.complete();
      await listening.close();
    },
  };
};

/**
 * The two ways the Postgres store runs appends (group-commit.ts): one alone, through the store's
 * own `append_events` statement, or several in one `append_many` call. Both are named statements,
 * so each pooled connection parses and plans them once.
 */
export const postgresAppendCalls = (pool: pg.Pool, schema: string): Pick<GroupCommitOptions, 'one' | 'many'> => {
  const named = (what: string) => `stepstream_${what}_${createHash('sha1').update(schema).digest('hex').slice(0, 16)}`;
  const manyText = appendManyText(schema);
  return {
    one: async (text, values) => (await pool.query<AppendRow>({ name: named('append'), text, values: withArrayLiterals(values) })).rows,
    many: async (appends) => {
      const values = appendManyValues(appends);
      return (await pool.query<AppendRow>({ name: named('append_many'), text: manyText, values })).rows;
    },
  };
};

/**
 * Opens the SQL event store on a Postgres server, creating its schema if needed.
 *
 * @example
 * const store = await openPostgresEventStore({ connectionString: process.env.DATABASE_URL! });
 */
export const openPostgresEventStore = async (options: PostgresEventStoreOptions): Promise<EventStore> => {
  const schema = options.schema ?? 'stepstream';
  const pool = makePgPool(options.connectionString, options.maxConnections ?? 20);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateEventStore(db, schema);
    const signal = await listenNotify(pool, options.connectionString, `${schema}_events`, options.onNotice ?? (() => {}));
    const runAppend = groupCommit(postgresAppendCalls(pool, schema));
    return getSqlEventStore({
      db,
      schema,
      kind: 'postgres',
      signal,
      onClose: () => db.destroy(),
      runAppend: (text, values) => runAppend(text, values as unknown as AppendParams),
    });
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw e;
  }
};
