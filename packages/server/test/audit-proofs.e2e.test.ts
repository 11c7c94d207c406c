import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { fromHex, generateSigningKey, HASH_BYTES, verifyCheckpoint, verifyConsistency, type SignedCheckpoint } from '@stepstream/audit';
import anyTest, { type TestFn } from 'ava';
import { finished, ROLE, startStack, type Stack } from './harness.js';

// The Stepstream.* operations over HTTP, called as an SDK would (POST /, AWS JSON 1.0, X-Amz-Target):
// a proof bundle fetched from a running server verifies in a fresh process that has nothing but the
// bundle and the public key, and no one-character change of it does; checkpoints and consistency
// proofs; errors in AWS's shape.

const test = anyTest as TestFn<{ stack: Stack; keyless: Stack }>;
const key = generateSigningKey();
/** The server package: the fresh process resolves `@stepstream/*` from here, as any script in the repository would. */
const packageDir = fileURLToPath(new URL('../../', import.meta.url));

test.before(async (t) => {
  t.context.stack = await startStack({ audit: { privateKeyPem: key.privateKeyPem } });
  t.context.keyless = await startStack();
});
test.after.always(async (t) => {
  await t.context.stack?.close();
  await t.context.keyless?.close();
});

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** A raw JSON 1.0 call, as the SDK makes one. */
const call = async (stack: Stack, target: string, body: unknown): Promise<Answer> => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown> };
};

const MACHINE = {
  StartAt: 'Shape',
  States: {
    Shape: { Type: 'Pass', Parameters: { 'order.$': '$.order', note: 'café ☕ \u0000 "quoted"' }, Next: 'Route' },
    Route: { Type: 'Choice', Choices: [{ Variable: '$.order', NumericGreaterThan: 10, Next: 'Big' }], Default: 'Small' },
    Big: { Type: 'Pass', Result: 'big', ResultPath: '$.size', Next: 'Done' },
    Small: { Type: 'Pass', Result: 'small', ResultPath: '$.size', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

const runExecution = async (stack: Stack, stateMachineArn: string, order: number) => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ order }) }));
  await finished(stack, executionArn!);
  return executionArn!;
};

/** The whole history through GetExecutionHistory over HTTP, in pages of 3 (as clients page it). */
const wholeHistory = async (stack: Stack, executionArn: string): Promise<unknown[]> => {
  const events: unknown[] = [];
  let nextToken: string | undefined;
  do {
    const page = await call(stack, 'AWSStepFunctions.GetExecutionHistory', { executionArn, maxResults: 3, ...(nextToken ? { nextToken } : {}) });
    events.push(...(page.body['events'] as unknown[]));
    nextToken = page.body['nextToken'] as string | undefined;
  } while (nextToken);
  return events;
};

/**
 * What runs in the fresh process: the bundle and the key from files, `verifyBundle` with the
 * domain's history conversion and stream naming (pure code, no store, no network). It checks the
 * bundle as saved, then the bundle with each ASCII character in turn replaced by another one
 * (a digit by the next digit, a letter by the next letter, a space by `_`, anything else by a
 * space), and prints
 * the outcome as JSON.
 */
const VERIFIER = `
import { readFileSync } from 'node:fs';
import { verifyBundle } from '@stepstream/audit';
import { executionHistory, executionStream, isArnProblem, parseArn } from '@stepstream/domain';
const [bundlePath, keyPath] = process.argv.slice(1);
const text = readFileSync(bundlePath, 'utf8');
const publicKeyPem = readFileSync(keyPath, 'utf8');
const streamNameOf = (arn) => {
  const p = parseArn(arn, ['execution']);
  return isArnProblem(p) || p.parts.length !== 2 ? '' : executionStream(p.account, p.region, p.parts[0], p.parts[1]);
};
const check = (t) => {
  let parsed;
  try { parsed = JSON.parse(t); } catch { return { parsed: false, ok: false, kinds: ['unparseable'] }; }
  const result = verifyBundle(parsed, publicKeyPem, { toHistory: executionHistory, streamNameOf });
  return { parsed: true, ok: result.ok, kinds: [...new Set(result.problems.map((p) => p.kind))] };
};
const other = (c) => /[0-8]/.test(c) ? String(Number(c) + 1) : c === '9' ? '0' : /[a-yA-Y]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 1) : /[zZ]/.test(c) ? 'a' : c === ' ' ? '_' : ' ';
const original = check(text);
const accepted = [];
const kinds = {};
let mutations = 0, parseable = 0;
for (let i = 0; i < text.length; i++) {
  if (text.charCodeAt(i) > 127) continue;
  const changed = text.slice(0, i) + other(text[i]) + text.slice(i + 1);
  const outcome = check(changed);
  mutations++;
  if (outcome.parsed) parseable++;
  if (outcome.ok) accepted.push(i);
  for (const k of outcome.kinds) kinds[k] = (kinds[k] ?? 0) + 1;
}
process.stdout.write(JSON.stringify({ original, mutations, parseable, accepted, kinds }));
`;

