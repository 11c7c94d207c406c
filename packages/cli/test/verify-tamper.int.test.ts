import { generateSigningKey } from '@stepstream/audit';
import { makePgPool, openPGlite, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { ownDatabase, postgresUnavailable } from '@stepstream/eventstore/testing';
import test, { type ExecutionContext } from 'ava';
import { Kysely, PostgresDialect } from 'kysely';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLeaves } from '../src/verify.js';
import type { Problem } from '../src/verify/problems.js';
import { verifyStore, type VerifyReport } from '../src/verify/verify-store.js';
import { cliEnv, run } from './stepstream-process.js';
import { fillStore, readEverything, tamper, type Expectation, type Sql, type Tampering } from './tamper.js';

const EXECUTIONS = 50;
// Asked before any test is declared: ava takes declarations in the first tick only.
const unavailable = await postgresUnavailable();

/** Whether a problem is what an expectation asks for. */
const meets = (p: Problem, e: Expectation): boolean => {
  if (!p.failure || !e.kinds.includes(p.kind)) return false;
  if (e.eventId !== undefined) return p.eventId === e.eventId;
  const revision = p.revision ?? -1n;
  return e.missing !== undefined && p.stream === e.missing.stream && revision <= e.missing.revision && e.missing.revision <= (p.untilRevision ?? revision);
};

/**
 * Every edit found with its right event id, and nothing reported that the edits do not explain:
 * a finding is about a tampered event, or it is the consequence the chain must show next to one
 * (a broken link or a reordering in a stream that was edited), or a checkpoint the edits broke.
 */
const assertAllFound = (t: ExecutionContext, report: VerifyReport, tampering: Tampering, label: string) => {
  const failures = report.problems.filter((p) => p.failure);
  const missed = tampering.expectations.filter((e) => !failures.some((p) => meets(p, e)));
  t.deepEqual(
    missed.map((e) => e.what),
    [],
    `${label}: every edit is reported`,
  );
  const tamperedIds = new Set(tampering.expectations.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId])));
  const tamperedStreams = new Set(
    report.problems.filter((p) => p.eventId !== undefined && tamperedIds.has(p.eventId) && p.stream !== undefined).map((p) => p.stream as string),
  );
  const checkpointIds = new Set(tampering.checkpointEventIds);
  const unexplained = failures.filter(
    (p) =>
      !tampering.expectations.some((e) => meets(p, e)) &&
      !(p.eventId !== undefined && tamperedIds.has(p.eventId)) &&
      !((p.kind === 'broken-link' || p.kind === 'reordered') && p.stream !== undefined && tamperedStreams.has(p.stream)) &&
      !(
        (p.kind === 'root-mismatch' || p.kind === 'truncated') &&
        (p.checkpoint?.source.kind === 'file' || (p.eventId !== undefined && checkpointIds.has(p.eventId)))
      ),
  );
  t.deepEqual(unexplained, [], `${label}: no finding the edits do not explain`);
  // The AWS event id of every finding about an execution's event is its revision + 1.
  for (const p of failures) {
    if (p.stream?.startsWith('execution-') && p.revision !== undefined) t.is(p.awsEventId, Number(p.revision) + 1);
  }
  return { found: tampering.expectations.length - missed.length, of: tampering.expectations.length };
};

/**
 * The whole story on one backend: a real engine fills the store and two checkpoints are signed;
 * verify finds nothing on it (in process and through the CLI); then an operator bypasses the
 * append-only triggers and edits it, and verify finds every edit.
 */
