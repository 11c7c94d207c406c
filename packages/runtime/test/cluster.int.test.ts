import { openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { ownDatabase, postgresUnavailable } from '@stepstream/eventstore/testing';
import test, { type ExecutionContext } from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { shardOf } from '../src/cluster/shards.js';
import { Engine } from '../src/index.js';
import type { LambdaFunctions } from '../src/integrations/lambda.js';
import { assertSoundHistory, count, createActivity, createMachine, ended, startExecution, takeTask, until } from './engine-fixtures.js';

// Several engines (nodes) on one Postgres database (EngineOptions.cluster): the shards are shared
// out, each execution's timers and tasks run on one node only, an activity task offered on one
// node is handed to a worker polling another, and a node that stops hands its shards over.

const unavailable = await postgresUnavailable();
const own = ownDatabase(`stepstream_rt_cluster_${process.pid}`);

/** Every Lambda invocation any node made, by execution. */
const invocations: string[] = [];
const functions: LambdaFunctions = {
  invoke: async (call) => {
    invocations.push((JSON.parse(call.body) as { execution: string }).execution);
    return { kind: 'ok', payload: { ok: true }, body: '{"ok":true}', executedVersion: '$LATEST' };
  },
};

interface ClusterNode {
  readonly name: string;
  readonly engine: Engine;
  readonly store: EventStore;
  close(): Promise<void>;
}

const startClusterNode = async (name: string): Promise<ClusterNode> => {
  const store = await openPostgresEventStore({ connectionString: own.url, maxConnections: 6 });
  const pool = new pg.Pool({ connectionString: own.url, max: 4 });
  pool.on('error', () => {});
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const engine = new Engine({
    store,
    db,
    lambda: functions,
    activityPollMs: 1_000,
    log: { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(`[${name}] ${m}`, e) },
    cluster: { node: name, connectionString: own.url, leaseTimes: { ttlMs: 1_500, tickMs: 200 } },
  });
  await engine.start();
  return {
    name,
    engine,
    store,
    async close() {
      await engine.close();
      await store.close();
      await db.destroy();
    },
  };
};

const held = (node: ClusterNode) => node.engine.clusterStatus()?.shards.length ?? 0;

/** Two nodes, stopped when the test ends, once they hold 32 shards each. */
const startPair = async (t: ExecutionContext, first: string, second: string): Promise<[ClusterNode, ClusterNode]> => {
  const a = await startClusterNode(first);
  const b = await startClusterNode(second);
  t.teardown(async () => {
    await a.close().catch(() => undefined);
    await b.close().catch(() => undefined);
  });
  await until('the shards shared out', async () => (held(a) === 32 && held(b) === 32 ? true : undefined));
  return [a, b];
};

if (unavailable) {
  console.log(`SKIP several nodes on Postgres: ${unavailable}`);
  test.skip(`several nodes on Postgres (${unavailable})`, () => {});
} else {
  test.before(own.create);
  test.after.always(own.drop);

  test.serial(
    'two nodes share the shards, run every timer and Lambda task once, hand activity tasks across, and one stopping hands its shards over',
    async (t) => {
      const [a, b] = await startPair(t, 'a', 'b');

      const activityArn = await createActivity(a.engine, 'cluster-work');
      // Created on a; b knows it at once (its API calls first see what other nodes committed).
      const machine = await createMachine(b.engine, 'cluster', {
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: 1, Next: 'Invoke' },
          Invoke: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'f', Payload: { 'execution.$': '$$.Execution.Id' } },
            ResultSelector: { 'ok.$': '$.Payload.ok' },
            Next: 'Work',
          },
          Work: { Type: 'Task', Resource: activityArn, End: true },
        },
      });
      // Read-your-writes across nodes: a Describe (the read models) on b right after a start on a shows it.
      for (let i = 0; i < 5; i++) {
        const { executionArn } = await startExecution(a.engine, machine, { i }, `seen-${i}`);
        const db = await b.engine.reads.readModel();
        const { rows } = await sql<{ status: string }>`select status from sfn_read.executions where arn = ${executionArn}`.execute(db);
        t.deepEqual(
          rows.map((r) => r.status),
          ['RUNNING'],
          `b's read models show ${executionArn}, started on a`,
        );
      }
      const started = [];
      for (let i = 0; i < 30; i++) started.push({ ...(await startExecution(i % 2 === 0 ? a.engine : b.engine, machine, { i }, `run-${i}`)), i });
      // A worker polling node b takes every activity task (the 30 runs and the 5 above), wherever its execution is owned.
      for (let i = 0; i < 35; i++) {
        const task = await takeTask(b.engine, activityArn);
        const answered = await b.engine.tasks.completeTask(task.executionArn, task.taskId, { type: 'succeeded', output: task.input });
        t.true(E.isRight(answered));
      }
      for (const run of started) {
        const state = await ended(a.engine, run.stream, 20_000);
        t.is(state.status, 'SUCCEEDED', run.executionArn);
        const history = await a.store.readStream(run.stream);
        assertSoundHistory(t, history);
        t.is(count(history, 'TaskScheduled'), 1);
        t.is(count(history, 'TaskStarted'), 1);
        t.is(count(history, 'ActivityStarted'), 1);
        t.is(invocations.filter((e) => e === run.executionArn).length, 1, `${run.executionArn} invoked once`);
        // The owner's appends (the Wait's end, the task's start) carry its lease; they were all made under one.
        const fenced = history.filter((e) => typeof e.metadata['$lease'] === 'string');
        t.true(fenced.length >= 2, 'the timer and the task start are fenced');
      }

      // A graceful stop hands a's shards to b, which then runs everything.
      await a.close();
      await until('b holds every shard', async () => (held(b) === 64 ? true : undefined), 10_000);
      const late = await startExecution(b.engine, machine, {}, 'late');
      const task = await takeTask(b.engine, activityArn);
      await b.engine.tasks.completeTask(task.executionArn, task.taskId, { type: 'succeeded', output: '{}' });
      t.is((await ended(b.engine, late.stream)).status, 'SUCCEEDED');
    },
  );

  test.serial('a node whose lease was taken over cannot fire its timers: the new owner does, once', async (t) => {
    const a = await startClusterNode('c');
    t.teardown(() => a.close().catch(() => undefined));
    await until('c holds every shard', async () => (held(a) === 64 ? true : undefined), 10_000);
    const machine = await createMachine(a.engine, 'fenced', { StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 1, End: true } } });
    const run = await startExecution(a.engine, machine, {}, 'fenced-1');
    // Another node takes every shard behind c's back (as if c had paused past its leases).
    const admin = new pg.Client({ connectionString: own.url });
    await admin.connect();
    t.teardown(() => admin.end());
    await admin.query(`update stepstream.leases set owner = 'ghost', epoch = epoch + 1, expires_at = now() + interval '1 hour'`);
    await new Promise((r) => setTimeout(r, 1_500));
    const history = await a.store.readStream(run.stream);
    t.is(count(history, 'WaitStateExited'), 0, "c's timer was refused: it no longer holds the shard");
    t.is(held(a), 0, 'c noticed it lost every shard');
    // The leases come free again (the ghost is gone): c takes them back and fires the timer, once.
    await admin.query(`update stepstream.leases set expires_at = now() - interval '1 second' where owner = 'ghost'`);
    t.is((await ended(a.engine, run.stream, 10_000)).status, 'SUCCEEDED');
    const after = await a.store.readStream(run.stream);
    assertSoundHistory(t, after);
    t.is(count(after, 'WaitStateExited'), 1);
    const { rows } = await admin.query<{ n: number }>(`select count(*)::int as n from stepstream.leases where owner = 'c'`);
    t.is(rows[0]!.n, 64, 'c holds every shard again');
  });

  test.serial("heartbeats sent to a node that does not own the execution keep the owner's heartbeat timeout away", async (t) => {
    const [a, b] = await startPair(t, 'h1', 'h2');
    const activityArn = await createActivity(a.engine, 'beating');
    const machine = await createMachine(a.engine, 'beating', {
      StartAt: 'Work',
      States: { Work: { Type: 'Task', Resource: activityArn, HeartbeatSeconds: 1, TimeoutSeconds: 30, End: true } },
    });
    const run = await startExecution(a.engine, machine, {}, 'beats');
    const owner = a.engine.clusterStatus()!.shards.includes(shardOf(run.stream)) ? a : b;
    const other = owner === a ? b : a;
    const task = await takeTask(other.engine, activityArn);
    // Three seconds of heartbeats, every 300 ms, all to the node that does not own the execution.
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 300));
      t.true(E.isRight(await other.engine.tasks.heartbeatTask(task.executionArn, task.taskId)), `heartbeat ${i} accepted`);
    }
    t.true(E.isRight(await other.engine.tasks.completeTask(task.executionArn, task.taskId, { type: 'succeeded', output: '{}' })));
    const state = await ended(owner.engine, run.stream);
    t.is(state.status, 'SUCCEEDED', `${state.error ?? ''} ${state.cause ?? ''}`);
  });
}
