import { openPGlite } from '@stepstream/eventstore';
import { getProjector, readModelDb, sfnReadModel, type Projection } from '@stepstream/projections';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { sql, type Kysely } from 'kysely';
import { closeDatabase, createMachine, startExecution, startNode, until } from './engine-fixtures.js';

// The read model's batch handlers (many executions' starts in one insert, many ends in one update)
// must write exactly the rows its handlers write one event at a time. Real histories from a real
// engine are projected twice, into two fresh schemas, and every row is compared; the batched run
// must also really have batched (several events per batch handler call).

const CLOSINGS = ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut'];

/** Every row of the tables Describe/List read, in a stable order, strings as stored. */
const rowsOf = async (db: Kysely<any>, schema: string) => {
  const read = async (table: string) => (await sql<Record<string, unknown>>`select * from ${sql.id(schema, table)} order by arn`.execute(readModelDb(db))).rows;
  return { executions: await read('executions'), mapRuns: await read('map_runs') };
};

test('batched and one-by-one projections of the same histories give the same rows', async (t) => {
  const db = await openPGlite();
  const node = await startNode(db);
  t.teardown(async () => {
    await node.close();
    await closeDatabase(db);
  });
  const { engine, store } = node;
  const machine = await createMachine(engine, 'batches', {
    StartAt: 'Route',
    States: {
      Route: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.mode', StringEquals: 'fail', Next: 'Fail' },
          { Variable: '$.mode', StringEquals: 'wait', Next: 'Wait' },
          { Variable: '$.mode', StringEquals: 'fan', Next: 'Fan' },
        ],
        Default: 'Done',
      },
      Fail: { Type: 'Fail', Error: 'Batch\u0000Error', Cause: 'lone \ud800 surrogate' },
      Wait: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Item',
          States: { Item: { Type: 'Pass', End: true } },
        },
        End: true,
      },
      Done: { Type: 'Pass', End: true },
    },
  });
  const modes = ['pass', 'fail', 'wait', 'pass', 'fan', 'pass', 'fail', 'pass'];
  const started = await Promise.all(
    Array.from({ length: 48 }, (_, i) => {
      const mode = modes[i % modes.length]!;
      return startExecution(engine, machine, { mode, items: [1, 2, 3], text: `nul \u0000 and \udc00 in ${i}` }, `run-${i}`);
    }),
  );
  // Some waiting executions are stopped: their ends come as ExecutionAborted.
  for (const [i, s] of started.entries()) {
    if (modes[i % modes.length] !== 'wait' || i % 16 !== 2) continue;
    const stopped = await engine.executions.stopExecution({ executionArn: s.executionArn, error: 'Stop\u0000', cause: 'by the test' });
    t.true(E.isRight(stopped));
  }
  const live = await engine.reads.readModel();
  await until('the Distributed Maps end', async () => {
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from sfn_read.map_runs where status = 'RUNNING'`.execute(live);
    const { rows: runs } = await sql<{ n: string }>`select count(*)::text as n from sfn_read.map_runs`.execute(live);
    return rows[0]?.n === '0' && Number(runs[0]?.n) === 6 ? true : undefined;
  });

  let batchCalls = 0;
  let followed = 0;
  let largest = 0;
  const counted: Projection = {
    ...sfnReadModel,
    name: `rm_batched_${Date.now()}`,
    batchHandlers: Object.fromEntries(
      Object.entries(sfnReadModel.batchHandlers ?? {}).map(([type, apply]) => [
        type,
        async (tx, events, schema) => {
          batchCalls += 1;
          largest = Math.max(largest, events.length);
          const byStream = new Map<string, string[]>();
          for (const e of events) byStream.set(e.streamName, [...(byStream.get(e.streamName) ?? []), e.type]);
          for (const types of byStream.values()) {
            if (types.length === 1) continue;
            t.true(
              types.length === 2 && types[0] === 'ExecutionStarted' && CLOSINGS.includes(types[1]!),
              `one event a stream, or a start and its end (${types.join(', ')})`,
            );
            followed += 1;
          }
          await apply(tx, events, schema);
        },
      ]),
    ),
  };
  const single: Projection = { ...sfnReadModel, name: `rm_single_${Date.now()}`, batchHandlers: {} };
  t.teardown(async () => {
    for (const p of [counted, single]) await sql`drop schema if exists ${sql.id(p.name)} cascade`.execute(db.db);
  });
  for (const projection of [counted, single]) await getProjector({ store, db: db.db, projection }).catchUp();

  const batched = await rowsOf(db.db, counted.name);
  const alone = await rowsOf(db.db, single.name);
  t.is(batched.executions.length, 48 + 6 * 3, 'every execution and every Map Run child has its row');
  t.is(batched.mapRuns.length, 6);
  t.deepEqual(batched, alone);
  t.deepEqual(batched, await rowsOf(db.db, sfnReadModel.name), 'the live read model (batched too) agrees');
  const statuses = new Set(batched.executions.map((r) => r['status']));
  t.deepEqual([...statuses].sort(), ['ABORTED', 'FAILED', 'RUNNING', 'SUCCEEDED']);
  t.true(
    batched.executions.some((r) => r['error'] === 'Batch\u0000Error' && r['cause'] === 'lone \ud800 surrogate'),
    'NUL and lone surrogates are stored exactly',
  );
  t.true(batchCalls > 0 && largest > 1, `batch handlers applied several events at once (${batchCalls} calls, the largest of ${largest})`);
  t.true(followed > 0, `some executions were inserted as they ended, their start and end in one call (${followed})`);
});
