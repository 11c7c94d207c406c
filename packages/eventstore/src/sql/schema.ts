import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { schemaMigrator } from './schema-migrator.js';

/**
 * The append function's text. `metadataType` is the type the metadata text is cast to: `jsonb`
 * in 0002 as it shipped (a migration that has run elsewhere must not change), `json` from 0003.
 */
const appendFunction = (q: (name: string) => string, verb: 'create' | 'create or replace', metadataType: 'json' | 'jsonb', fenced = false) =>
  `${verb} function ${q('append_events')}(
            p_stream text, p_mode text, p_expected bigint,
            p_ids uuid[], p_types text[], p_data text[], p_metadata text[],
            out o_revision bigint, out o_transaction_id xid8, out o_position bigint)
          language plpgsql as $fn$
          declare
            n bigint := cardinality(p_ids);
            claimed bigint;${fenced ? '\n            lease text[];' : ''}
          begin${fenced ? fenceCheck(q) : ''}
            if p_mode = 'no_stream' then
              insert into ${q('streams')} (stream_name, revision) values (p_stream, n - 1)
                on conflict (stream_name) do nothing returning revision into claimed;
            elsif p_mode = 'any' then
              insert into ${q('streams')} as s (stream_name, revision) values (p_stream, n - 1)
                on conflict (stream_name) do update set revision = s.revision + n returning s.revision into claimed;
            elsif p_mode = 'stream_exists' then
              update ${q('streams')} s set revision = s.revision + n where s.stream_name = p_stream
                returning s.revision into claimed;
            else
              update ${q('streams')} s set revision = s.revision + n
                where s.stream_name = p_stream and s.revision = p_expected returning s.revision into claimed;
            end if;
            if claimed is null then
              return; -- the expected revision did not hold: nothing written, null out values
            end if;
            with inserted as (
              insert into ${q('events')} (stream_name, revision, event_id, type, data, metadata)
              select p_stream, claimed - n + v.ord, v.id, v.type, v.data::json, v.metadata::${metadataType}
              from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as v(id, type, data, metadata, ord)
              order by v.ord
              returning position)
            select max(position) into o_position from inserted;
            o_revision := claimed;
            o_transaction_id := pg_current_xact_id();
          end
          $fn$`;

/**
 * The fence of an append a node makes for a shard it holds (0006): its first event's metadata
 * names the lease, `"$lease":"<shard>/<epoch>/<node>"`, and the append is written only while that
 * node still holds that shard at that epoch. The lease row is locked `for key share` until the
 * append commits: a node taking the shard over locks it `for update` first (so it waits for, or
 * skips, appends in flight), and once its new epoch is committed no append under the old one can
 * commit. A renewal (an update of `expires_at` alone) does not conflict with that lock, so renewals
 * never wait for appends. The lease is read off the metadata's text (never parsed: a lone
 * surrogate's escape elsewhere in it would make Postgres refuse `->>`).
 */
const fenceCheck = (q: (name: string) => string) => `
            if cardinality(p_metadata) > 0 and position('"$lease":"' in p_metadata[1]) > 0 then
              lease := regexp_match(p_metadata[1], '"[$]lease":"([0-9]{1,9})/([0-9]{1,18})/([^"\\\\]*)"');
              if lease is not null then
                perform 1 from ${q('leases')} l where l.shard = lease[1]::integer and l.epoch = lease[2]::bigint and l.owner = lease[3] for key share;
              end if;
              if lease is null or not found then
                raise exception 'stepstream: lease % is no longer held: another node owns that shard now', coalesce(array_to_string(lease, '/'), 'unreadable')
                  using errcode = 'SSL01';
              end if;
            end if;`;

/** The SQLSTATE of an append refused by its fence (the node lost the shard's lease). */
export const LEASE_LOST_SQLSTATE = 'SSL01';

/**
 * Several appends in one call and one transaction (group commit, see group-commit.ts): the events
 * of all of them in flat arrays, `p_counts[i]` of them for append i, each run by `append_events`
 * in order. One row per append, numbered from 1; an append whose expected revision did not hold
 * gets nulls and writes nothing, the others are written.
 */
const appendManyFunction = (q: (name: string) => string) =>
  `create function ${q('append_many')}(
            p_streams text[], p_modes text[], p_expected bigint[], p_counts integer[],
            p_ids uuid[], p_types text[], p_data text[], p_metadata text[],
            out o_index integer, out o_revision bigint, out o_transaction_id xid8, out o_position bigint)
          returns setof record
          language plpgsql as $fn$
          declare
            first integer := 1;
            last integer;
          begin
            for i in 1 .. coalesce(cardinality(p_streams), 0) loop
              last := first + p_counts[i] - 1;
              o_index := i;
              select a.o_revision, a.o_transaction_id, a.o_position into o_revision, o_transaction_id, o_position
                from ${q('append_events')}(p_streams[i], p_modes[i], p_expected[i],
                  p_ids[first:last], p_types[first:last], p_data[first:last], p_metadata[first:last]) a;
              return next;
              first := last + 1;
            end loop;
          end
          $fn$`;

