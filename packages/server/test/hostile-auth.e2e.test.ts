import { SignatureV4 } from '@smithy/signature-v4';
import anyTest, { type TestFn } from 'ava';
import { NodeSha256 } from '../src/auth/sigv4.js';
import type { AccessKey } from '../src/index.js';
import type { Fixtures, HostileRequest } from './hostile-arbitraries.js';
import { createFixtures, newStats, normalExecutionWorks, runRequests, startHostileStack, summarize, type HostileStack } from './hostile-fuzz.js';
import { ALL_SHAPES } from './hostile-shapes.js';

// The hostile-input suite (hostile-input.e2e) with Signature Version 4 on (docs/security.md):
// the same malformed, oversized and unicode-edge requests to every operation, most of them signed
// with the right key (so they reach the operations), the others unsigned, signed with a wrong
// secret or with a mangled Authorization header. No crash, no 5xx, only AWS-shaped errors within
// 1 s; afterwards a normal execution still runs. The seed is printed; HOSTILE_SEED replays it.

const test = anyTest as TestFn<{ stack: HostileStack; fixtures: Fixtures }>;
const seed = process.env['HOSTILE_SEED'] !== undefined ? Number(process.env['HOSTILE_SEED']) : Date.now() % 2 ** 31;
// The suite's own client signs with accessKeyId 'test', secret 'test'.
const KEYS: ReadonlyMap<string, AccessKey> = new Map([['test', { accessKeyId: 'test', secretAccessKey: 'test', account: '123456789012', readOnly: false }]]);

test.before(async (t) => {
  t.context.stack = await startHostileStack(undefined, {}, { guard: { keys: KEYS, region: 'us-east-1', account: '123456789012' } });
  t.context.fixtures = await createFixtures(t.context.stack.client);
  console.log(`hostile-auth: seed ${seed} (HOSTILE_SEED=${seed} to replay)`);
});
test.after.always(async (t) => t.context.stack?.close());

const signer = (secretAccessKey: string) =>
  new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey }, region: 'us-east-1', service: 'states', sha256: NodeSha256 });
const right = signer('test');
const wrong = signer('not-the-secret');

/** The request signed as an SDK signs it (over its own headers and body), or spoiled one of four ways. */
const prepare =
  (url: string) =>
  async (req: HostileRequest, index: number): Promise<HostileRequest> => {
    const u = new URL(url);
    const kind = index % 10;
    if (kind === 0) return req;
    if (kind === 1)
      return {
        ...req,
        headers: {
          ...req.headers,
          Authorization: [
            'AWS4-HMAC-SHA256',
            'AWS4-HMAC-SHA256 Credential=',
            'Bearer x',
            'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz',
          ][index % 4]!,
        },
      };
    const headers: Record<string, string> = { host: u.host };
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    let signed;
    try {
      signed = await (kind === 2 ? wrong : right).sign({
        method: req.method,
        protocol: 'http:',
        hostname: u.hostname,
        port: Number(u.port),
        path: '/',
        query: {},
        headers,
        body: req.body,
      });
    } catch {
      return req; // a body or header the signer cannot take goes unsigned
    }
    const { host: _host, ...sent } = signed.headers as Record<string, string>;
    return { ...req, headers: sent };
  };

test.serial('hostile requests, signed and not, to every operation: no 5xx, AWS-shaped errors, each answered within 1 s', async (t) => {
  const { stack, fixtures } = t.context;
  const stats = newStats();
  const runs = await runRequests({ url: stack.api.url, fixtures, stats, seed, numRuns: 4_000, timeLimitMs: 25_000, prepare: prepare(stack.api.url) });
  t.log(`seed ${seed}, ${runs} runs\n${summarize(stats)}`);
  for (const op of ALL_SHAPES) t.true((stats.perOperation.get(op.name) ?? 0) > 0, `${op.name} was never fuzzed`);
  t.is(stats.failures.size, 0, `distinct failures (seed ${seed}):\n${summarize(stats)}`);
  // Both sides were reached: the guard refused (every way), and signed requests got to the operations.
  for (const type of ['MissingAuthenticationTokenException', 'InvalidSignatureException', 'IncompleteSignatureException', '(200)']) {
    t.true((stats.errorTypes.get(type) ?? 0) > 0, `no ${type} answer`);
  }
  t.true(
    [...stats.errorTypes.keys()].some((k) => k === 'ValidationException' || k === 'SerializationException'),
    'signed requests reached validation',
  );
});

test.serial('afterwards a normal execution starts, succeeds and is listed and described; nothing logged an error', async (t) => {
  const { stack } = t.context;
  t.deepEqual(await normalExecutionWorks(stack.client), []);
  t.deepEqual(stack.logged, []);
});
