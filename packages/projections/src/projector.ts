import { comparePositions, schemaMigrator, type EventStore, type Position, type RecordedEvent } from '@stepstream/eventstore';
import { sql, type Kysely, type Transaction } from 'kysely';
import { BehaviorSubject, filter, firstValueFrom, map, timeout, type Observable } from 'rxjs';
import { advanceCheckpoint, ensureCheckpointTable, readCheckpoint, writeCheckpoint } from './checkpoints.js';
import type { Projection, ProjectionBatchHandler, ProjectionHandler } from './projection.js';
import {
  countSkippedEvents,
  describeSkippedEvent,
  ensureSkippedEventsTable,
  isDeterministicFailure,
  recordSkippedEvent,
  sqlStateOf,
  type SkippedEvent,
} from './skipped-events.js';
import { readModelDb } from './stored-text.js';

export type ProjectorState = 'idle' | 'catching-up' | 'live' | 'retrying' | 'rebuilding' | 'stopped';

export interface ProjectorStatus {
  readonly state: ProjectorState;
  /** How far `$all` has been considered (and committed): every handled event up to it is applied. */
  readonly checkpoint: Position | undefined;
  /** Events of the handled types applied so far. */
  readonly eventsApplied: bigint;
  /** Events the read model could not apply and skipped (see `skipped_events`). */
  readonly eventsSkipped: bigint;
  /** The last failure, while retrying. */
  readonly lastError?: string;
}

export interface ProjectorLag {
  readonly head: Position | undefined;
  readonly checkpoint: Position | undefined;
  /** `head.prepare - checkpoint.prepare`: sequence numbers behind, ≈ events behind on the SQL store. */
  readonly behind: bigint;
}

export interface ProjectorOptions {
  readonly store: EventStore;
  readonly db: Kysely<any>;
  readonly projection: Projection;
  /** Events per transaction; defaults to 500. */
  readonly batchSize?: number;
  /**
   * While live, the least time from one batch's start to the next one's (default 0). A batch costs
   * a handful of statements however few events it holds; under a steady stream of appends a few
   * milliseconds gather many of them into one. Readers that wait for a write (`waitFor`) wait up to
   * `waitedBatchIntervalMs` longer.
   */
  readonly liveBatchIntervalMs?: number;
  /**
   * The same least time while a reader waits for a position the projection has not reached
   * (`waitFor`); defaults to `liveBatchIntervalMs`, and is never more. A reader that begins to
   * wait cuts a longer pause short: a projection read after its own writes can gather for long
   * when nobody waits and still answer its readers quickly.
   */
  readonly waitedBatchIntervalMs?: number;
  /** Called on every failed batch (it is retried with back-off); use it to log. */
  readonly onError?: (error: unknown, attempt: number) => void;
  /** Back-off before retry `attempt` (1-based); defaults to 100 ms doubling up to 30 s. */
  readonly retryDelayMs?: (attempt: number) => number;
  /**
   * Called for each event skipped because it cannot be applied (after it failed alone, with a
   * deterministic error, {@link POISON_ATTEMPTS} times); log it at error level. Defaults to
   * `console.error` of {@link describeSkippedEvent}: a skip is never silent.
   */
  readonly onSkipped?: (skipped: SkippedEvent) => void;
}

/** What a rebuild did. */
export interface RebuildSummary {
  readonly eventsApplied: bigint;
  /** Events it could not apply and stepped over: each is in `skipped_events` and was reported. */
  readonly eventsSkipped: bigint;
}

export interface Projector {
  /** The Postgres schema that holds the read model: the projection's name. */
  readonly schema: string;
  readonly status$: Observable<ProjectorStatus>;
  readonly status: () => ProjectorStatus;
  /** Creates or upgrades the read model, then follows `$all` from the checkpoint in the background. */
  start(): Promise<void>;
  /** Lets the batch in flight commit, then stops. */
  stop(): Promise<void>;
  /** Applies batches until no event is left, in the caller's time (the loop need not run). */
  catchUp(): Promise<void>;
  /**
   * Replays every event from zero into a fresh copy of the read model, then swaps it for the live
   * one in one transaction: readers see the old rows until the new ones are complete.
   */
  rebuild(): Promise<RebuildSummary>;
  lag(): Promise<ProjectorLag>;
  /** Resolves true once the read model has applied `position` (read-your-writes), false on timeout. */
  waitFor(position: Position, timeoutMs?: number): Promise<boolean>;
}

class CheckpointMoved extends Error {}