/**
 * The SQL event store's tables, in a schema of their own (default `stepstream`).
 *
 * - `streams` holds each stream's last revision: the row every append to a stream updates, so
 *   concurrent writers to one stream are serialised by its row lock and checked against it.
 * - `events` holds the events. `position` is a sequence number; `transaction_id` is the appending
 *   transaction's id. `$all` is read in `(transaction_id, position)` order and only below the
 *   oldest transaction still running, so an event that commits late with a smaller `position`
 *   is never skipped by a reader that has already moved on (see sql-event-store.ts).
 *   `data` and `metadata` are `json` (from 0003): the JSON text as appended, so any JS string,
 *   NUL and lone surrogates included, reads back exactly (`jsonb` rejects both).
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
  '0002_append_function': {
    // An append as one server-side function: its statements' plans are cached for the session,
    // where the same work sent as one big statement was parsed and planned on every append (the
    // benchmark measured ~250 µs of server CPU per append for that alone; see docs/eventstore.md).
    async up(db) {
      const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
      await sql.raw(appendFunction(q, 'create', 'jsonb')).execute(db);
    },
  },
  '0003_metadata_json': {
    // Metadata carries engine data taken from executions (paused frames' inputs and variables):
    // `jsonb` cannot hold a NUL (\u0000) or a lone surrogate (\udfff), so an append of such
    // metadata failed. `json` keeps the JSON text as written, and JSON.stringify escapes both, so
    // every JS string round-trips. The rewrite keeps every row; nothing queries into metadata.
    async up(db) {
      const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
      await sql.raw(`alter table ${q('events')} alter column metadata type json using metadata::json`).execute(db);
      await sql.raw(appendFunction(q, 'create or replace', 'json')).execute(db);
    },
  },
  '0004_append_many': {
    // Group commit: concurrent appends sent as one call (Postgres; see group-commit.ts).
    async up(db) {
      const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
      await sql.raw(appendManyFunction(q)).execute(db);
    },
  },
  '0005_append_only': {
    // The events are append-only in the database too: UPDATE, DELETE and TRUNCATE are refused by
    // triggers. The owner of the table can still drop or disable them (docs/audit.md says how, and
    // shows `stepstream verify` catching what is changed then): the triggers stop mistakes and
    // casual edits; the hash chain and the signed tree catch the rest.
    async up(db) {
      const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
      await sql
        .raw(
          `create function ${q('events_append_only')}() returns trigger language plpgsql as $$
          begin
            raise exception 'stepstream: the events table is append-only: % refused (docs/audit.md)', tg_op
              using errcode = 'insufficient_privilege';
          end $$`,
        )
        .execute(db);
      await sql
        .raw(`create trigger events_no_update_or_delete before update or delete on ${q('events')} for each row execute function ${q('events_append_only')}()`)
        .execute(db);
      await sql
        .raw(`create trigger events_no_truncate before truncate on ${q('events')} for each statement execute function ${q('events_append_only')}()`)
        .execute(db);
    },
  },
  '0006_leases': {
    // Several engine nodes on one database (docs/operations.md): executions hash into SHARDS
    // shards, each leased to one node at a time with an epoch raised at every takeover; `nodes`
    // holds each node's last sign of life; `activity_tasks` is the activity queue every node's
    // workers poll (a task is claimed with `for update skip locked`, then by its ActivityStarted
    // append). The append function checks a fenced append's lease (fenceCheck above).
    async up(db) {
      const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
      await sql.raw(`create table ${q('leases')} (shard integer primary key, owner text, epoch bigint not null default 0, expires_at timestamptz)`).execute(db);
      await sql.raw(`insert into ${q('leases')} (shard) select generate_series(0, ${SHARDS - 1})`).execute(db);
      await sql.raw(`create table ${q('nodes')} (node text primary key, started_at timestamptz not null, seen_at timestamptz not null)`).execute(db);
      await sql
        .raw(
          `create table ${q('activity_tasks')} (
            stream_name text not null, task_id text not null, activity_arn text not null, execution_arn text not null, input json not null,
            seq bigserial not null, claimed_by text, claimed_until timestamptz, primary key (stream_name, task_id))`,
        )
        .execute(db);
      await sql.raw(`create index activity_tasks_queue on ${q('activity_tasks')} (activity_arn, seq)`).execute(db);
      await sql.raw(appendFunction(q, 'create or replace', 'json', true)).execute(db);
    },
  },
});

/** How many shards executions are hashed into (fixed: the `leases` table has one row per shard). */
export const SHARDS = 64;

/** Creates or upgrades the event store's schema; safe to run from several processes at once. */
export const migrateEventStore = async (db: Kysely<any>, schema: string): Promise<void> => {
  await db.transaction().execute(async (tx) => {
    // Kysely's migrator locks its own table, but creating the schema that holds that table can
    // itself race between processes: serialise it on an advisory lock.
    await sql`select pg_advisory_xact_lock(hashtext(${`stepstream-schema:${schema}`}))`.execute(tx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(tx);
  });
  const provider: MigrationProvider = { getMigrations: async () => migrations(schema) };
  const migrator = schemaMigrator({
    db,
    provider,
    migrationTableSchema: schema,
    migrationTableName: 'eventstore_migrations',
    migrationLockTableName: 'eventstore_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
};
