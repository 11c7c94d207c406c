import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { replayExecution, type StoredHistoryEvent } from '@stepstream/domain';
import { openPGlite, openPGliteEventStore, type EventStore } from '@stepstream/eventstore';
import { Engine, locateExecution, type EngineOptions } from '@stepstream/runtime';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import type { Kysely } from 'kysely';
import { serveApi, type RunningServer, type ServeOptions } from '../src/index.js';

export interface Stack {
  readonly engine: Engine;
  readonly api: RunningServer;
  readonly client: SFNClient;
  /** Every execution ARN the tests started, for the replay check at the end. */
  readonly started: Set<string>;
  close(): Promise<void>;
}

export const ROLE = 'arn:aws:iam::123456789012:role/stepstream-test';

/** The whole server in this process: in-memory PGlite, engine, HTTP on a free port, an SDK v3 client. */
export const startStack = async (options: Partial<Omit<EngineOptions, 'store' | 'db'>> = {}, serve: Pick<ServeOptions, 'guard'> = {}): Promise<Stack> => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  return stackOver(store, shared.db, options, serve, async () => {
    await store.close();
    await shared.db.destroy();
    await shared.pglite.close();
  });
};

/**
 * An engine, HTTP on a free port and an SDK v3 client over a store and read-model database the
 * caller opened; `dispose` closes them after the server and the engine.
 */
export const stackOver = async (
  store: EventStore,
  db: Kysely<any>,
  options: Partial<Omit<EngineOptions, 'store' | 'db'>>,
  serve: Pick<ServeOptions, 'guard'>,
  dispose: () => Promise<void>,
): Promise<Stack> => {
  const engine = new Engine({ ...options, store, db });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(m, e) }, ...serve });
  const client = new SFNClient({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    engine,
    api,
    client,
    started: new Set(),
    async close() {
      client.destroy();
      await api.close();
      await engine.close();
      await dispose();
    },
  };
};

/**
 * The replay check: feeds each execution's stored history back through the decider and
 * asserts it reproduces every event.
 */
export const assertReplays = async (t: ExecutionContext, engine: Engine, executionArns: Iterable<string>) => {
  let checked = 0;
  for (const arn of executionArns) {
    const where = locateExecution(arn);
    if (where._tag === 'Left') throw new Error(where.left.message);
    const events = (await engine.reads.store.readStream(where.right.stream)) as unknown as StoredHistoryEvent[];
    if (events.length === 0) continue;
    const result = replayExecution(events);
    if (!result.ok) t.fail(`replay of ${arn} diverged at event ${result.eventId}: ${result.reason}`);
    else checked++;
  }
  return checked;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined), up to `timeoutMs`. */
export const eventually = async <T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
};

/** Waits until an execution is no longer RUNNING and returns its description. */
export const finished = (stack: Stack, executionArn: string, timeoutMs?: number) =>
  eventually(async () => {
    const d = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  }, timeoutMs);

/** An execution's whole history (up to 1,000 events). */
export const history = async (stack: Stack, executionArn: string) =>
  (await stack.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;

/**
 * The `test` of a file whose tests share one stack: started before them, and after them the replay
 * check over every execution recorded in `stack.started`, then closed.
 */
export const stackTests = (options: Partial<Omit<EngineOptions, 'store' | 'db'>> = {}): TestFn<{ stack: Stack }> => {
  const test = anyTest as TestFn<{ stack: Stack }>;
  test.before(async (t) => {
    t.context.stack = await startStack(options);
  });
  test.after.always(async (t) => {
    const { stack } = t.context;
    if (!stack) return;
    await assertReplays(t as never, stack.engine, stack.started);
    await stack.close();
  });
  return test;
};
