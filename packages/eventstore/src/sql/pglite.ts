import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, Kysely } from 'kysely';
import { NEVER } from 'rxjs';
import type { EventStore } from '../port/types.js';
import { appendManyText, appendManyValues, groupCommit, type AppendParams, type GroupCommitOptions } from './group-commit.js';
import { PGliteDialect } from './pglite-dialect.js';
import { migrateEventStore } from './schema.js';
import { getSqlEventStore, type AppendRow } from './sql-event-store.js';
import { withArrayLiterals } from './text-array.js';

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
 * The two ways the PGlite store runs appends (group-commit.ts): one alone (`append_events`), or
 * several in one `append_many` call and one transaction, for the appends that queued behind it.
 */
export const pgliteAppendCalls = (db: Kysely<any>, schema: string): Pick<GroupCommitOptions, 'one' | 'many'> => {
  const manyText = appendManyText(schema);
  return {
    one: async (text, values) => (await db.executeQuery<AppendRow>(CompiledQuery.raw(text, withArrayLiterals(values)))).rows,
    many: async (appends) => (await db.executeQuery<AppendRow>(CompiledQuery.raw(manyText, appendManyValues(appends)))).rows,
  };
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
  // PGlite runs one statement at a time: a second call in flight would only wait in the driver,
  // where the appends behind it could have joined the next group.
  const runAppend = groupCommit({ ...pgliteAppendCalls(db, schema), maxInFlight: 1 });
  return getSqlEventStore({
    db,
    schema,
    kind: 'pglite',
    signal: { wake: NEVER, announce: () => {}, close: async () => {} },
    runAppend: (text, values) => runAppend(text, values as unknown as AppendParams),
    onClose: async () => {
      if (!owned) return;
      await db.destroy();
      await pglite.close();
    },
  });
};
