import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseServiceEndpoints, type ServiceEndpoint } from '@stepstream/runtime';
import { UsageError, type Flags } from './args.js';

/** Where Stepstream keeps its events, from flags and the environment. */
export type StoreConfig =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string; readonly readModelUrl: string | undefined };

export interface ServeConfig {
  readonly scope: { readonly partition: string; readonly region: string; readonly account: string };
  readonly host: string;
  readonly port: number;
  readonly store: StoreConfig;
  readonly logLevel: 'debug' | 'info' | 'warn';
  /** Where Lambda functions run: a directory of modules, or Lambda's Invoke API at an endpoint. */
  readonly functions: { readonly kind: 'directory'; readonly dir: string } | { readonly kind: 'endpoint'; readonly url: string } | undefined;
  /** The JSON file of HTTP Task connection credentials (`STEPSTREAM_HTTP_CONNECTIONS`). */
  readonly httpConnectionsFile: string | undefined;
  /** Step Functions Local's mock configuration file (`STEPSTREAM_MOCK_CONFIG`). */
  readonly mockConfigFile: string | undefined;
  /** The Ed25519 key that signs audit checkpoints (`--audit-key`/`STEPSTREAM_AUDIT_KEY`, default `<data dir>/audit-key.pem`; generated when absent: see audit-key.ts). */
  readonly auditKeyFile: string;
  /** This node's name among several on one Postgres database (`--node`/`STEPSTREAM_NODE`, default `<host>-<pid>`). */
  readonly node: string;
  /** `real`, or `virtual`: the clock jumps to the next timer when the engine has nothing else to do (`--time`/`STEPSTREAM_TIME`). */
  readonly time: 'real' | 'virtual' | 'test-cases';
  /** Who may call (`--auth`, `--credentials`): anyone, or SigV4 with the keys of a file (docs/security.md). */
  readonly auth: { readonly kind: 'none' } | { readonly kind: 'sigv4'; readonly credentialsFile: string };
  /** API throttling (`--limits`): none, AWS's default quotas, or a file of quotas over them. */
  readonly limits: { readonly kind: 'off' } | { readonly kind: 'aws' } | { readonly kind: 'file'; readonly file: string };
  /** HTTPS (`--tls-cert`, `--tls-key`): the certificate and key files. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  /**
   * Where AWS services are (`--aws-endpoints`/`STEPSTREAM_AWS_ENDPOINTS`): `s3`, `dynamodb`, … at
   * a URL, at AWS, or (s3) a directory. S3 defaults to the directory `<data dir>/buckets`.
   */
  readonly endpoints: ReadonlyMap<string, ServiceEndpoint>;
}

/**
 * Flags win over the environment: `--port`/`PORT` (8083), `--host`/`HOST` (127.0.0.1),
 * `--data`/`STEPSTREAM_DATA` (./.stepstream), `DATABASE_URL` (Postgres), `EVENTSTORE_URL`
 * (EventStoreDB, with read models in `DATABASE_URL` or in the embedded store),
 * `--functions`/`STEPSTREAM_FUNCTIONS` (a directory of Lambda functions, `NAME.mjs` exporting
 * `handler`) or `--lambda-endpoint`/`STEPSTREAM_LAMBDA_ENDPOINT` (Lambda's Invoke API),
 * `--http-connections`/`STEPSTREAM_HTTP_CONNECTIONS`, `--mock-config`/`STEPSTREAM_MOCK_CONFIG`,
 * `--audit-key`/`STEPSTREAM_AUDIT_KEY` (`<data dir>/audit-key.pem`, also on Postgres and EventStoreDB),
 * `--aws-endpoints`/`STEPSTREAM_AWS_ENDPOINTS` (`s3=http://…,dynamodb=aws`; S3 is `<data dir>/buckets` otherwise).
 * `flags` come from {@link parseCommandLine}.
 *
 * @example
 * readServeConfig({ port: '9000' }, { PORT: '1' }).port // 9000
 */
