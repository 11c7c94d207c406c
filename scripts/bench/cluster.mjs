#!/usr/bin/env node
/**
 * Cluster throughput: `npm run build && node scripts/bench/cluster.mjs [--executions N] [--nodes 1,2,3] [--quick]`.
 *
 * Executions per second of a small STANDARD machine (Wait 0 s → a Lambda task → Pass) on 1, 2 and
 * 3 `stepstream serve` processes sharing one Postgres database (a database of its own per cell,
 * created and dropped here, on the server of DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test). The Lambda function is
 * packages/cli/test/fixtures/cluster/log-invocation.mjs (no log file here: it only answers).
 *
 * Per cell: N executions (default 2,000; --quick 300) are started through the nodes in turn, 32
 * calls in flight, with the SDK v3 client; the clock runs from the first start until ListExecutions
 * shows none RUNNING (polled every 250 ms). Reported: the start rate (starts answered per second),
 * the completion rate (executions ended per second, start to last end), how many succeeded, and
 * how many were still RUNNING when nothing had ended for 60 s (the bench then moves on). All
 * processes share this machine's cores: more nodes can be slower here; the table says what it says.
 * Progress goes to stderr, a Markdown table to stdout, JSON to bench-results/cluster-<ISO date>.json.
 * Nothing here is asserted: the correctness of several nodes is packages/cli/test/cluster.e2e.test.ts.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { admin, databaseUrl, finishRun, log, machineEnvironment, parseFlags, redactedUrl, repoRoot, round, runMain } from './common.mjs';

const usage = 'usage: node scripts/bench/cluster.mjs [--executions N] [--nodes 1,2,3] [--quick]';
const flags = parseFlags({ executions: { type: 'string' }, nodes: { type: 'string' }, quick: { type: 'boolean' } }, usage);
const executions = flags.executions !== undefined ? Number(flags.executions) : flags.quick ? 300 : 2000;
const nodeCounts = (flags.nodes ?? '1,2,3').split(',').map(Number);
if (!Number.isInteger(executions) || executions < 1 || nodeCounts.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(`--executions and --nodes take positive whole numbers\n${usage}`);
  process.exit(2);
}

const mainJs = join(repoRoot, 'packages/cli/dist/src/main.js');
const functionsDir = join(repoRoot, 'packages/cli/test/fixtures/cluster');
const IN_FLIGHT = 32;
const definition = {
  StartAt: 'Nap',
  States: {
    Nap: { Type: 'Wait', Seconds: 0, Next: 'Invoke' },
    Invoke: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'log-invocation',
        Payload: { 'execution.$': '$$.Execution.Id', 'state.$': '$$.State.Name', 'retry.$': '$$.State.RetryCount' },
      },
      ResultPath: null,
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** The environment without the variables the CLI reads (the flags below say everything). */
const cleanEnv = () => {
  const env = { ...process.env };
  for (const name of ['PORT', 'HOST', 'STEPSTREAM_DATA', 'DATABASE_URL', 'EVENTSTORE_URL', 'LOG_LEVEL', 'STEPSTREAM_FUNCTIONS', 'STEPSTREAM_LAMBDA_ENDPOINT'])
    delete env[name];
  delete env.CLUSTER_INVOCATION_LOG;
  return env;
};

const running = new Set();
let nodeFlag;

/** `stepstream serve` on `url`, resolved once it listens. */
const serve = async (url, port, name, auditKey) => {
  if (nodeFlag === undefined) {
    const help = await new Promise((resolve) => {
      const child = spawn(process.execPath, [mainJs, 'help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c) => (text += c));
      child.stderr.on('data', (c) => (text += c));
      child.on('close', () => resolve(text));
    });
    nodeFlag = /--node\b/.test(help);
  }
  const args = ['serve', '--database-url', url, '--port', String(port), '--functions', functionsDir, '--audit-key', auditKey];
  if (nodeFlag) args.push('--node', name);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
    running.add(child);
    let text = '';
    let listening = false;
    child.stdout.on('data', () => {});
    child.stderr.on('data', (chunk) => {
      if (listening) return;
      text += chunk;
      if (text.includes('listening on')) {
        listening = true;
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      running.delete(child);
      if (!listening) reject(new Error(`stepstream serve exited with ${code}:\n${text}`));
    });
  });
};

const stopAll = async () => {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
};

const clientFor = (port) =>
  new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 3,
    requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 64 }) },
  });

let currentDatabase;

const dropDatabase = async () => {
  if (currentDatabase === undefined) return;
  const name = currentDatabase;
  currentDatabase = undefined;
  await admin((c) => c.query(`drop database if exists ${name} with (force)`));
};

