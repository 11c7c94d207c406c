import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import test from 'ava';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binShim, freePort, run, serve, sfnClient, stackLines, stop } from './stepstream-process.js';

/** Every option `help` must list, with its environment variable (issue 11: four were missing). */
const OPTIONS_AND_ENV = [
  ['--port', 'PORT'],
  ['--host', 'HOST'],
  ['--data', 'STEPSTREAM_DATA'],
  ['--database-url', 'DATABASE_URL'],
  ['--eventstore-url', 'EVENTSTORE_URL'],
  ['--log-level', 'LOG_LEVEL'],
  ['--region', 'STEPSTREAM_REGION'],
  ['--account', 'STEPSTREAM_ACCOUNT'],
  ['--functions', 'STEPSTREAM_FUNCTIONS'],
  ['--lambda-endpoint', 'STEPSTREAM_LAMBDA_ENDPOINT'],
  ['--http-connections', 'STEPSTREAM_HTTP_CONNECTIONS'],
  ['--mock-config', 'STEPSTREAM_MOCK_CONFIG'],
] as const;

const tempDir = () => mkdtemp(join(tmpdir(), 'stepstream-cli-'));

const passMachine = (client: SFNClient, name: string) =>
  client.send(
    new CreateStateMachineCommand({
      name,
      roleArn: 'arn:aws:iam::123456789012:role/r',
      definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { done: true }, ResultPath: '$.result', End: true } } }),
    }),
  );

const finished = async (client: SFNClient, executionArn: string) => {
  let d = await client.send(new DescribeExecutionCommand({ executionArn }));
  while (d.status === 'RUNNING') {
    await new Promise((r) => setTimeout(r, 50));
    d = await client.send(new DescribeExecutionCommand({ executionArn }));
  }
  return d;
};

/** The lines a refused command printed as its reason. */
const reasons = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('stepstream: '));

test.serial('a second serve or a rebuild on a data directory in use is refused with one line, and the first server keeps serving', async (t) => {
  const dataDir = await tempDir();
  const port = await freePort();
  const client = sfnClient(port);
  try {
    let server = await serve(['--data', dataDir, '--port', String(port)]);
    const { stateMachineArn } = await passMachine(client, 'before');
    const first = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'first', input: '{"n":1}' }));
    t.is((await finished(client, first.executionArn!)).status, 'SUCCEEDED');

    // The mistyped flag of the incident: rejected by the parser before anything opens the directory.
    const typo = await run(['serve', '--data', dataDir, '--prot', '19150']);
    t.is(typo.code, 2);
    t.deepEqual(reasons(typo.stderr), ['stepstream: unknown option --prot']);
    t.true(typo.stderr.includes('Usage: stepstream <command> [options]'));

    const second = await run(['serve', '--data', dataDir, '--port', String(await freePort())]);
    t.is(second.code, 1);
    t.deepEqual(stackLines(second.stderr), []);
    t.is(reasons(second.stderr).length, 1);
    t.regex(
      second.stderr,
      /^stepstream: the data directory .* is in use by another stepstream process \(serve, pid \d+ on .*\): stop it, or choose another directory with --data$/m,
    );
    t.true(second.stderr.includes(dataDir), 'the message names the directory');

    const rebuild = await run(['projections', 'rebuild', '--data', dataDir]);
    t.is(rebuild.code, 1);
    t.deepEqual(stackLines(rebuild.stderr), []);
    t.is(reasons(rebuild.stderr).length, 1);
    t.true(rebuild.stderr.includes(dataDir));
    t.true(rebuild.stderr.includes('stop the server first'), rebuild.stderr);

    // The first server is untouched: its data answers and a new execution runs to the end.
    const machines = await client.send(new ListStateMachinesCommand({}));
    t.deepEqual(
      machines.stateMachines!.map((m) => m.name),
      ['before'],
    );
    const earlier = await client.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    t.is(earlier.status, 'SUCCEEDED');
    t.deepEqual(JSON.parse(earlier.output!), { n: 1, result: { done: true } });
    const next = await client.send(new StartExecutionCommand({ stateMachineArn, name: 'after', input: '{"n":2}' }));
    const after = await finished(client, next.executionArn!);
    t.is(after.status, 'SUCCEEDED');
    t.deepEqual(JSON.parse(after.output!), { n: 2, result: { done: true } });

    // Stopped cleanly, the server lets the directory go: a rebuild runs, then a server serves the same data.
    await stop(server);
    const rebuilt = await run(['projections', 'rebuild', '--data', dataDir]);
    t.is(rebuilt.code, 0, rebuilt.stderr);
    server = await serve(['--data', dataDir, '--port', String(port)]);
    const executions = await client.send(new ListExecutionsCommand({ stateMachineArn }));
    t.deepEqual(executions.executions!.map((e) => e.name).sort(), ['after', 'first']);
    await stop(server);
  } finally {
    client.destroy();
    await rm(dataDir, { recursive: true, force: true });
  }
});

