import { makePgPool, openEventStoreDB, openPGlite, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { UsageError } from './args.js';
import { redact, type StoreConfig } from './config.js';
import { lockDataDirectory } from './lock.js';

export interface Opened {
  readonly store: EventStore;
  /** Where the read models live. */
  readonly db: Kysely<any>;
  readonly description: string;
  /** Closes the stores, then lets go of the data directory or read-model lock. */
  close(): Promise<void>;
}

/** What the process opens the stores for: servers share them; a rebuild needs them to itself. */
export type Purpose = 'serve' | 'projections rebuild' | 'quarantine release';

export interface OpenOptions {
  readonly purpose: Purpose;
  /** Called if the embedded data directory's lock is taken from this process: stop writing at once. */
  readonly onLockLost: (e: Error) => void;
}

/**
 * A rebuild is running on the read models (`serve`), or a server is using them (`projections
 * rebuild`) — on Postgres, where several servers may share one database.
 */
export class ReadModelsBusy extends Error {
  constructor(
    readonly where: string,
    readonly purpose: Purpose,
  ) {
    super(purpose === 'serve' ? `a projections rebuild is running on the read models in ${where}` : `a stepstream server is using the read models in ${where}`);
  }
}

/**
 * The read models' guard on Postgres: every server holds a session advisory lock shared, a
 * rebuild holds it exclusively. A rebuild swaps the read-model schema; a server running through
 * the swap would answer from a read model missing its latest writes until its next append (see
 * docs/operations.md), so the two never overlap. Resolves undefined when the other side holds it.
 */
const holdReadModelLock = (db: Kysely<any>, purpose: Purpose): Promise<{ release(): Promise<void> } | undefined> =>
  new Promise((resolve, reject) => {
    const key = sql`hashtext('stepstream read models')`;
    let letGo = () => {};
    const lettingGo = new Promise<void>((r) => (letGo = r));
    // A session lock lives on one connection: keep one out of the pool for as long as it is held.
    const held = db.connection().execute(async (conn) => {
      const take =
        purpose === 'serve'
          ? sql<{ ok: boolean }>`select pg_try_advisory_lock_shared(${key}) as ok`
          : sql<{ ok: boolean }>`select pg_try_advisory_lock(${key}) as ok`;
      const { rows } = await take.execute(conn);
      if (rows[0]?.ok !== true) return resolve(undefined);
      resolve({
        release: async () => {
          letGo();
          await held.catch(() => {});
        },
      });
      await lettingGo;
      await (purpose === 'serve' ? sql`select pg_advisory_unlock_shared(${key})` : sql`select pg_advisory_unlock(${key})`).execute(conn);
    });
    held.catch(reject);
  });

/** Opens the read-model database's guard, or closes what was opened and throws {@link ReadModelsBusy}. */
const guardReadModels = async (db: Kysely<any>, where: string, options: OpenOptions, closeAll: () => Promise<void>) => {
  const guard = await holdReadModelLock(db, options.purpose).catch(async (e: unknown) => {
    await closeAll();
    throw e;
  });
  if (guard) return guard;
  await closeAll();
  throw new ReadModelsBusy(where, options.purpose);
};

/**
 * Opens the event store and the read-model database the configuration names:
 * - embedded: one PGlite data directory holds both, locked to this process before PGlite opens it
 *   (a second process would corrupt it);
 * - Postgres: one server holds both;
 * - EventStoreDB: streams there, read models in DATABASE_URL.
 *
 * @throws DataDirectoryLocked when another process holds the embedded data directory.
 * @throws ReadModelsBusy when a rebuild and a server would overlap on Postgres.
 */
/** How a node's Postgres connections are shared out: `STEPSTREAM_PG_CONNECTIONS` (at least 3, default 18). */
export const connectionsPerNode = (given: string | undefined): { readonly store: number; readonly readModels: number } => {
  const n = given === undefined || given.trim() === '' ? 18 : Number(given);
  if (!Number.isInteger(n) || n < 3 || n > 1000)
    throw new UsageError(`STEPSTREAM_PG_CONNECTIONS is a whole number from 3 to 1000, not ${JSON.stringify(given)}`);
  const store = Math.ceil((2 * n) / 3);
  return { store, readModels: n - store };
};

export const openStores = async (config: StoreConfig, options: OpenOptions): Promise<Opened> => {
  if (config.kind === 'pglite') {
    const lock = await lockDataDirectory(config.dataDir, options.purpose, options.onLockLost);
    try {
      const shared = await openPGlite(config.dataDir);
      const store = await openPGliteEventStore({ shared });
      return {
        store,
        db: shared.db,
        description: `embedded PGlite in ${config.dataDir}`,
        close: async () => {
          try {
            await store.close();
            await shared.db.destroy();
            await shared.pglite.close();
          } finally {
            await lock.release();
          }
        },
      };
    } catch (e) {
      await lock.release();
      throw e;
    }
  }
  if (config.kind === 'postgres') {
    // Connections per node (STEPSTREAM_PG_CONNECTIONS, default 18): two thirds for the store, the
    // rest for the read models, and 2 more listening (the store's and the cluster channel's): three
    // nodes take 60 of Postgres's default max_connections of 100.
    const { store: storeConnections, readModels } = connectionsPerNode(process.env['STEPSTREAM_PG_CONNECTIONS']);
    const store = await openPostgresEventStore({ connectionString: config.url, maxConnections: storeConnections });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(config.url, readModels) }) });
    const where = `Postgres at ${redact(config.url)}`;
    const guard = await guardReadModels(db, where, options, async () => {
      await store.close();
      await db.destroy();
    });
    return {
      store,
      db,
      description: where,
      close: async () => {
        await guard.release();
        await store.close();
        await db.destroy();
      },
    };
  }
  if (config.readModelUrl) {
    const store = await openEventStoreDB({ connectionString: config.url });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(config.readModelUrl, 10) }) });
    const guard = await guardReadModels(db, `Postgres at ${redact(config.readModelUrl)}`, options, async () => {
      await store.close();
      await db.destroy();
    });
    return {
      store,
      db,
      description: `EventStoreDB at ${redact(config.url)}, read models in Postgres at ${redact(config.readModelUrl)}`,
      close: async () => {
        await guard.release();
        await store.close();
        await db.destroy();
      },
    };
  }
  throw new UsageError('EVENTSTORE_URL needs DATABASE_URL for the read models (a Postgres database)');
};
