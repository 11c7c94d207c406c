#!/usr/bin/env node
import { openEventStoreDB, openPGliteEventStore, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { readServeConfig, redact, UsageError, type StoreConfig } from './config.js';

const usage = `Usage: stepstream <command> [options]

Commands:
  serve                 open the event store and serve the Step Functions API
  help                  this text

Options (flags win over the environment):
  --port N              PORT, default 8083
  --host H              HOST, default 127.0.0.1
  --data DIR            STEPSTREAM_DATA, default ./.stepstream (the embedded PGlite store)
  --database-url URL    DATABASE_URL: use a Postgres server instead of the embedded store
  --eventstore-url URL  EVENTSTORE_URL: keep the event streams in EventStoreDB
  --log-level L         LOG_LEVEL: debug | info | warn (default info)
`;

const describeStore = (s: StoreConfig) =>
  s.kind === 'pglite' ? `embedded PGlite in ${s.dataDir}` : s.kind === 'postgres' ? `Postgres at ${redact(s.url)}` : `EventStoreDB at ${redact(s.url)}`;

export const openStore = (s: StoreConfig): Promise<EventStore> =>
  s.kind === 'pglite'
    ? openPGliteEventStore({ dataDir: s.dataDir })
    : s.kind === 'postgres'
      ? openPostgresEventStore({ connectionString: s.url })
      : openEventStoreDB({ connectionString: s.url });

const serve = async (args: readonly string[]) => {
  const config = readServeConfig(args, process.env);
  const store = await openStore(config.store);
  const head = await store.headPosition();
  console.log(
    `stepstream: event store ready (${describeStore(config.store)}; head ${head ? `${head.commit}/${head.prepare}` : 'empty'}). ` +
      `The Step Functions API arrives with issue 3; nothing listens on ${config.host}:${config.port} yet.`,
  );
  await store.close();
};

const main = async (argv: readonly string[]) => {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return;
    default:
      throw new UsageError(`Unknown command: ${command}`);
  }
};

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`stepstream: ${e.message}\n\n${usage}`);
    process.exit(2);
  }
  console.error(`stepstream: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
