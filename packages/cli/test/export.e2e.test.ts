import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateSigningKey, verifyBundle } from '@stepstream/audit';
import { executionHistory } from '@stepstream/domain';
import { locateExecution, type Engine } from '@stepstream/runtime';
import type { RunningServer } from '@stepstream/server';
import anyTest, { type TestFn } from 'ava';
import { exportProofBundle, ExportFailed } from '../src/export.js';
import { auditedServer } from './audited-server.js';

// `history export --proof`'s function: the bundle from a running server (the answer's bytes) or
// from an engine in this process, written whole; it verifies offline with the public key.

interface Context {
  engine: Engine;
  api: RunningServer;
  executionArn: string;
  dir: string;
  close(): Promise<void>;
}
const test = anyTest as TestFn<Context>;
const key = generateSigningKey();
const streamNameOf = (arn: string) => {
  const located = locateExecution(arn);
  return located._tag === 'Right' ? located.right.stream : '';
};

test.before(async (t) => {
  const server = await auditedServer({ privateKeyPem: key.privateKeyPem }, 'stepstream-export-');
  const { engine, api, dir } = server;
  const created = await engine.resources.createStateMachine({
    name: 'exported',
    definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Result: { ok: true }, End: true } } }),
    roleArn: 'arn:aws:iam::123456789012:role/r',
    type: 'STANDARD',
    loggingConfiguration: {},
    tracingConfiguration: {},
  });
  if (created._tag === 'Left') throw new Error(created.left.message);
  const started = await engine.executions.startExecution({ stateMachineArn: created.right.stateMachineArn, input: '{"n":1}' });
  if (started._tag === 'Left') throw new Error(started.left.message);
  const stream = streamNameOf(started.right.executionArn);
  for (let i = 0; i < 200 && (await engine.executions.loadExecutionState(stream)).status === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 25));
  Object.assign(t.context, {
    engine,
    api,
    executionArn: started.right.executionArn,
    dir,
    close: () => server.close(),
  });
});
test.after.always(async (t) => t.context.close?.());

const verifies = async (file: string) =>
  verifyBundle(JSON.parse(await readFile(file, 'utf8')), key.publicKeyPem, { toHistory: executionHistory, streamNameOf });

test('from a running server: the file is the answer, and it verifies offline', async (t) => {
  const { api, executionArn, dir } = t.context;
  const out = join(dir, 'server.bundle.json');
  const written = await exportProofBundle({ executionArn, out, source: { endpoint: api.url } });
  t.is(written.out, out);
  t.true(written.events >= 4, `${written.events} events`);
  t.is(written.bytes, (await readFile(out)).length);
  t.deepEqual((await verifies(out)).problems, []);
  const served = await fetch(`${api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'Stepstream.GetProofBundle' },
    body: JSON.stringify({ executionArn }),
  });
  t.is(await readFile(out, 'utf8'), await served.text(), 'byte for byte');
});

test('from an engine in this process: the same proof', async (t) => {
  const { engine, executionArn, dir } = t.context;
  const out = join(dir, 'engine.bundle.json');
  const written = await exportProofBundle({ executionArn, out, source: { audit: engine.audit } });
  t.true((await verifies(out)).ok);
  t.true(written.checkpoint.treeSize > 0);
});

test('errors: the server says why (AWS type and message); no file is left; no server is Unreachable', async (t) => {
  const { api, engine, executionArn, dir } = t.context;
  const out = join(dir, 'missing.bundle.json');
  const missing = `${executionArn}-nope`;
  const viaServer = await t.throwsAsync(exportProofBundle({ executionArn: missing, out, source: { endpoint: api.url } }), { instanceOf: ExportFailed });
  t.is(viaServer.type, 'ExecutionDoesNotExist');
  t.regex(viaServer.message, /Execution Does Not Exist/);
  const viaEngine = await t.throwsAsync(exportProofBundle({ executionArn: 'not an arn', out, source: { audit: engine.audit } }), { instanceOf: ExportFailed });
  t.is(viaEngine.type, 'InvalidArn');
  await t.throwsAsync(readFile(out));
  const closed = await t.throwsAsync(exportProofBundle({ executionArn, out, source: { endpoint: 'http://127.0.0.1:9' } }), { instanceOf: ExportFailed });
  t.is(closed.type, 'Unreachable');
});
