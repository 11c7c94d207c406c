import type { ServiceEndpoint } from '@stepstream/runtime';
import test from 'ava';
import { isAbsolute, resolve } from 'node:path';
import { OPTIONS, parseCommandLine, usage, UsageError, type Flags } from '../src/args.js';
import { readServeConfig } from '../src/config.js';
import { connectionsPerNode } from '../src/open.js';

const flagsOf = (argv: readonly string[]): Flags => {
  const line = parseCommandLine(argv);
  if (line.command === 'help') throw new Error(`${argv.join(' ')} parsed as help`);
  return line.flags;
};

/** Every option with a value, in both spellings, and what the configuration makes of it. */
const EVERY_OPTION: readonly (readonly [string, string])[] = [
  ['port', '9001'],
  ['host', '0.0.0.0'],
  ['data', 'some/dir'],
  ['database-url', 'postgres://u:p@db:5432/x'],
  ['log-level', 'debug'],
  ['region', 'eu-west-3'],
  ['account', '210987654321'],
  ['functions', 'fns'],
  ['http-connections', 'conns.json'],
  ['mock-config', 'mocks.json'],
];

for (const form of ['--name value', '--name=value'] as const) {
  test(`every option is read in the form ${form}`, (t) => {
    const argv = ['serve', ...EVERY_OPTION.flatMap(([name, value]) => (form === '--name value' ? [`--${name}`, value] : [`--${name}=${value}`]))];
    const config = readServeConfig(flagsOf(argv), {});
    t.is(config.port, 9001);
    t.is(config.host, '0.0.0.0');
    t.deepEqual(config.store, { kind: 'postgres', url: 'postgres://u:p@db:5432/x' });
    t.is(config.logLevel, 'debug');
    t.deepEqual(config.scope, { partition: 'aws', region: 'eu-west-3', account: '210987654321' });
    t.deepEqual(config.functions, { kind: 'directory', dir: resolve('fns') });
    t.is(config.httpConnectionsFile, resolve('conns.json'));
    t.is(config.mockConfigFile, resolve('mocks.json'));
  });
}

test('each environment variable stands in for its flag, and a flag wins over it', (t) => {
  const env = {
    PORT: '9002',
    HOST: '::1',
    STEPSTREAM_DATA: 'env-data',
    LOG_LEVEL: 'WARN',
    STEPSTREAM_REGION: 'cn-north-1',
    STEPSTREAM_ACCOUNT: '111111111111',
    STEPSTREAM_LAMBDA_ENDPOINT: 'http://127.0.0.1:3001',
    STEPSTREAM_HTTP_CONNECTIONS: 'c.json',
    STEPSTREAM_MOCK_CONFIG: 'm.json',
  };
  const fromEnv = readServeConfig(flagsOf(['serve']), env);
  t.is(fromEnv.port, 9002);
  t.is(fromEnv.host, '::1');
  t.deepEqual(fromEnv.store, { kind: 'pglite', dataDir: resolve('env-data') });
  t.is(fromEnv.logLevel, 'warn');
  t.deepEqual(fromEnv.scope, { partition: 'aws-cn', region: 'cn-north-1', account: '111111111111' });
  t.deepEqual(fromEnv.functions, { kind: 'endpoint', url: 'http://127.0.0.1:3001' });
  t.is(fromEnv.httpConnectionsFile, resolve('c.json'));
  t.is(fromEnv.mockConfigFile, resolve('m.json'));
  const flagsWin = readServeConfig(flagsOf(['serve', '--port', '9003', '--data=flag-data']), env);
  t.is(flagsWin.port, 9003);
  t.deepEqual(flagsWin.store, { kind: 'pglite', dataDir: resolve('flag-data') });
  t.deepEqual(readServeConfig(flagsOf(['serve', '--eventstore-url', 'esdb://e:2113', '--database-url', 'postgres://r']), {}).store, {
    kind: 'eventstoredb',
    url: 'esdb://e:2113',
    readModelUrl: 'postgres://r',
  });
});

test('the defaults when nothing is given', (t) => {
  const config = readServeConfig(flagsOf(['serve']), {});
  t.is(config.port, 8083);
  t.is(config.host, '127.0.0.1');
  t.deepEqual(config.store, { kind: 'pglite', dataDir: resolve('.stepstream') });
  t.is(config.logLevel, 'info');
  t.deepEqual(config.scope, { partition: 'aws', region: 'us-east-1', account: '123456789012' });
  t.is(config.functions, undefined);
});

test('commands: serve, projections rebuild, help in its three spellings and with no arguments', (t) => {
  t.deepEqual(parseCommandLine(['serve']), { command: 'serve', flags: {} });
  t.deepEqual(parseCommandLine(['projections', 'rebuild', '--data', 'd']), { command: 'projections rebuild', flags: { data: 'd' } });
  for (const argv of [[], ['help'], ['--help'], ['-h'], ['serve', '-h'], ['projections', 'rebuild', '--help']])
    t.deepEqual(parseCommandLine(argv), { command: 'help' });
});

