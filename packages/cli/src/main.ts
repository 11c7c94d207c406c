#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { DirectoryFunctions, EndpointFunctions, Engine, loadHttpConnections, MockConfig, type Logger } from '@stepstream/runtime';
import { serveApi } from '@stepstream/server';
import { readServeConfig, UsageError, type ServeConfig } from './config.js';
import { openStores } from './open.js';

const usage = `Usage: stepstream <command> [options]

Commands:
  serve                  serve the AWS Step Functions API
  projections rebuild    rebuild the read models from the event streams, then exit
  help                   this text

Options (flags win over the environment):
  --port N              PORT, default 8083
  --host H              HOST, default 127.0.0.1
  --data DIR            STEPSTREAM_DATA, default ./.stepstream (the embedded PGlite store)
  --database-url URL    DATABASE_URL: use a Postgres server instead of the embedded store
  --eventstore-url URL  EVENTSTORE_URL: keep the event streams in EventStoreDB (read models in DATABASE_URL)
  --log-level L         LOG_LEVEL: debug | info | warn (default info); debug logs one line per request
  --region R            STEPSTREAM_REGION, default us-east-1
  --account A           STEPSTREAM_ACCOUNT, default 123456789012
`;

const makeLogger = (level: ServeConfig['logLevel']): Logger => {
  const rank = { debug: 0, info: 1, warn: 2 }[level];
  const line = (tag: string, message: string) => process.stderr.write(`${new Date().toISOString()} ${tag} ${message}\n`);
  return {
    debug: (m) => rank <= 0 && line('DEBUG', m),
    info: (m) => rank <= 1 && line('INFO ', m),
    warn: (m) => rank <= 2 && line('WARN ', m),
    error: (m, e) => line('ERROR', `${m}${e ? `: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` : ''}`),
  };
};

const serve = async (args: readonly string[]) => {
  const config = readServeConfig(args, process.env);
  const log = makeLogger(config.logLevel);
  const opened = await openStores(config.store);
  const lambda =
    config.functions?.kind === 'directory'
      ? new DirectoryFunctions(config.functions.dir)
      : config.functions?.kind === 'endpoint'
        ? new EndpointFunctions(config.functions.url)
        : undefined;
  if (config.functions?.kind === 'directory') {
    if (!existsSync(config.functions.dir))
      log.warn(`STEPSTREAM_FUNCTIONS=${config.functions.dir} does not exist: every Lambda Task will fail with Lambda.ResourceNotFoundException until it does`);
    else log.info(`Lambda functions: the modules in ${config.functions.dir} (NAME.mjs exporting handler)`);
  }
  const httpConnections = config.httpConnectionsFile !== undefined ? loadHttpConnections(config.httpConnectionsFile) : undefined;
  const mocks = config.mockConfigFile !== undefined ? MockConfig.load(config.mockConfigFile) : undefined;
  if (mocks) log.info(`mocked integrations: ${config.mockConfigFile} (start executions on <stateMachineArn>#<TestCase>)`);
  const engine = new Engine({
    store: opened.store,
    db: opened.db,
    scope: config.scope,
    log,
    ...(lambda ? { lambda } : {}),
    ...(httpConnections ? { httpConnections } : {}),
    ...(mocks ? { mocks } : {}),
  });
  const { recovered } = await engine.start();
  const api = await serveApi({ engine, host: config.host, port: config.port, log });
  log.info(
    `stepstream listening on ${api.url} (store: ${opened.description}; account ${config.scope.account}, region ${config.scope.region}; ${recovered} running executions resumed)`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    await api.close();
    await engine.close();
    await opened.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
};

const rebuild = async (args: readonly string[]) => {
  const config = readServeConfig(args, process.env);
  const log = makeLogger(config.logLevel);
  const opened = await openStores(config.store);
  const engine = new Engine({ store: opened.store, db: opened.db, scope: config.scope, log });
  const started = Date.now();
  const progress = engine.projector.status$.subscribe((s) => {
    if (s.state === 'rebuilding' || s.state === 'catching-up') process.stderr.write(`\rrebuilding read models: ${s.eventsApplied} events applied`);
  });
  await engine.projector.rebuild();
  progress.unsubscribe();
  const { eventsApplied } = engine.projector.status();
  process.stderr.write('\n');
  log.info(`read models rebuilt from ${eventsApplied} events in ${((Date.now() - started) / 1000).toFixed(1)} s (${opened.description})`);
  await opened.close();
};

const main = async (argv: readonly string[]) => {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'projections':
      if (rest[0] === 'rebuild') return rebuild(rest.slice(1));
      throw new UsageError(`Unknown projections command: ${rest[0] ?? '(none)'}; try 'stepstream projections rebuild'`);
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
