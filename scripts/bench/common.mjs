/**
 * What the benchmarks share: options, where Postgres is, logging, statistics, machine CPU, and
 * writing results to bench-results/ (gitignored).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

// The AWS SDK v3 clients warn on Node 20 that releases after January 2027 need Node 22; the SDK's documented switch turns that off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redactedUrl = databaseUrl.replace(/:[^:@/]*@/, ':***@');

/** Progress goes to stderr; the result tables to stdout. */
export const log = (line) => process.stderr.write(`${line}\n`);

export const round = (x, digits = 0) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);
export const percentile = (sorted, p) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);

/**
 * `--quick`, `--only pglite|postgres`, and the script's own list flags: `lists` maps a flag name to
 * the values it takes (`{ workload: ['a', 'b'] }` accepts `--workload a,b`, returned as
 * `workload: ['a', 'b']`). Exits with the usage on anything else.
 */
export const parseOptions = (script, lists = {}) => {
  const listUsage = Object.entries(lists).map(([flag, values]) => ` [--${flag} ${values.join('|')}[,…]]`);
  const usage = `usage: node scripts/bench/${script} [--quick] [--only pglite|postgres]${listUsage.join('')}`;
  const fail = (message) => {
    console.error(`${message}\n${usage}`);
    process.exit(2);
  };
  const argv = process.argv.slice(2);
  let quick = false;
  let only;
  const chosen = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i];
    if (a === '--quick') quick = true;
    else if (flag === '--only') only = value();
    else if (flag.startsWith('--') && Object.hasOwn(lists, flag.slice(2))) {
      const name = flag.slice(2);
      const values = (value() ?? '').split(',').filter((v) => v !== '');
      const unknown = values.filter((v) => !lists[name].includes(v));
      if (values.length === 0 || unknown.length > 0) fail(`--${name} takes ${lists[name].join(', ')} (comma-separated), not ${unknown.join(',') || 'nothing'}`);
      chosen[name] = [...new Set([...(chosen[name] ?? []), ...values])];
    } else if (a === '--help' || a === '-h') {
      console.log(usage);
      process.exit(0);
    } else fail(`unknown argument ${a}`);
  }
  if (only !== undefined && only !== 'pglite' && only !== 'postgres') fail(`--only takes pglite or postgres, not ${only}`);
  return { quick, only, ...chosen };
};

/** Busy and total jiffies of the whole machine (Linux), to tell a CPU-bound cell from a waiting one. */
export const machineCpu = () => {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const v = fields.map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
};

/** Writes `bench-results/<name>-<ISO date>.json` and returns its path. */
export const writeResults = async (name, startedAt, results) => {
  const dir = path.join(repoRoot, 'bench-results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}-${startedAt.toISOString().replace(/:/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
};

/** Closes a run: timings, the JSON file, the Markdown table on stdout, the last progress line. */
export const finishRun = async (name, startedAt, results, markdown) => {
  results.finishedAt = new Date().toISOString();
  results.durationSec = round((Date.now() - startedAt.getTime()) / 1000, 1);
  const file = await writeResults(name, startedAt, results);
  console.log(markdown(results));
  log(`\nfinished in ${results.durationSec} s; results written to ${path.relative(process.cwd(), file)}`);
};

/** Runs `main`; on failure or Ctrl-C, `cleanup` drops what the run created before exiting. */
export const runMain = (main, cleanup) => {
  process.on('SIGINT', () => {
    log('interrupted; dropping the bench schemas');
    cleanup()
      .catch((e) => log(`could not clean up: ${e.message}`))
      .finally(() => process.exit(130));
  });
  main().catch(async (e) => {
    console.error(e);
    await cleanup().catch(() => undefined);
    process.exit(1);
  });
};

/** What the results record about the machine they were measured on. */
export const machineEnvironment = () => ({
  node: process.version,
  platform: `${process.platform} ${os.release()} ${process.arch}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: round(os.totalmem() / 2 ** 30, 1),
});

/**
 * Runs `work` with a client of the Postgres server of DATABASE_URL (to create or drop a bench's
 * database), and closes it; says what to do when the server does not answer.
 */
export const admin = async (work) => {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(`Postgres at ${redactedUrl} does not answer (${e.message}); start it or set DATABASE_URL`);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
};

/**
 * The flags of a bench (`node:util` parseArgs, strict, with --help): on a bad flag the error and
 * `usage` go to stderr and the process exits 2; --help prints `usage` and exits 0.
 */
export const parseFlags = (options, usage) => {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    console.error(`${e.message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values;
};