const rejected: readonly (readonly [readonly string[], string])[] = [
  [['serve', '--prot', '19150'], 'unknown option --prot'],
  [['serve', '-p', '1'], 'unknown option -p'],
  [['serve', 'now'], 'unexpected argument now'],
  [['serve', '--port'], '--port needs a value (write --name=VALUE for a value that starts with a dash)'],
  [['serve', '--data', '--port', '1'], '--data needs a value (write --name=VALUE for a value that starts with a dash)'],
  [['serve', '--help=yes'], '--help takes no value'],
  [['projections'], "unknown projections command: (none); try 'stepstream projections rebuild'"],
  [['projections', 'rebuild', 'all'], 'unexpected argument all'],
  [['help', 'serve'], 'unexpected argument serve'],
  [['start'], 'unknown command: start'],
  [['--port', '1'], 'no command: options go after one, as in `stepstream serve --port 9000`'],
];

test('what the parser refuses, one line each', (t) => {
  for (const [argv, message] of rejected) {
    const e = t.throws(() => parseCommandLine(argv), { instanceOf: UsageError }, argv.join(' '));
    t.is(e?.message, message);
  }
});

test('values the configuration refuses', (t) => {
  for (const [argv, message] of [
    [['serve', '--port='], 'Not a port: '],
    [['serve', '--port', '70000'], 'Not a port: 70000'],
    [['serve', '--log-level', 'trace'], '--log-level is debug, info or warn, not trace'],
    [['serve', '--account', '12'], 'An AWS account id is 12 digits, not 12'],
    [
      ['serve', '--functions', 'f', '--lambda-endpoint', 'http://x'],
      'Set either STEPSTREAM_FUNCTIONS (a directory of functions) or STEPSTREAM_LAMBDA_ENDPOINT (an Invoke API), not both',
    ],
    [['serve', '--node', 'a node'], 'A node\'s name is 1 to 100 letters, digits and . _ : -, not "a node"'],
  ] as const) {
    t.throws(() => readServeConfig(flagsOf(argv), {}), { instanceOf: UsageError, message }, argv.join(' '));
  }
  t.is(readServeConfig(flagsOf(['serve', '--node', 'east-1.a']), {}).node, 'east-1.a');
});

test('STEPSTREAM_PG_CONNECTIONS: two thirds for the store, the rest for the read models; anything but 3 to 1000 is refused', (t) => {
  t.deepEqual(connectionsPerNode(undefined), { store: 12, readModels: 6 });
  t.deepEqual(connectionsPerNode('9'), { store: 6, readModels: 3 });
  t.deepEqual(connectionsPerNode('3'), { store: 2, readModels: 1 });
  for (const bad of ['2', '1001', '7.5', 'many', '-4']) {
    t.throws(
      () => connectionsPerNode(bad),
      { instanceOf: UsageError, message: `STEPSTREAM_PG_CONNECTIONS is a whole number from 3 to 1000, not ${JSON.stringify(bad)}` },
      bad,
    );
  }
});

test('--auth, --credentials, --limits and --tls-*: the defaults, and what the configuration refuses', (t) => {
  const config = (argv: string[]) => readServeConfig(flagsOf(['serve', ...argv]), {});
  t.deepEqual([config([]).auth, config([]).limits, config([]).tls], [{ kind: 'none' }, { kind: 'off' }, undefined], 'local use: nothing on');
  const signed = config(['--auth', 'sigv4', '--credentials', 'keys.json']);
  t.deepEqual(signed.auth, { kind: 'sigv4', credentialsFile: resolve('keys.json') });
  t.deepEqual(signed.limits, { kind: 'aws' }, "AWS's quotas by default with SigV4");
  t.deepEqual(config(['--auth', 'sigv4', '--credentials', 'k.json', '--limits', 'off']).limits, { kind: 'off' });
  t.deepEqual(config(['--limits', 'q.json']).limits, { kind: 'file', file: resolve('q.json') });
  t.deepEqual(config(['--tls-cert', 'c.pem', '--tls-key', 'k.pem']).tls, { certFile: resolve('c.pem'), keyFile: resolve('k.pem') });
  for (const [argv, message] of [
    [['--auth', 'basic'], /--auth is none or sigv4, not basic/],
    [['--auth', 'sigv4'], /--auth sigv4 needs --credentials FILE/],
    [['--credentials', 'k.json'], /--credentials goes with --auth sigv4/],
    [['--tls-key', 'k.pem'], /--tls-cert and --tls-key go together/],
  ] as const) {
    t.throws(() => config([...argv]), { instanceOf: UsageError, message }, argv.join(' '));
  }
});

