import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// A real S3-compatible server for tests (issue 20): s3rver over a fresh temporary directory. Other
// packages' tests start it too, so this file needs nothing but Node and s3rver.
//
// s3rver runs in a child process started with `--openssl-legacy-provider`: its ListObjectsV2
// continuation tokens are DES-encrypted, which Node 17+ (OpenSSL 3) refuses without that
// provider, so in this process every listing longer than one page would fail with
// InternalError (jamhall/s3rver#818). This same file is the child's program (see the end).

// The AWS SDK v3 warns once per process, on Node 20, that its releases after January 2027 will
// need Node 22 (`NodeVersionSupportWarning`). Tests run on Node 20 on purpose (package.json
// `engines`); the SDK documents this variable as the way to turn exactly that warning off
// (aws/aws-sdk-js-v3#7983). Set on import, before a test can construct a client; a value already
// set is kept.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** A running S3 server and helpers to arrange its contents without an S3 client. */
export interface S3Server {
  /** Its URL, `http://127.0.0.1:<port>`: an `S3Buckets` endpoint (path-style) or a `ServiceEndpoint` `url`. */
  readonly endpoint: string;
  /** The temporary directory it keeps its buckets in (in s3rver's own layout); removed by `stop`. */
  readonly dir: string;
  /** Creates a bucket (an anonymous `PUT /<name>`). */
  createBucket(name: string): Promise<void>;
  /** Writes an object (an anonymous `PUT /<bucket>/<key>`). */
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  /** Stops the server and removes `dir`. */
  stop(): Promise<void>;
}

/** The argument that makes this file, run as a program, serve (`node s3-server.js --serve DIR`). */
const SERVE = '--serve';
const THIS_FILE = fileURLToPath(import.meta.url);

/**
 * Starts s3rver on 127.0.0.1 at a free port, over a fresh temporary directory. It accepts a
 * request signed with any access key — the default credential chain's, the engine's local
 * `stepstream` one — as S3-compatible servers for local use do; s3rver alone accepts only its own.
 *
 * @example
 * ```ts
 * const s3 = await startS3Server();
 * await s3.createBucket('items');
 * await s3.put('items', 'batch/1.json', '[1,2,3]');
 * const buckets = new S3Buckets({ endpoint: s3.endpoint, region: 'us-east-1' });
 * // … and in test.after.always: await s3.stop();
 * ```
 */
export const startS3Server = async (): Promise<S3Server> => {
  const dir = await mkdtemp(join(tmpdir(), 'stepstream-s3-'));
  // stdin is the child's lifeline: it ends when we stop it or when this process dies.
  const child = spawn(process.execPath, ['--openssl-legacy-provider', THIS_FILE, SERVE, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((listening, failed) => {
    createInterface({ input: child.stdout }).once('line', (line) => listening((JSON.parse(line) as { port: number }).port));
    child.once('error', failed);
    void exited.then(() => failed(new Error(`s3rver exited before it listened (exit code ${child.exitCode ?? child.signalCode})`)));
  }).catch(async (e: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    dir,
    createBucket: (name) => send('PUT', `${endpoint}/${encodeURIComponent(name)}`),
    put: (bucket, key, body) => send('PUT', `${endpoint}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`, body),
    stop: async () => {
      child.stdin.end();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/** One request; a rejection with s3rver's answer when it is not a success. */
const send = async (method: string, url: string, body?: string | Uint8Array): Promise<void> => {
  const response = await fetch(url, { method, ...(body !== undefined && { body }) });
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
};

// --- The child: s3rver itself ------------------------------------------------------------------

/** The part of s3rver (CommonJS, untyped) used here: its documented `callback()`, a `(req, res)` handler for `http.createServer`. */
interface S3rver {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type S3rverConstructor = new (options: { readonly silent: boolean; readonly directory: string }) => S3rver;

/** s3rver knows one access key; it does not check Signature V4 signatures, only that the key is its own. */
const S3RVER_ACCESS_KEY = 'S3RVER';

/** The request, its Signature V4 `Authorization` naming s3rver's access key instead of the caller's. */
const signedWithS3rverKey = (req: IncomingMessage): IncomingMessage => {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) req.headers.authorization = authorization.replace(/Credential=[^/,\s]+\//, `Credential=${S3RVER_ACCESS_KEY}/`);
  return req;
};

/** Serves s3rver over `dir`, says `{"port":N}` on stdout once listening, and exits when stdin ends. */
const serve = (dir: string): void => {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const handle = new S3rver({ silent: true, directory: dir }).callback();
  const server = createServer((req, res) => handle(signedWithS3rverKey(req), res));
  // Idle keep-alive connections stay open until the client closes them. With Node's default (the
  // server closes a connection idle for 5 s), a test process whose event loop was busy past its
  // own idle timer could send its next request on a connection the server was closing at that
  // moment: `fetch failed` (seen in CI). A connection the client closes itself is never raced.
  server.keepAliveTimeout = 0;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
  process.stdin.on('end', () => process.exit(0)).resume();
};

if (process.argv[1] === THIS_FILE && process.argv[2] === SERVE && process.argv[3] !== undefined) serve(process.argv[3]);
