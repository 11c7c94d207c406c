#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  CALLABLE_SERVICES,
  describeEndpoints,
  DirectoryFunctions,
  EndpointFunctions,
  Engine,
  loadHttpConnections,
  MockConfig,
  readTraceConfig,
  startTraceExport,
  VirtualClock,
  type Logger,
  type TraceExport,
} from '@stepstream/runtime';
import { CredentialsRefused, defaultQuotas, parseCredentials, serveApi, type AccessKey, type Quota } from '@stepstream/server';
import { parseCommandLine, usage, UsageError, type Flags } from './args.js';
import { diffHistories, fetchHistory, formatDiff } from './diff.js';
import { fetchInspection, formatInspection } from './inspect.js';
import { fetchStatistics, formatStatistics, type StatisticsRequest } from './stats.js';
import { formatImport, ImportFilesRefused, importThroughServer, readImportFiles } from './import.js';
import { formatReplay, ReplayRefused, replayScope, replayStore, type ReplayArgs } from './replay.js';
import { callServer, CallFailed, endpointOf } from './server-call.js';
import { readServeConfig, type ServeConfig } from './config.js';
import { DataDirectoryLocked, STALE_MS } from './lock.js';
import { openStores, ReadModelsBusy, type Purpose } from './open.js';
import { BadAuditKey, loadAuditKey } from './audit-key.js';
import { ExportFailed, exportProofBundle } from './export.js';
import { NoStore } from './open-store.js';
import { runVerify, storeOpener } from './verify.js';
import { exportData, exportOpener, exportText, progressOnStderr } from './export-data.js';
import { checkExportedFiles, checkText, ExportRefused } from './export-record.js';
import type { ExportArgs } from './args.js';

// The AWS SDK v3 clients (S3, DynamoDB… at --aws-endpoints) warn once per process that their
// releases after January 2027 need Node 22. Stepstream pins its SDK versions and runs on Node 20
// (package.json engines): the SDK's documented switch turns exactly that warning off.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** An expected reason not to run (a held data directory, a port in use): one line, exit 1, no stack. */
class Refused extends Error {}

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

/**
 * Another process took the data directory over after this one stalled past the stale threshold:
 * two writers would corrupt it, so this one stops at once, as a kill would (nothing committed is lost).
 */
const lockLost = (log: Logger) => (e: Error) => {
  log.error(`lost the lock on the data directory (${e.message}; another process may take over a lock not refreshed for ${STALE_MS / 1000} s): stopping now`);
  process.exit(1);
};

/** The stores, or a one-line refusal saying what to do. */
const open = async (config: ServeConfig, purpose: Purpose, log: Logger) => {
  try {
    return await openStores(config.store, { purpose, onLockLost: lockLost(log) });
  } catch (e) {
    if (e instanceof DataDirectoryLocked) {
      throw new Refused(
        purpose === 'serve'
          ? `${e.message}: stop it, or choose another directory with --data`
          : `${e.message}: stop the server first (a rebuild needs the embedded store to itself), or choose another directory with --data`,
      );
    }
    if (e instanceof ReadModelsBusy) {
      throw new Refused(
        purpose === 'serve'
          ? `${e.message}: wait for it to finish`
          : `${e.message}: stop every server on this database first (a rebuild swaps the read models under them; docs/operations.md)`,
      );
    }
    throw e;
  }
};