const story = async (
  t: ExecutionContext,
  backend: {
    readonly open: () => Promise<{ store: EventStore; db: Kysely<any>; sql: Sql; close: () => Promise<void> }>;
    /** Runs `sql` with the events table's triggers bypassed, as an operator could. */
    readonly bypass: (sql: Sql, edit: () => Promise<void>) => Promise<void>;
    readonly cliArgs: readonly string[];
    readonly publicKeyFile: string;
  },
  label: string,
) => {
  const key = generateSigningKey();
  await writeFile(backend.publicKeyFile, key.publicKeyPem);

  let opened = await backend.open();
  const { second } = await fillStore(opened.store, opened.db, key.privateKeyPem, EXECUTIONS);
  const before = await readEverything(opened.store);
  t.true(before.length >= EXECUTIONS * 22, `${label}: ${String(before.length)} events written`);

  const signedLeaves = await auditLeaves(opened.db);
  t.truthy(signedLeaves, `${label}: the engine kept the audit tree`);
  const clean = await verifyStore(opened.store, { publicKeyPem: key.publicKeyPem, ...(signedLeaves ? { signedLeaves } : {}) });
  t.deepEqual(clean.problems, [], `${label}: an untouched store has no finding at all`);
  t.true(clean.ok);
  t.is(clean.events, before.length);
  t.deepEqual(clean.tree?.size, before.length);
  t.deepEqual(clean.checkpoints, { checked: 2, signed: 2 });
  await opened.close();

  const savedCheckpoint = join(tmpdir(), `stepstream-checkpoint-${String(process.pid)}-${label}.json`);
  await writeFile(savedCheckpoint, JSON.stringify(second));
  const cleanCli = await run(['verify', ...backend.cliArgs, '--checkpoint', savedCheckpoint], { env: cliEnv() });
  t.is(cleanCli.code, 0, cleanCli.stdout + cleanCli.stderr);
  t.regex(cleanCli.stdout, /: OK: /);

  opened = await backend.open();
  let tampering: Tampering | undefined;
  await backend.bypass(opened.sql, async () => {
    tampering = await tamper(opened.sql, before);
  });
  const edits = tampering!;
  const altered = ['data', 'metadata', 'type', 'revision', 'stream'].reduce((n, what) => n + (edits.counts[what] ?? 0), 0);
  t.true(altered >= 200, `${label}: ${String(altered)} events altered`);

  const checkpointFiles = [{ file: savedCheckpoint, checkpoint: second }];
  const leaves = await auditLeaves(opened.db);
  // Hashing in a worker thread (the default on more than two CPUs), then in the reading thread.
  const report = await verifyStore(opened.store, {
    publicKeyPem: key.publicKeyPem,
    checkpointFiles,
    worker: true,
    ...(leaves ? { signedLeaves: leaves } : {}),
  });
  t.false(report.ok);
  const { found, of } = assertAllFound(t, report, edits, label);
  t.is(found, of);
  const kinds: Record<string, number> = {};
  for (const p of report.problems) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
  const touched = Object.values(edits.counts).reduce((a, b) => a + b, 0);
  t.log(
    `${label}: ${String(touched)} events edited ${JSON.stringify(edits.counts)}; ${String(found)} of ${String(of)} expected findings; findings by kind ${JSON.stringify(kinds)}`,
  );
  // The same in the reading thread.
  const inThread = await verifyStore(opened.store, {
    publicKeyPem: key.publicKeyPem,
    checkpointFiles,
    worker: false,
    ...(leaves ? { signedLeaves: leaves } : {}),
  });
  t.deepEqual(inThread.problems, report.problems);
  await opened.close();

  // The real command: exit 1 and the same findings, as JSON.
  const cli = await run(['verify', ...backend.cliArgs, '--checkpoint', savedCheckpoint, '--json'], { env: cliEnv() });
  t.is(cli.code, 1, cli.stderr);
  const json = JSON.parse(cli.stdout) as { ok: boolean; failures: number; problems: { kind: string; eventId?: string }[] };
  t.false(json.ok);
  t.is(json.failures, report.problems.filter((p) => p.failure).length);
  t.deepEqual(
    json.problems.map((p) => `${p.kind} ${p.eventId ?? ''}`),
    report.problems.map((p) => `${p.kind} ${p.eventId ?? ''}`),
  );
  await rm(savedCheckpoint, { force: true });
};

test.serial('verify finds every edit of a PGlite store made with the triggers bypassed, each with its event id, and nothing on an untouched one', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepstream-verify-'));
  try {
    await story(
      t,
      {
        open: async () => {
          const shared = await openPGlite(dataDir);
          const store = await openPGliteEventStore({ shared });
          return {
            store,
            db: shared.db,
            sql: (text, params) => shared.pglite.query<Record<string, unknown>>(text, params as unknown[]),
            close: async () => {
              await store.close();
              await shared.db.destroy();
              await shared.pglite.close();
            },
          };
        },
        // An operator's session that skips ordinary triggers (docs/audit.md).
        bypass: async (sql, edit) => {
          await sql('set session_replication_role = replica');
          try {
            await edit();
          } finally {
            await sql('set session_replication_role = origin');
          }
        },
        // The data directory's audit-key.pub.pem is the default key.
        cliArgs: ['--data', dataDir],
        publicKeyFile: join(dataDir, 'audit-key.pub.pem'),
      },
      'pglite',
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

if (unavailable) {
  console.log(`SKIP verify on Postgres: ${unavailable}`);
  test.skip(`verify on Postgres (${unavailable})`, () => {});
} else {
  // The engine keeps its events and read models in fixed schemas: a database of its own.
  const own = ownDatabase(`stepstream_verify_${String(process.pid)}`);
  const databaseUrl = own.url;

  test.serial(
    'verify finds every edit of a Postgres store made with the triggers disabled, each with its event id, and nothing on an untouched one',
    async (t) => {
      await own.create();
      const keyDir = await mkdtemp(join(tmpdir(), 'stepstream-verify-key-'));
      try {
        await story(
          t,
          {
            open: async () => {
              const store = await openPostgresEventStore({ connectionString: databaseUrl });
              const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(databaseUrl, 4) }) });
              const client = makePgPool(databaseUrl, 1);
              return {
                store,
                db,
                sql: async (text, params) => client.query(text, params as unknown[]),
                close: async () => {
                  await client.end();
                  await store.close();
                  await db.destroy();
                },
              };
            },
            // The table's owner disables its triggers (docs/audit.md).
            bypass: async (sql, edit) => {
              await sql('alter table "stepstream"."events" disable trigger user');
              try {
                await edit();
              } finally {
                await sql('alter table "stepstream"."events" enable trigger user');
              }
            },
            cliArgs: ['--database-url', databaseUrl, '--public-key', join(keyDir, 'key.pub.pem')],
            publicKeyFile: join(keyDir, 'key.pub.pem'),
          },
          'postgres',
        );
      } finally {
        await rm(keyDir, { recursive: true, force: true });
        await own.drop();
      }
    },
  );
}
