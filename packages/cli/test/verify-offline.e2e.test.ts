import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { generateSigningKey, type SignedCheckpoint } from '@stepstream/audit';
import type { EventStore } from '@stepstream/eventstore';
import { locateExecution, type Engine } from '@stepstream/runtime';
import type { RunningServer } from '@stepstream/server';
import anyTest, { type TestFn } from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVerify, type OpenStore } from '../src/verify.js';
import { parseCommandLine } from '../src/args.js';
import { auditedServer } from './audited-server.js';
import { run } from './stepstream-process.js';

interface Context {
  engine: Engine;
  api: RunningServer;
  store: EventStore;
  sql: (text: string) => Promise<unknown>;
  dir: string;
  publicKey: string;
  otherKey: string;
  executions: string[];
  first: SignedCheckpoint;
  second: SignedCheckpoint;
  close: () => Promise<void>;
}

const test = anyTest as TestFn<Context>;

const definition = JSON.stringify({
  StartAt: 'A',
  States: { A: { Type: 'Pass', Result: { a: 'é' }, Next: 'B' }, B: { Type: 'Pass', End: true } },
});

test.before(async (t) => {
  const key = generateSigningKey();
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-offline-'));
  const publicKey = join(dir, 'key.pub.pem');
  const otherKey = join(dir, 'other.pub.pem');
  await writeFile(publicKey, key.publicKeyPem);
  await writeFile(otherKey, generateSigningKey().publicKeyPem);
  const server = await auditedServer({ privateKeyPem: key.privateKeyPem, checkpointEvery: 1e9, checkpointIntervalMs: 1e9 }, 'stepstream-offline-keys-');
  const { engine, api, store } = server;
  const client = new SFNClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'offline', roleArn: 'arn:aws:iam::123456789012:role/r', definition }));
  const finished = async (executionArn: string) => {
    while ((await client.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING') await new Promise((r) => setTimeout(r, 20));
  };
  const start = async (name: string) => {
    const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: '{"n":1}' }));
    await finished(executionArn!);
    return executionArn!;
  };
  const executions = [await start('one'), await start('two')];
  const first = await engine.audit.checkpointNow();
  executions.push(await start('three'));
  client.destroy();
  const second = await engine.audit.checkpointNow();
  if (!first || !second || second.treeSize <= first.treeSize) throw new Error('no two checkpoints');
  t.context = {
    engine,
    api,
    store,
    sql: server.sql,
    dir,
    publicKey,
    otherKey,
    executions,
    first,
    second,
    close: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

test.after.always(async (t) => t.context.close?.());

const port = (api: RunningServer) => new URL(api.url).port;

test.serial('history export --proof writes a bundle that verify checks offline; one changed byte or another key is refused', async (t) => {
  const { api, dir, publicKey, otherKey, executions } = t.context;
  const file = join(dir, 'one.bundle.json');
  const exported = await run(['history', 'export', executions[0]!, '--proof', '--out', file, '--port', port(api)]);
  t.is(exported.code, 0, exported.stderr);

  const ok = await run(['verify', file, '--public-key', publicKey]);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, /: OK: every event of the history is proven/);

  const text = await readFile(file, 'utf8');
  // A digit of the history's first timestamp changed, as an editor would.
  const at = text.indexOf('"timestamp":', text.indexOf('"history":')) + '"timestamp":'.length + 3;
  const changed = join(dir, 'changed.bundle.json');
  await writeFile(changed, `${text.slice(0, at)}${text[at] === '1' ? '2' : '1'}${text.slice(at + 1)}`);
  const refused = await run(['verify', changed, '--public-key', publicKey, '--json']);
  t.is(refused.code, 1);
  const result = JSON.parse(refused.stdout) as { ok: boolean; problems: { kind: string }[] };
  t.false(result.ok);
  t.deepEqual(
    result.problems.map((p) => p.kind),
    ['history'],
  );

  const wrongKey = await run(['verify', file, '--public-key', otherKey]);
  t.is(wrongKey.code, 1);
  t.regex(wrongKey.stdout, /^checkpoint: wrong-key/m);

  // Without a key there is nothing to check against: a usage error.
  const noKey = await run(['verify', file, '--data', join(dir, 'nowhere')]);
  t.is(noKey.code, 2);
  t.regex(noKey.stderr, /no public key: give --public-key FILE/);
});

