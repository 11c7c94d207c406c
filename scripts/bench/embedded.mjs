/**
 * One Stepstream in this process for a bench: an engine on an in-memory PGlite, the HTTP API on a
 * free port, and an SDK v3 client of it (`disableHostPrefix`, so StartSyncExecution reaches it).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { openPGlite, openPGliteEventStore } from '../../packages/eventstore/dist/src/index.js';
import { Engine } from '../../packages/runtime/dist/src/index.js';
import { serveApi } from '../../packages/server/dist/src/index.js';

/** Starts it with `engineOptions` (beyond the store); `close()` stops everything it started. */
export const startEmbedded = async (engineOptions = {}) => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  const engine = new Engine({ ...engineOptions, store, db: shared.db });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: { debug() {}, info() {}, warn() {}, error: (m, e) => console.error(m, e) } });
  const client = new SFNClient({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    disableHostPrefix: true,
    maxAttempts: 1,
  });
  return {
    engine,
    client,
    close: async () => {
      client.destroy();
      await api.close();
      await engine.close();
      await store.close();
      await shared.db.destroy();
      await shared.pglite.close();
    },
  };
};
