import { existsSync } from 'node:fs';
import { makePgPool, openEventStoreDB, openPGlite, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { Kysely, PostgresDialect } from 'kysely';
import type { StoreConfig } from './config.js';
import { lockDataDirectory } from './lock.js';

/** The store is not there: nothing to read (an embedded data directory that does not exist). */
export class NoStore extends Error {}

/** A command's store for one run: the events, and the read models' database (none for EventStoreDB without DATABASE_URL). */
export interface OpenedStore {
  readonly store: EventStore;
  readonly db: Kysely<any> | undefined;
}

/**
 * Opens the configured store for one run of a command that reads it beside the servers (`verify`,
 * `export`), runs `use`, and closes everything: the embedded data directory locked to this process
 * as `serve` locks it (PGlite has one owner: the server must be stopped), Postgres or EventStoreDB
 * shared with running servers.
 *
 * @throws DataDirectoryLocked when a server holds the embedded data directory.
 * @throws NoStore when the embedded data directory does not exist.
 */
export const withStore = async <T>(
  config: StoreConfig,
  command: string,
  onLockLost: (e: Error) => void,
  use: (opened: OpenedStore) => Promise<T>,
): Promise<T> => {
  if (config.kind === 'pglite') {
    if (!existsSync(config.dataDir)) throw new NoStore(`no store in ${config.dataDir}: give --data DIR (or --database-url URL)`);
    const lock = await lockDataDirectory(config.dataDir, command, onLockLost);
    try {
      const shared = await openPGlite(config.dataDir);
      try {
        const store = await openPGliteEventStore({ shared });
        try {
          return await use({ store, db: shared.db });
        } finally {
          await store.close();
        }
      } finally {
        await shared.db.destroy();
        await shared.pglite.close();
      }
    } finally {
      await lock.release();
    }
  }
  const store =
    config.kind === 'postgres' ? await openPostgresEventStore({ connectionString: config.url }) : await openEventStoreDB({ connectionString: config.url });
  const readModels = config.kind === 'postgres' ? config.url : config.readModelUrl;
  const db = readModels === undefined ? undefined : new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(readModels, 2) }) });
  try {
    return await use({ store, db });
  } finally {
    await store.close();
    await db?.destroy();
  }
};
