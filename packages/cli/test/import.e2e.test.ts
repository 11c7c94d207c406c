import { DescribeExecutionCommand, ListExecutionsCommand, RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import anyTest, { type TestFn } from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { callOperation, freePort, historyOf, run, said, serve, settled, sfnClient, stackLines, stop } from './stepstream-process.js';

// `stepstream import` and `Stepstream.ImportExecution` against a real `stepstream serve`: an
// execution AWS recorded (test/fixtures/aws-import: a Lambda Task whose OutputPath selects nothing,
// so the execution fails with States.Runtime), read back through SDK v3; forked at its failing
// state with a fixed definition, it succeeds while the source stays as imported; the AWS CLI's
// own output of a Stepstream execution imports back; a history Stepstream decides differently is
// refused at that event, and nothing is stored.

interface Context {
  server: ChildProcess;
  port: number;
  dir: string;
  client: SFNClient;
  files: string[];
}
const test = anyTest as TestFn<Context>;
/** The execution the fixtures hold, as imported here: this deployment's region and account, its name there. */
const IMPORTED = 'arn:aws:states:us-east-1:123456789012:execution:CatchRuntime:order-1187';
const fixtures = fileURLToPath(new URL('../../test/fixtures/aws-import/', import.meta.url));
const exec = promisify(execFile);

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-import-'));
  await mkdir(join(dir, 'functions'));
  // The function the recorded definition calls (arn:aws:lambda:eu-west-1:…:function:echo), here.
  await writeFile(join(dir, 'functions', 'echo.mjs'), 'export const handler = async (event) => event;\n');
  const port = await freePort();
  const server = await serve(['--port', String(port), '--data', join(dir, 'data'), '--functions', join(dir, 'functions')]);
  const files = ['history.json', 'state-machine.json', 'execution.json'].map((f) => join(fixtures, f));
  Object.assign(t.context, { server, port, dir, client: sfnClient(port), files });
});

test.after.always(async (t) => {
  if (t.context.server && t.context.server.exitCode === null && t.context.server.signalCode === null) await stop(t.context.server);
  if (t.context.dir) await rm(t.context.dir, { recursive: true, force: true });
});

test.serial('stepstream import stores the recorded execution: SDK v3 reads it as AWS recorded it, under this deployment’s ARNs', async (t) => {
  const { port, client, files } = t.context;
  const cli = await run(['import', ...files, '--port', String(port)]);
  t.is(cli.code, 0, cli.stderr);
  const arn = IMPORTED;
  t.regex(cli.stdout, new RegExp(`^imported ${arn}\\n  6 events in 3 decisions`));
  t.regex(cli.stdout, /state machine arn:aws:states:us-east-1:123456789012:stateMachine:CatchRuntime: created/);
  const described = await client.send(new DescribeExecutionCommand({ executionArn: arn }));
  t.is(described.status, 'FAILED');
  t.is(described.error, 'States.Runtime');
  t.is(described.startDate?.toISOString(), '2026-11-30T09:14:03.512Z');
  const recorded = (JSON.parse(await readFile(files[0]!, 'utf8')) as { events: { id: number; type: string; timestamp: string }[] }).events;
  const history = await historyOf(client, arn);
  t.deepEqual(
    history.map((e) => [e.id, e.type, e.timestamp?.toISOString()]),
    recorded.map((e) => [e.id, e.type, new Date(e.timestamp).toISOString()]),
  );
  t.is(
    history.at(-1)!.executionFailedEventDetails?.cause,
    (recorded.at(-1) as unknown as Record<string, { cause: string }>)['executionFailedEventDetails']!.cause,
  );
  const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:CatchRuntime' }));
  t.deepEqual(
    listed.executions?.map((e) => e.executionArn),
    [arn],
  );
  // It never runs here: a redrive is refused, saying what to do instead.
  const redrive = await t.throwsAsync(client.send(new RedriveExecutionCommand({ executionArn: arn })));
  t.is(redrive?.name, 'ExecutionNotRedrivable');
  t.regex(redrive?.message ?? '', /imported .* fork it/);
  const again = await run(['import', ...files, '--port', String(port)]);
  t.is(again.code, 1);
  t.regex(again.stderr, /ExecutionAlreadyExists/);
  t.deepEqual(stackLines(again.stderr), []);
});