/** A listen error in words, when it is one a user can fix. */
const listenFailure = (e: unknown, config: ServeConfig): Refused | undefined => {
  const where = `${config.port} on ${config.host}`;
  switch ((e as NodeJS.ErrnoException | undefined)?.code) {
    case 'EADDRINUSE':
      return new Refused(`port ${config.port} is in use on ${config.host}: stop the other process or choose another with --port`);
    case 'EACCES':
      return new Refused(`port ${where} needs privileges this process does not have: choose another with --port`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new Refused(`cannot listen on ${config.host}: not an address of this machine; choose another with --host`);
    default:
      return undefined;
  }
};

const serve = async (flags: Flags) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const opened = await open(config, 'serve', log);
  let engine: Engine | undefined;
  let traces: TraceExport | undefined;
  try {
    const lambda =
      config.functions?.kind === 'directory'
        ? new DirectoryFunctions(config.functions.dir)
        : config.functions?.kind === 'endpoint'
          ? new EndpointFunctions(config.functions.url)
          : undefined;
    if (config.functions?.kind === 'directory') {
      if (!existsSync(config.functions.dir))
        log.warn(
          `STEPSTREAM_FUNCTIONS=${config.functions.dir} does not exist: every Lambda Task will fail with Lambda.ResourceNotFoundException until it does`,
        );
      else log.info(`Lambda functions: the modules in ${config.functions.dir} (NAME.mjs exporting handler)`);
    }
    const httpConnections = config.httpConnectionsFile !== undefined ? loadHttpConnections(config.httpConnectionsFile) : undefined;
    const mocks = config.mockConfigFile !== undefined ? MockConfig.load(config.mockConfigFile) : undefined;
    if (mocks) log.info(`mocked integrations: ${config.mockConfigFile} (start executions on <stateMachineArn>#<TestCase>)`);
    log.info(`AWS services: ${describeEndpoints(config.endpoints)} (the others are mocked; --aws-endpoints)`);
    for (const service of config.endpoints.keys())
      if (!CALLABLE_SERVICES.includes(service))
        log.warn(`--aws-endpoints names ${service}, which this engine cannot call (it calls ${CALLABLE_SERVICES.join(', ')}): its Tasks will fail`);
    // The audit key signs the audit tree's checkpoints (generated on the first start; docs/audit.md).
    let auditKey;
    try {
      auditKey = loadAuditKey(config.auditKeyFile, log);
    } catch (e) {
      if (e instanceof BadAuditKey) throw new Refused(e.message);
      throw e;
    }
    engine = new Engine({
      audit: { privateKeyPem: auditKey.privateKeyPem },
      store: opened.store,
      db: opened.db,
      scope: config.scope,
      log,
      ...(lambda ? { lambda } : {}),
      ...(httpConnections ? { httpConnections } : {}),
      ...(mocks ? { mocks } : {}),
      endpoints: config.endpoints,
      ...(config.time === 'virtual' ? { virtualTime: new VirtualClock() } : {}),
      ...(config.time === 'test-cases' ? { virtualTestCases: true } : {}),
      ...(process.env['STEPSTREAM_FAULT_CRASH_ENTERING_STATE'] ? { crashEnteringState: process.env['STEPSTREAM_FAULT_CRASH_ENTERING_STATE'] } : {}),
      // On Postgres every server is a node of a cluster: it runs the executions of the shards it leases (docs/operations.md).
      ...(config.store.kind === 'postgres' ? { cluster: { node: config.node, connectionString: config.store.url } } : {}),
    });
    // OpenTelemetry traces of the executions when the standard OTEL_* variables ask for them (docs/analytics.md).
    const traceSettings = readTraceConfig(process.env);
    for (const warning of traceSettings.warnings) log.warn(warning);
    if (traceSettings.enabled) {
      traces = startTraceExport(engine, traceSettings, log);
      const to = new URL(traceSettings.url);
      to.username = to.password = '';
      log.info(`traces: OTLP/HTTP (JSON) to ${to.toString()} as service ${traceSettings.serviceName}`);
    }
    // Listen first, then resume the running executions: work that crashed the last process never
    // runs before the service answers (and an execution that crashed it twice is quarantined).
    await engine.start({ resume: false });
    const security = await readSecurity(config);
    const api = await serveApi({ engine, host: config.host, port: config.port, log, ...security.options });
    log.info(security.description);
    log.info(
      `stepstream listening on ${api.url} (store: ${opened.description}; account ${config.scope.account}, region ${config.scope.region}${config.time === 'virtual' ? '; virtual time: timers fire as soon as nothing else runs' : ''})`,
    );
    engine
      .resume()
      .then(({ recovered, quarantined }) => {
        const cluster = running.clusterStatus();
        log.info(
          `${recovered} running executions resumed${quarantined.length > 0 ? `; ${quarantined.length} quarantined (see the errors above)` : ''}` +
            (cluster ? ` (node ${cluster.node}, holding ${cluster.shards.length} of 64 shards; it resumes more as it takes them)` : ''),
        );
      })
      .catch((e: unknown) => log.error('resuming the running executions failed', e));
    let stopping = false;
    const running = engine;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping`);
      // Workers' polls end first; the requests under way then get up to 10 s to be answered (a
      // task handed to a worker reaches it), and only then does the engine stop.
      running.stopTaking();
      await api.close({ drainMs: 10_000 });
      await running.close();
      await traces?.close();
      await opened.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  } catch (e) {
    // Close the store (and let go of its lock) before the process exits with the reason.
    await engine?.close().catch((closing: unknown) => log.error('closing the engine failed', closing));
    await traces?.close();
    await opened.close().catch((closing: unknown) => log.error('closing the store failed', closing));
    throw listenFailure(e, config) ?? e;
  }
};

/**
 * What `--auth`, `--credentials`, `--limits`, `--tls-cert` and `--tls-key` ask of the server
 * (docs/security.md), read from their files; a file that cannot be used stops the start with what
 * to fix.
 */
const readSecurity = async (config: ServeConfig) => {
  const readText = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (e) {
      throw new Refused(`cannot read ${what} ${file}: ${(e as Error).message}`);
    }
  };
  let keys: ReadonlyMap<string, AccessKey> | undefined;
  if (config.auth.kind === 'sigv4') {
    try {
      keys = parseCredentials(await readText(config.auth.credentialsFile, 'the credentials file'), config.scope.account);
    } catch (e) {
      if (e instanceof CredentialsRefused) throw new Refused(`${config.auth.credentialsFile}: ${e.message}`);
      throw e;
    }
  }
  let quotas: Readonly<Record<string, Quota>> | undefined;
  if (config.limits.kind === 'aws') quotas = defaultQuotas(config.scope.region);
  if (config.limits.kind === 'file') {
    const text = await readText(config.limits.file, 'the limits file');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Refused(`${config.limits.file} is not JSON (${(e as Error).message}): write {"StartExecution": {"bucket": 1300, "refillPerSecond": 300}, …}`);
    }
    const entries = Object.entries((parsed ?? {}) as Record<string, unknown>);
    for (const [op, q] of entries) {
      const quota = q as Partial<Quota> | null;
      if (!quota || !(Number(quota.bucket) >= 1) || !(Number(quota.refillPerSecond) > 0))
        throw new Refused(`${config.limits.file}: ${op} needs {"bucket": a number of requests, at least 1, "refillPerSecond": a positive number}`);
    }
    quotas = defaultQuotas(config.scope.region, Object.fromEntries(entries) as Record<string, Quota>);
  }
  const tls = config.tls
    ? { cert: await readText(config.tls.certFile, 'the TLS certificate'), key: await readText(config.tls.keyFile, 'the TLS key') }
    : undefined;
  const description = [
    keys
      ? `auth: SigV4, ${keys.size} keys (${[...keys.values()].filter((k) => k.readOnly).length} read-only)`
      : 'auth: none (any caller; --auth sigv4 to verify signatures)',
    quotas ? `limits: ${config.limits.kind === 'file' ? config.limits.file : "AWS's default API quotas"}` : 'limits: off',
    tls ? 'TLS on' : 'plain HTTP',
  ].join('; ');
  return {
    options: {
      ...(keys || quotas
        ? { guard: { ...(keys ? { keys } : {}), ...(quotas ? { quotas } : {}), region: config.scope.region, account: config.scope.account } }
        : {}),
      ...(tls ? { tls } : {}),
    },
    description,
  };
};

const rebuild = async (flags: Flags) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const opened = await open(config, 'projections rebuild', log);
  try {
    const engine = new Engine({ store: opened.store, db: opened.db, scope: config.scope, log });
    const started = Date.now();
    const progress = engine.projector.status$.subscribe((s) => {
      if (s.state === 'rebuilding' || s.state === 'catching-up') process.stderr.write(`\rrebuilding read models: ${s.eventsApplied} events applied`);
    });
    const { eventsApplied, eventsSkipped } = await engine.projector.rebuild();
    progress.unsubscribe();
    process.stderr.write('\n');
    log.info(`read models rebuilt from ${eventsApplied} events in ${((Date.now() - started) / 1000).toFixed(1)} s (${opened.description})`);
    if (eventsSkipped > 0) {
      log.warn(`${eventsSkipped} events could not be applied and were skipped (each reported above; listed in the read models' skipped_events table)`);
    }
    // The audit tree too: a rebuild replays $all from zero into a fresh copy and swaps it in.
    const treeStarted = Date.now();
    const treeProgress = engine.auditProjector.status$.subscribe((s) => {
      if (s.state === 'rebuilding' || s.state === 'catching-up') process.stderr.write(`\rrebuilding the audit tree: ${s.eventsApplied} events`);
    });
    const tree = await engine.auditProjector.rebuild();
    treeProgress.unsubscribe();
    process.stderr.write('\n');
    log.info(`audit tree rebuilt over ${tree.eventsApplied} events in ${((Date.now() - treeStarted) / 1000).toFixed(1)} s`);
    if (tree.eventsSkipped > 0) log.warn(`${tree.eventsSkipped} events could not be added to the audit tree (each reported above): proofs past them fail`);
    // And the analytics read model (docs/analytics.md).
    const analyticsStarted = Date.now();
    const analyticsProgress = engine.analyticsProjector.status$.subscribe((s) => {
      if (s.state === 'rebuilding' || s.state === 'catching-up') process.stderr.write(`\rrebuilding the analytics read model: ${s.eventsApplied} events`);
    });
    const analytics = await engine.analyticsProjector.rebuild();
    analyticsProgress.unsubscribe();
    process.stderr.write('\n');
    log.info(`analytics read model rebuilt from ${analytics.eventsApplied} events in ${((Date.now() - analyticsStarted) / 1000).toFixed(1)} s`);
    if (analytics.eventsSkipped > 0) log.warn(`${analytics.eventsSkipped} events could not be applied to the analytics read model (each reported above)`);
  } finally {
    await opened.close();
  }
};