test.serial('a bundle fetched over HTTP verifies in a fresh process with only the public key; every one-character change is rejected', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({ name: 'audited', definition: JSON.stringify(MACHINE), roleArn: ROLE, type: 'STANDARD' }),
  );
  const small = await runExecution(stack, stateMachineArn!, 3);
  const big = await runExecution(stack, stateMachineArn!, 42);

  const checkpoint = await call(stack, 'Stepstream.GetCheckpoint', {});
  t.is(checkpoint.status, 200);
  t.is(checkpoint.body['publicKeyPem'], key.publicKeyPem);

  const answer = await call(stack, 'Stepstream.GetProofBundle', { executionArn: big });
  t.is(answer.status, 200, answer.text);
  const bundle = answer.body;
  t.is(bundle['format'], 'stepstream-proof-bundle-v1');
  t.is(bundle['executionArn'], big);
  // The history is exactly what GetExecutionHistory answers, all pages of it.
  t.deepEqual(bundle['history'], await wholeHistory(stack, big));
  t.true((bundle['history'] as unknown[]).length >= 8);

  const dir = await mkdtemp(join(tmpdir(), 'stepstream-bundle-'));
  try {
    await writeFile(join(dir, 'bundle.json'), answer.text);
    await writeFile(join(dir, 'key.pub.pem'), key.publicKeyPem);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', VERIFIER, join(dir, 'bundle.json'), join(dir, 'key.pub.pem')],
      { cwd: packageDir, maxBuffer: 16 * 1024 * 1024 },
    );
    const outcome = JSON.parse(stdout) as {
      original: { ok: boolean; kinds: string[] };
      mutations: number;
      parseable: number;
      accepted: number[];
      kinds: Record<string, number>;
    };
    t.deepEqual(outcome.original, { parsed: true, ok: true, kinds: [] }, 'the bundle as served verifies');
    t.log(`${outcome.mutations} one-character changes (${outcome.parseable} still JSON), rejected as ${JSON.stringify(outcome.kinds)}`);
    t.true(outcome.mutations > 2000 && outcome.parseable > 1000, `${outcome.mutations} changes, ${outcome.parseable} still JSON`);
    t.deepEqual(
      outcome.accepted.map((i) => JSON.stringify([answer.text.slice(Math.max(0, i - 12), i), answer.text[i], answer.text.slice(i + 1, i + 6)])),
      [],
      'no changed character goes unnoticed',
    );
    // Each part of the proof caught some: the chain, the history, the inclusion proof, the signature.
    for (const kind of ['altered', 'history', 'inclusion', 'checkpoint', 'malformed'])
      t.true((outcome.kinds[kind] ?? 0) > 0, `${kind}: ${JSON.stringify(outcome.kinds)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // The other execution's bundle is proven by the same or a newer checkpoint.
  const other = await call(stack, 'Stepstream.GetProofBundle', { executionArn: small });
  t.is(other.status, 200);
  t.true(verifyCheckpoint(other.body['checkpoint'], key.publicKeyPem).ok);
});

test.serial('two checkpoints and a consistency proof over HTTP: the log only grew', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({ name: 'grows', definition: JSON.stringify(MACHINE), roleArn: ROLE, type: 'STANDARD' }),
  );
  const first = await call(stack, 'Stepstream.GetProofBundle', { executionArn: await runExecution(stack, stateMachineArn!, 1) });
  const old = first.body['checkpoint'] as SignedCheckpoint;
  for (let i = 0; i < 3; i++) await runExecution(stack, stateMachineArn!, 20 + i);
  const later = await call(stack, 'Stepstream.GetProofBundle', { executionArn: await runExecution(stack, stateMachineArn!, 99) });
  const now = later.body['checkpoint'] as SignedCheckpoint;
  t.true(now.treeSize > old.treeSize);
  const latest = await call(stack, 'Stepstream.GetCheckpoint', {});
  t.true((latest.body['checkpoint'] as SignedCheckpoint).treeSize >= now.treeSize, 'GetCheckpoint answers the newest');

  const answer = await call(stack, 'Stepstream.GetConsistencyProof', { firstSize: old.treeSize, secondSize: now.treeSize });
  t.is(answer.status, 200, answer.text);
  t.is(answer.body['firstRootHash'], old.rootHash);
  t.is(answer.body['secondRootHash'], now.rootHash);
  const proof = (answer.body['proof'] as string[]).map((h) => fromHex(h, HASH_BYTES));
  t.true(verifyConsistency(old.treeSize, now.treeSize, fromHex(old.rootHash, HASH_BYTES), fromHex(now.rootHash, HASH_BYTES), proof));
  // Against a root the old checkpoint did not sign, it fails.
  const forged = old.rootHash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  t.false(verifyConsistency(old.treeSize, now.treeSize, fromHex(forged, HASH_BYTES), fromHex(now.rootHash, HASH_BYTES), proof));
});

test.serial('errors in AWS shape: validation, unknown execution, unknown Stepstream operation', async (t) => {
  const { stack } = t.context;
  const expectError = async (target: string, body: unknown, type: string, message?: RegExp) => {
    const answer = await call(stack, target, body);
    t.is(answer.status, 400, `${target} ${JSON.stringify(body)}`);
    t.is(answer.body['__type'], type, answer.text);
    t.is(typeof answer.body['message'], 'string');
    if (message) t.regex(answer.body['message'] as string, message);
  };
  await expectError(
    'Stepstream.GetProofBundle',
    {},
    'ValidationException',
    /Value null at 'executionArn' failed to satisfy constraint: Member must not be null/,
  );
  await expectError('Stepstream.GetProofBundle', { executionArn: 42 }, 'SerializationException');
  await expectError('Stepstream.GetProofBundle', { executionArn: 'x'.repeat(257) }, 'ValidationException', /length less than or equal to 256/);
  await expectError('Stepstream.GetProofBundle', { executionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:audited' }, 'InvalidArn');
  await expectError('Stepstream.GetProofBundle', { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:audited:nope' }, 'ExecutionDoesNotExist');
  await expectError('Stepstream.GetConsistencyProof', { firstSize: 1 }, 'ValidationException', /'secondSize'/);
  await expectError('Stepstream.GetConsistencyProof', { firstSize: 'one', secondSize: 2 }, 'SerializationException');
  await expectError('Stepstream.GetConsistencyProof', { firstSize: 1.5, secondSize: 2 }, 'SerializationException');
  await expectError('Stepstream.GetConsistencyProof', { firstSize: -1, secondSize: 2 }, 'ValidationException');
  await expectError('Stepstream.GetConsistencyProof', { firstSize: 3, secondSize: 2 }, 'ValidationException', /firstSize <= secondSize/);
  await expectError('Stepstream.GetConsistencyProof', { firstSize: 1, secondSize: 1e12 }, 'ValidationException', /the audit tree's size/);
  await expectError('Stepstream.LaunchRockets', {}, 'UnknownOperationException');
  await expectError('AWSStepFunctions.GetProofBundle', {}, 'UnknownOperationException');
});

test.serial('a server without an audit key: GetCheckpoint has no key and no checkpoint; a bundle cannot be made', async (t) => {
  const { keyless } = t.context;
  const checkpoint = await call(keyless, 'Stepstream.GetCheckpoint', {});
  t.deepEqual(checkpoint.body, {});
  const { stateMachineArn } = await keyless.client.send(
    new CreateStateMachineCommand({ name: 'keyless', definition: JSON.stringify(MACHINE), roleArn: ROLE, type: 'STANDARD' }),
  );
  const executionArn = await runExecution(keyless, stateMachineArn!, 5);
  const bundle = await call(keyless, 'Stepstream.GetProofBundle', { executionArn });
  t.is(bundle.status, 400);
  t.is(bundle.body['__type'], 'ResourceNotFound');
  t.regex(bundle.body['message'] as string, /no audit key/);
  const proof = await call(keyless, 'Stepstream.GetConsistencyProof', { firstSize: 1, secondSize: 2 });
  t.is(proof.status, 200, 'the tree is kept without a key');
});