test.serial(
  'verify --checkpoints: the log only grew between two checkpoints, with the proof in either form; a shrunk, rewritten or unproven log is refused',
  async (t) => {
    const { engine, dir, publicKey, first, second } = t.context;
    const answer = await engine.audit.consistencyProof(first.treeSize, second.treeSize);
    if (answer._tag === 'Left') throw new Error(answer.left.message);
    const write = async (name: string, value: unknown) => {
      const file = join(dir, name);
      await writeFile(file, JSON.stringify(value));
      return file;
    };
    const older = await write('old.json', first);
    const asServed = await write('new-served.json', { ...second, consistency: answer.right });
    const asFile = await write('new-file.json', { ...second, consistency: { fromSize: first.treeSize, proof: answer.right.proof } });
    const check = (a: string, b: string) => run(['verify', '--checkpoints', a, b, '--public-key', publicKey]);

    for (const newer of [asServed, asFile]) {
      const ok = await check(older, newer);
      t.is(ok.code, 0, ok.stdout + ok.stderr);
      t.regex(ok.stdout, new RegExp(`the log grew from ${String(first.treeSize)} to ${second.treeSize.toLocaleString('en-US')} events`));
    }
    t.is((await check(older, older)).code, 0, 'a checkpoint is consistent with itself');

    const shrunk = await check(asFile, older);
    t.is(shrunk.code, 1);
    t.regex(shrunk.stdout, /^truncated: /m);

    const flipped = answer.right.proof.map((h, i) => (i === 0 ? `${h[0] === '0' ? '1' : '0'}${h.slice(1)}` : h));
    const rewritten = await check(older, await write('new-bad.json', { ...second, consistency: { fromSize: first.treeSize, proof: flipped } }));
    t.is(rewritten.code, 1);
    t.regex(rewritten.stdout, /^inconsistent: /m);

    const unproven = await check(older, await write('new-bare.json', second));
    t.is(unproven.code, 1);
    t.regex(unproven.stdout, /^malformed \(.*new-bare\.json\): the newer file: it carries no consistency proof/m);

    const forged = await check(await write('old-forged.json', { ...first, treeSize: first.treeSize - 1 }), asFile);
    t.is(forged.code, 1);
    t.regex(forged.stdout, /^bad-signature \(.*old-forged\.json\): bad-signature/m);

    const usage = await run(['verify', '--checkpoints', older, '--public-key', publicKey]);
    t.is(usage.code, 2);
    t.regex(usage.stderr, /verify --checkpoints takes two files/);
  },
);

test.serial('verify --execution and --state-machine read only their streams; the run finds an edit in them and only there', async (t) => {
  const { store, sql, publicKey, executions } = t.context;
  const where = locateExecution(executions[1]!);
  if (where._tag === 'Left') throw new Error(where.left.message);
  const edited = (await store.readStream(where.right.stream))[2]!;
  const outputs: string[] = [];
  const out = { stdout: (text: string) => outputs.push(text), stderr: () => {} };
  const openStore: OpenStore = (use) => use({ store });
  const verify = async (...args: string[]) => {
    outputs.length = 0;
    const line = parseCommandLine(['verify', ...args, '--public-key', publicKey, '--json']);
    if (line.command !== 'verify') throw new Error('not verify');
    const code = await runVerify(line.verify, line.flags, {}, openStore, out);
    return { code, report: JSON.parse(outputs.join('')) as { events: number; problems: { kind: string; eventId?: string; awsEventId?: number }[] } };
  };

  const before = await verify('--execution', executions[1]!);
  t.is(before.code, 0);
  t.is(before.report.events, (await store.readStream(where.right.stream)).length);

  await sql(`set session_replication_role = replica;
    update stepstream.events set data = '{"timestamp":1,"previousEventId":2}' where event_id = '${edited.id}';
    set session_replication_role = origin;`);

  const one = await verify('--execution', executions[1]!);
  t.is(one.code, 1);
  t.deepEqual(
    one.report.problems.map((p) => [p.kind, p.eventId, p.awsEventId]),
    [['altered', edited.id, 3]],
  );
  const other = await verify('--execution', executions[0]!);
  t.is(other.code, 0, 'another execution is untouched');
  const machine = await verify('--state-machine', executions[0]!.replace(':execution:', ':stateMachine:').replace(/:one$/, ''));
  t.is(machine.code, 1);
  t.deepEqual(
    machine.report.problems.map((p) => p.eventId),
    [edited.id],
  );
  // --full: the tree and the checkpoints too (the data edit left every $hash, so the roots hold).
  const full = await verify('--execution', executions[0]!, '--full');
  t.is(full.code, 0);
  t.true(full.report.events > before.report.events);
  const whole = await verify();
  t.deepEqual(
    whole.report.problems.map((p) => p.eventId),
    [edited.id],
  );
});