test.serial('inspect shows the imported execution at its failing state; a fork there with a fixed definition succeeds, the source unchanged', async (t) => {
  const { port, client, dir } = t.context;
  const imported = IMPORTED;
  const before = await historyOf(client, imported);
  const inspected = await run(['inspect', imported, '--at', '4', '--json', '--port', String(port)]);
  t.is(inspected.code, 0, inspected.stderr);
  const at4 = JSON.parse(inspected.stdout) as { status: string; activeStates: { state: string }[]; imported?: { executionArn: string } };
  t.is(at4.status, 'RUNNING');
  t.deepEqual(
    at4.activeStates.map((a) => a.state),
    ['RaiseRuntime'],
  );
  t.is(at4.imported?.executionArn, 'arn:aws:states:eu-west-1:210987654321:execution:CatchRuntime:order-1187');
  const definition = JSON.parse((JSON.parse(await readFile(join(fixtures, 'state-machine.json'), 'utf8')) as { definition: string }).definition) as {
    States: Record<string, Record<string, unknown>>;
  };
  delete definition.States['RaiseRuntime']!['OutputPath'];
  await writeFile(join(dir, 'fixed.json'), JSON.stringify(definition));
  const forked = await run(['fork', imported, '--at', '4', '--definition', join(dir, 'fixed.json'), '--name', 'order-1187-fixed', '--port', String(port)]);
  t.is(forked.code, 0, forked.stderr);
  const fixed = await settled(client, forked.stdout.trim());
  t.is(fixed.status, 'SUCCEEDED');
  t.is(fixed.output, '{}');
  const history = await historyOf(client, forked.stdout.trim());
  t.deepEqual(history.slice(0, 4).map(said), before.slice(0, 4).map(said));
  t.deepEqual(
    history.slice(4).map((e) => e.type),
    ['LambdaFunctionSucceeded', 'TaskStateExited', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
  );
  t.deepEqual(await historyOf(client, imported), before);
  const diff = await run(['diff', imported, forked.stdout.trim(), '--json', '--port', String(port)]);
  t.is(diff.code, 1);
  const parted = JSON.parse(diff.stdout) as { common: number; first?: { a?: { id: number; type: string }; b?: { type: string } } };
  t.is(parted.common, 5);
  t.deepEqual([parted.first?.a?.id, parted.first?.a?.type, parted.first?.b?.type], [6, 'ExecutionFailed', 'TaskStateExited']);
});

const awsCli = (() => {
  const r = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || r.stderr.trim() : undefined;
})();
if (awsCli === undefined) console.log('import.e2e: the AWS CLI is not installed (apt-get install awscli): the round trip through it is skipped');
(awsCli === undefined ? test.serial.skip : test.serial)(
  'what the AWS CLI prints for a Stepstream execution imports back, each event as this engine decides it',
  async (t) => {
    const { port, client, dir } = t.context;
    const aws = async (...args: string[]) =>
      (
        await exec('aws', ['--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1', '--output', 'json', 'stepfunctions', ...args], {
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_PAGER: '' },
        })
      ).stdout;
    t.log(awsCli);
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:CatchRuntime:order-1187-fixed';
    await writeFile(join(dir, 'h.json'), await aws('get-execution-history', '--execution-arn', arn));
    await writeFile(join(dir, 'm.json'), await aws('describe-state-machine-for-execution', '--execution-arn', arn));
    await writeFile(join(dir, 'e.json'), await aws('describe-execution', '--execution-arn', arn));
    const cli = await run(['import', join(dir, 'h.json'), join(dir, 'm.json'), join(dir, 'e.json'), '--name', 'round-trip', '--json', '--port', String(port)]);
    t.is(cli.code, 0, cli.stderr);
    const answer = JSON.parse(cli.stdout) as { executionArn: string; events: number; stateMachine: string };
    t.is(answer.events, 9);
    t.is(answer.stateMachine, 'existing');
    t.deepEqual((await historyOf(client, answer.executionArn)).map(said), (await historyOf(client, arn)).map(said));
  },
);