/** `quarantine release ARN`: the execution runs again at the server's next start. */
const releaseQuarantine = async (flags: Flags, executionArn: string) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const opened = await open(config, 'quarantine release', log);
  try {
    const engine = new Engine({ store: opened.store, db: opened.db, scope: config.scope, log });
    const released = await engine.executions.releaseQuarantine(executionArn);
    if (released._tag === 'Left') throw new Refused(released.left.message);
    if (!released.right) throw new Refused(`${executionArn} is not quarantined`);
    log.info(`${executionArn} is released from quarantine: the server resumes it at its next start`);
  } finally {
    await opened.close();
  }
};

/** `verify`: the store, a bundle or two checkpoints; the exit code says whether anything was found. */
const verify = async (flags: Flags, args: Parameters<typeof runVerify>[0]) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const opener = storeOpener(config.store, lockLost(log));
  const openStore: Parameters<typeof runVerify>[3] = async (use) => {
    try {
      return await opener(use);
    } catch (e) {
      if (e instanceof DataDirectoryLocked)
        throw new Refused(`${e.message}: stop the server first (verify reads the embedded store alone), or verify a copy of the directory`);
      if (e instanceof NoStore) throw new Refused(e.message);
      throw e;
    }
  };
  const out = { stdout: (text: string) => process.stdout.write(text), stderr: (text: string) => process.stderr.write(text) };
  process.exitCode = await runVerify(args, flags, process.env, openStore, out);
};

