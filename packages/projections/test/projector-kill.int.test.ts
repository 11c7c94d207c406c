import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { makePgPool, openPGlite, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';
import { appendLedgerEvents, expectedSnapshot, snapshot } from './fixtures/ledger.js';

const unavailable = await postgresUnavailable();
const child = fileURLToPath(new URL('./fixtures/projector-child.js', import.meta.url));

/** Runs the child; resolves with its exit once it has printed `applied N` with N ≥ killAt (then kill -9s it) or exits. */
const runChild = (config: object, killAt?: number) =>
  new Promise<{ killedAt?: number; code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const proc = spawn(process.execPath, [child], { env: { ...process.env, STEPSTREAM_CHILD: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let killedAt: number | undefined;
    let buffer = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const m of buffer.matchAll(/applied (\d+)/g)) {
        const n = Number(m[1]);
        if (killAt !== undefined && killedAt === undefined && n >= killAt) {
          killedAt = n;
          proc.kill('SIGKILL');
        }
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => resolve({ killedAt, code, signal }));
  });

const readEverything = async (store: EventStore) => store.readAll({ maxCount: 1_000_000 });

test('PGlite data directory: a projector killed with SIGKILL mid-run resumes and ends as a clean run', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'stepstream-kill-'));
  try {
    const category = 'killp';
    {
      const shared = await openPGlite(dataDir);
      const store = await openPGliteEventStore({ shared });
      await appendLedgerEvents(store, category, 400);
      await store.close();
      await shared.pglite.close();
    }
    const config = { backend: 'pglite', dataDir, projection: 'rm_kill', category };
    const killed = await runChild({ ...config, mode: 'follow-slowly' }, 100);
    t.is(killed.signal, 'SIGKILL');
    t.truthy(killed.killedAt);
    const finished = await runChild({ ...config, mode: 'catch-up' });
    t.is(finished.code, 0);
    const shared = await openPGlite(dataDir);
    const store = await openPGliteEventStore({ shared });
    t.deepEqual(await snapshot(shared.db, 'rm_kill'), expectedSnapshot(await readEverything(store), category));
    await store.close();
    await shared.pglite.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

if (unavailable) console.log(`SKIP projector kill test on Postgres: ${unavailable}`);
(unavailable ? test.skip : test)('Postgres: a projector killed with SIGKILL mid-batch resumes and ends as a clean run', async (t) => {
  const storeSchema = `t_kill_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const projection = `rm_kill_${Math.random().toString(36).slice(2, 8)}`;
  const category = 'killq';
  const store = await openPostgresEventStore({ connectionString: postgresUrl, schema: storeSchema });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 2) }) });
  try {
    await appendLedgerEvents(store, category, 400);
    const config = { backend: 'postgres', url: postgresUrl, storeSchema, projection, category };
    const killed = await runChild({ ...config, mode: 'follow-slowly' }, 100);
    t.is(killed.signal, 'SIGKILL');
    const finished = await runChild({ ...config, mode: 'catch-up' });
    t.is(finished.code, 0);
    t.deepEqual(await snapshot(db, projection), expectedSnapshot(await readEverything(store), category));
  } finally {
    await store.close();
    await sql`drop schema if exists ${sql.id(storeSchema)} cascade`.execute(db);
    await sql`drop schema if exists ${sql.id(projection)} cascade`.execute(db);
    await db.destroy();
  }
});
