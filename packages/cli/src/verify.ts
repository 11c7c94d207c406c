/**
 * `stepstream verify`: the store (every chain, the tree, the signed checkpoints), one execution or
 * state machine, a proof bundle offline, or two checkpoint files. Exit 0 when clean, 1 when a
 * problem is found, 2 on a usage error.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fromHex } from '@stepstream/audit';
import type { EventStore, Position } from '@stepstream/eventstore';
import { readModelDb } from '@stepstream/projections';
import { AUDIT_SCHEMA, locateExecution, locateStateMachine } from '@stepstream/runtime';
import { sql, type Kysely } from 'kysely';
import { UsageError, type Flags, type VerifyArgs } from './args.js';
import { publicKeyFileOf } from './audit-key.js';
import { readServeConfig, type StoreConfig } from './config.js';
import { withStore } from './open-store.js';
import type { SignedLeaves } from './verify/locate.js';
import { verifyBundleFile, verifyCheckpointGrowth } from './verify/offline.js';
import { problemJson, problemLine } from './verify/problems.js';
import { verifyStore, type VerifyProgress, type VerifyReport, type VerifyScope } from './verify/verify-store.js';

/** Where the command writes. */
export interface VerifyOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** What verify reads: the events, and the audit tree's leaves when the engine kept them. */
export interface Opened {
  readonly store: EventStore;
  readonly signedLeaves?: SignedLeaves;
}

/** Opens the configured store for the run and closes it after. */
export type OpenStore = <T>(use: (opened: Opened) => Promise<T>) => Promise<T>;

/**
 * The leaves of the audit tree the engine keeps (`audit.leaves`, written by the runtime's audit
 * projection) when the database has them. Only hints until checked: `locateDifferences` hashes
 * them to a signed root before it believes them.
 */
export const auditLeaves = async (db: Kysely<any>): Promise<SignedLeaves | undefined> => {
  const reads = readModelDb(db);
  const table = sql.id(AUDIT_SCHEMA, 'leaves');
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${`${AUDIT_SCHEMA}.leaves`}) is not null as found`.execute(reads);
  if (rows[0]?.found !== true) return undefined;
  return async (from, to) => {
    const page = await sql<{
      leaf_index: string;
      stream_name: string;
      revision: string;
      event_id: string;
      commit_position: string;
      prepare_position: string;
      leaf_data: string;
    }>`
      select l.leaf_index::text as leaf_index, l.stream_name, l.revision::text as revision, l.event_id::text as event_id,
        l.commit_position::text as commit_position, l.prepare_position::text as prepare_position, encode(l.leaf_data, 'hex') as leaf_data
      from ${table} l where l.leaf_index >= ${from} and l.leaf_index < ${to} order by l.leaf_index`.execute(reads);
    return page.rows.map((row) => ({
      leafIndex: Number(row.leaf_index),
      streamName: row.stream_name,
      revision: BigInt(row.revision),
      eventId: row.event_id,
      position: { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) },
      leafData: fromHex(row.leaf_data),
    }));
  };
};

/**
 * Opens the event store — and reads the signed leaves from the audit tree when the read models are
 * there — for one run (see {@link withStore}).
 */
export const storeOpener =
  (config: StoreConfig, onLockLost: (e: Error) => void): OpenStore =>
  (use) =>
    withStore(config, 'verify', onLockLost, async ({ store, db }) => {
      const signedLeaves = db === undefined ? undefined : await auditLeaves(db);
      return use({ store, ...(signedLeaves === undefined ? {} : { signedLeaves }) });
    });

/**
 * The public key file `verify` uses without `--public-key`: the one beside the deployment's audit
 * key (`--audit-key`/`STEPSTREAM_AUDIT_KEY`, by default `audit-key.pub.pem` in the data directory).
 */
export const defaultPublicKeyFile = (flags: Flags, env: NodeJS.ProcessEnv): string => publicKeyFileOf(readServeConfig(flags, env).auditKeyFile);

const readJson = (file: string, what: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${what} ${file} is not JSON: ${(e as Error).message}`);
  }
};

