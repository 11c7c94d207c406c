import { comparePositions, type EventStore, type Position, type RecordedEvent } from '@stepstream/eventstore';
import { Migrator, sql, type Kysely } from 'kysely';
import { BehaviorSubject, filter, firstValueFrom, map, timeout, type Observable } from 'rxjs';
import { ensureCheckpointTable, lockCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints.js';
import type { Projection } from './projection.js';

export type ProjectorState = 'idle' | 'catching-up' | 'live' | 'retrying' | 'rebuilding' | 'stopped';

export interface ProjectorStatus {
  readonly state: ProjectorState;
  /** How far `$all` has been considered (and committed): every handled event up to it is applied. */
  readonly checkpoint: Position | undefined;
  /** Events of the handled types applied so far. */
  readonly eventsApplied: bigint;
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
  /** Called on every failed batch (it is retried with back-off); use it to log. */
  readonly onError?: (error: unknown, attempt: number) => void;
  /** Back-off before retry `attempt` (1-based); defaults to 100 ms doubling up to 30 s. */
  readonly retryDelayMs?: (attempt: number) => number;
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
  rebuild(): Promise<void>;
  lag(): Promise<ProjectorLag>;
  /** Resolves true once the read model has applied `position` (read-your-writes), false on timeout. */
  waitFor(position: Position, timeoutMs?: number): Promise<boolean>;
}

class CheckpointMoved extends Error {}

const samePosition = (a: Position | undefined, b: Position | undefined) => (a === undefined || b === undefined ? a === b : comparePositions(a, b) === 0);

/**
 * Runs one projection: reads `$all` in batches after its checkpoint and applies each batch and
 * the new checkpoint in one transaction, so a crash never loses or double-applies an event. The
 * checkpoint row is locked for the batch: two instances of one projector never apply the same
 * batch; the loser reloads and goes on.
 */
export const getProjector = (options: ProjectorOptions): Projector => {
  const { store, db, projection } = options;
  const schema = projection.name;
  const batchSize = options.batchSize ?? 500;
  const retryDelay = options.retryDelayMs ?? ((n: number) => Math.min(100 * 2 ** (n - 1), 30_000));
  const status = new BehaviorSubject<ProjectorStatus>({ state: 'idle', checkpoint: undefined, eventsApplied: 0n });
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
  const sleep = (ms?: number) =>
    new Promise<void>((resolve) => {
      if (dirty || stopping) return resolve();
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });

  const migrate = async (target: string) => {
    await sql`create schema if not exists ${sql.id(target)}`.execute(db);
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => projection.migrations(target) },
      migrationTableSchema: target,
      migrationTableName: 'migrations',
      migrationLockTableName: 'migrations_lock',
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    await ensureCheckpointTable(db, target);
  };

  /** The event types the projection handles: the only ones it reads from `$all`. */
  const types = Object.keys(projection.handlers);

  /**
   * Applies the next batch after `from` into `target`. It reads only the handled event types,
   * up to the head it saw before reading; when the page is not full it has considered every event
   * up to that head, so the checkpoint moves to the head even past events it skipped (otherwise a
   * `waitFor` on an ignored event's position would never resolve).
   */
  const applyBatch = async (target: string, from: Position | undefined) => {
    const head = await store.headPosition();
    if (head === undefined || (from !== undefined && comparePositions(head, from) <= 0)) {
      return { checkpoint: from, more: false, eventsApplied: undefined };
    }
    const page = await store.readAll({ fromPosition: from ?? 'start', toPosition: head, maxCount: batchSize + 1, filter: { types } });
    const more = page.length === batchSize + 1;
    const fresh = from && page[0] && samePosition(page[0].position, from) ? page.slice(1) : page;
    const events: RecordedEvent[] = fresh.slice(0, batchSize);
    const checkpoint = more ? events.at(-1)!.position : head;
    const eventsApplied = await db.transaction().execute(async (tx) => {
      const current = await lockCheckpoint(tx, target);
      if (!samePosition(current.position, from)) throw new CheckpointMoved();
      for (const event of events) await projection.handlers[event.type]?.(tx, event, target);
      const applied = current.eventsApplied + BigInt(events.length);
      await writeCheckpoint(tx, target, checkpoint, applied);
      return applied;
    });
    return { checkpoint, more, eventsApplied };
  };

  /** Applies batches into `target` until caught up; retries failures with back-off unless stopped. */
  const drain = async (target: string, live: boolean): Promise<void> => {
    let attempt = 0;
    let { position: checkpoint } = await readCheckpoint(db, target);
    for (;;) {
      if (live && stopping) return;
      dirty = false;
      try {
        const batch = await applyBatch(target, checkpoint);
        attempt = 0;
        checkpoint = batch.checkpoint;
        if (target === schema && batch.eventsApplied !== undefined) {
          setStatus({ checkpoint, eventsApplied: batch.eventsApplied, lastError: undefined, state: batch.more ? 'catching-up' : 'live' });
        }
        if (batch.more) continue;
        if (!live) return;
        if (status.value.state !== 'live') setStatus({ state: 'live', lastError: undefined });
        await sleep();
      } catch (error) {
        if (error instanceof CheckpointMoved) {
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
    setStatus({ state: 'catching-up', checkpoint: cp.position, eventsApplied: cp.eventsApplied });
    wakeSubscription = store.appended().subscribe(wake);
    running = drain(schema, true).catch((error: unknown) => {
      options.onError?.(error, 0);
      setStatus({ state: 'stopped', lastError: error instanceof Error ? error.message : String(error) });
    });
  };

  const stop = async () => {
    stopping = true;
    wakeSubscription?.unsubscribe();
    wakeSubscription = undefined;
    wake();
    await running;
    running = undefined;
    setStatus({ state: 'stopped' });
  };

  const catchUp = async () => {
    await migrate(schema);
    await drain(schema, false);
  };

  const rebuild = async () => {
    const wasRunning = running !== undefined;
    await stop();
    setStatus({ state: 'rebuilding' });
    const shadow = `${schema}__rebuild`;
    await sql`drop schema if exists ${sql.id(shadow)} cascade`.execute(db);
    await migrate(shadow);
    await drain(shadow, false);
    await db.transaction().execute(async (tx) => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(tx);
      await sql`alter schema ${sql.id(shadow)} rename to ${sql.id(schema)}`.execute(tx);
    });
    const cp = await readCheckpoint(db, schema);
    setStatus({ state: 'idle', checkpoint: cp.position, eventsApplied: cp.eventsApplied });
    if (wasRunning) await start();
  };

  const lag = async (): Promise<ProjectorLag> => {
    const head = await store.headPosition();
    const checkpoint = status.value.checkpoint ?? (await readCheckpoint(db, schema)).position;
    const behind = head === undefined ? 0n : head.prepare - (checkpoint?.prepare ?? 0n);
    return { head, checkpoint, behind: behind > 0n ? behind : 0n };
  };

  const waitFor = (position: Position, timeoutMs = 5000) =>
    firstValueFrom(
      status.pipe(
        filter((s) => s.checkpoint !== undefined && comparePositions(s.checkpoint, position) >= 0),
        map(() => true),
        timeout({ first: timeoutMs, with: () => [false] }),
      ),
    );

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
