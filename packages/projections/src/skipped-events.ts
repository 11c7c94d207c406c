import type { Position } from '@stepstream/eventstore';
import { sql, type Kysely, type Transaction } from 'kysely';

/**
 * An event a projection could not apply and stepped over, so that every later event (and every
 * other stream) still reaches the read model. Its effect is missing from the read model.
 */
export interface SkippedEvent {
  /** The projection (and Postgres schema) that skipped it. */
  readonly projection: string;
  readonly streamName: string;
  readonly revision: bigint;
  readonly position: Position;
  readonly eventId: string;
  readonly type: string;
  /** The handler's error message, the last time it failed. */
  readonly error: string;
  /** The Postgres SQLSTATE of that error, when it came from the database (e.g. `22021`). */
  readonly sqlState: string | undefined;
  /** How many times it was applied alone, and failed, before it was skipped. */
  readonly attempts: number;
}

/** The table beside the checkpoint where skipped events are recorded: query it, and act on it. */
export const ensureSkippedEventsTable = async (db: Kysely<any>, schema: string): Promise<void> => {
  await sql`create table if not exists ${sql.id(schema, 'skipped_events')} (
    commit_position numeric(20) not null,
    prepare_position numeric(20) not null,
    stream_name text not null,
    revision numeric(20) not null,
    event_id text not null,
    event_type text not null,
    error text not null,
    sql_state text,
    attempts integer not null,
    skipped_at timestamptz not null default now(),
    primary key (commit_position, prepare_position)
  )`.execute(db);
};

/** Records a skipped event in the batch's transaction, so it is recorded exactly when the checkpoint passes it. */
export const recordSkippedEvent = async (tx: Transaction<any>, schema: string, skipped: SkippedEvent): Promise<void> => {
  await sql`insert into ${sql.id(schema, 'skipped_events')}
      (commit_position, prepare_position, stream_name, revision, event_id, event_type, error, sql_state, attempts)
    values (${skipped.position.commit.toString()}, ${skipped.position.prepare.toString()}, ${skipped.streamName}, ${skipped.revision.toString()},
      ${skipped.eventId}, ${skipped.type}, ${skipped.error}, ${skipped.sqlState ?? null}, ${skipped.attempts})
    on conflict do nothing`.execute(tx);
};

/** How many events the read model in `schema` has skipped. */
export const countSkippedEvents = async (db: Kysely<any>, schema: string): Promise<bigint> => {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.id(schema, 'skipped_events')}`.execute(db);
  return BigInt(rows[0]?.n ?? 0);
};

/**
 * The events the read model in `schema` skipped, oldest first.
 *
 * @example
 * for (const s of await listSkippedEvents(db, 'sfn_read')) console.log(s.streamName, s.revision, s.error);
 */
export const listSkippedEvents = async (db: Kysely<any>, schema: string): Promise<SkippedEvent[]> => {
  const { rows } = await sql<{
    commit_position: string;
    prepare_position: string;
    stream_name: string;
    revision: string;
    event_id: string;
    event_type: string;
    error: string;
    sql_state: string | null;
    attempts: number;
  }>`select commit_position::text as commit_position, prepare_position::text as prepare_position, stream_name,
      revision::text as revision, event_id, event_type, error, sql_state, attempts
    from ${sql.id(schema, 'skipped_events')} order by commit_position, prepare_position`.execute(db);
  return rows.map((r) => ({
    projection: schema,
    streamName: r.stream_name,
    revision: BigInt(r.revision),
    position: { commit: BigInt(r.commit_position), prepare: BigInt(r.prepare_position) },
    eventId: r.event_id,
    type: r.event_type,
    error: r.error,
    sqlState: r.sql_state ?? undefined,
    attempts: r.attempts,
  }));
};

/** The SQLSTATE of a driver error (`pg` and PGlite both put it in `code`), if it has one. */
export const sqlStateOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * Whether an error says "this event cannot be applied", whatever the time or the connection:
 * - SQLSTATE class 22 (data exception: `invalid byte sequence`, a value out of range…),
 *   class 23 (integrity constraint: a NOT NULL column the event leaves empty…) and class 54
 *   (program limit exceeded: an index row too large…);
 * - a TypeError, RangeError or SyntaxError thrown by a handler on an event of an unexpected shape.
 *
 * Anything else — a lost connection (class 08, or a driver error without a SQLSTATE), a
 * serialisation failure or deadlock (class 40), an admin shutdown (57), a full disk (53), an
 * undefined table after a bad deploy (42) — may pass on its own or after a fix, and is retried.
 */
export const isDeterministicFailure = (error: unknown): boolean => {
  const state = sqlStateOf(error);
  if (state !== undefined) return ['22', '23', '54'].includes(state.slice(0, 2));
  return error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError;
};

/**
 * The line to log for a skipped event: what, where, why, and what to do next.
 *
 * @example
 * onSkipped: (s) => log.error(describeSkippedEvent(s))
 */
export const describeSkippedEvent = (s: SkippedEvent): string =>
  `read model '${s.projection}' SKIPPED event ${s.type} #${s.revision} of stream ${s.streamName} ` +
  `(position ${s.position.commit}/${s.position.prepare}, event id ${s.eventId}): it failed ${s.attempts} times on its own with ` +
  `${s.sqlState ? `SQLSTATE ${s.sqlState}: ` : ''}${s.error}. The read model lacks its effect (Describe/List may show stale data for that stream); ` +
  `everything else goes on. It is recorded in ${s.projection}.skipped_events. Fix the cause (a new version, or the data), ` +
  `then run 'stepstream projections rebuild' to apply it again.`;
