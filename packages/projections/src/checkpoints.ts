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

/**
 * Moves the checkpoint from `from` to `to` and adds `events` to its count, in one statement at
 * the start of a batch's transaction; returns the count before, or `undefined` when the
 * checkpoint is no longer at `from` (another projector moved it: the caller rolls back). It takes
 * the row's lock as {@link lockCheckpoint} does, so a second projector on the same batch waits
 * for the first to commit or roll back and then finds the row moved (or not); the batch's writes
 * follow under that lock, and a rollback undoes the move with them. One round trip where reading
 * the checkpoint first and writing it last took two.
 *
 * @example
 * const before = await advanceCheckpoint(tx, 'sfn_read', from, to, 12n);
 * if (before === undefined) throw new CheckpointMoved();
 */
export const advanceCheckpoint = async (
  tx: Transaction<any>,
  schema: string,
  from: Position | undefined,
  to: Position,
  events: bigint,
): Promise<bigint | undefined> => {
  const table = sql.id(schema, 'checkpoint');
  if (from === undefined) {
    // No checkpoint yet: the row is made here; one that exists (or is being made) means another projector went first.
    const { rows } = await sql<{ id: boolean }>`insert into ${table} (id, commit_position, prepare_position, events_applied, updated)
      values (true, ${to.commit.toString()}, ${to.prepare.toString()}, ${events.toString()}, now())
      on conflict (id) do nothing returning id`.execute(tx);
    return rows.length === 1 ? 0n : undefined;
  }
  const { rows } = await sql<{ before: string }>`update ${table}
    set commit_position = ${to.commit.toString()}, prepare_position = ${to.prepare.toString()},
      events_applied = events_applied + ${events.toString()}, updated = now()
    where commit_position = ${from.commit.toString()} and prepare_position = ${from.prepare.toString()}
    returning (events_applied - ${events.toString()})::text as before`.execute(tx);
  return rows[0] === undefined ? undefined : BigInt(rows[0].before);
};
