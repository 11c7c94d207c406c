/**
 * How the engine's AWS SDK v3 clients are configured (issue 20), one way for S3Buckets and
 * AwsServices: the region, an endpoint's URL (or AWS itself), timeouts that keep one stalled
 * endpoint from hanging an execution, and credentials — the SDK's default chain when it yields
 * some, otherwise fixed local keys that any local server accepts.
 */

/** The keys an endpoint's URL is called with when the default credential chain yields none; a local server accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'stepstream', secretAccessKey: 'stepstream' } as const;

/** Connecting may take this long; a request (SDK retries included) {@link REQUEST_TIMEOUT_MS}. */
export const CONNECTION_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 60_000;

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
export type CredentialsProvider = () => Promise<Credentials>;

/** An SDK client as far as the credential probe needs it: its resolved config, and destroy. */
export interface ProbeClient {
  readonly config: { readonly credentials?: unknown };
  destroy(): void;
}

/**
 * The default credential chain when it yields credentials, otherwise {@link LOCAL_CREDENTIALS}.
 * The chain is the one a client built without credentials holds (environment, profiles, SSO,
 * process, web identity, container and instance metadata); `probe` builds such a client, which
 * never sends anything. Nothing is looked up until the first request; the choice is then kept
 * (the chain refreshes its own credentials when they expire).
 */
export const defaultOrLocalCredentials = (probe: () => ProbeClient): CredentialsProvider => {
  let chosen: Promise<CredentialsProvider> | undefined;
  const choose = async (): Promise<CredentialsProvider> => {
    const client = probe();
    const chain = client.config.credentials;
    client.destroy();
    if (typeof chain !== 'function') return () => Promise.resolve(LOCAL_CREDENTIALS);
    try {
      await (chain as CredentialsProvider)();
      return chain as CredentialsProvider;
    } catch {
      return () => Promise.resolve(LOCAL_CREDENTIALS);
    }
  };
  return async () => {
    chosen ??= choose();
    return (await chosen)();
  };
};

/**
 * The configuration of a client for `service` at `endpoint` (a URL; none: AWS itself in
 * `region`). At a URL: path-style S3 (`http://host:port/bucket/key`, what local servers serve)
 * and checksums only where S3 requires them (the SDK's default CRC32 on every upload is newer
 * than many S3-compatible servers).
 */
export const clientConfig = (options: {
  readonly service: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly timeoutMs?: number;
  readonly probe: () => ProbeClient;
}): Record<string, unknown> => {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const requestHandler = {
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, timeoutMs),
    requestTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    throwOnRequestTimeout: true,
  };
  if (options.endpoint === undefined) return { region: options.region, requestHandler };
  return {
    region: options.region,
    endpoint: options.endpoint,
    credentials: defaultOrLocalCredentials(options.probe),
    requestHandler,
    ...(options.service === 's3' && { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  };
};
