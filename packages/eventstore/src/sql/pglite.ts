import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { NEVER } from 'rxjs';
import type { EventStore } from '../port/types.js';
import { PGliteDialect } from './pglite-dialect.js';
import { migrateEventStore } from './schema.js';
import { getSqlEventStore } from './sql-event-store.js';

export interface PGliteEventStoreOptions {
  /** A data directory, or omitted for an in-memory database. */
  readonly dataDir?: string;
  /** Defaults to `stepstream`. */
  readonly schema?: string;
  /** Share a PGlite instance (and its Kysely) with read models instead of opening one. */
  readonly shared?: { readonly pglite: PGlite; readonly db: Kysely<any> };
}

/** Opens a PGlite database (one per process and data directory) with a Kysely over it. */
export const openPGlite = async (dataDir?: string): Promise<{ pglite: PGlite; db: Kysely<any> }> => {
  const pglite = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  return { pglite, db };
};

/**
 * Opens the SQL event store embedded in the process through PGlite. Only this process can open
 * the data directory, so appends wake subscribers in-process; there is nobody else to notify.
 */
export const openPGliteEventStore = async (options: PGliteEventStoreOptions = {}): Promise<EventStore> => {
  const schema = options.schema ?? 'stepstream';
  const owned = options.shared === undefined;
  const { pglite, db } = options.shared ?? (await openPGlite(options.dataDir));
  await migrateEventStore(db, schema);
  return getSqlEventStore({
    db,
    schema,
    kind: 'pglite',
    signal: { wake: NEVER, announce: () => {}, close: async () => {} },
    onClose: async () => {
      if (!owned) return;
      await db.destroy();
      await pglite.close();
    },
  });
};
