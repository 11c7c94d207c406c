import { makePgPool, openEventStoreDB, openPGlite, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { Kysely, PostgresDialect } from 'kysely';
import { redact, type StoreConfig } from './config.js';

export interface Opened {
  readonly store: EventStore;
  /** Where the read models live. */
  readonly db: Kysely<any>;
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Opens the event store and the read-model database the configuration names:
 * - embedded: one PGlite data directory holds both;
 * - Postgres: one server holds both;
 * - EventStoreDB: streams there, read models in DATABASE_URL or in the embedded data directory.
 */
export const openStores = async (config: StoreConfig): Promise<Opened> => {
  if (config.kind === 'pglite') {
    const shared = await openPGlite(config.dataDir);
    const store = await openPGliteEventStore({ shared });
    return {
      store,
      db: shared.db,
      description: `embedded PGlite in ${config.dataDir}`,
      close: async () => {
        await store.close();
        await shared.db.destroy();
        await shared.pglite.close();
      },
    };
  }
  if (config.kind === 'postgres') {
    const store = await openPostgresEventStore({ connectionString: config.url });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(config.url, 10) }) });
    return {
      store,
      db,
      description: `Postgres at ${redact(config.url)}`,
      close: async () => {
        await store.close();
        await db.destroy();
      },
    };
  }
  const store = await openEventStoreDB({ connectionString: config.url });
  if (config.readModelUrl) {
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(config.readModelUrl, 10) }) });
    return {
      store,
      db,
      description: `EventStoreDB at ${redact(config.url)}, read models in Postgres at ${redact(config.readModelUrl)}`,
      close: async () => {
        await store.close();
        await db.destroy();
      },
    };
  }
  throw new Error('EVENTSTORE_URL needs DATABASE_URL for the read models (a Postgres database)');
};
