import type { RecordedEvent } from '@stepstream/eventstore';
import type { Kysely, Migration, Transaction } from 'kysely';

/** Applies one event to the read model, inside the batch's transaction. */
export type ProjectionHandler = (tx: Transaction<any>, event: RecordedEvent, schema: string) => Promise<void>;

/**
 * Applies several events at once (one statement for all of them, say), with the same outcome as
 * their handlers one after the other. The projector gives it events of distinct streams, in no
 * promised order — except followers (`batchFollowers`): such an event comes right after its
 * stream's previous event, which it follows in its stream. A projection whose handlers for
 * different streams touch different rows can batch them.
 */
export type ProjectionBatchHandler = (tx: Transaction<any>, events: readonly RecordedEvent[], schema: string) => Promise<void>;

/**
 * A read model: its tables (created by its migrations, in a Postgres schema of its own) and one
 * handler per event type it reads (or one for every event in order: `inOrder`). Events of other
 * types only move its checkpoint.
 *
 * Handlers must be deterministic functions of the event and the read model: a rebuild replays
 * every event from zero and must arrive at the same rows.
 *
 * @example
 * const counts: Projection = {
 *   name: 'stream_counts',
 *   migrations: (schema) => ({ '0001': { up: (db) => db.schema.withSchema(schema)
 *     .createTable('counts').addColumn('stream', 'text', (c) => c.primaryKey())
 *     .addColumn('n', 'integer').execute() } }),
 *   handlers: { Tick: (tx, e, schema) => tx.withSchema(schema).insertInto('counts')
 *     .values({ stream: e.streamName, n: 1 })
 *     .onConflict((oc) => oc.column('stream').doUpdateSet({ n: (eb) => eb('counts.n', '+', 1) }))
 *     .execute().then(() => undefined) },
 * };
 */
export interface Projection {
  /** Unique; also the name of the Postgres schema that holds the read model. */
  readonly name: string;
  /** Kysely migrations that create the read model's tables in `schema`. */
  readonly migrations: (schema: string) => Record<string, Migration>;
  readonly handlers: Readonly<Record<string, ProjectionHandler>>;
  /**
   * Optional: per event type, a handler that applies many events of it (and of other types that
   * share it) at once. Each type listed must have a handler too: that one applies an event on its
   * own (a lone event, a retried one).
   */
  readonly batchHandlers?: Readonly<Record<string, ProjectionBatchHandler>>;
  /**
   * Optional: per event type with a batch handler, the types that handler also takes when one of
   * them comes next in the same stream (a start and the end that follows it in the batch, applied
   * as one row). Their batch handler then gets both, the follower right after its predecessor.
   */
  readonly batchFollowers?: Readonly<Record<string, readonly string[]>>;
  /**
   * Optional: a projection that needs every event in `$all` commit order (a Merkle tree over the
   * whole log, say). When set, the projector reads every event, whatever its type, and gives each
   * batch to this handler in one call, in commit order; `handlers` and `batchHandlers` are then
   * not used. A batch that fails with a deterministic error is applied again one event at a time
   * (a call per event, each behind a savepoint), as for any projection.
   *
   * @example
   * const count: Projection = {
   *   name: 'event_count', migrations, handlers: {},
   *   inOrder: (tx, events, schema) => sql`update ${sql.id(schema, 'counter')} set n = n + ${events.length}`.execute(tx).then(() => undefined),
   * };
   */
  readonly inOrder?: ProjectionBatchHandler;
  /**
   * Optional, with `inOrder`: the only event types it reads (all, when absent). Events of other
   * types only move the checkpoint.
   */
  readonly inOrderTypes?: readonly string[];
  /**
   * Optional: called once a batch has committed into the live read model (never for a rebuild's
   * copy, never for a batch that rolled back), with the batch's events less those skipped. What a
   * handler staged while applying them can now be told to the rest of the process.
   */
  readonly committed?: (events: readonly RecordedEvent[]) => void;
  /**
   * Optional: the only event types whose data the projection reads once an event carries the
   * chain's `$hash` (the audit tree needs the hash, and the data of checkpoints only): the
   * projector reads with `dataOnlyOfTypes`, so other hashed events may come with `data: null` and
   * the store need not send or parse their data.
   */
  readonly dataOnlyOfTypes?: readonly string[];
}

/** Where the read models live: a Kysely on Postgres or PGlite. */
export type ReadModelDb = Kysely<any>;