/** `history export ARN --proof`: the bundle from the server at --host/--port, to --out or stdout. */
const historyExport = async (flags: Flags, executionArn: string, out: string) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const endpoint = endpointOf(config);
  try {
    const written = await exportProofBundle({ executionArn, out, source: { endpoint } });
    if (out !== '-') {
      log.info(
        `${out}: ${written.events} events proven by the checkpoint of ${written.checkpoint.treeSize} events (key id ${written.checkpoint.keyId}); check it with: stepstream verify ${out} --public-key FILE`,
      );
    }
  } catch (e) {
    if (e instanceof ExportFailed) throw new Refused(`${e.type}: ${e.message}`);
    throw e;
  }
};

/** Runs `work` against the server at --host/--port; its errors (and no server) become one line on stderr, exit 1. */
const throughServer = async (flags: Flags, work: (endpoint: string) => Promise<void>) => {
  try {
    await work(endpointOf(readServeConfig(flags, process.env)));
  } catch (e) {
    if (e instanceof CallFailed) throw new Refused(`${e.type}: ${e.message}`);
    throw e;
  }
};

/** `diff A B [--json]`: where two histories part, from the server at --host/--port; exit 1 when they differ. */
const diff = (flags: Flags, a: string, b: string, json: boolean) =>
  throughServer(flags, async (endpoint) => {
    const [ha, hb] = await Promise.all([fetchHistory(endpoint, a), fetchHistory(endpoint, b)]);
    const d = diffHistories(ha, hb);
    process.stdout.write(json ? `${JSON.stringify(d)}\n` : formatDiff(d, a, b));
    process.exitCode = d.first === undefined ? 0 : 1;
  });

