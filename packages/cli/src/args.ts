import { parseArgs } from 'node:util';

/** A flag the commands take, with its environment variable and default, as `help` prints it. */
interface OptionSpec {
  readonly value: string;
  readonly env: string;
  readonly default: string | undefined;
  readonly what: string;
}

/**
 * Every option, in the order `help` lists them. Each one takes a value; `readServeConfig` reads
 * them with the environment behind them.
 */
export const OPTIONS = {
  port: { value: 'N', env: 'PORT', default: '8083', what: 'the port to listen on' },
  host: { value: 'H', env: 'HOST', default: '127.0.0.1', what: 'the address to listen on' },
  data: { value: 'DIR', env: 'STEPSTREAM_DATA', default: './.stepstream', what: 'the embedded PGlite store (one process owns it)' },
  'database-url': { value: 'URL', env: 'DATABASE_URL', default: undefined, what: 'use a Postgres server instead of the embedded store' },
  'eventstore-url': {
    value: 'URL',
    env: 'EVENTSTORE_URL',
    default: undefined,
    what: 'keep the event streams in EventStoreDB (read models in DATABASE_URL)',
  },
  node: {
    value: 'NAME',
    env: 'STEPSTREAM_NODE',
    default: '<host>-<pid>',
    what: "this node's name among several on one Postgres database (docs/operations.md); unique among those running",
  },
  'log-level': { value: 'L', env: 'LOG_LEVEL', default: 'info', what: 'debug | info | warn; debug logs one line per request' },
  region: { value: 'R', env: 'STEPSTREAM_REGION', default: 'us-east-1', what: 'the region in generated ARNs' },
  account: { value: 'A', env: 'STEPSTREAM_ACCOUNT', default: '123456789012', what: 'the account in generated ARNs' },
  functions: { value: 'DIR', env: 'STEPSTREAM_FUNCTIONS', default: undefined, what: 'a directory of Lambda functions (NAME.mjs exporting handler)' },
  'lambda-endpoint': { value: 'URL', env: 'STEPSTREAM_LAMBDA_ENDPOINT', default: undefined, what: "call Lambda functions through Lambda's Invoke API there" },
  'http-connections': { value: 'FILE', env: 'STEPSTREAM_HTTP_CONNECTIONS', default: undefined, what: 'a JSON file of HTTP Task connection credentials' },
  'mock-config': {
    value: 'FILE',
    env: 'STEPSTREAM_MOCK_CONFIG',
    default: undefined,
    what: "mocked integrations in Step Functions Local's format",
  },
  time: {
    value: 'T',
    env: 'STEPSTREAM_TIME',
    default: 'real',
    what: 'virtual: Waits, retry back-offs and timeouts fire as soon as nothing else runs, timestamps still show the wait; test-cases: so for each execution started on a mock test case (<arn>#<TestCase>) alone',
  },
  auth: {
    value: 'MODE',
    env: 'STEPSTREAM_AUTH',
    default: 'none',
    what: 'none (anyone may call), or sigv4: every request must carry a Signature Version 4 signature of a key in --credentials (docs/security.md)',
  },
  credentials: {
    value: 'FILE',
    env: 'STEPSTREAM_CREDENTIALS',
    default: undefined,
    what: 'with --auth sigv4: a JSON file of access keys {"keys": [{"accessKeyId", "secretAccessKey", "account"?, "readOnly"?}]}',
  },
  limits: {
    value: 'L',
    env: 'STEPSTREAM_LIMITS',
    default: 'off (aws with --auth sigv4)',
    what: "off, aws (AWS's default API quotas as token buckets per account and operation: ThrottlingException past them), or a JSON file of {Operation: {bucket, refillPerSecond}} over AWS's",
  },
  'aws-endpoints': {
    value: 'LIST',
    env: 'STEPSTREAM_AWS_ENDPOINTS',
    default: 's3=file:<data dir>/buckets',
    what: 'where AWS services are, service=URL pairs: s3=http://127.0.0.1:4568,dynamodb=aws (AWS itself, default credentials), s3=file:DIR (a directory of buckets); ItemReader, ResultWriter, aws-sdk:* and the optimized integrations call them, the others stay mocked (docs/integrations.md)',
  },
  'tls-cert': { value: 'FILE', env: 'STEPSTREAM_TLS_CERT', default: undefined, what: 'serve HTTPS with this certificate (PEM; with --tls-key)' },
  'tls-key': { value: 'FILE', env: 'STEPSTREAM_TLS_KEY', default: undefined, what: "the certificate's private key (PEM)" },
  'audit-key': {
    value: 'FILE',
    env: 'STEPSTREAM_AUDIT_KEY',
    default: '<data dir>/audit-key.pem',
    what: 'the Ed25519 key that signs audit checkpoints (generated on first start, public key beside it)',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The options given on the command line, by name (absent when not given). */
export type Flags = { readonly [K in OptionName]?: string };

/** The options of `stepstream verify` alone (no environment variable behind them), as `help` lists them. */
export const VERIFY_OPTIONS = {
  execution: { type: 'string', value: 'ARN', what: "only this execution's stream (add --full for the tree and checkpoints)" },
  'state-machine': { type: 'string', value: 'ARN', what: "only this state machine's stream and its executions' (add --full for the tree)" },
  full: { type: 'boolean', value: '', what: 'with --execution or --state-machine: also the whole tree and the checkpoints' },
  'public-key': { type: 'string', value: 'FILE', what: "the deployment's Ed25519 public key (default: the .pub.pem beside --audit-key)" },
  checkpoint: { type: 'string', value: 'FILE', what: 'a checkpoint saved earlier, checked against the store (repeatable)' },
  checkpoints: { type: 'boolean', value: '', what: 'verify --checkpoints OLD NEW: the log only grew from one checkpoint file to the other' },
  json: { type: 'boolean', value: '', what: 'the report as one JSON object on stdout' },
} as const;

export type VerifyOptionName = keyof typeof VERIFY_OPTIONS;

/** What `stepstream verify` was asked: its files and its own options. */
export interface VerifyArgs {
  /** A bundle file, or with `checkpoints` the two checkpoint files; none for the store. */
  readonly files: readonly string[];
  readonly execution?: string;
  readonly stateMachine?: string;
  readonly full: boolean;
  readonly publicKey?: string;
  readonly checkpointFiles: readonly string[];
  readonly checkpoints: boolean;
  readonly json: boolean;
}

/** What the command line asks for. */
export type CommandLine =
  | { readonly command: 'serve'; readonly flags: Flags }
  | { readonly command: 'projections rebuild'; readonly flags: Flags }
  | { readonly command: 'quarantine release'; readonly flags: Flags; readonly executionArn: string }
  | { readonly command: 'verify'; readonly flags: Flags; readonly verify: VerifyArgs }
  | { readonly command: 'history export'; readonly flags: Flags; readonly executionArn: string; readonly out: string }
  | { readonly command: 'inspect'; readonly flags: Flags; readonly executionArn: string; readonly at?: number; readonly json: boolean }
  | {
      readonly command: 'stats';
      readonly flags: Flags;
      readonly stateMachineArn: string;
      /** Epoch milliseconds; `until` absent: now. */
      readonly since?: number;
      readonly until?: number;
      readonly alias?: string;
      readonly json: boolean;
    }
  | { readonly command: 'diff'; readonly flags: Flags; readonly a: string; readonly b: string; readonly json: boolean }
  | { readonly command: 'import'; readonly flags: Flags; readonly files: readonly string[]; readonly name?: string; readonly json: boolean }
  | {
      readonly command: 'fork';
      readonly flags: Flags;
      readonly fork: {
        readonly executionArn: string;
        readonly at: number;
        readonly name?: string;
        readonly definitionFile?: string;
        readonly input?: string;
        readonly variables?: string;
        /** `STATE=JSON` each: the fork's task results for that state. */
        readonly mocks: readonly string[];
        readonly virtualTime: boolean;
        readonly json: boolean;
      };
    }
  | {
      readonly command: 'replay';
      readonly flags: Flags;
      readonly replay: { readonly execution?: string; readonly stateMachine?: string; readonly json: boolean };
    }
  | { readonly command: 'export'; readonly flags: Flags; readonly export: ExportArgs }
  | { readonly command: 'export verify'; readonly flags: Flags; readonly files: readonly string[]; readonly json: boolean }
  | { readonly command: 'help' };

/** What `stepstream export` was asked: the range (epoch milliseconds, `until` excluded), the format and the directory. */
export interface ExportArgs {
  readonly since: number;
  readonly until: number;
  readonly format: 'parquet' | 'jsonl';
  readonly out: string;
  readonly json: boolean;
}

/**
 * A moment given on the command line, as epoch milliseconds: a span back from `now` (`7d`, `24h`,
 * `30m`, `90s`, `2w`) or an ISO 8601 date (`2026-12-01`, `2026-12-01T10:00:00Z`).
 *
 * @example
 * parseWhen('7d', Date.parse('2026-12-08T00:00:00Z'), '--since') // Date.parse('2026-12-01T00:00:00Z')
 * @throws UsageError naming `option` for anything else
 */
export const parseWhen = (value: string, now: number, option: string): number => {
  const span = /^([0-9]{1,9})(s|m|h|d|w)$/.exec(value);
  if (span) return now - Number(span[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[span[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  const date = /^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(date))
    throw new UsageError(`${option} takes a span back from now (7d, 24h, 30m) or an ISO date (2026-12-01, 2026-12-01T10:00:00Z), not ${value}`);
  return date;
};

/** A command line the parser rejects: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

const COMMANDS: readonly (readonly [string, string])[] = [
  ['serve', 'serve the AWS Step Functions API'],
  ['projections rebuild', 'rebuild the read models and the audit tree from the event streams, then exit (stop every server on the store first)'],
  ['quarantine release ARN', 'let a quarantined execution (one whose decisions took the server down twice) run again at the next start'],
  ['verify', 'check the store: every hash chain, the Merkle tree and the signed checkpoints (exit 0 clean, 1 problems, 2 usage)'],
  ['verify BUNDLE', 'check a proof bundle offline (history export --proof) with --public-key; no store, no network'],
  ['verify --checkpoints A B', 'check two checkpoint files: both signed, and the log only grew from A to B'],
  ['history export ARN', "with --proof: write an execution's proof bundle (from the server at --host/--port) to --out FILE or stdout"],
  ['replay', 're-decide every stored history with this engine; report the first event that differs (exit 0 same, 1 differs, 2 usage)'],
  [
    'fork ARN --at N',
    'a new execution whose history begins with the events 1..N of ARN and goes on live (--name, --definition FILE) (server at --host/--port)',
  ],
  [
    'import FILE...',
    "store an execution AWS ran, from the AWS CLI's get-execution-history, describe-state-machine-for-execution (and describe-execution) output; exit 1 where Stepstream decides differently",
  ],
  ['diff ARN_A ARN_B', 'where two histories part (a fork and its source, two runs): the first differing event (exit 0 alike, 1 differ)'],
  [
    'stats ARN',
    "a state machine's executions over a window (--since 7d, --alias NAME): counts by status, duration percentiles per state, top errors and retries (server at --host/--port)",
  ],
  ['inspect ARN', 'the execution after one event (--at N, default its last): active states, inputs, variables, timers, tasks (server at --host/--port)'],
  [
    'export',
    "write a time range's history events and analytics state runs as Parquet or JSON Lines files, each file's SHA-256 recorded in the audit log (stop the server on the embedded store)",
  ],
  ['export verify FILE...', 'whether each file is one an export wrote, unchanged, per the audit log (exit 0 recorded, 1 not recorded or altered)'],
  ['help', 'this text (also --help, -h)'],
];

const verifyLines = (Object.entries(VERIFY_OPTIONS) as [VerifyOptionName, (typeof VERIFY_OPTIONS)[VerifyOptionName]][]).map(
  ([name, o]) => `${`  --${name}${o.value === '' ? '' : ` ${o.value}`}`.padEnd(28)}${o.what}`,
);

const optionLines = (Object.entries(OPTIONS) as [OptionName, OptionSpec][]).map(([name, o]) => {
  const left = `  --${name} ${o.value}`.padEnd(28);
  const env = o.default === undefined ? o.env : `${o.env}, default ${o.default}`;
  return `${left}${env}: ${o.what}`;
});

/** The text `stepstream help` prints: every command, every option with its environment variable and default. */
export const usage = [
  'Usage: stepstream <command> [options]',
  '',
  'Commands:',
  ...COMMANDS.map(([name, what]) => `  ${name.padEnd(26)}${what}`),
  '',
  'Options (--name VALUE or --name=VALUE; a flag wins over its environment variable):',
  ...optionLines,
  '',
  'Options of verify (besides the store options above):',
  ...verifyLines,
  '',
  'Options of history export (besides --host and --port, where the server listens):',
  `${'  --proof'.padEnd(28)}a proof bundle: the history as AWS clients receive it, every event's hash, the inclusion proof, the signed checkpoint`,
  `${'  --out FILE'.padEnd(28)}where to write it (default: standard output)`,
  '',
  'Options of replay (besides the store options above):',
  `${'  --execution ARN'.padEnd(28)}only this execution`,
  `${'  --state-machine ARN'.padEnd(28)}only this state machine's executions`,
  `${'  --json'.padEnd(28)}the report as one JSON object on stdout`,
  '',
  'Options of fork (besides --host and --port, where the server listens):',
  `${'  --at N'.padEnd(28)}the last event of the source to copy: one that ends a decision (inspect shows framesAsOfEventId)`,
  `${'  --name NAME'.padEnd(28)}the fork's name (default: a new UUID)`,
  `${'  --definition FILE'.padEnd(28)}a definition for the fork to go on with (default: the source's)`,
  `${'  --input JSON'.padEnd(28)}a new input for the state the execution is in at N (a Wait's output, a retried attempt's input)`,
  `${'  --variables JSON'.padEnd(28)}variables set over the execution's own at N, as a JSON object`,
  `${'  --mock STATE=JSON'.padEnd(28)}the fork's task results for STATE: {"Return": value}, {"Throw": {"Error", "Cause"}} or a list (repeatable)`,
  `${'  --virtual-time'.padEnd(28)}the fork runs on its own virtual clock: its Waits, back-offs and timeouts fire at once when it is idle`,
  `${'  --json'.padEnd(28)}the answer as JSON ({executionArn, startDate})`,
  '',
  'Options of import (besides --host and --port, where the server listens):',
  `${'  --name NAME'.padEnd(28)}the execution's name here (default: its name on AWS)`,
  `${'  --json'.padEnd(28)}the answer as JSON ({executionArn, stateMachineArn, events, decisions, pointers, stateMachine})`,
  '',
  'Options of stats (besides --host and --port, where the server listens):',
  `${'  --since WHEN'.padEnd(28)}the executions started since WHEN: a span back from now (7d, 24h, 30m) or an ISO date (default 7d)`,
  `${'  --until WHEN'.padEnd(28)}and before WHEN (default: now)`,
  `${'  --alias NAME'.padEnd(28)}only the executions started through this alias of the state machine`,
  `${'  --json'.padEnd(28)}the answer as JSON (Stepstream.GetExecutionStatistics's)`,
  '',
  'Options of inspect (besides --host and --port, where the server listens):',
  `${'  --at N'.padEnd(28)}the event to inspect the execution after (1 is ExecutionStarted; default: the last)`,
  `${'  --json'.padEnd(28)}the whole answer as JSON (Stepstream.InspectExecution's)`,
  '',
  'Options of export (besides the store options above; export verify FILE... takes the store options and --json):',
  `${'  --since WHEN'.padEnd(28)}the range's start: a span back from now (7d, 24h, 30m) or an ISO date (required)`,
  `${'  --until WHEN'.padEnd(28)}the range's end, excluded (default: now)`,
  `${'  --format F'.padEnd(28)}parquet | jsonl`,
  `${'  --out DIR'.padEnd(28)}where to write events.<ext> and state_runs.<ext> (created if missing; existing files are never overwritten)`,
  `${'  --json'.padEnd(28)}the audit record (export verify: what it found) as JSON on stdout`,
  '',
  'Environment only:',
  `  ${'STEPSTREAM_TOKEN_SECRET'.padEnd(26)}the secret that signs page and task tokens (default: generated once, kept in the event store)`,
  `  ${'STEPSTREAM_PG_CONNECTIONS'.padEnd(26)}Postgres connections a node opens, 3 to 1000 (default 18: two thirds for the store, the rest for the read models; 2 more listen)`,
  `  ${'STEPSTREAM_FAULT_CRASH_ENTERING_STATE'.padEnd(26)} fault injection for recovery tests: the server dies in any decision entering a state of this name`,
  `  ${'OTEL_EXPORTER_OTLP_ENDPOINT'.padEnd(26)} serve exports OpenTelemetry traces of the executions over OTLP/HTTP (JSON) to this collector (+ /v1/traces);`,
  `  ${''.padEnd(26)}also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL) or OTEL_TRACES_EXPORTER=otlp (localhost:4318); none turns it off`,
  `  ${'OTEL_SERVICE_NAME'.padEnd(26)}the traces' service.name (default stepstream); OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_* as usual`,
  '',
].join('\n');

const parseOptions = {
  ...(Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' }])) as Record<OptionName, { type: 'string' }>),
  execution: { type: 'string' },
  'state-machine': { type: 'string' },
  full: { type: 'boolean' },
  'public-key': { type: 'string' },
  checkpoint: { type: 'string', multiple: true },
  checkpoints: { type: 'boolean' },
  json: { type: 'boolean' },
  proof: { type: 'boolean' },
  out: { type: 'string' },
  at: { type: 'string' },
  name: { type: 'string' },
  definition: { type: 'string' },
  input: { type: 'string' },
  variables: { type: 'string' },
  mock: { type: 'string', multiple: true },
  'virtual-time': { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  alias: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `verify`'s own arguments, checked: which mode, and the files each needs. */
const verifyArgs = (values: Partial<Record<VerifyOptionName, string | boolean | string[]>>, files: readonly string[]): VerifyArgs => {
  const execution = values.execution as string | undefined;
  const stateMachine = values['state-machine'] as string | undefined;
  const args: VerifyArgs = {
    files,
    ...(execution === undefined ? {} : { execution }),
    ...(stateMachine === undefined ? {} : { stateMachine }),
    full: values.full === true,
    ...(values['public-key'] === undefined ? {} : { publicKey: values['public-key'] as string }),
    checkpointFiles: (values.checkpoint as string[] | undefined) ?? [],
    checkpoints: values.checkpoints === true,
    json: values.json === true,
  };
  if (execution !== undefined && stateMachine !== undefined) throw new UsageError('verify takes --execution or --state-machine, not both');
  if (args.full && execution === undefined && stateMachine === undefined) throw new UsageError('--full goes with --execution or --state-machine');
  const storeOnly = execution !== undefined || stateMachine !== undefined || args.checkpointFiles.length > 0;
  if (args.checkpoints) {
    if (files.length !== 2) throw new UsageError('verify --checkpoints takes two files: the older checkpoint and the newer one');
    if (storeOnly) throw new UsageError('verify --checkpoints checks two files; --execution, --state-machine and --checkpoint are for the store');
  } else if (files.length > 1) {
    throw new UsageError(`unexpected argument ${files[1]!}: verify takes one bundle file (or --checkpoints OLD NEW)`);
  } else if (files.length === 1 && storeOnly) {
    throw new UsageError('verify BUNDLE checks a file; --execution, --state-machine and --checkpoint are for the store');
  }
  return args;
};

/** `export`'s and `export verify`'s arguments, checked; the range resolved against the clock now. */
const exportLine = (
  flags: Flags,
  rest: readonly string[],
  given: {
    since?: string;
    until?: string;
    format?: string;
    out?: string;
    json?: boolean;
    proof?: boolean;
    verifyGiven: readonly VerifyOptionName[];
  },
): CommandLine => {
  const other = given.verifyGiven.find((n) => n !== 'json');
  if (other !== undefined) throw new UsageError(`--${other} is an option of verify`);
  if (given.proof !== undefined) throw new UsageError('--proof is an option of history export');
  if (rest[0] === 'verify') {
    const exportOnly = Object.entries({ since: given.since, until: given.until, format: given.format, out: given.out }).find(([, v]) => v !== undefined)?.[0];
    if (exportOnly !== undefined) throw new UsageError(`--${exportOnly} is an option of export, not of export verify`);
    if (rest.length < 2) throw new UsageError('export verify needs the files an export wrote');
    return { command: 'export verify', flags, files: rest.slice(1), json: given.json === true };
  }
  if (rest[0] !== undefined)
    throw new UsageError(`unexpected argument ${rest[0]}: export takes --since, --until, --format and --out (or: export verify FILE...)`);
  if (given.since === undefined) throw new UsageError('export needs --since: a span back from now (7d, 24h) or an ISO date (2026-12-01)');
  if (given.format !== 'parquet' && given.format !== 'jsonl')
    throw new UsageError(given.format === undefined ? 'export needs --format parquet or --format jsonl' : `--format is parquet or jsonl, not ${given.format}`);
  if (given.out === undefined) throw new UsageError('export needs --out DIR: the directory to write the files to');
  const now = Date.now();
  const since = parseWhen(given.since, now, '--since');
  const until = given.until === undefined ? now : parseWhen(given.until, now, '--until');
  if (since >= until)
    throw new UsageError(`--since ${new Date(since).toISOString()} is not before --until ${new Date(until).toISOString()}: the range is empty`);
  return { command: 'export', flags, export: { since, until, format: given.format, out: given.out, json: given.json === true } };
};

/** `parseArgs`'s errors, one line each and in our words. */
const describeParseError = (e: NodeJS.ErrnoException): string => {
  const quoted = /'([^']+)'/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? e.message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? e.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /--[a-z-]+/.exec(e.message)?.[0] ?? quoted;
      if (name === '--help') return '--help takes no value';
      // A value starting with a dash is ambiguous ("--port --host"): most often a forgotten value.
      return `${name} needs a value (write --name=VALUE for a value that starts with a dash)`;
    }
    default:
      return e.message.split('\n')[0]!;
  }
};

/**
 * Reads the command line strictly: an unknown option, an option without its value or a stray
 * argument is a {@link UsageError}, never silently ignored — a mistyped `--prot 19150` once
 * started a second server on the default data directory.
 *
 * @example
 * parseCommandLine(['serve', '--port=9000']) // { command: 'serve', flags: { port: '9000' } }
 * parseCommandLine(['serve', '--prot', '1']) // throws UsageError('unknown option --prot')
 */
export const parseCommandLine = (argv: readonly string[]): CommandLine => {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parseOptions, strict: true, allowPositionals: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (e instanceof Error && code?.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(describeParseError(e));
    throw e;
  }
  const {
    help,
    execution,
    'state-machine': stateMachine,
    full,
    'public-key': publicKey,
    checkpoint,
    checkpoints,
    json,
    proof,
    out,
    at,
    name,
    definition,
    input,
    variables,
    mock,
    'virtual-time': virtualTime,
    since,
    until,
    alias,
    format,
    ...given
  } = parsed.values;
  if (format !== undefined && parsed.positionals[0] !== 'export') throw new UsageError('--format is an option of export');
  if (alias !== undefined && parsed.positionals[0] !== 'stats') throw new UsageError('--alias is an option of stats');
  if (at !== undefined && parsed.positionals[0] !== 'inspect' && parsed.positionals[0] !== 'fork')
    throw new UsageError('--at is an option of inspect and fork');
  const forkOnly = Object.entries({ name, definition, input, variables, mock, 'virtual-time': virtualTime }).find(([, v]) => v !== undefined)?.[0];
  if (forkOnly !== undefined && parsed.positionals[0] !== 'fork' && !(forkOnly === 'name' && parsed.positionals[0] === 'import'))
    throw new UsageError(`--${forkOnly} is an option of fork${forkOnly === 'name' ? ' and import' : ''}`);
  const notForImport = Object.entries({ definition, input, variables, mock, 'virtual-time': virtualTime }).find(([, v]) => v !== undefined)?.[0];
  if (parsed.positionals[0] === 'import' && notForImport !== undefined) throw new UsageError(`--${notForImport} is an option of fork`);
  const verifyValues = { execution, 'state-machine': stateMachine, full, 'public-key': publicKey, checkpoint, checkpoints, json };
  const verifyGiven = (Object.keys(verifyValues) as VerifyOptionName[]).filter((name) => verifyValues[name] !== undefined);
  const flags: Flags = given;
  const [command, ...rest] = parsed.positionals;
  if (help === true || command === 'help' || (command === undefined && Object.keys(flags).length === 0)) {
    if (command === 'help' && rest[0] !== undefined) throw new UsageError(`unexpected argument ${rest[0]}`);
    if (verifyGiven[0] !== undefined && help !== true) throw new UsageError(`--${verifyGiven[0]} is an option of verify`);
    if ((proof !== undefined || out !== undefined) && help !== true)
      throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    return { command: 'help' };
  }
  if (command === undefined) throw new UsageError('no command: options go after one, as in `stepstream serve --port 9000`');
  if (command === 'export') return exportLine(flags, rest, { since, until, format, out, json, proof, verifyGiven });
  if (command === 'verify') {
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    return { command: 'verify', flags, verify: verifyArgs(verifyValues, rest) };
  }
  if (command === 'replay') {
    const other = verifyGiven.find((name) => name !== 'json' && name !== 'execution' && name !== 'state-machine');
    if (other !== undefined) throw new UsageError(`--${other} is an option of verify`);
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    if (rest[0] !== undefined) throw new UsageError(`unexpected argument ${rest[0]}: replay takes --execution ARN or --state-machine ARN`);
    return {
      command: 'replay',
      flags,
      replay: { ...(execution !== undefined ? { execution } : {}), ...(stateMachine !== undefined ? { stateMachine } : {}), json: json === true },
    };
  }
  if (command === 'diff') {
    if (verifyGiven.some((n) => n !== 'json')) throw new UsageError(`--${verifyGiven.find((n) => n !== 'json')!} is an option of verify`);
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    if (rest[0] === undefined || rest[1] === undefined) throw new UsageError('diff needs two execution ARNs');
    if (rest[2] !== undefined) throw new UsageError(`unexpected argument ${rest[2]}`);
    return { command: 'diff', flags, a: rest[0], b: rest[1], json: json === true };
  }
  if (command === 'import') {
    if (verifyGiven.some((n) => n !== 'json')) throw new UsageError(`--${verifyGiven.find((n) => n !== 'json')!} is an option of verify`);
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    if (rest.length === 0)
      throw new UsageError(
        'import needs the files the AWS CLI wrote: get-execution-history, describe-state-machine-for-execution (and describe-execution) output',
      );
    return { command: 'import', flags, files: rest, ...(name !== undefined ? { name } : {}), json: json === true };
  }
  if (command === 'fork') {
    if (verifyGiven.some((n) => n !== 'json')) throw new UsageError(`--${verifyGiven.find((n) => n !== 'json')!} is an option of verify`);
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    if (rest[0] === undefined) throw new UsageError('fork needs the source execution ARN');
    if (rest[1] !== undefined) throw new UsageError(`unexpected argument ${rest[1]}`);
    if (at === undefined) throw new UsageError('fork needs --at N: the last event of the source to copy');
    if (!/^[1-9][0-9]{0,15}$/.test(at)) throw new UsageError(`--at takes an event id, a whole number from 1 (got ${at})`);
    return {
      command: 'fork',
      flags,
      fork: {
        executionArn: rest[0],
        at: Number(at),
        ...(name !== undefined ? { name } : {}),
        ...(definition !== undefined ? { definitionFile: definition } : {}),
        ...(input !== undefined ? { input } : {}),
        ...(variables !== undefined ? { variables } : {}),
        mocks: mock ?? [],
        virtualTime: virtualTime === true,
        json: json === true,
      },
    };
  }
  if (command === 'inspect') {
    if (verifyGiven.some((name) => name !== 'json')) throw new UsageError(`--${verifyGiven.find((name) => name !== 'json')!} is an option of verify`);
    if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
    if (rest[0] === undefined) throw new UsageError('inspect needs the execution ARN');
    if (rest[1] !== undefined) throw new UsageError(`unexpected argument ${rest[1]}`);
    if (at !== undefined && !/^[1-9][0-9]{0,15}$/.test(at)) throw new UsageError(`--at takes an event id, a whole number from 1 (got ${at})`);
    return { command: 'inspect', flags, executionArn: rest[0], ...(at !== undefined ? { at: Number(at) } : {}), json: json === true };
  }
  if (command === 'stats') {
    if (verifyGiven.some((n) => n !== 'json')) throw new UsageError(`--${verifyGiven.find((n) => n !== 'json')!} is an option of verify`);
    if (rest[0] === undefined) throw new UsageError('stats needs the state machine ARN');
    if (rest[1] !== undefined) throw new UsageError(`unexpected argument ${rest[1]}`);
    const now = Date.now();
    const window = {
      ...(since !== undefined ? { since: parseWhen(since, now, '--since') } : {}),
      ...(until !== undefined ? { until: parseWhen(until, now, '--until') } : {}),
    };
    if (alias !== undefined && !/^[a-zA-Z0-9_-]{1,80}$/.test(alias))
      throw new UsageError(`--alias takes an alias name (letters, digits, - and _), not ${alias}`);
    return { command: 'stats', flags, stateMachineArn: rest[0], ...window, ...(alias !== undefined ? { alias } : {}), json: json === true };
  }
  if ((since !== undefined || until !== undefined) && command !== 'export')
    throw new UsageError(`--${since !== undefined ? 'since' : 'until'} is an option of stats and export`);
  if (verifyGiven[0] !== undefined) throw new UsageError(`--${verifyGiven[0]} is an option of verify`);
  if (command === 'history') {
    if (rest[0] !== 'export') throw new UsageError(`unknown history command: ${rest[0] ?? '(none)'}; try 'stepstream history export <executionArn> --proof'`);
    if (rest[1] === undefined) throw new UsageError('history export needs the execution ARN');
    if (rest[2] !== undefined) throw new UsageError(`unexpected argument ${rest[2]}`);
    if (proof !== true) throw new UsageError('history export writes proof bundles: add --proof');
    return { command: 'history export', flags, executionArn: rest[1], out: out ?? '-' };
  }
  if (proof !== undefined || out !== undefined) throw new UsageError(`--${proof !== undefined ? 'proof' : 'out'} is an option of history export`);
  if (command === 'serve') {
    if (rest[0] !== undefined) throw new UsageError(`unexpected argument ${rest[0]}`);
    return { command: 'serve', flags };
  }
  if (command === 'projections') {
    if (rest[0] !== 'rebuild') throw new UsageError(`unknown projections command: ${rest[0] ?? '(none)'}; try 'stepstream projections rebuild'`);
    if (rest[1] !== undefined) throw new UsageError(`unexpected argument ${rest[1]}`);
    return { command: 'projections rebuild', flags };
  }
  if (command === 'quarantine') {
    if (rest[0] !== 'release') throw new UsageError(`unknown quarantine command: ${rest[0] ?? '(none)'}; try 'stepstream quarantine release <executionArn>'`);
    if (rest[1] === undefined) throw new UsageError('quarantine release needs the execution ARN');
    if (rest[2] !== undefined) throw new UsageError(`unexpected argument ${rest[2]}`);
    return { command: 'quarantine release', flags, executionArn: rest[1] };
  }
  throw new UsageError(`unknown command: ${command}`);
};
