import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * The SQL event store's tables, in a schema of their own (default `stepstream`).
 *
 * - `streams` holds each stream's last revision: the row every append to a stream updates, so
 *   concurrent writers to one stream are serialised by its row lock and checked against it.
 * - `events` holds the events. `position` is a sequence number; `transaction_id` is the appending
 *   transaction's id. `$all` is read in `(transaction_id, position)` order and only below the
 *   oldest transaction still running, so an event that commits late with a smaller `position`
 *   is never skipped by a reader that has already moved on (see sql-event-store.ts).
 */
const migrations = (schema: string): Record<string, Migration> => ({
  '0001_events': {
    async up(db) {
      const s = (name: string) => sql.id(schema, name);
      await sql`create table ${s('streams')} (
        stream_name text primary key,
        revision bigint not null
      )`.execute(db);
      await sql`create table ${s('events')} (
        position bigserial primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        stream_name text not null,
        category text generated always as (nullif(split_part(stream_name, '-', 1), stream_name)) stored,
        revision bigint not null,
        event_id uuid not null,
        type text not null,
        data json not null,
        metadata jsonb not null,
        created timestamptz not null default now()
      )`.execute(db);
      await sql`create unique index events_stream_revision on ${s('events')} (stream_name, revision)`.execute(db);
      await sql`create index events_commit_order on ${s('events')} (transaction_id, position)`.execute(db);
      await sql`create index events_category_order on ${s('events')} (category, transaction_id, position)`.execute(db);
    },
  },
});

/** Creates or upgrades the event store's schema; safe to run from several processes at once. */
export const migrateEventStore = async (db: Kysely<any>, schema: string): Promise<void> => {
  await db.transaction().execute(async (tx) => {
    // Kysely's migrator locks its own table, but creating the schema that holds that table can
    // itself race between processes: serialise it on an advisory lock.
    await sql`select pg_advisory_xact_lock(hashtext(${`stepstream-schema:${schema}`}))`.execute(tx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(tx);
  });
  const provider: MigrationProvider = { getMigrations: async () => migrations(schema) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableSchema: schema,
    migrationTableName: 'eventstore_migrations',
    migrationLockTableName: 'eventstore_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
};