/** `fork ARN --at N [--name NAME] [--definition FILE] [--input JSON] [--variables JSON] [--mock STATE=JSON]... [--virtual-time] [--json]`: a new execution from the source's events up to N, through the server at --host/--port. */
const fork = async (
  flags: Flags,
  args: {
    executionArn: string;
    at: number;
    name?: string;
    definitionFile?: string;
    input?: string;
    variables?: string;
    mocks: readonly string[];
    virtualTime: boolean;
    json: boolean;
  },
) => {
  const mocks: Record<string, unknown> = {};
  for (const given of args.mocks) {
    const at = given.indexOf('=');
    if (at <= 0) throw new Refused(`--mock ${given}: give STATE=JSON, e.g. --mock 'Charge={"Return":{"paid":true}}'`);
    try {
      mocks[given.slice(0, at)] = JSON.parse(given.slice(at + 1)) as unknown;
    } catch (e) {
      throw new Refused(`--mock ${given.slice(0, at)}: the result is not JSON (${(e as Error).message})`);
    }
  }
  let definition: string | undefined;
  if (args.definitionFile !== undefined) {
    try {
      definition = readFileSync(args.definitionFile, 'utf8');
    } catch (e) {
      throw new Refused(`--definition ${args.definitionFile}: ${(e as Error).message}`);
    }
  }
  await throughServer(flags, async (endpoint) => {
    const answer = (await callServer(endpoint, 'Stepstream.ForkExecution', {
      executionArn: args.executionArn,
      eventId: args.at,
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(definition !== undefined ? { definition } : {}),
      ...(args.input !== undefined ? { input: args.input } : {}),
      ...(args.variables !== undefined ? { variables: args.variables } : {}),
      ...(args.mocks.length > 0 ? { mocks: JSON.stringify(mocks) } : {}),
      ...(args.virtualTime ? { time: 'virtual' } : {}),
    })) as { executionArn: string; startDate: number };
    process.stdout.write(args.json ? `${JSON.stringify(answer)}\n` : `${answer.executionArn}\n`);
  });
};

/** `import FILE... [--name NAME] [--json]`: an execution AWS ran, from the AWS CLI's output, through the server at --host/--port. */
const importExecution = async (flags: Flags, files: readonly string[], name: string | undefined, json: boolean) => {
  let docs;
  try {
    docs = readImportFiles(files);
  } catch (e) {
    if (e instanceof ImportFilesRefused) throw new Refused(e.message);
    throw e;
  }
  await throughServer(flags, async (endpoint) => {
    const answer = await importThroughServer(endpoint, docs, name);
    process.stdout.write(json ? `${JSON.stringify(answer)}\n` : formatImport(answer));
  });
};

/** `replay [--execution ARN | --state-machine ARN] [--json]`: every history in scope decided again; exit 1 when one differs. */
const replay = async (flags: Flags, args: ReplayArgs) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const scope = replayScope(args);
  const what = args.execution ?? args.stateMachine ?? 'every execution';
  const opener = storeOpener(config.store, lockLost(log));
  // Progress on stderr once a run takes more than a second, then every second.
  let shown = Date.now();
  let printed = false;
  const progress = (replayed: number, total: number) => {
    if (Date.now() - shown < 1000) return;
    shown = Date.now();
    printed = true;
    process.stderr.write(replayed === 0 ? `\rfinding executions: ${total}` : `\rreplayed ${replayed} of ${total} executions`);
  };
  let report;
  try {
    report = await opener(({ store }) => replayStore(store, scope, progress));
  } catch (e) {
    if (e instanceof DataDirectoryLocked)
      throw new Refused(`${e.message}: stop the server first (replay reads the embedded store alone), or replay a copy of the directory`);
    if (e instanceof NoStore || e instanceof ReplayRefused) throw new Refused(e.message);
    throw e;
  }
  if (printed) process.stderr.write('\n');
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : formatReplay(report, what));
  process.exitCode = report.divergences.length === 0 ? 0 : 1;
};