export const readServeConfig = (flags: Flags, env: NodeJS.ProcessEnv): ServeConfig => {
  const portText = flags.port ?? env['PORT'] ?? '8083';
  const port = Number(portText);
  // Number('') is 0, which would listen on a random port: an empty value is a mistake.
  if (portText.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Not a port: ${portText}`);
  const databaseUrl = flags['database-url'] ?? env['DATABASE_URL'];
  const eventstoreUrl = flags['eventstore-url'] ?? env['EVENTSTORE_URL'];
  const dataDir = resolve(flags.data ?? env['STEPSTREAM_DATA'] ?? '.stepstream');
  const store: StoreConfig = eventstoreUrl
    ? { kind: 'eventstoredb', url: eventstoreUrl, readModelUrl: databaseUrl }
    : databaseUrl
      ? { kind: 'postgres', url: databaseUrl }
      : { kind: 'pglite', dataDir };
  const level = (flags['log-level'] ?? env['LOG_LEVEL'] ?? 'info').toLowerCase();
  if (level !== 'debug' && level !== 'info' && level !== 'warn') throw new UsageError(`--log-level is debug, info or warn, not ${level}`);
  const region = flags.region ?? env['STEPSTREAM_REGION'] ?? 'us-east-1';
  const account = flags.account ?? env['STEPSTREAM_ACCOUNT'] ?? '123456789012';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`Not an AWS region: ${region}`);
  if (!/^\d{12}$/.test(account)) throw new UsageError(`An AWS account id is 12 digits, not ${account}`);
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const functionsDir = flags.functions ?? env['STEPSTREAM_FUNCTIONS'];
  const lambdaEndpoint = flags['lambda-endpoint'] ?? env['STEPSTREAM_LAMBDA_ENDPOINT'];
  if (functionsDir !== undefined && lambdaEndpoint !== undefined) {
    throw new UsageError('Set either STEPSTREAM_FUNCTIONS (a directory of functions) or STEPSTREAM_LAMBDA_ENDPOINT (an Invoke API), not both');
  }
  const functions =
    functionsDir !== undefined
      ? { kind: 'directory' as const, dir: resolve(functionsDir) }
      : lambdaEndpoint !== undefined
        ? { kind: 'endpoint' as const, url: lambdaEndpoint }
        : undefined;
  const connections = flags['http-connections'] ?? env['STEPSTREAM_HTTP_CONNECTIONS'];
  const mockConfig = flags['mock-config'] ?? env['STEPSTREAM_MOCK_CONFIG'];
  const auditKey = flags['audit-key'] ?? env['STEPSTREAM_AUDIT_KEY'];
  const time = (flags.time ?? env['STEPSTREAM_TIME'] ?? 'real').toLowerCase();
  if (time !== 'real' && time !== 'virtual' && time !== 'test-cases') throw new UsageError(`--time is real, virtual or test-cases, not ${time}`);
  const node = flags.node ?? env['STEPSTREAM_NODE'] ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(node)) throw new UsageError(`A node's name is 1 to 100 letters, digits and . _ : -, not ${JSON.stringify(node)}`);
  const authMode = (flags.auth ?? env['STEPSTREAM_AUTH'] ?? 'none').toLowerCase();
  if (authMode !== 'none' && authMode !== 'sigv4') throw new UsageError(`--auth is none or sigv4, not ${authMode}`);
  const credentials = flags.credentials ?? env['STEPSTREAM_CREDENTIALS'];
  if (authMode === 'sigv4' && credentials === undefined)
    throw new UsageError('--auth sigv4 needs --credentials FILE: the access keys it accepts (docs/security.md)');
  if (authMode === 'none' && credentials !== undefined)
    throw new UsageError('--credentials goes with --auth sigv4: without it every request is accepted unsigned');
  const limitsValue = flags.limits ?? env['STEPSTREAM_LIMITS'] ?? (authMode === 'sigv4' ? 'aws' : 'off');
  const limits =
    limitsValue === 'off' ? { kind: 'off' as const } : limitsValue === 'aws' ? { kind: 'aws' as const } : { kind: 'file' as const, file: resolve(limitsValue) };
  const tlsCert = flags['tls-cert'] ?? env['STEPSTREAM_TLS_CERT'];
  const tlsKey = flags['tls-key'] ?? env['STEPSTREAM_TLS_KEY'];
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new UsageError('--tls-cert and --tls-key go together: the certificate and its private key (PEM files)');
  let endpoints: Map<string, ServiceEndpoint>;
  try {
    endpoints = parseServiceEndpoints(flags['aws-endpoints'] ?? env['STEPSTREAM_AWS_ENDPOINTS'] ?? '', (p) => resolve(p));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Zero setup: a Distributed Map's ItemReader and ResultWriter use a directory of buckets.
  if (!endpoints.has('s3')) endpoints.set('s3', { kind: 'directory', path: join(dataDir, 'buckets') });
  return {
    node,
    time,
    endpoints,
    auth: authMode === 'sigv4' ? { kind: 'sigv4', credentialsFile: resolve(credentials!) } : { kind: 'none' },
    limits,
    tls: tlsCert !== undefined && tlsKey !== undefined ? { certFile: resolve(tlsCert), keyFile: resolve(tlsKey) } : undefined,
    scope: { partition, region, account },
    host: flags.host ?? env['HOST'] ?? '127.0.0.1',
    port,
    store,
    logLevel: level,
    functions,
    httpConnectionsFile: connections !== undefined ? resolve(connections) : undefined,
    mockConfigFile: mockConfig !== undefined ? resolve(mockConfig) : undefined,
    auditKeyFile: auditKey !== undefined ? resolve(auditKey) : join(dataDir, 'audit-key.pem'),
  };
};

/** A URL with its password hidden, for logs. */
export const redact = (url: string) => url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
