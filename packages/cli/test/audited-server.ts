import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPGlite, openPGliteEventStore, type EventStore } from '@stepstream/eventstore';
import { Engine, type EngineOptions } from '@stepstream/runtime';
import { serveApi, type RunningServer } from '@stepstream/server';

export const quiet = { debug() {}, info() {}, warn() {}, error: (m: string, e?: unknown) => console.error(m, e) };

/** A server of the CLI tests that sign: an engine on an in-memory PGlite with an audit key, its API on a free port, a temporary directory. */
export interface AuditedServer {
  readonly engine: Engine;
  readonly api: RunningServer;
  readonly store: EventStore;
  /** Runs SQL on the store's database (the tamper tests bypass its triggers this way). */
  readonly sql: (text: string) => Promise<unknown>;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts an {@link AuditedServer} signing with `audit.privateKeyPem`; `close` stops it and removes the directory. */
export const auditedServer = async (audit: NonNullable<Exclude<EngineOptions['audit'], false>>, dirPrefix: string): Promise<AuditedServer> => {
  const dir = await mkdtemp(join(tmpdir(), dirPrefix));
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  const engine = new Engine({ store, db: shared.db, log: quiet, audit });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: quiet });
  return {
    engine,
    api,
    store,
    sql: (text) => shared.pglite.exec(text),
    dir,
    close: async () => {
      await api.close();
      await engine.close();
      await store.close();
      await shared.db.destroy();
      await shared.pglite.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
};