test.serial('a history Stepstream decides differently is refused at that event, and nothing is stored', async (t) => {
  const { port, client, dir, files } = t.context;
  const history = JSON.parse(await readFile(files[0]!, 'utf8')) as { events: Record<string, unknown>[] };
  // The recorded Lambda result, changed: the OutputPath now finds something, so Stepstream goes on where AWS failed.
  history.events[4]!['lambdaFunctionSucceededEventDetails'] = { output: '{"no":{"such":{"result":{"path":1}}}}', outputDetails: { truncated: false } };
  await writeFile(join(dir, 'changed.json'), JSON.stringify(history));
  const cli = await run(['import', join(dir, 'changed.json'), files[1]!, '--name', 'changed', '--port', String(port)]);
  t.is(cli.code, 1);
  t.regex(
    cli.stderr,
    /ValidationException: Stepstream decides differently from the recorded history at its event 6: the recording has .*ExecutionFailed.* where Stepstream writes .*TaskStateExited/,
  );
  t.regex(cli.stderr, /5 events agreed before it; nothing was imported/);
  t.deepEqual(stackLines(cli.stderr), []);
  const missing = await t.throwsAsync(
    client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:CatchRuntime:changed' })),
  );
  t.is(missing?.name, 'ExecutionDoesNotExist');
  // Files that are not what the AWS CLI prints, and a history without its definition.
  await writeFile(join(dir, 'other.json'), '{"hello": 1}');
  const other = await run(['import', join(dir, 'other.json'), '--port', String(port)]);
  t.is(other.code, 1);
  t.regex(other.stderr, /other\.json is none of what import reads/);
  const alone = await run(['import', files[0]!, '--port', String(port)]);
  t.regex(alone.stderr, /no definition among the files: add what `aws stepfunctions describe-state-machine-for-execution/);
  const usage = await run(['import']);
  t.is(usage.code, 2);
  // The operation itself: members checked as AWS checks them.
  const noEvents = await callOperation<unknown>(port, 'ImportExecution', { stateMachine: { definition: '{}' } });
  t.is(noEvents.status, 400);
  t.regex(noEvents.body.message ?? '', /Member must not be null/);
  const notFirst = await callOperation<unknown>(port, 'ImportExecution', {
    events: history.events.slice(1),
    stateMachine: JSON.parse(await readFile(files[1]!, 'utf8')) as Record<string, unknown>,
  });
  t.regex(notFirst.body.message ?? '', /does not begin with ExecutionStarted/);
  const machineDoc = JSON.parse(await readFile(files[1]!, 'utf8')) as Record<string, unknown>;
  const badName = await callOperation<unknown>(port, 'ImportExecution', { events: history.events, stateMachine: machineDoc, name: 'no spaces allowed' });
  t.regex(badName.body.__type ?? '', /InvalidName$/);
  const badDefinition = await callOperation<unknown>(port, 'ImportExecution', {
    events: history.events,
    stateMachine: { ...machineDoc, definition: '{"StartAt":"Nowhere","States":{}}' },
  });
  t.regex(badDefinition.body.__type ?? '', /InvalidDefinition$/);
});

test.serial('afterwards, with the server stopped: replay and verify pass over every history, the imported ones included', async (t) => {
  const { server, dir } = t.context;
  await stop(server);
  const replayed = await run(['replay', '--data', join(dir, 'data')]);
  t.is(replayed.code, 0, replayed.stdout + replayed.stderr);
  t.regex(replayed.stdout, /OK: .*\(3 executions,/);
  const verified = await run(['verify', '--data', join(dir, 'data')]);
  t.is(verified.code, 0, verified.stdout + verified.stderr);
});
