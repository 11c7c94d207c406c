import { CreateStateMachineCommand, ListExecutionsCommand, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { DuckDBInstance } from '@duckdb/node-api';
import anyTest, { type TestFn } from 'ava';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { openPGlite } from '@stepstream/eventstore';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportCheck, ExportRecord } from '../src/export-record.js';
import { freePort, historyOf, run, serve, settled, sfnClient, stackLines, stop } from './stepstream-process.js';

// `stepstream export` on an embedded store written by a real `stepstream serve` (executions of
// three machines started through SDK v3: Pass steps, a Parallel holding a Map, a failure), the
// server stopped: the files, read back with DuckDB, hold what the API says (events, executions,
// state runs); a range from a moment between two batches holds the second batch only; each file's
// SHA-256 is in the audit log, `export verify` accepts the files and refuses an edited copy, and
// `stepstream verify` still finds the store clean (also after a server ran on it again).

interface Run {
  readonly arn: string;
  readonly batch: 'first' | 'second';
  readonly events: HistoryEvent[];
}

interface Context {
  dir: string;
  data: string;
  runs: Run[];
  /** ListExecutions' count over the three machines. */
  listed: number;
  /** A moment after the first batch ended and before the second began (ISO). */
  between: string;
  /** State machine ARNs by definition name. */
  machines: Record<string, string>;
}
const test = anyTest as TestFn<Context>;
const ROLE = 'arn:aws:iam::123456789012:role/r';

const definitions: Record<string, unknown> = {
  steps: {
    StartAt: 'S0',
    States: Object.fromEntries(
      Array.from({ length: 4 }, (_, i) => [
        `S${i}`,
        { Type: 'Pass', Result: { step: i }, ResultPath: `$.r${i}`, ...(i === 3 ? { End: true } : { Next: `S${i + 1}` }) },
      ]),
    ),
  },
  fan: {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Result: 'a', End: true } } },
          {
            StartAt: 'Each',
            States: {
              Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Double', States: { Double: { Type: 'Pass', End: true } } }, End: true },
            },
          },
        ],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  },
  fails: {
    StartAt: 'Try',
    States: { Try: { Type: 'Pass', Next: 'Broke' }, Broke: { Type: 'Fail', Error: 'Export.Broke', Cause: 'asked to' } },
  },
};
const inputs: Record<string, string> = { steps: '{}', fan: '{"items":[1,2,3]}', fails: '{}' };

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-export-data-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', data]);
  const client = sfnClient(port);
  const runs: Run[] = [];
  let listed = 0;
  let between = '';
  const machines: Record<string, string> = {};
  try {
    for (const [name, definition] of Object.entries(definitions)) {
      const made = await client.send(new CreateStateMachineCommand({ name: `exported-${name}`, roleArn: ROLE, definition: JSON.stringify(definition) }));
      machines[name] = made.stateMachineArn!;
    }
    const batch = async (which: Run['batch'], times: number) => {
      const arns: string[] = [];
      for (const [name, arn] of Object.entries(machines))
        for (let i = 0; i < times; i++) arns.push((await client.send(new StartExecutionCommand({ stateMachineArn: arn, input: inputs[name] }))).executionArn!);
      for (const arn of arns) await settled(client, arn);
      for (const arn of arns) runs.push({ arn, batch: which, events: await historyOf(client, arn) });
    };
    await batch('first', 2);
    // Timestamps are milliseconds: a moment strictly between the batches' events.
    await new Promise((r) => setTimeout(r, 30));
    between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 30));
    await batch('second', 1);
    for (const arn of Object.values(machines)) {
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 100, ...(nextToken ? { nextToken } : {}) }));
        listed += page.executions?.length ?? 0;
        nextToken = page.nextToken;
      } while (nextToken);
    }
  } finally {
    client.destroy();
    await stop(server);
  }
  Object.assign(t.context, { dir, data, runs, listed, between, machines });
});