const usageErrors: readonly (readonly string[])[] = [
  ['serve', '--prot', '1'],
  ['serve', '--port'],
  ['serve', '--port', '--host', '0.0.0.0'],
  ['serve', 'extra'],
  ['serve', '-x'],
  ['projections', 'rebuild', '--bogus=1'],
  ['projections', 'rebiuld'],
  ['frob'],
  ['--port', '9000'],
  ['serve', '--port', 'eighty'],
];

// One test per table, each command after the other: a process per case at once would crowd a small machine.
test('an unknown option, a stray argument or a missing value is a usage error: exit 2, one line and the usage, nothing opened', async (t) => {
  for (const args of usageErrors) {
    const dataDir = join(await tempDir(), 'data');
    try {
      const r = await run([...args, '--data', dataDir]);
      const what = `stepstream ${args.join(' ')}`;
      t.is(r.code, 2, what);
      t.is(reasons(r.stderr).length, 1, `${what}: ${r.stderr}`);
      t.true(r.stderr.includes('Usage: stepstream <command> [options]'), what);
      t.deepEqual(stackLines(r.stderr), [], what);
      t.false(existsSync(dataDir), `${what}: the data directory was not created`);
    } finally {
      await rm(join(dataDir, '..'), { recursive: true, force: true });
    }
  }
});

test('help, --help, -h, no command and serve --help list every command and option with its environment variable', async (t) => {
  for (const args of [['help'], ['--help'], ['-h'], [], ['serve', '--help']]) {
    const what = `stepstream ${args.join(' ')}`;
    const r = await run(args);
    t.is(r.code, 0, `${what}: ${r.stderr}`);
    for (const command of ['serve', 'projections rebuild', 'help']) t.regex(r.stdout, new RegExp(`^  ${command} `, 'm'), what);
    for (const [flag, env] of OPTIONS_AND_ENV) t.regex(r.stdout, new RegExp(`^  ${flag} \\S+ +${env}\\b`, 'm'), `${what}: ${flag} with ${env}`);
    t.regex(r.stdout, /--port N +PORT, default 8083/, what);
    t.regex(r.stdout, /--data DIR +STEPSTREAM_DATA, default \.\/\.stepstream/, what);
  }
});

test.serial('a port in use: one line saying so, exit 1, no stack, and the data directory is let go', async (t) => {
  const dataDir = await tempDir();
  const squatter = createServer();
  const port = await new Promise<number>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve((squatter.address() as { port: number }).port)));
  try {
    const r = await run(['serve', '--data', dataDir, '--port', String(port)]);
    t.is(r.code, 1);
    t.deepEqual(reasons(r.stderr), [`stepstream: port ${port} is in use on 127.0.0.1: stop the other process or choose another with --port`]);
    t.deepEqual(stackLines(r.stderr), []);
    // It closed the store and released the lock on its way out: the next command gets the directory.
    const rebuilt = await run(['projections', 'rebuild', '--data', dataDir]);
    t.is(rebuilt.code, 0, rebuilt.stderr);
  } finally {
    squatter.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the bin shim runs the built CLI', async (t) => {
  const r = await run(['help'], { script: binShim });
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.startsWith('Usage: stepstream <command> [options]'));
});

test('the bin shim of an unbuilt checkout says how to build, exit 1', async (t) => {
  // The shim in a tree without dist/: a fresh clone before `npm run build`.
  const root = await tempDir();
  try {
    await mkdir(join(root, 'bin'));
    await copyFile(binShim, join(root, 'bin', 'stepstream.mjs'));
    const r = await run(['help'], { script: join(root, 'bin', 'stepstream.mjs') });
    t.is(r.code, 1);
    t.is(r.stderr, 'stepstream is not built yet: run `npm run build` (or `npm start`)\n');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
