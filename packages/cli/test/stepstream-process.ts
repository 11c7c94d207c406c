import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The compiled CLI. */
export const mainJs = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** The committed bin shim that `npm install` links as `stepstream`. */
export const binShim = fileURLToPath(new URL('../../bin/stepstream.mjs', import.meta.url));

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/**
 * The test's environment without the variables the CLI reads, so a `DATABASE_URL` set for the
 * Postgres tests does not move an embedded-store test onto Postgres.
 */
export const cliEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const name of [
    'PORT',
    'HOST',
    'STEPSTREAM_DATA',
    'DATABASE_URL',
    'EVENTSTORE_URL',
    'LOG_LEVEL',
    'STEPSTREAM_FUNCTIONS',
    'STEPSTREAM_LAMBDA_ENDPOINT',
    'STEPSTREAM_AWS_ENDPOINTS',
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
};

/** Starts `stepstream serve` with `args` and resolves once it says it is listening. */
export const serve = (args: readonly string[]) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: cliEnv() });
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('listening on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`stepstream serve exited with ${code}:\n${log}`)));
  });

export const exited = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

/** Stops a server the way an operator does (SIGTERM) and waits until it has exited. */
export const stop = async (child: ChildProcess) => {
  const done = exited(child);
  child.kill('SIGTERM');
  await done;
};

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (`node <script> ...args`, the CLI by default) and collects what it printed. */
export const run = (args: readonly string[], options: { readonly script?: string; readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}) =>
  new Promise<Finished>((resolve) => {
    const child = spawn(process.execPath, [options.script ?? mainJs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env: options.env ?? cliEnv(),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A command that should have exited but serves instead (the bug this guards against) fails
    // the test with code null rather than hanging it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });

export const sfnClient = (port: number) =>
  new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 1,
  });

/** The lines a process printed that are a JavaScript stack frame: an expected problem prints none. */
export const stackLines = (text: string) => text.split('\n').filter((l) => /^\s+at /.test(l));

/** One of Stepstream's own operations (`X-Amz-Target: Stepstream.<operation>`) on the server at `port`: the status and the parsed body. */
export const callOperation = async <Answer>(port: number, operation: string, body: Record<string, unknown>) => {
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `Stepstream.${operation}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer & { __type?: string; message?: string } };
};

/** An execution's whole history (up to 1,000 events), through SDK v3. */
export const historyOf = async (client: SFNClient, executionArn: string) =>
  (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

/** DescribeExecution once the execution no longer runs (10 s at most). */
export const settled = async (client: SFNClient, executionArn: string) => {
  for (let i = 0; i < 500; i++) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${executionArn} still runs`);
};

/** What a history event says, without its timestamp. */
export const said = ({ timestamp: _timestamp, ...rest }: HistoryEvent) => rest;