/** The public key: `--public-key FILE`, or the data directory's when it exists (required offline). */
const publicKey = (args: VerifyArgs, flags: Flags, env: NodeJS.ProcessEnv, required: boolean): string | undefined => {
  const file = args.publicKey ?? defaultPublicKeyFile(flags, env);
  if (args.publicKey === undefined && !existsSync(file)) {
    if (required) throw new UsageError(`no public key: give --public-key FILE (${file} does not exist)`);
    return undefined;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the public key ${file}: ${(e as Error).message}`);
  }
};

const count = (n: number) => n.toLocaleString('en-US');

/** A progress line: events so far, rate, and how far through `$all` when known. */
export const progressLine = (p: VerifyProgress, storeKind: string): string => {
  const rate = p.elapsedMs > 0 ? (p.events * 1000) / p.elapsedMs : 0;
  const part = (at: Position, head: Position) => {
    // SQL stores number events in `prepare`; EventStoreDB's positions grow with its log.
    const [a, b] = storeKind === 'eventstoredb' ? [at.commit, head.commit] : [at.prepare, head.prepare];
    return b > 0n ? ` (~${Math.min(100, Math.floor((Number(a) * 100) / Number(b)))}% of $all)` : '';
  };
  const where = p.position !== undefined && p.head !== undefined ? part(p.position, p.head) : '';
  return `verify: ${count(p.events)} events, ${count(Math.round(rate))} events/s${where}\n`;
};

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;

/** The human report: problems first (unchained runs summed up), then one summary line. */
export const reportText = (report: VerifyReport, what: string): string => {
  const lines: string[] = [];
  const failures = report.problems.filter((p) => p.failure);
  const unchained = report.problems.filter((p) => p.kind === 'unchained');
  const notes = report.problems.filter((p) => !p.failure && p.kind !== 'unchained');
  for (const p of failures) lines.push(problemLine(p));
  for (const p of notes) lines.push(`note: ${problemLine(p)}`);
  if (unchained.length > 0) {
    const events = unchained.reduce((n, p) => n + Number((p.untilRevision ?? p.revision ?? 0n) - (p.revision ?? 0n) + 1n), 0);
    lines.push(
      `note: ${plural(events, 'event')} in ${plural(unchained.length, 'stream')} written before the chain existed (unchained: not a failure; --json lists them)`,
    );
  }
  const tree = report.tree === undefined ? '' : `; tree of ${count(report.tree.size)} events, root ${report.tree.rootHash}`;
  const checkpoints =
    report.tree === undefined ? '' : `; ${plural(report.checkpoints.checked, 'checkpoint')} (${plural(report.checkpoints.signed, 'signature')} checked)`;
  const verdict = failures.length === 0 ? 'OK' : `${plural(failures.length, 'problem')} found`;
  lines.push(`${what}: ${verdict}: ${plural(report.events, 'event')} read in ${(report.elapsedMs / 1000).toFixed(1)} s${tree}${checkpoints}`);
  return `${lines.join('\n')}\n`;
};

/** The report as JSON (revisions as decimal strings). */
export const reportJson = (report: VerifyReport): Record<string, unknown> => ({
  ok: report.ok,
  events: report.events,
  ...(report.tree === undefined ? {} : { tree: report.tree }),
  checkpoints: report.checkpoints,
  elapsedMs: Math.round(report.elapsedMs),
  failures: report.problems.filter((p) => p.failure).length,
  problems: report.problems.map(problemJson),
});

/** What the run covers, and its scope: the whole store, an execution or a state machine. */
const scopeOf = (args: VerifyArgs): { what: string; scope?: VerifyScope } => {
  if (args.execution !== undefined) {
    const located = locateExecution(args.execution);
    if (located._tag === 'Left') throw new UsageError(`--execution: ${located.left.message}`);
    return { what: args.execution, scope: { streams: [located.right.stream] } };
  }
  if (args.stateMachine !== undefined) {
    const located = locateStateMachine(args.stateMachine);
    if (located._tag === 'Left') throw new UsageError(`--state-machine: ${located.left.message}`);
    // `stateMachine-<account>:<region>:<name>` → its executions are `execution-<account>:<region>:<name>:<run>`.
    const executions = `execution-${located.right.stream.slice('stateMachine-'.length)}:`;
    return { what: args.stateMachine, scope: { streams: [located.right.stream], streamPrefixes: [executions] } };
  }
  return { what: 'the store' };
};

/**
 * Runs `stepstream verify` as the command line asked; returns the exit code (0 clean, 1 problems;
 * a usage error throws {@link UsageError}, which the CLI turns into 2). `openStore` is only called
 * for the store modes.
 *
 * @example
 * const code = await runVerify(line.verify, line.flags, process.env, openStore, { stdout, stderr });
 */
export const runVerify = async (args: VerifyArgs, flags: Flags, env: NodeJS.ProcessEnv, openStore: OpenStore, out: VerifyOutput): Promise<0 | 1> => {
  if (args.checkpoints) {
    const [olderFile, newerFile] = args.files as [string, string];
    const key = publicKey(args, flags, env, true) as string;
    const result = verifyCheckpointGrowth(readJson(olderFile, 'checkpoint file'), readJson(newerFile, 'checkpoint file'), key);
    if (args.json) out.stdout(`${JSON.stringify(result)}\n`);
    else {
      for (const p of result.problems) out.stdout(`${p.kind}${p.file === undefined ? '' : ` (${p.file === 'old' ? olderFile : newerFile})`}: ${p.message}\n`);
      out.stdout(
        result.ok
          ? `checkpoints: OK: the log grew from ${count(result.oldSize ?? 0)} to ${count(result.newSize ?? 0)} events without changing them\n`
          : `checkpoints: ${plural(result.problems.length, 'problem')} found\n`,
      );
    }
    return result.ok ? 0 : 1;
  }
  if (args.files.length === 1) {
    const file = args.files[0] as string;
    const key = publicKey(args, flags, env, true) as string;
    const result = verifyBundleFile(readJson(file, 'bundle'), key);
    if (args.json) out.stdout(`${JSON.stringify(result)}\n`);
    else {
      for (const p of result.problems)
        out.stdout(`${p.kind}${p.revision === undefined ? '' : ` revision ${p.revision} (event id ${String(Number(p.revision) + 1)})`}: ${p.message}\n`);
      out.stdout(
        result.ok
          ? `${file}: OK: every event of the history is proven by the signed checkpoint\n`
          : `${file}: ${plural(result.problems.length, 'problem')} found\n`,
      );
    }
    return result.ok ? 0 : 1;
  }

  const { what, scope } = scopeOf(args);
  const key = publicKey(args, flags, env, false);
  const checkpointFiles = args.checkpointFiles.map((file) => ({ file, checkpoint: readJson(file, 'checkpoint file') }));
  const report = await openStore(({ store, signedLeaves }) =>
    verifyStore(store, {
      ...(signedLeaves === undefined ? {} : { signedLeaves }),
      ...(key === undefined ? {} : { publicKeyPem: key }),
      checkpointFiles,
      ...(scope === undefined ? {} : { scope }),
      full: args.full,
      onProgress: (p) => out.stderr(progressLine(p, store.kind)),
    }),
  );
  out.stdout(args.json ? `${JSON.stringify(reportJson(report))}\n` : reportText(report, what));
  return report.ok ? 0 : 1;
};