/** The longest pause between two reads while committed events are hidden behind an older transaction. */
const HIDDEN_POLL_MAX_MS = 50;

/** How many times an event is applied alone, failing deterministically each time, before it is skipped. */
export const POISON_ATTEMPTS = 3;

const samePosition = (a: Position | undefined, b: Position | undefined) => (a === undefined || b === undefined ? a === b : comparePositions(a, b) === 0);

/**
 * Runs one projection: reads `$all` in batches after its checkpoint and applies each batch and
 * the new checkpoint in one transaction, so a crash never loses or double-applies an event. The
 * checkpoint row is locked for the batch: two instances of one projector never apply the same
 * batch; the loser reloads and goes on.
 *
 * Every string goes through {@link readModelDb} (stored exactly, NUL and lone surrogates
 * included). An event that cannot be applied does not stall the read model: a batch that fails
 * with a deterministic error ({@link isDeterministicFailure}) is applied again one event at a
 * time, each behind a savepoint; an event that fails alone {@link POISON_ATTEMPTS} times is
 * recorded in `skipped_events`, reported through `onSkipped`, and stepped over in the same
 * transaction as the checkpoint. Any other failure (a lost connection) is retried with back-off.
 */
export const getProjector = (options: ProjectorOptions): Projector => {
  const { store, projection } = options;
  const db = readModelDb(options.db);
  const onSkipped = options.onSkipped ?? ((s: SkippedEvent) => console.error(describeSkippedEvent(s)));
  const schema = projection.name;
  const batchSize = options.batchSize ?? 500;
  const liveInterval = options.liveBatchIntervalMs ?? 0;
  const waitedInterval = Math.min(options.waitedBatchIntervalMs ?? liveInterval, liveInterval);
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(100 * 2 ** (n - 1), 30_000));
  const status = new BehaviorSubject<ProjectorStatus>({ state: 'idle', checkpoint: undefined, eventsApplied: 0n, eventsSkipped: 0n });
  const setStatus = (patch: Partial<ProjectorStatus>) => status.next({ ...status.value, ...patch });

  let running: Promise<void> | undefined;
  let stopping = false;
  let dirty = true;
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    const w = wakeUp;
    wakeUp = undefined;
    w?.();
  };
  /** Readers waiting in `waitFor` for a position not reached yet. */
  let waiting = 0;
  /** Shortens the pause under way between two live batches (`gather`) to what `waitedInterval` leaves; set while one runs. */
  let cutGather: (() => void) | undefined;
  /**
   * The pause between two live batches: until `began + liveInterval`, or `began + waitedInterval`
   * while a reader waits (one that begins to wait meanwhile cuts it short; so does `stop`).
   */
  const gather = (began: number) =>
    new Promise<void>((resolve) => {
      const until = (interval: number) => began + interval - performance.now();
      const rest = until(waiting > 0 ? waitedInterval : liveInterval);
      if (rest <= 0 || stopping) return resolve();
      const done = () => {
        cutGather = undefined;
        resolve();
      };
      let timer = setTimeout(done, rest);
      cutGather = () => {
        clearTimeout(timer);
        timer = setTimeout(done, stopping ? 0 : Math.max(0, until(waitedInterval)));
      };
    });
  const sleep = (ms?: number) =>
    new Promise<void>((resolve) => {
      if (dirty || stopping) return resolve();
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });

  /**
   * Creates or upgrades the read model in `target`. Several processes (the nodes of a cluster)
   * may start at once on one database: `create … if not exists` races in Postgres's catalogue
   * (a duplicate key in pg_type), so the whole migration runs on one connection holding an
   * advisory lock for the schema, and the others wait for it.
   */
  const migrate = async (target: string) =>
    db.connection().execute(async (conn) => {
      const key = `stepstream-projection:${target}`;
      await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
      try {
        await sql`create schema if not exists ${sql.id(target)}`.execute(conn);
        const migrator = schemaMigrator({
          db: conn,
          provider: { getMigrations: async () => projection.migrations(target) },
          migrationTableSchema: target,
          migrationTableName: 'migrations',
          migrationLockTableName: 'migrations_lock',
        });
        const { error } = await migrator.migrateToLatest();
        if (error) throw error instanceof Error ? error : new Error(String(error));
        await ensureCheckpointTable(conn, target);
        await ensureSkippedEventsTable(conn, target);
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
      }
    });

  /** An in-order projection takes every event, in commit order, through one handler. */
  const inOrder = projection.inOrder;
  /** The event types the projection handles: the only ones it reads from `$all` (all of them in order). */
  const typeFilter = inOrder ? projection.inOrderTypes && { types: [...projection.inOrderTypes] } : { types: Object.keys(projection.handlers) };
  /** The handler that applies one event alone, if the projection handles its type. */
  const handlerOf = (event: RecordedEvent): ProjectionHandler | undefined =>
    inOrder ? (tx, e, target) => inOrder(tx, [e], target) : projection.handlers[event.type];

  /**
   * Applies one event alone, behind a savepoint, up to {@link POISON_ATTEMPTS} times: undefined
   * once it applies, or the skip to record when it failed deterministically every time. Any
   * other error is thrown (the whole batch is retried later).
   */
  const applyAlone = async (tx: Transaction<any>, handler: ProjectionHandler, event: RecordedEvent, target: string): Promise<SkippedEvent | undefined> => {
    let last: unknown;
    for (let attempt = 1; attempt <= POISON_ATTEMPTS; attempt++) {
      await sql`savepoint stepstream_event`.execute(tx);
      try {
        await handler(tx, event, target);
        await sql`release savepoint stepstream_event`.execute(tx);
        return undefined;
      } catch (error) {
        await sql`rollback to savepoint stepstream_event`.execute(tx);
        if (!isDeterministicFailure(error)) throw error;
        last = error;
      }
    }
    return {
      projection: target,
      streamName: event.streamName,
      revision: event.revision,
      position: event.position,
      eventId: event.id,
      type: event.type,
      error: last instanceof Error ? last.message : String(last),
      sqlState: sqlStateOf(last),
      attempts: POISON_ATTEMPTS,
    };
  };

  /**
   * Applies `events` in as few statements as the projection allows. Each event gets a level: how
   * many events of its stream come before it in the batch. Levels are applied in turn, so a
   * stream's events keep their order; within a level every event is of another stream (they touch
   * different rows and commute), and the events that share a batch handler are applied by one
   * call of it, the others by their own handlers. A busy engine's batch (each execution's start
   * and end, often in one append) is then two levels: one insert and one update.
   *
   * A **follower** (`batchFollowers`) joins its stream's previous event instead of taking the
   * next level: when the event right before it in its stream (of the types handled) has a batch
   * handler that lists the follower's type, both go to that handler in one call, the follower
   * after its predecessor. An execution that starts and ends in one batch is then one row inserted
   * as it ends, not a row inserted and updated.
   */
  const applyTogether = async (tx: Transaction<any>, events: readonly RecordedEvent[], target: string) => {
    const batchHandlers = projection.batchHandlers ?? {};
    const followers = projection.batchFollowers ?? {};
    const levels: RecordedEvent[][] = [];
    /** Per stream: its next level, and its last event when a follower may still join it. */
    const streams = new Map<string, { next: number; last: RecordedEvent | undefined }>();
    /** The batch handler an event goes to: its own, or its predecessor's when it follows it. */
    const handlerOf = new Map<RecordedEvent, ProjectionBatchHandler>();
    for (const event of events) {
      if (!projection.handlers[event.type]) continue;
      const stream = streams.get(event.streamName) ?? { next: 0, last: undefined };
      const leader = stream.last;
      if (leader && followers[leader.type]?.includes(event.type)) {
        // Joins its predecessor: same level, same handler; nothing more joins them.
        levels[stream.next - 1]!.push(event);
        handlerOf.set(event, handlerOf.get(leader)!);
        streams.set(event.streamName, { next: stream.next, last: undefined });
        continue;
      }
      const together = batchHandlers[event.type];
      if (together) handlerOf.set(event, together);
      (levels[stream.next] ??= []).push(event);
      streams.set(event.streamName, { next: stream.next + 1, last: together ? event : undefined });
    }
    for (const level of levels) {
      const groups = new Map<ProjectionBatchHandler, RecordedEvent[]>();
      for (const event of level) {
        const together = handlerOf.get(event);
        if (!together) continue;
        const group = groups.get(together);
        if (group) group.push(event);
        else groups.set(together, [event]);
      }
      for (const event of level) {
        const together = handlerOf.get(event);
        const group = together && groups.get(together);
        // A group of one event goes to its own handler, unless it holds a follower.
        if (group && group.length > 1) {
          if (group[0] === event) await together(tx, group, target);
          continue;
        }
        await projection.handlers[event.type]!(tx, event, target);
      }
    }
  };

  /**
   * Applies the next batch after `from` into `target`. It reads only the handled event types (all
   * of them for an in-order projection, whose one handler takes the batch in commit order),
   * up to the head it read them with (`readAllBatch`); when the page is not full it has considered
   * every event up to that head, so the checkpoint moves to the head even past events it skipped
   * (otherwise a `waitFor` on an ignored event's position would never resolve). `pending`: events
   * are committed past the head that no reader can see yet (an older transaction is still
   * running), so the caller reads again shortly. `alone`: each event behind a savepoint, so that
   * one that cannot be applied is skipped and the others are not.
   */
  const applyBatch = async (target: string, from: Position | undefined, alone: boolean) => {
    // The head and the page come from one read (one statement on the SQL store), in one snapshot.
    const read = await store.readAllBatch({
      ...(from ? { after: from } : {}),
      maxCount: batchSize + 1,
      ...(typeFilter ? { filter: typeFilter } : {}),
      ...(projection.dataOnlyOfTypes ? { dataOnlyOfTypes: projection.dataOnlyOfTypes } : {}),
    });
    const { head, pending } = read;
    if (head === undefined || (from !== undefined && comparePositions(head, from) <= 0)) {
      return { checkpoint: from, more: false, pending, eventsApplied: undefined, skipped: [] as SkippedEvent[] };
    }
    const more = read.events.length === batchSize + 1;
    const events: readonly RecordedEvent[] = read.events.slice(0, batchSize);
    const checkpoint = more ? events.at(-1)!.position : head;
    const skipped: SkippedEvent[] = [];
    const eventsApplied = await db.transaction().execute(async (tx) => {
      // The checkpoint moves first, in one statement that also locks it and checks that nobody else moved it.
      const before = await advanceCheckpoint(tx, target, from, checkpoint, BigInt(events.length));
      if (before === undefined) throw new CheckpointMoved();
      if (!alone) {
        if (!inOrder) await applyTogether(tx, events, target);
        else if (events.length > 0) await inOrder(tx, events, target);
      } else {
        for (const event of events) {
          const handler = handlerOf(event);
          if (!handler) continue;
          const skip = await applyAlone(tx, handler, event, target);
          if (skip === undefined) continue;
          await recordSkippedEvent(tx, target, skip);
          skipped.push(skip);
        }
      }
      const applied = before + BigInt(events.length - skipped.length);
      // Skipped events do not count as applied (rare: an event a handler could not apply).
      if (skipped.length > 0) await writeCheckpoint(tx, target, checkpoint, applied);
      return applied;
    });
    // Reported once committed: a batch rolled back and retried would otherwise report twice.
    for (const skip of skipped) onSkipped(skip);
    if (projection.committed && target === schema && events.length > 0) {
      const passed = skipped.length === 0 ? events : events.filter((e) => !skipped.some((s) => s.eventId === e.id));
      projection.committed(passed);
    }
    return { checkpoint, more, pending, eventsApplied, skipped };
  };

  /** Applies batches into `target` until caught up; retries failures with back-off unless stopped. */
  const drain = async (target: string, live: boolean): Promise<bigint> => {
    let attempt = 0;
    let alone = false;
    let skippedHere = 0n;
    let batchBegan = 0;
    /** How often in a row the batches have found events hidden behind an older transaction and nothing new. */
    let hiddenPolls = 0;
    // In the caller's time, up to the head as the call began: `headPosition` waits (bounded) for
    // writers older than it, as every `readAll` does, so the caller sees what was committed before.
    const until = live ? undefined : await store.headPosition();
    let { position: checkpoint } = await readCheckpoint(db, target);
    for (;;) {
      if (live && stopping) return skippedHere;
      dirty = false;
      batchBegan = performance.now();
      try {
        const before = checkpoint;
        const batch = await applyBatch(target, checkpoint, alone);
        attempt = 0;
        alone = false;
        checkpoint = batch.checkpoint;
        skippedHere += BigInt(batch.skipped.length);
        if (target === schema && batch.eventsApplied !== undefined) {
          setStatus({
            checkpoint,
            eventsApplied: batch.eventsApplied,
            eventsSkipped: status.value.eventsSkipped + BigInt(batch.skipped.length),
            lastError: undefined,
            state: batch.more ? 'catching-up' : 'live',
          });
        }
        if (batch.more) continue;
        // Events committed behind an older transaction still running (another writer's, or a read
        // model's batch): nothing may signal when it ends, so the next read comes after a short
        // pause (1 ms, doubling up to 50 while the batches find nothing new) rather than only on
        // the next append's signal.
        if (!batch.pending || !samePosition(batch.checkpoint, before)) hiddenPolls = 0;
        const hidden = batch.pending ? Math.min(2 ** hiddenPolls++, HIDDEN_POLL_MAX_MS) : undefined;
        if (!live) {
          // Done once past the head as the call began; events hidden behind it came after.
          if (hidden === undefined || until === undefined || (checkpoint !== undefined && comparePositions(checkpoint, until) >= 0)) return skippedHere;
          await new Promise((resolve) => setTimeout(resolve, hidden));
          continue;
        }
        if (status.value.state !== 'live') setStatus({ state: 'live', lastError: undefined });
        await sleep(hidden);
        await gather(batchBegan);
      } catch (error) {
        if (error instanceof CheckpointMoved) {
          // Another instance (another node on the same database) applied it: show where it is now,
          // so that readers waiting here for a position (waitFor) see the read model reach it.
          const moved = await readCheckpoint(db, target);
          checkpoint = moved.position;
          if (target === schema) setStatus({ checkpoint, eventsApplied: moved.eventsApplied, lastError: undefined });
          continue;
        }
        if (!alone && isDeterministicFailure(error)) {
          // Some event of this batch cannot be applied (or the failure only looks like it):
          // apply the batch again at once, one event at a time, to find it and step over it.
          alone = true;
          ({ position: checkpoint } = await readCheckpoint(db, target));
          continue;
        }
        attempt += 1;
        options.onError?.(error, attempt);
        if (!live && stopping) throw error;
        setStatus({ state: 'retrying', lastError: error instanceof Error ? error.message : String(error) });
        dirty = false;
        await sleep(retryDelay(attempt));
        dirty = true;
        ({ position: checkpoint } = await readCheckpoint(db, target));
      }
    }
  };

  let wakeSubscription: { unsubscribe(): void } | undefined;

  const start = async () => {
    if (running) return;
    await migrate(schema);
    const cp = await readCheckpoint(db, schema);
    stopping = false;
    dirty = true;
    setStatus({ state: 'catching-up', checkpoint: cp.position, eventsApplied: cp.eventsApplied, eventsSkipped: await countSkippedEvents(db, schema) });
    wakeSubscription = store.appended().subscribe(wake);
    running = drain(schema, true).then(
      () => undefined,
      (error: unknown) => {
        options.onError?.(error, 0);
        setStatus({ state: 'stopped', lastError: error instanceof Error ? error.message : String(error) });
      },
    );
  };

  const stop = async () => {
    stopping = true;
    wakeSubscription?.unsubscribe();
    wakeSubscription = undefined;
    wake();
    cutGather?.();
    await running;
    running = undefined;
    setStatus({ state: 'stopped' });
  };

  const catchUp = async () => {
    await migrate(schema);
    if (running === undefined) setStatus({ eventsSkipped: await countSkippedEvents(db, schema) });
    await drain(schema, false);
  };

  const rebuild = async () => {
    const wasRunning = running !== undefined;
    await stop();
    setStatus({ state: 'rebuilding' });
    const shadow = `${schema}__rebuild`;
    await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(db);
    await migrate(shadow);
    const eventsSkipped = await drain(shadow, false);
    await db.transaction().execute(async (tx) => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(tx);
      await sql`alter schema ${sql.id(shadow)} rename to ${sql.id(schema)}`.execute(tx);
    });
    const cp = await readCheckpoint(db, schema);
    setStatus({ state: 'idle', checkpoint: cp.position, eventsApplied: cp.eventsApplied, eventsSkipped });
    if (wasRunning) await start();
    return { eventsApplied: cp.eventsApplied, eventsSkipped };
  };

  const lag = async (): Promise<ProjectorLag> => {
    const head = await store.headPosition();
    const checkpoint = status.value.checkpoint ?? (await readCheckpoint(db, schema)).position;
    const behind = head === undefined ? 0n : head.prepare - (checkpoint?.prepare ?? 0n);
    return { head, checkpoint, behind: behind > 0n ? behind : 0n };
  };

  const waitFor = async (position: Position, timeoutMs = 5000): Promise<boolean> => {
    const reached = (s: ProjectorStatus) => s.checkpoint !== undefined && comparePositions(s.checkpoint, position) >= 0;
    if (reached(status.value)) return true;
    waiting += 1;
    cutGather?.();
    try {
      return await firstValueFrom(
        status.pipe(
          filter(reached),
          map(() => true),
          timeout({ first: timeoutMs, with: () => [false] }),
        ),
      );
    } finally {
      waiting -= 1;
    }
  };

  return {
    schema,
    status$: status.asObservable(),
    status: () => status.value,
    start,
    stop,
    catchUp,
    rebuild,
    lag,
    waitFor,
  };
};
