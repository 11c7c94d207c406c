import type { Buckets } from './buckets.js';
import { DirectoryBuckets } from './directory-buckets.js';
import type { ServiceEndpoint, ServiceEndpoints } from './endpoints.js';
import { S3Buckets } from './s3-buckets.js';

/** The buckets an `s3` endpoint names: an S3-compatible URL, AWS itself in `region`, or a local directory; none without one. */
export const bucketsAt = (s3: ServiceEndpoint | undefined, region: string): Buckets | undefined => {
  if (!s3) return undefined;
  switch (s3.kind) {
    case 'url':
      return new S3Buckets({ endpoint: s3.url, region });
    case 'aws':
      return new S3Buckets({ region });
    case 'directory':
      return new DirectoryBuckets(s3.path);
  }
};

/** The endpoints the AWS SDK calls: all but a directory of buckets (which only the engine's own S3 reads and writes). */
export const sdkEndpoints = (endpoints: ServiceEndpoints): ServiceEndpoints => new Map([...endpoints].filter(([, e]) => e.kind !== 'directory'));

/** A URL with its password hidden, for logs. */
const redacted = (url: string) => url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');

/** The configured services, for the start-up log: `s3 → http://127.0.0.1:4568, dynamodb → AWS (default credentials)`; passwords hidden. */
export const describeEndpoints = (endpoints: ServiceEndpoints): string =>
  [...endpoints]
    .map(([service, e]) => `${service} → ${e.kind === 'url' ? redacted(e.url) : e.kind === 'aws' ? 'AWS (default credentials)' : `the buckets in ${e.path}`}`)
    .join(', ');
