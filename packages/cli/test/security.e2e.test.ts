import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import anyTest, { type TestFn } from 'ava';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, serve, stop } from './stepstream-process.js';

// `stepstream serve --auth sigv4 --credentials FILE --tls-cert … --tls-key …` as an operator
// starts it (docs/security.md): HTTPS with the certificate given, every request verified against
// the keys of the file, AWS's quotas on; what it refuses to start with, and why.

const KEY = { accessKeyId: 'AKIASTEPSTREAMCLI001', secretAccessKey: 'cli-secret-0123456789abcdef' };
const OPENSSL = '/usr/bin/openssl';

interface Context {
  dir: string;
  server?: ChildProcess;
  port: number;
  cert: string;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-security-'));
  await writeFile(join(dir, 'credentials.json'), JSON.stringify({ keys: [KEY] }));
  t.context = { dir, port: 0, cert: '' };
  if (!existsSync(OPENSSL)) return;
  // A self-signed certificate for 127.0.0.1, made for this run.
  execFileSync(
    OPENSSL,
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const server = await serve([
    '--port',
    String(port),
    '--data',
    join(dir, 'data'),
    '--auth',
    'sigv4',
    '--credentials',
    join(dir, 'credentials.json'),
    '--tls-cert',
    join(dir, 'cert.pem'),
    '--tls-key',
    join(dir, 'key.pem'),
  ]);
  t.context = { dir, server, port, cert: await readFile(join(dir, 'cert.pem'), 'utf8') };
});

test.after.always(async (t) => {
  if (t.context.server) await stop(t.context.server);
  await rm(t.context.dir, { recursive: true, force: true });
});

const tlsTest = existsSync(OPENSSL) ? test : test.skip;
if (!existsSync(OPENSSL)) console.log(`SKIP TLS test: ${OPENSSL} is not installed (Debian package openssl)`);

tlsTest('over HTTPS with the certificate given, a signed request is served and an unsigned one refused', async (t) => {
  const { port, cert } = t.context;
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new SFNClient({
      endpoint: `https://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: cert }) }),
    });
  t.true(Array.isArray((await client(KEY).send(new ListStateMachinesCommand({}))).stateMachines));
  const refused = await t.throwsAsync(
    client({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'not-the-secret-0123456789' }).send(new ListStateMachinesCommand({})),
  );
  t.is(refused?.name, 'InvalidSignatureException');
  const unsigned = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        ca: cert,
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListStateMachines' },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
  t.is(unsigned.status, 400);
  t.is((JSON.parse(unsigned.body) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  // Plain HTTP on the TLS port is not served.
  const plain = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' }).catch((e: Error) => e);
  t.true(plain instanceof Error || plain.status >= 400);
});

test('the server refuses to start without what --auth sigv4 needs, or with a bad limits file, and says what to fix', async (t) => {
  const { dir } = t.context;
  const noCredentials = await run(['serve', '--data', join(dir, 'other'), '--auth', 'sigv4']);
  t.is(noCredentials.code, 2);
  t.regex(noCredentials.stderr, /--auth sigv4 needs --credentials FILE/);
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ keys: [{ accessKeyId: 'short', secretAccessKey: 'x' }] }));
  const bad = await run(['serve', '--data', join(dir, 'other'), '--auth', 'sigv4', '--credentials', join(dir, 'bad.json')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /keys\[0\]\.accessKeyId must be 16 to 128 letters and digits/);
  await writeFile(join(dir, 'limits.json'), JSON.stringify({ StartExecution: { bucket: 0 } }));
  const badLimits = await run(['serve', '--data', join(dir, 'other'), '--limits', join(dir, 'limits.json')]);
  t.is(badLimits.code, 1);
  t.regex(badLimits.stderr, /StartExecution needs \{"bucket": a number of requests, at least 1, "refillPerSecond": a positive number\}/);
  const halfTls = await run(['serve', '--data', join(dir, 'other'), '--tls-cert', join(dir, 'cert.pem')]);
  t.is(halfTls.code, 2);
  t.regex(halfTls.stderr, /--tls-cert and --tls-key go together/);
});