test('--aws-endpoints: S3 is the directory <data dir>/buckets unless named; the flag wins over STEPSTREAM_AWS_ENDPOINTS; file:DIR is made absolute', (t) => {
  const endpoints = (argv: readonly string[], env: NodeJS.ProcessEnv = {}) => readServeConfig(flagsOf(['serve', ...argv]), env).endpoints;
  const map = (...entries: (readonly [string, ServiceEndpoint])[]) => new Map(entries);
  const directory = (...path: string[]): ServiceEndpoint => ({ kind: 'directory', path: resolve(...path) });
  const aws: ServiceEndpoint = { kind: 'aws' };
  const url = (at: string): ServiceEndpoint => ({ kind: 'url', url: at });
  const zeroSetup = map(['s3', directory('.stepstream', 'buckets')]);
  t.deepEqual(endpoints([]), zeroSetup, 'zero setup: the buckets of the default data directory');
  t.deepEqual(endpoints(['--data', 'd']), map(['s3', directory('d', 'buckets')]));
  t.deepEqual(endpoints([], { STEPSTREAM_DATA: 'env-data' }), map(['s3', directory('env-data', 'buckets')]));
  t.deepEqual(endpoints(['--aws-endpoints', 'dynamodb=aws']), map(['dynamodb', aws], ['s3', directory('.stepstream', 'buckets')]));
  const relative = endpoints(['--aws-endpoints=s3=file:rel']).get('s3');
  t.deepEqual(relative, directory('rel'));
  t.true(relative?.kind === 'directory' && isAbsolute(relative.path), 'resolved against the working directory');
  t.deepEqual(
    endpoints(['--aws-endpoints', ' S3 = http://127.0.0.1:4568/ , events=aws,aws-sdk:sqs=https://sqs.local ,']),
    map(['s3', url('http://127.0.0.1:4568')], ['eventbridge', aws], ['sqs', url('https://sqs.local')]),
    'spaces, case, a trailing slash and an empty pair are forgiven; services are named as aws-sdk:<service> names them',
  );
  const env = { STEPSTREAM_AWS_ENDPOINTS: 's3=http://127.0.0.1:4568,sqs=aws' };
  t.deepEqual(endpoints([], env), map(['s3', url('http://127.0.0.1:4568')], ['sqs', aws]));
  t.deepEqual(
    endpoints(['--aws-endpoints', 'dynamodb=aws'], env),
    map(['dynamodb', aws], ['s3', directory('.stepstream', 'buckets')]),
    'the flag replaces the variable whole: nothing of it is merged in',
  );
  t.deepEqual(endpoints(['--aws-endpoints='], env), zeroSetup, 'an empty flag still wins');
});

test('--aws-endpoints: each value parseServiceEndpoints refuses reaches the user as a usage error saying what to fix', (t) => {
  const pairs = (part: string) =>
    `--aws-endpoints takes service=URL pairs separated by commas (s3=http://127.0.0.1:4568,dynamodb=aws), not ${JSON.stringify(part)}`;
  for (const [value, message] of [
    ['s3', pairs('s3')],
    ['dynamodb=aws,s3', pairs('s3')],
    ['s3=', pairs('s3=')],
    ['=http://127.0.0.1:4568', pairs('=http://127.0.0.1:4568')],
    ['s 3=aws', pairs('s 3=aws')],
    ['s3=aws,s3=http://127.0.0.1:4568', '--aws-endpoints names s3 twice'],
    ['S3=aws,s3=aws', '--aws-endpoints names s3 twice'],
    ['events=aws,eventbridge=aws', '--aws-endpoints names eventbridge twice'],
    ['dynamodb=file:tables', '--aws-endpoints: only s3 can be a directory (file:DIR), not dynamodb'],
    ['s3=file:', '--aws-endpoints: s3=file:DIR needs the directory whose sub-directories are the buckets'],
    ['s3=ftp://127.0.0.1/x', '--aws-endpoints: s3=ftp://127.0.0.1/x must be an http:// or https:// URL'],
    ['sqs=localhost:9324', '--aws-endpoints: sqs=localhost:9324 must be an http:// or https:// URL'],
    ['s3=127.0.0.1:4568', '--aws-endpoints: s3=127.0.0.1:4568 is not a URL (http://host:port), aws or file:DIR'],
    ['s3=http://', '--aws-endpoints: s3=http:// is not a URL (http://host:port), aws or file:DIR'],
  ] as const) {
    t.throws(() => readServeConfig(flagsOf(['serve', '--aws-endpoints', value]), {}), { instanceOf: UsageError, message }, `flag ${value}`);
    t.throws(() => readServeConfig(flagsOf(['serve']), { STEPSTREAM_AWS_ENDPOINTS: value }), { instanceOf: UsageError, message }, `variable ${value}`);
  }
});

test('help lists every option with its environment variable and default, --aws-endpoints among them', (t) => {
  for (const [name, o] of Object.entries(OPTIONS)) {
    t.true(usage.includes(`  --${name} ${o.value}`), name);
    t.true(usage.includes(o.default === undefined ? `${o.env}: ${o.what}` : `${o.env}, default ${o.default}: ${o.what}`), name);
  }
  t.regex(usage, /^ {2}--aws-endpoints LIST +STEPSTREAM_AWS_ENDPOINTS, default s3=file:<data dir>\/buckets: where AWS services are/m);
});
