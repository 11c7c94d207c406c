/**
 * Where the AWS services a state machine calls are (issue 20): a map from a service's name as
 * `aws-sdk:<service>` spells it (`s3`, `dynamodb`, `sqs`, `sns`, `eventbridge`, …) to its endpoint.
 * A service not in the map stays mocked (or fails saying how to mock it), as before.
 *
 * - `url`: an S3-, DynamoDB-, SQS-… compatible endpoint (a local server, LocalStack-style), called
 *   with the default credential chain when it yields credentials, otherwise with fixed local ones;
 * - `aws`: AWS itself, at the service's regional endpoint, with the default credential chain;
 * - `directory` (S3 only): a local directory whose sub-directories are the buckets and whose files
 *   are the objects (`<dir>/<bucket>/<key>`), for zero-setup local use.
 */
export type ServiceEndpoint = { readonly kind: 'url'; readonly url: string } | { readonly kind: 'aws' } | { readonly kind: 'directory'; readonly path: string };

export type ServiceEndpoints = ReadonlyMap<string, ServiceEndpoint>;

/** The optimized integrations' resource types that name a service differently from `aws-sdk:` (`events` is EventBridge). */
export const serviceOf = (resourceType: string): string => {
  const name = resourceType.startsWith('aws-sdk:') ? resourceType.slice('aws-sdk:'.length) : resourceType;
  return name === 'events' ? 'eventbridge' : name.toLowerCase();
};

/**
 * Reads `--aws-endpoints`: comma-separated `service=where`, where is an `http(s)://` URL, `aws`
 * (AWS itself) or, for `s3` only, `file:DIR` (a directory of buckets, made absolute by
 * `resolvePath`). Throws an Error that says what to fix.
 *
 * @example
 * parseServiceEndpoints('s3=http://127.0.0.1:4568,dynamodb=aws', (p) => path.resolve(p))
 * // Map { 's3' => { kind: 'url', url: 'http://127.0.0.1:4568' }, 'dynamodb' => { kind: 'aws' } }
 */
export const parseServiceEndpoints = (text: string, resolvePath: (path: string) => string): Map<string, ServiceEndpoint> => {
  const out = new Map<string, ServiceEndpoint>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const service = serviceOf(eq > 0 ? part.slice(0, eq).trim() : '');
    const where = eq > 0 ? part.slice(eq + 1).trim() : '';
    if (!/^[a-z0-9-]{1,40}$/.test(service) || where === '')
      throw new Error(`--aws-endpoints takes service=URL pairs separated by commas (s3=http://127.0.0.1:4568,dynamodb=aws), not ${JSON.stringify(part)}`);
    if (out.has(service)) throw new Error(`--aws-endpoints names ${service} twice`);
    if (where === 'aws') out.set(service, { kind: 'aws' });
    else if (where.startsWith('file:')) {
      if (service !== 's3') throw new Error(`--aws-endpoints: only s3 can be a directory (file:DIR), not ${service}`);
      const dir = where.slice('file:'.length);
      if (dir === '') throw new Error('--aws-endpoints: s3=file:DIR needs the directory whose sub-directories are the buckets');
      out.set(service, { kind: 'directory', path: resolvePath(dir) });
    } else {
      let url: URL;
      try {
        url = new URL(where);
      } catch {
        throw new Error(`--aws-endpoints: ${service}=${where} is not a URL (http://host:port), aws or file:DIR`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--aws-endpoints: ${service}=${where} must be an http:// or https:// URL`);
      out.set(service, { kind: 'url', url: where.replace(/\/+$/, '') });
    }
  }
  return out;
};
