import { replayExecution, type StoredHistoryEvent } from '@stepstream/domain';
import { openPGliteEventStore, type EventStore, type openPGlite, type RecordedEvent } from '@stepstream/eventstore';
import type { ExecutionContext } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { Engine, locateExecution, type EngineOptions, type OfferedTask } from '../src/index.js';

// Builders for the runtime's integration tests: an Engine over a real event store (PGlite), wired
// as the server wires it (packages/server/test/harness.ts) but without HTTP, and the few steps
// every test repeats. Everything goes through the Engine's public API.

export const ROLE = 'arn:aws:iam::123456789012:role/stepstream-test';

/** A PGlite database (in memory, or in a data directory) with a Kysely over it. */
export type Database = Awaited<ReturnType<typeof openPGlite>>;

export interface Node {
  readonly engine: Engine;
  readonly store: EventStore;
  /** Stops the engine and closes its store; the database stays open (it may be shared). */
  close(): Promise<void>;
}

/** Engine options the tests may set (the store and the read models' database come from the fixture). */
export type NodeOptions = Partial<Omit<EngineOptions, 'store' | 'db'>>;

/**
 * Starts an engine (read models caught up, running executions resumed) over `db`: its event store
 * and its read models both live there, as in `stepstream serve` with PGlite. `wrapStore` lets a
 * test see or interleave the engine's appends (it must return a working store).
 */
export const startNode = async (db: Database, options: NodeOptions & { readonly wrapStore?: (store: EventStore) => EventStore } = {}): Promise<Node> => {
  const { wrapStore, ...engineOptions } = options;
  const store = await openPGliteEventStore({ shared: db });
  const engine = new Engine({
    activityPollMs: 2_000,
    log: { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(m, e) },
    ...engineOptions,
    store: wrapStore ? wrapStore(store) : store,
    db: db.db,
  });
  await engine.start();
  return {
    engine,
    store,
    async close() {
      await engine.close();
      await store.close();
    },
  };
};

/** Closes a database opened by {@link openPGlite}. */
export const closeDatabase = async (db: Database): Promise<void> => {
  await db.db.destroy();
  await db.pglite.close();
};

/** Creates a STANDARD state machine and returns its ARN. */
export const createMachine = async (engine: Engine, name: string, definition: unknown): Promise<string> => {
  const created = await engine.resources.createStateMachine({
    name,
    definition: JSON.stringify(definition),
    roleArn: ROLE,
    type: 'STANDARD',
    loggingConfiguration: {},
    tracingConfiguration: {},
  });
  if (E.isLeft(created)) throw new Error(`CreateStateMachine ${name}: ${created.left._tag} ${created.left.message}`);
  return created.right.stateMachineArn;
};

/** Creates an activity and returns its ARN. */
export const createActivity = async (engine: Engine, name: string): Promise<string> => {
  const created = await engine.resources.createActivity({ name });
  if (E.isLeft(created)) throw new Error(`CreateActivity ${name}: ${created.left._tag} ${created.left.message}`);
  return created.right.activityArn;
};

/** Starts an execution; returns its ARN and the stream that holds its history. */
export const startExecution = async (engine: Engine, stateMachineArn: string, input: unknown = {}, name?: string) => {
  const started = await engine.executions.startExecution({ stateMachineArn, input: JSON.stringify(input), ...(name !== undefined ? { name } : {}) });
  if (E.isLeft(started)) throw new Error(`StartExecution: ${started.left._tag} ${started.left.message}`);
  return { executionArn: started.right.executionArn, stream: streamOf(started.right.executionArn) };
};

/** The stream of an execution ARN. */
export const streamOf = (executionArn: string): string => {
  const located = locateExecution(executionArn);
  if (E.isLeft(located)) throw new Error(located.left.message);
  return located.right.stream;
};

/**
 * Polls `check` until it returns a value other than `undefined` (bounded): a wait on a condition,
 * never a pause that orders events. The bound only turns a hang into a failure naming `what`.
 */
export const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Waits until the execution is no longer RUNNING (as the engine folds it) and returns its state. */
export const ended = (engine: Engine, stream: string, timeoutMs?: number) =>
  until(
    `${stream} ended`,
    async () => {
      const state = await engine.executions.loadExecutionState(stream);
      return state.status === 'RUNNING' ? undefined : state;
    },
    timeoutMs,
  );

/** Waits until the stored history holds an event of `type`. */
export const historyReaches = (store: EventStore, stream: string, type: string) =>
  until(`${stream} has ${type}`, async () => {
    const events = await store.readStream(stream);
    return events.some((e) => e.type === type) ? events : undefined;
  });

/**
 * A worker's GetActivityTask, repeated (each poll is bounded by the engine's `activityPollMs`)
 * until a task comes.
 */
export const takeTask = (engine: Engine, activityArn: string, workerName = 'worker'): Promise<OfferedTask> =>
  until(`a task of ${activityArn}`, async () => {
    const polled = await engine.tasks.getActivityTask({ activityArn, workerName });
    if (E.isLeft(polled)) throw new Error(`GetActivityTask: ${polled.left._tag} ${polled.left.message}`);
    return polled.right.task;
  });

/**
 * What must hold of every stored history: revisions (the history's event ids less one) dense from
 * 0, each `previousEventId` pointing back, `ExecutionStarted` first, at most one terminal event and
 * nothing after it, and the history replays through the decider event for event.
 */
export const assertSoundHistory = (t: ExecutionContext, events: readonly RecordedEvent[]): void => {
  t.deepEqual(
    events.map((e) => Number(e.revision)),
    events.map((_, i) => i),
    'dense ids',
  );
  for (const [i, e] of events.entries()) {
    const previous = (e.data as { previousEventId?: number }).previousEventId ?? 0;
    t.true(previous >= 0 && previous <= i, `event ${i + 1} (${e.type}) points back to ${previous}`);
  }
  t.is(events[0]?.type, 'ExecutionStarted');
  const terminal = events.flatMap((e, i) => (TERMINAL.has(e.type) ? [i] : []));
  t.true(terminal.length <= 1, `one terminal event at most: ${terminal.map((i) => events[i]!.type).join(', ')}`);
  if (terminal.length === 1) t.is(terminal[0], events.length - 1, 'nothing after the terminal event');
  const replayed = replayExecution(events as unknown as StoredHistoryEvent[]);
  t.true(replayed.ok, replayed.ok ? '' : `replay diverged at event ${replayed.eventId}: ${replayed.reason}`);
};

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** How many events of `type` a history holds. */
export const count = (events: readonly RecordedEvent[], type: string): number => events.filter((e) => e.type === type).length;