const cell = async (nodes, dir, auditKey) => {
  const name = `stepstream_bench_cluster_${process.pid}_${nodes}`;
  await admin((c) => c.query(`create database ${name}`));
  currentDatabase = name;
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const ports = [];
  for (let i = 0; i < nodes; i++) ports.push(await freePort());
  // The first node alone (it creates the schemas), then the others.
  await serve(url.toString(), ports[0], 'bench-node-1', auditKey);
  await Promise.all(ports.slice(1).map((port, i) => serve(url.toString(), port, `bench-node-${i + 2}`, auditKey)));
  const clients = ports.map(clientFor);
  try {
    const { stateMachineArn } = await clients[0].send(
      new CreateStateMachineCommand({ name: 'bench', roleArn: 'arn:aws:iam::123456789012:role/r', definition: JSON.stringify(definition) }),
    );
    // Every node reads the machine once before the clock starts.
    await Promise.all(clients.map((c, i) => c.send(new StartExecutionCommand({ stateMachineArn, name: `warm-${i}`, input: '{}' }))));
    const countEnded = async () => {
      let ended = 0;
      let succeeded = 0;
      const running = [];
      let nextToken;
      do {
        const page = await clients[0].send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
        for (const e of page.executions ?? []) {
          if (e.name.startsWith('warm-')) continue;
          if (e.status !== 'RUNNING') ended++;
          else running.push(e.executionArn);
          if (e.status === 'SUCCEEDED') succeeded++;
        }
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return { ended, succeeded, running };
    };
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < executions) {
          const i = next++;
          await clients[i % clients.length].send(new StartExecutionCommand({ stateMachineArn, name: `run-${i}`, input: JSON.stringify({ i }) }));
        }
      }),
    );
    const startedMs = performance.now() - t0;
    log(`  ${nodes} node(s): ${executions} started in ${round(startedMs / 1000, 1)} s`);
    let counts = await countEnded();
    let lastLog = performance.now();
    // Gives up once nothing has ended for 60 s: the executions still running are reported (stuck).
    let lastProgress = performance.now();
    let doneMs = performance.now() - t0;
    while (counts.ended < executions && performance.now() - lastProgress < 60_000) {
      await sleep(250);
      const before = counts.ended;
      counts = await countEnded();
      if (counts.ended > before) {
        lastProgress = performance.now();
        doneMs = lastProgress - t0;
      }
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`  ${nodes} node(s): ${counts.ended}/${executions} ended`);
      }
    }
    if (counts.ended === executions) doneMs = performance.now() - t0;
    else {
      log(`  ${nodes} node(s): ${executions - counts.ended} executions still RUNNING after 60 s without progress, e.g.:`);
      for (const executionArn of counts.running.slice(0, 3)) {
        const { events } = await clients[0].send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
        log(`    ${executionArn}: ${events.map((e) => e.type).join(', ')}`);
      }
    }
    log(`  ${nodes} node(s): ${counts.ended}/${executions} ended in ${round(doneMs / 1000, 1)} s`);
    return {
      nodes,
      executions,
      startSeconds: round(startedMs / 1000, 2),
      startsPerSecond: round(executions / (startedMs / 1000), 1),
      seconds: round(doneMs / 1000, 2),
      executionsPerSecond: round(counts.ended / (doneMs / 1000), 1),
      ended: counts.ended,
      stuck: executions - counts.ended,
      succeeded: counts.succeeded,
    };
  } finally {
    for (const c of clients) c.destroy();
    await stopAll();
    await dropDatabase();
  }
};

const markdown = (r) =>
  [
    `Cluster throughput: ${r.executions} executions of Wait 0 → lambda:invoke → Pass per cell, ${IN_FLIGHT} starts in flight, Postgres at ${r.database}`,
    `(${r.environment.cpus} × ${r.environment.cpuModel}; every node, Postgres and the client share these cores)`,
    '',
    '| nodes | starts/s | executions/s (start to last end) | seconds | succeeded | still running |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.cells.map((c) => `| ${c.nodes} | ${c.startsPerSecond} | ${c.executionsPerSecond} | ${c.seconds} | ${c.succeeded}/${c.executions} | ${c.stuck} |`),
  ].join('\n');

let dir;

const main = async () => {
  const startedAt = new Date();
  dir = await mkdtemp(join(tmpdir(), 'stepstream-bench-cluster-'));
  const auditKey = join(dir, 'audit-key.pem');
  await writeFile(auditKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  log(`cluster throughput, ${executions} executions per cell, nodes ${nodeCounts.join(', ')}, Postgres at ${redactedUrl}`);
  const results = { startedAt: startedAt.toISOString(), environment: machineEnvironment(), database: redactedUrl, executions, cells: [] };
  for (const nodes of nodeCounts) results.cells.push(await cell(nodes, dir, auditKey));
  await rm(dir, { recursive: true, force: true });
  await finishRun('cluster', startedAt, results, markdown);
};

runMain(main, async () => {
  await stopAll();
  await dropDatabase();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});
