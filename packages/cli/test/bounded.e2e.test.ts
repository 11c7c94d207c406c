import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv, exited, freePort, mainJs, run, sfnClient } from './stepstream-process.js';

// One process, one execution that cannot take it down: a loop over a 100 KiB input runs to AWS's
// 25,000-event cap in bounded memory; a kill -9 mid-way does not keep the server from listening;
// a graceful stop records the Lambda tasks it waited for, so none runs twice after the restart.

const roleArn = 'arn:aws:iam::123456789012:role/r';

interface Server {
  readonly child: ChildProcess;
  log(): string;
}

/** Starts `stepstream serve` and resolves once it says it is listening. */
const serve = (dataDir: string, port: number, functions: string, env: Readonly<Record<string, string>> = {}) =>
  new Promise<Server>((resolve, reject) => {
    // The embedded store in `dataDir`, whatever this shell points at (`cliEnv`).
    const child = spawn(process.execPath, [mainJs, 'serve', '--data', dataDir, '--port', String(port), '--functions', functions], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: cliEnv(env),
    });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('listening on')) resolve({ child, log: () => log });
    });
    child.on('exit', (code) => reject(new Error(`stepstream serve exited with ${code}:\n${log}`)));
  });

/** The peak resident set of a process so far (Linux: VmHWM), in MiB. */
const peakRssMiB = (pid: number): number | undefined => {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return undefined;
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(file, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) / 1024;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The id of an execution's last history event. */
const lastEventId = async (client: ReturnType<typeof sfnClient>, executionArn: string) =>
  (await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }))).events?.[0]?.id ?? 0;

