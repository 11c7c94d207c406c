import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Subject } from 'rxjs';
import type { EventStore } from '../port/types.js';
import { withArrayLiterals } from './text-array.js';
import { appendManyText, appendManyValues, groupCommit, type AppendParams, type GroupCommitOptions } from './group-commit.js';
import { listenChannel } from './listen.js';
import { prepareRepeatedStatements } from './prepared.js';
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

/**
 * A `pg` pool on which bigint and numeric columns stay strings (the store casts what it reads),
 * and statements that repeat are prepared (prepared.ts).
 */
export const makePgPool = (connectionString: string, max = 20): pg.Pool => {
  const pool = new pg.Pool({ connectionString, max, application_name: 'stepstream' });
  prepareRepeatedStatements(pool);
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

/** How often a process looks for others listening on its channel (see {@link listenNotify}). */
const PRESENCE_MS = 1000;

/** The application name of every LISTEN connection of the event store, before 2026-12-07; still counted as a listener. */
const LISTEN_APPLICATION = 'stepstream-listen';

/**
 * Tells other processes about appends with LISTEN/NOTIFY. The NOTIFY is sent after the append
 * has committed, on its own: a NOTIFY inside the appending transaction would hold Postgres's
 * global notify lock through the commit and serialise every writer. Notifications are coalesced:
 * one in flight at a time, and at most one every NOTIFY_INTERVAL_MS.
 *
 * A NOTIFY only goes out while another process listens on the channel: a node alone (the usual
 * deployment) would wake nobody, yet each NOTIFY is a statement, a queue entry and a wake-up of its
 * own LISTEN connection (about 8% of Postgres's CPU and of the server's per StartExecution at
 * 500/s). Every LISTEN connection names itself `stepstream-listen <channel tag> <process tag>`,
 * and every PRESENCE_MS the process looks in `pg_stat_activity` (whose application names every
 * role may read) for another one on its channel, or one of an older version. When one appears, one
 * NOTIFY goes out at once: a process that has just started may have read `$all` before appends
 * it was not told of. Until the first look, or when a look fails, every append is announced; a
 * payload heard from another process also counts as one listening.
 */
const listenNotify = async (pool: pg.Pool, connectionString: string, channel: string, onNotice: (m: string) => void): Promise<AppendSignal> => {
  const wake = new Subject<void>();
  // Our own appends already woke our subscribers in-process; a NOTIFY carries who sent it, so
  // this process skips its own and does not read $all twice per append.
  const self = randomUUID();
  const channelTag = `${LISTEN_APPLICATION} ${createHash('sha1').update(channel).digest('hex').slice(0, 12)}`;
  const applicationName = `${channelTag} ${self.replace(/-/g, '').slice(0, 12)}`;
  let closed = false;
  /** Whether another process listens on the channel, as last seen (true until the first look). */
  let others = true;
  /** When a payload of another process was last heard. */
  let heardAt = -Infinity;
  const listening = await listenChannel({
    connectionString,
    channel,
    applicationName,
    onPayload: (payload) => {
      if (payload === self) return;
      heardAt = performance.now();
      others = true;
      wake.next();
    },
    onNotice: (m) => onNotice(`event store ${m}`),
    // Anything appended while we were away.
    onReconnected: () => wake.next(),
  });

  let looking = false;
  const look = async () => {
    if (looking || closed) return;
    looking = true;
    try {
      const { rows } = await pool.query<{ others: boolean }>(
        `select exists (select 1 from pg_stat_activity where datname = current_database() and application_name <> $1
           and (application_name = $2 or starts_with(application_name, $3))) as others`,
        [applicationName, LISTEN_APPLICATION, `${channelTag} `],
      );
      const now = rows[0]?.others === true || performance.now() - heardAt < 2 * PRESENCE_MS;
      const appeared = now && !others;
      others = now;
      if (appeared) notify();
    } catch {
      others = true;
    } finally {
      looking = false;
    }
  };
  // At most one NOTIFY in flight and one every NOTIFY_INTERVAL_MS: appends that come meanwhile
  // are announced by the next one, which always follows the last append.
  let inFlight = false;
  let again = false;
  let lastSent = -Infinity;
  /** Announces an append, if another process listens. */
  const announce = (): void => {
    if (others) notify();
  };
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

  void look();
  const presence = setInterval(() => void look(), PRESENCE_MS);
  presence.unref();

  return {
    wake,
    announce,
    async close() {
      closed = true;
      clearInterval(presence);
      wake.complete();
      await listening.close();
    },
  };
};

/**
 * The two ways the Postgres store runs appends (group-commit.ts): one alone, through the store's
 * own `append_events` statement, or several in one `append_many` call. Each is one text, which a
 * pool from `makePgPool` prepares by name (prepared.ts): each connection parses and plans it once.
 */
export const postgresAppendCalls = (pool: pg.Pool, schema: string): Pick<GroupCommitOptions, 'one' | 'many'> => {
  const manyText = appendManyText(schema);
  return {
    one: async (text, values) => (await pool.query<AppendRow>(text, withArrayLiterals(values))).rows,
    many: async (appends) => (await pool.query<AppendRow>(manyText, appendManyValues(appends))).rows,
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