/** `inspect ARN [--at N] [--json]`: the execution after one event, from the server at --host/--port. */
const inspect = (flags: Flags, executionArn: string, at: number | undefined, json: boolean) =>
  throughServer(flags, async (endpoint) => {
    const inspection = await fetchInspection(endpoint, executionArn, at);
    process.stdout.write(json ? `${JSON.stringify(inspection, null, 2)}\n` : formatInspection(inspection));
  });

/** `stats ARN [--since 7d] [--until …] [--alias NAME] [--json]`: from the server at --host/--port. */
const stats = (flags: Flags, request: StatisticsRequest, json: boolean) =>
  throughServer(flags, async (endpoint) => {
    const answer = await fetchStatistics(endpoint, request);
    process.stdout.write(json ? `${JSON.stringify(answer, null, 2)}\n` : formatStatistics(answer));
  });

/** An export's expected failures in one line: a held data directory, no store, files that exist or cannot be read. */
const exportRefusal = (e: unknown): Refused | undefined => {
  if (e instanceof DataDirectoryLocked)
    return new Refused(`${e.message}: stop the server first (export reads and appends to the embedded store alone; on Postgres it runs beside the servers)`);
  if (e instanceof NoStore || e instanceof ExportRefused) return new Refused(e.message);
  return undefined;
};

/** `export --since WHEN [--until WHEN] --format F --out DIR [--json]`: the range's files, recorded in the audit log. */
const exportRange = async (flags: Flags, args: ExportArgs) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  const progress = progressOnStderr();
  try {
    const withStores = exportOpener(config.store, lockLost(log));
    const result = await withStores((stores) => exportData({ ...stores, ...args, onProgress: progress.show, onSkipped: (m) => log.error(m) }));
    progress.end();
    process.stdout.write(args.json ? `${JSON.stringify({ ...result.record, eventId: result.eventId })}\n` : exportText(result));
  } catch (e) {
    progress.end();
    throw exportRefusal(e) ?? e;
  }
};

/** `export verify FILE... [--json]`: exit 0 when every file is one an export recorded, 1 otherwise. */
const exportVerify = async (flags: Flags, files: readonly string[], json: boolean) => {
  const config = readServeConfig(flags, process.env);
  const log = makeLogger(config.logLevel);
  try {
    const check = await storeOpener(config.store, lockLost(log))(({ store }) => checkExportedFiles(store, files));
    process.stdout.write(json ? `${JSON.stringify(check)}\n` : checkText(check));
    process.exitCode = check.ok ? 0 : 1;
  } catch (e) {
    throw exportRefusal(e) ?? e;
  }
};

const main = async (argv: readonly string[]) => {
  const line = parseCommandLine(argv);
  switch (line.command) {
    case 'serve':
      return serve(line.flags);
    case 'projections rebuild':
      return rebuild(line.flags);
    case 'quarantine release':
      return releaseQuarantine(line.flags, line.executionArn);
    case 'verify':
      return verify(line.flags, line.verify);
    case 'history export':
      return historyExport(line.flags, line.executionArn, line.out);
    case 'inspect':
      return inspect(line.flags, line.executionArn, line.at, line.json);
    case 'stats':
      return stats(
        line.flags,
        {
          stateMachineArn: line.stateMachineArn,
          ...(line.since !== undefined ? { since: line.since } : {}),
          ...(line.until !== undefined ? { until: line.until } : {}),
          ...(line.alias !== undefined ? { alias: line.alias } : {}),
        },
        line.json,
      );
    case 'replay':
      return replay(line.flags, line.replay);
    case 'fork':
      return fork(line.flags, line.fork);
    case 'diff':
      return diff(line.flags, line.a, line.b, line.json);
    case 'import':
      return importExecution(line.flags, line.files, line.name, line.json);
    case 'export':
      return exportRange(line.flags, line.export);
    case 'export verify':
      return exportVerify(line.flags, line.files, line.json);
    case 'help':
      process.stdout.write(usage);
      return;
  }
};

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    console.error(`stepstream: ${e.message}\n\n${usage}`);
    process.exit(2);
  }
  if (e instanceof Refused) {
    console.error(`stepstream: ${e.message}`);
    process.exit(1);
  }
  console.error(`stepstream: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