const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms: number): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${ms / 1000} s (last: ${JSON.stringify(v)})`);
    await sleep(250);
  }
};

const loop = JSON.stringify({
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Next: 'C' },
    C: { Type: 'Choice', Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }], Default: 'A' },
    Done: { Type: 'Succeed' },
  },
});

const setUp = async (t: { teardown(fn: () => Promise<void>): void }) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-bounded-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const functions = join(dir, 'functions');
  await mkdir(functions);
  // Each invocation appends the execution's name to a file, then takes a while: a task in flight.
  await writeFile(
    join(functions, 'record.mjs'),
    `import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  appendFileSync(event.file, event.id + '\\n');
  await new Promise((r) => setTimeout(r, 700));
  return { id: event.id };
};
`,
  );
  const port = await freePort();
  return { dir, dataDir: join(dir, 'data'), functions, port, client: sfnClient(port) };
};

test.serial(
  'a Pass/Choice loop over a 100 KiB input runs to the 25,000-event cap in bounded memory; kill -9 mid-way, the restarted server listens and serves',
  async (t) => {
    const { dataDir, functions, port, client } = await setUp(t);
    let server = await serve(dataDir, port, functions);
    try {
      const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'loop', roleArn, definition: loop }));
      const input = JSON.stringify({ blob: 'x'.repeat(100 * 1024) });
      const startedAt = Date.now();
      const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'big', input }));
      // Mid-way: kill -9, then restart on the same directory.
      await until(
        '2,000 events',
        () => lastEventId(client, executionArn!),
        (n) => n >= 2_000,
        120_000,
      );
      const before = peakRssMiB(server.child.pid!);
      server.child.kill('SIGKILL');
      await exited(server.child);
      server = await serve(dataDir, port, functions);
      const listed = await client.send(new ListStateMachinesCommand({}));
      t.deepEqual(
        listed.stateMachines?.map((m) => m.name),
        ['loop'],
        'the restarted server listens and serves',
      );
      const ended = await until(
        'the execution to end',
        () => client.send(new DescribeExecutionCommand({ executionArn })),
        (d) => d.status !== 'RUNNING',
        600_000,
      );
      const peak = peakRssMiB(server.child.pid!);
      t.is(ended.status, 'FAILED');
      t.is(ended.error, 'States.Runtime');
      t.is(ended.cause, 'The execution reached the maximum number of history events (25000).');
      t.is(await lastEventId(client, executionArn!), 25_000);
      // A normal request is answered while nothing else runs, and the history pages stream.
      const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 100 }));
      t.is(page.events?.length, 100);
      t.is(page.events?.[1]?.stateEnteredEventDetails?.input, input);
      // 1,000 events of ~100 KiB would be a ~100 MB answer: the page stops at 16 Mi characters.
      const large = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      t.true((large.events?.length ?? 0) > 100 && (large.events?.length ?? 0) < 1000, `a page of ${large.events?.length} events`);
      t.truthy(large.nextToken);
      const following = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: large.nextToken }));
      t.is(following.events?.[0]?.id, (large.events?.length ?? 0) + 1, 'the next page starts where the short one stopped');
      if (peak === undefined || before === undefined) {
        t.log('SKIP peak RSS: /proc/<pid>/status is not readable on this system');
      } else {
        t.log(
          `peak RSS: ${before.toFixed(0)} MiB before the kill -9, ${peak.toFixed(0)} MiB after the restart, to the cap; ${((Date.now() - startedAt) / 1000).toFixed(0)} s in all`,
        );
        // ~2.5 GB of history went through the process: its peak stays what a few slices need.
        t.true(peak < 1_536, `peak RSS ${peak.toFixed(0)} MiB`);
        t.true(before < 1_536, `peak RSS ${before.toFixed(0)} MiB`);
      }
    } finally {
      server.child.kill('SIGTERM');
      await exited(server.child);
    }
  },
);

test.serial('SIGTERM while Lambda tasks run: the stop records what finished, and after the restart each task has run once', async (t) => {
  const { dir, dataDir, functions, port, client } = await setUp(t);
  let server = await serve(dataDir, port, functions);
  const record = join(dir, 'invocations.txt');
  const runs = 24;
  try {
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({
        name: 'tasks',
        roleArn,
        definition: JSON.stringify({
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'record', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              End: true,
            },
          },
        }),
      }),
    );
    const executions: string[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await client.send(new StartExecutionCommand({ stateMachineArn, name: `run-${i}`, input: JSON.stringify({ id: `run-${i}`, file: record }) }));
      executions.push(r.executionArn!);
    }
    // Some tasks are in flight (their functions started), then a graceful stop.
    await until(
      'a task in flight',
      async () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).length : 0),
      (n) => n > 0,
      30_000,
    );
    server.child.kill('SIGTERM');
    await exited(server.child);
    server = await serve(dataDir, port, functions);
    for (const executionArn of executions) {
      const d = await until(
        `${executionArn} to succeed`,
        () => client.send(new DescribeExecutionCommand({ executionArn })),
        (x) => x.status !== 'RUNNING',
        60_000,
      );
      t.is(d.status, 'SUCCEEDED');
    }
    const lines = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    const counts = new Map<string, number>();
    for (const id of lines) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    t.deepEqual(twice, [], 'no task ran twice because of the restart');
    t.is(counts.size, runs, 'every task ran');
    t.log(`${runs} executions, ${lines.length} invocations`);
  } finally {
    server.child.kill('SIGTERM');
    await exited(server.child);
  }
});

test.serial('an execution whose decisions took the process down twice is quarantined: reported, not run, and everything else is served', async (t) => {
  const { dataDir, functions, port, client } = await setUp(t);
  // Fault injection: the process dies in any decision that enters the state 'Boom'.
  const faulty = { STEPSTREAM_FAULT_CRASH_ENTERING_STATE: 'Boom' };
  let server = await serve(dataDir, port, functions, faulty);
  const { stateMachineArn: boom } = await client.send(
    new CreateStateMachineCommand({
      name: 'boom',
      roleArn,
      definition: JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, Next: 'Boom' }, Boom: { Type: 'Pass', End: true } } }),
    }),
  );
  const { stateMachineArn: fine } = await client.send(
    new CreateStateMachineCommand({ name: 'fine', roleArn, definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: boom, name: 'crashes' }));
  await exited(server.child);
  // Each restart listens first, then resumes the execution and dies again: twice, under a recovery mark.
  for (let i = 0; i < 2; i++) {
    server = await serve(dataDir, port, functions, faulty);
    await exited(server.child);
  }
  server = await serve(dataDir, port, functions, faulty);
  try {
    await until(
      'the quarantine report',
      async () => server.log(),
      (log) => log.includes('running executions resumed'),
      30_000,
    );
    t.regex(server.log(), /is quarantined: the process stopped while deciding it 2 times/);
    const ok = await client.send(new StartExecutionCommand({ stateMachineArn: fine }));
    const done = await until(
      'a normal execution',
      () => client.send(new DescribeExecutionCommand({ executionArn: ok.executionArn })),
      (d) => d.status !== 'RUNNING',
      30_000,
    );
    t.is(done.status, 'SUCCEEDED');
    t.is(server.child.exitCode, null, 'the server is still up');
    t.is((await client.send(new DescribeExecutionCommand({ executionArn }))).status, 'RUNNING', 'the quarantined execution is not run');
    server.child.kill('SIGTERM');
    await exited(server.child);
    // Released (the fault fixed), the next start resumes it.
    const release = (arn: string) => run(['quarantine', 'release', arn, '--data', dataDir]);
    const released = await release(executionArn!);
    t.is(released.code, 0, released.stderr);
    const again = await release(executionArn!);
    t.is(again.code, 1);
    t.regex(again.stderr, /is not quarantined/);
    server = await serve(dataDir, port, functions);
    const resumed = await until(
      'the released execution',
      () => client.send(new DescribeExecutionCommand({ executionArn })),
      (d) => d.status !== 'RUNNING',
      30_000,
    );
    t.is(resumed.status, 'SUCCEEDED');
  } finally {
    server.child.kill('SIGTERM');
    await exited(server.child);
  }
});