test.after.always(async (t) => {
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

/** Runs `sql` in a fresh in-memory DuckDB; the rows as JSON-friendly objects. */
const duck = async (sql: string) => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const reader = (file: string) => (file.endsWith('.parquet') ? `read_parquet('${file}')` : `read_json('${file}', format = 'newline_delimited')`);

/** What the API said about `runs`: events, executions, state runs (…StateEntered events), and every event as `arn#id type`. */
const expected = (runs: readonly Run[], listed?: number) => ({
  events: runs.reduce((n, r) => n + r.events.length, 0),
  executions: listed ?? runs.length,
  stateRuns: runs.reduce((n, r) => n + r.events.filter((e) => e.type!.endsWith('StateEntered')).length, 0),
  keys: runs.flatMap((r) => r.events.map((e) => `${r.arn}#${e.id} ${e.type}`)).sort(),
});

/** The same, read back from an export's two files with DuckDB. */
const found = async (events: string, stateRuns: string) => {
  const [counts] = await duck(`select count(*)::integer as events, count(distinct execution_arn)::integer as executions from ${reader(events)}`);
  const [runs] = await duck(`select count(*)::integer as n from ${reader(stateRuns)}`);
  const keys = await duck(`select execution_arn || '#' || event_id || ' ' || type as k from ${reader(events)}`);
  return {
    events: counts!['events'],
    executions: counts!['executions'],
    stateRuns: runs!['n'],
    keys: keys.map((k) => k['k'] as string).sort(),
  };
};

const exported = async (t: { context: Context }, out: string, ...args: string[]) => {
  const r = await run(['export', '--data', t.context.data, '--out', out, '--json', ...args]);
  return { ...r, record: r.code === 0 ? (JSON.parse(r.stdout) as ExportRecord & { eventId: number }) : undefined };
};

// Serial: each export appends a record to the store the next tests read.
test.serial('JSON Lines: the events, executions and state runs the API shows, each file recorded', async (t) => {
  const out = join(t.context.dir, 'jsonl');
  const r = await exported(t, out, '--since', '1h', '--format', 'jsonl');
  t.is(r.code, 0, r.stderr);
  const want = expected(t.context.runs, t.context.listed);
  t.is(want.executions, 9);
  t.deepEqual(await found(join(out, 'events.jsonl'), join(out, 'state_runs.jsonl')), want);
  t.deepEqual(
    r.record!.files.map((f) => [f.name, f.table, f.format, f.rows]),
    [
      ['events.jsonl', 'events', 'jsonl', want.events],
      ['state_runs.jsonl', 'state_runs', 'jsonl', want.stateRuns],
    ],
  );
  for (const f of r.record!.files) t.is(f.bytes, (await readFile(join(out, f.name))).length);
  // A row: the ARNs from ExecutionStarted, the details as JSON text, the timestamp as the API's.
  const failed = t.context.runs.find((run) => run.events.some((e) => e.type === 'ExecutionFailed'))!;
  const line = (await readFile(join(out, 'events.jsonl'), 'utf8'))
    .split('\n')
    .map((l) => (l === '' ? undefined : (JSON.parse(l) as Record<string, unknown>)))
    .find((row) => row?.['execution_arn'] === failed.arn && row['type'] === 'ExecutionFailed')!;
  const api = failed.events.find((e) => e.type === 'ExecutionFailed')!;
  t.is(line['event_id'], api.id);
  t.is(line['previous_event_id'], api.previousEventId);
  t.is(line['timestamp'], api.timestamp!.toISOString());
  t.deepEqual(JSON.parse(line['details'] as string), { error: 'Export.Broke', cause: 'asked to' });
  t.regex(line['state_machine_arn'] as string, /:stateMachine:exported-fails$/);
});

test.serial('Parquet: the same counts, typed columns, the details queryable as JSON', async (t) => {
  const out = join(t.context.dir, 'parquet');
  const r = await exported(t, out, '--since', '1h', '--format', 'parquet');
  t.is(r.code, 0, r.stderr);
  const events = join(out, 'events.parquet');
  const stateRuns = join(out, 'state_runs.parquet');
  t.deepEqual(await found(events, stateRuns), expected(t.context.runs, t.context.listed));
  const types = Object.fromEntries(
    (await duck(`describe select * from read_parquet('${events}')`)).map((c) => [c['column_name'] as string, c['column_type'] as string]),
  );
  t.deepEqual(types, {
    execution_arn: 'VARCHAR',
    state_machine_arn: 'VARCHAR',
    event_id: 'BIGINT',
    previous_event_id: 'BIGINT',
    type: 'VARCHAR',
    timestamp: 'TIMESTAMP WITH TIME ZONE',
    details: 'JSON',
    stream: 'VARCHAR',
    commit_position: 'BIGINT',
    prepare_position: 'BIGINT',
  });
  const runTypes = Object.fromEntries(
    (await duck(`describe select * from read_parquet('${stateRuns}')`)).map((c) => [c['column_name'] as string, c['column_type'] as string]),
  );
  t.is(runTypes['entered_at'], 'TIMESTAMP WITH TIME ZONE');
  t.is(runTypes['duration_ms'], 'BIGINT');
  t.is(runTypes['attempts'], 'INTEGER');
  // The state names of the StateEntered events, from the details, are the state runs' names.
  const entered = await duck(
    `select json_extract_string(details, '$.name') as name, count(*)::integer as n from read_parquet('${events}') where type like '%StateEntered' group by 1 order by 1`,
  );
  const named = await duck(`select state_name as name, count(*)::integer as n from read_parquet('${stateRuns}') group by 1 order by 1`);
  t.deepEqual(named, entered);
  t.true(
    entered.some((e) => e['name'] === 'Double' && e['n'] === 9),
    JSON.stringify(entered),
  );
  const failedRuns = await duck(`select distinct status from read_parquet('${stateRuns}') where state_name = 'Broke'`);
  t.deepEqual(failedRuns, [{ status: 'FAILED' }]);
});

test.serial('a range from a moment between two batches: the second batch only; an empty range: no rows', async (t) => {
  const { runs, between } = t.context;
  const out = join(t.context.dir, 'second');
  const r = await exported(t, out, '--since', between, '--format', 'parquet');
  t.is(r.code, 0, r.stderr);
  const second = runs.filter((run) => run.batch === 'second');
  t.is(second.length, 3);
  t.deepEqual(await found(join(out, 'events.parquet'), join(out, 'state_runs.parquet')), expected(second));
  t.is(r.record!.since, between);
  const before = join(t.context.dir, 'before');
  const none = await exported(t, before, '--since', '2001-01-01', '--until', '2001-01-02', '--format', 'jsonl');
  t.is(none.code, 0, none.stderr);
  t.deepEqual(
    none.record!.files.map((f) => f.rows),
    [0, 0],
  );
});

test.serial('export verify: the files are recorded; an edited copy and an unknown file are not (exit 1); files that exist are not overwritten', async (t) => {
  const { dir, data } = t.context;
  const files = ['jsonl/events.jsonl', 'jsonl/state_runs.jsonl', 'parquet/events.parquet', 'parquet/state_runs.parquet'].map((f) => join(dir, f));
  const ok = await run(['export', 'verify', '--data', data, ...files]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.is(ok.stdout.match(/: recorded: /g)?.length, 4, ok.stdout);
  t.regex(ok.stdout, /events\.parquet: recorded: events, \d+ rows, parquet, range \S+ to \S+, exported \S+ \(audit-exports event \d+\)/);

  // The same bytes under another name are still the file exported.
  const renamed = join(dir, 'renamed.parquet');
  await copyFile(files[2]!, renamed);
  const moved = await run(['export', 'verify', '--data', data, renamed, '--json']);
  t.is(moved.code, 0, moved.stderr);
  const movedCheck = JSON.parse(moved.stdout) as ExportCheck;
  t.true(movedCheck.ok);
  t.is(movedCheck.files[0]!.recorded?.as.name, 'events.parquet');

  // One value changed in a copy, keeping its size.
  const edited = join(dir, 'edited.jsonl');
  const text = await readFile(files[0]!, 'utf8');
  await writeFile(edited, text.replace('Export.Broke', 'Export.Brake'));
  t.not(await readFile(edited, 'utf8'), text);
  t.is((await readFile(edited)).length, (await readFile(files[0]!)).length);
  const refused = await run(['export', 'verify', '--data', data, files[1]!, edited]);
  t.is(refused.code, 1);
  t.regex(refused.stdout, /state_runs\.jsonl: recorded: /);
  t.regex(refused.stdout, /edited\.jsonl: NOT recorded: no export in this store's audit log wrote a file with its SHA-256 [0-9a-f]{64}/);
  t.regex(refused.stdout, /use the file as the export wrote it .* or export the range again with stepstream export/);
  const json = JSON.parse((await run(['export', 'verify', '--data', data, edited, '--json'])).stdout) as ExportCheck;
  t.false(json.ok);
  t.is(json.files[0]!.recorded, undefined);
  t.true(json.records >= 4, `${json.records} records`);

  const missing = await run(['export', 'verify', '--data', data, join(dir, 'nope.parquet')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot read \S*nope\.parquet/);
  t.deepEqual(stackLines(missing.stderr), []);

  const again = await run(['export', '--data', data, '--since', '1h', '--format', 'jsonl', '--out', join(dir, 'jsonl')]);
  t.is(again.code, 1);
  t.regex(again.stderr, /events\.jsonl, \S+state_runs\.jsonl exist already: remove them, or choose another directory with --out/);
  t.is(await readFile(files[0]!, 'utf8'), text, 'untouched');
});

test.serial('the command line: usage errors exit 2; a running server holds the embedded store', async (t) => {
  const { dir, data } = t.context;
  for (const [args, message] of [
    [['export', '--since', '1h', '--out', dir], /export needs --format parquet or --format jsonl/],
    [['export', '--since', '1h', '--format', 'csv', '--out', dir], /--format is parquet or jsonl, not csv/],
    [['export', '--format', 'jsonl', '--out', dir], /export needs --since/],
    [['export', '--since', '1h', '--format', 'jsonl'], /export needs --out DIR/],
    [['export', '--since', '1h', '--until', '2h', '--format', 'jsonl', '--out', dir], /is not before --until .*: the range is empty/],
    [['export', '--since', 'yesterday', '--format', 'jsonl', '--out', dir], /--since takes a span back from now/],
    [['export', 'verify'], /export verify needs the files an export wrote/],
    [['export', 'verify', 'f', '--since', '1h'], /--since is an option of export, not of export verify/],
    [['serve', '--format', 'jsonl'], /--format is an option of export/],
  ] as const) {
    const r = await run([...args, '--data', data]);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, message);
  }
  const help = await run(['help']);
  t.regex(help.stdout, /^ {2}export {2,}write a time range's history events/m);
  t.regex(help.stdout, /^ {2}export verify FILE\.\.\. {2,}whether each file/m);

  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', data]);
  try {
    const held = await run(['export', '--data', data, '--since', '1h', '--format', 'jsonl', '--out', join(dir, 'held')]);
    t.is(held.code, 1);
    t.regex(held.stderr, /stop the server first/);
    t.deepEqual(stackLines(held.stderr), []);
  } finally {
    await stop(server);
  }
});

test.serial('stepstream verify: the store with its export records is clean, before and after a server ran on it again', async (t) => {
  const { data } = t.context;
  const first = await run(['verify', '--data', data, '--json']);
  t.is(first.code, 0, first.stdout + first.stderr);
  const report = JSON.parse(first.stdout) as { ok: boolean; events: number; failures: number };
  t.true(report.ok);
  t.is(report.failures, 0);
  // The records' own chain, scoped.
  const scoped = await run(['export', 'verify', '--data', data, join(t.context.dir, 'parquet', 'events.parquet')]);
  t.is(scoped.code, 0, scoped.stdout);
  // A server starts on the store (its read models and audit tree take the records in), runs one more execution, and stops.
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', data]);
  const client = sfnClient(port);
  try {
    const started = await client.send(new StartExecutionCommand({ stateMachineArn: t.context.machines['steps'], input: '{}' }));
    t.is((await settled(client, started.executionArn!)).status, 'SUCCEEDED');
  } finally {
    client.destroy();
    await stop(server);
  }
  const after = await run(['verify', '--data', data, '--json']);
  t.is(after.code, 0, after.stdout + after.stderr);
  t.true((JSON.parse(after.stdout) as { events: number }).events > report.events);
});

test.serial('a record edited in the store to vouch for an edited file: export verify and stepstream verify both refuse it (exit 1)', async (t) => {
  const { dir, data } = t.context;
  const original = join(dir, 'jsonl', 'events.jsonl');
  const edited = join(dir, 'edited.jsonl');
  const hash = async (file: string) => (JSON.parse((await run(['export', 'verify', '--data', data, file, '--json'])).stdout) as ExportCheck).files[0]!.sha256;
  const [was, now] = [await hash(original), await hash(edited)];
  // An operator's edit, the append-only trigger bypassed: the record now names the edited file's hash.
  const { pglite, db } = await openPGlite(data);
  try {
    await pglite.exec('alter table stepstream.events disable trigger events_no_update_or_delete');
    const { rows } = await pglite.query<{ revision: string }>(
      `update stepstream.events set data = replace(data::text, $1, $2)::json where stream_name = 'audit-exports' and data::text like '%' || $1 || '%' returning revision::text as revision`,
      [was, now],
    );
    t.is(rows.length, 1);
    await pglite.exec('alter table stepstream.events enable trigger events_no_update_or_delete');
  } finally {
    await db.destroy();
    await pglite.close();
  }
  const check = await run(['export', 'verify', '--data', data, edited]);
  t.is(check.code, 1, check.stdout);
  t.regex(check.stdout, /edited\.jsonl: recorded/);
  t.regex(check.stdout, /audit-exports revision \d+.*\n.*the export records fail their hash chain: they were edited in the store; run stepstream verify/);
  const verify = await run(['verify', '--data', data]);
  t.is(verify.code, 1, verify.stdout);
  t.regex(verify.stdout, /altered.*audit-exports|audit-exports.*altered/);
});
