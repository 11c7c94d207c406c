import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DuckDBInstance } from '@duckdb/node-api';
import { ownDatabase, postgresUnavailable } from '@stepstream/eventstore/testing';
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportRecord } from '../src/export-record.js';
import { freePort, historyOf, run, serve, settled, sfnClient, stop } from './stepstream-process.js';

// `stepstream export` on Postgres runs beside a live server (the store is shared there): the
// files hold what the API shows, the record is in the audit log, and the store stays clean.
// The CLI keeps its events and read models in fixed schemas, so this file gets a database of its own.
const unavailable = await postgresUnavailable();
const own = ownDatabase(`stepstream_export_${process.pid}`);

if (unavailable) {
  console.log(`SKIP stepstream export on Postgres: ${unavailable}`);
  test.skip(`stepstream export on Postgres (${unavailable})`, () => {});
} else {
  test.before(own.create);
  test.after.always(own.drop);

  test('an export while a server runs: the API’s events and state runs, recorded; export verify and verify pass', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'stepstream-export-pg-'));
    const port = await freePort();
    const server = await serve(['--database-url', own.url, '--port', String(port)]);
    const client = sfnClient(port);
    try {
      const machine = await client.send(
        new CreateStateMachineCommand({
          name: 'exported-on-postgres',
          roleArn: 'arn:aws:iam::123456789012:role/r',
          definition: JSON.stringify({
            StartAt: 'Fan',
            States: {
              Fan: {
                Type: 'Parallel',
                Branches: [
                  { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
                  { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
                ],
                End: true,
              },
            },
          }),
        }),
      );
      const arns: string[] = [];
      for (let i = 0; i < 3; i++)
        arns.push((await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }))).executionArn!);
      for (const arn of arns) await settled(client, arn);
      const histories = await Promise.all(arns.map((arn) => historyOf(client, arn)));

      const out = join(dir, 'out');
      const exported = await run(['export', '--database-url', own.url, '--since', '1h', '--format', 'parquet', '--out', out, '--json']);
      t.is(exported.code, 0, exported.stderr);
      const record = JSON.parse(exported.stdout) as ExportRecord;
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const read = async (q: string) => (await connection.runAndReadAll(q)).getRowObjectsJson()[0]!;
        const events = await read(
          `select count(*)::integer as n, count(distinct execution_arn)::integer as x from read_parquet('${join(out, 'events.parquet')}')`,
        );
        t.deepEqual(events, { n: histories.reduce((n, h) => n + h.length, 0), x: 3 });
        const runs = await read(`select count(*)::integer as n from read_parquet('${join(out, 'state_runs.parquet')}')`);
        t.is(runs['n'], histories.flat().filter((e) => e.type!.endsWith('StateEntered')).length);
        t.is(record.files[1]!.rows, runs['n'] as number);
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
      const checked = await run(['export', 'verify', '--database-url', own.url, join(out, 'events.parquet'), join(out, 'state_runs.parquet')]);
      t.is(checked.code, 0, checked.stdout + checked.stderr);
      // The server went on working with the record in its store.
      const after = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, input: '{}' }));
      t.is((await settled(client, after.executionArn!)).status, 'SUCCEEDED');
    } finally {
      client.destroy();
      await stop(server);
      await rm(dir, { recursive: true, force: true });
    }
    const verified = await run(['verify', '--database-url', own.url]);
    t.is(verified.code, 0, verified.stdout + verified.stderr);
  });
}
