import type { Position } from '@stepstream/eventstore';
import { sql, type Kysely, type Transaction } from 'kysely';

export const ensureCheckpointTable = async (db: Kysely<any>, schema: string): Promise<void> => {
  await sql`create table if not exists ${sql.id(schema, 'checkpoint')} (
    id boolean primary key default true check (id),
    commit_position numeric(20) not null,
    prepare_position numeric(20) not null,
    events_applied bigint not null default 0,
    updated timestamptz not null default now()
  )`.execute(db);
};

export interface Checkpoint {
  readonly position: Position | undefined;
  readonly eventsApplied: bigint;
}

/** Reads the checkpoint, locking its row for the rest of the transaction. */
export const lockCheckpoint = async (tx: Transaction<any>, schema: string): Promise<Checkpoint> => {
  const { rows } = await sql<{ commit_position: string; prepare_position: string; events_applied: string }>`
    select commit_position::text as commit_position, prepare_position::text as prepare_position,
           events_applied::text as events_applied
    from ${sql.id(schema, 'checkpoint')} for update`.execute(tx);
  const row = rows[0];
  return row
    ? {
        position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
        eventsApplied: BigInt(row.events_applied),
      }
    : { position: undefined, eventsApplied: 0n };
};

export const readCheckpoint = async (db: Kysely<any>, schema: string): Promise<Checkpoint> => db.transaction().execute((tx) => lockCheckpoint(tx, schema));

export const writeCheckpoint = async (tx: Transaction<any>, schema: string, position: Position, eventsApplied: bigint): Promise<void> => {
  await sql`insert into ${sql.id(schema, 'checkpoint')} (id, commit_position, prepare_position, events_applied, updated)
    values (true, ${position.commit.toString()}, ${position.prepare.toString()}, ${eventsApplied.toString()}, now())
    on conflict (id) do update set commit_position = excluded.commit_position,
      prepare_position = excluded.prepare_position, events_applied = excluded.events_applied, updated = now()`.execute(tx);
};
