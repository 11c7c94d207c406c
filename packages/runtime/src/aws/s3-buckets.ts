import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BucketError, type Buckets, type ListedObject, type StoredObject } from './buckets.js';
import { clientConfig } from './client-config.js';

/** Where the buckets are: an S3-compatible endpoint's URL, or (no `endpoint`) AWS itself, in `region`. */
export interface S3BucketsOptions {
  /** `http://127.0.0.1:4568`, `https://minio.internal:9000`…; absent: AWS's regional S3 endpoint. */
  readonly endpoint?: string;
  readonly region: string;
}

/** ListObjectsV2 answers at most 1,000 keys a page (`MaxKeys`, https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
const PAGE_SIZE = 1000;

/**
 * The buckets of S3 or of an S3-compatible server (issue 20), through `@aws-sdk/client-s3`: what a
 * Distributed Map's ItemReader reads and its ResultWriter writes when the `s3` service has an
 * endpoint (`ServiceEndpoint` `url` or `aws`). One client per instance, path-style addressing for
 * a URL (`http://host:port/bucket/key`, what local servers serve), and every failure — S3's
 * answer, an unreachable endpoint, missing credentials — a {@link BucketError}.
 *
 * @example
 * ```ts
 * const buckets = new S3Buckets({ endpoint: 'http://127.0.0.1:4568', region: 'us-east-1' });
 * await buckets.putObject('results', 'run-1/manifest.json', '{"ok":true}', 'application/json');
 * const { bytes } = await buckets.getObject('results', 'run-1/manifest.json');
 * ```
 */
export class S3Buckets implements Buckets {
  private readonly client: S3Client;
  /** What an error message names: the URL, or AWS and its region. */
  private readonly where: string;

  constructor(options: S3BucketsOptions) {
    this.client = new S3Client(s3Config(options));
    this.where = options.endpoint ?? `AWS S3 in ${options.region}`;
  }

  async getObject(bucket: string, key: string, versionId?: string): Promise<StoredObject> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      const bytes = answer.Body ? await answer.Body.transformToByteArray() : new Uint8Array();
      return {
        bytes,
        ...(answer.ETag !== undefined && { eTag: answer.ETag }),
        ...(answer.LastModified !== undefined && { lastModified: answer.LastModified }),
        ...(answer.VersionId !== undefined && { versionId: answer.VersionId }),
      };
    } catch (e) {
      throw toBucketError(e, this.where);
    }
  }

  async listObjects(bucket: string, options: { readonly prefix?: string; readonly limit?: number } = {}): Promise<ListedObject[]> {
    const limit = options.limit ?? Infinity;
    const listed: ListedObject[] = [];
    let continuationToken: string | undefined;
    try {
      while (listed.length < limit) {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: options.prefix,
            ContinuationToken: continuationToken,
            MaxKeys: Math.min(PAGE_SIZE, limit - listed.length),
          }),
        );
        listed.push(...(page.Contents ?? []).map(toListedObject));
        if (!page.IsTruncated) break;
        continuationToken = page.NextContinuationToken;
        // A truncated page without a token would make the listing end early without saying so.
        if (continuationToken === undefined)
          throw new BucketError('InternalError', `${this.where} answered a truncated listing of ${bucket} without a NextContinuationToken`, 500);
      }
    } catch (e) {
      throw toBucketError(e, this.where);
    }
    return listed.slice(0, limit);
  }

  async putObject(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      // The length given, the SDK need not guess it (for an empty body it cannot, and warns of a stream of unknown length).
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength, ContentType: contentType }));
    } catch (e) {
      throw toBucketError(e, this.where);
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }
}

/**
 * The client's configuration. For a URL: path-style addressing, the default credential chain or
 * {@link LOCAL_CREDENTIALS}, and checksums only where S3 requires them: the SDK's default since
 * 3.729 (an extra CRC32 header on every upload, its check on every download) is refused by some
 * S3-compatible servers (Cloudflare R2 answers 501, aws/aws-sdk-js-v3#6810). For AWS itself: the
 * SDK's defaults, so missing credentials say so instead of being replaced by keys AWS refuses.
 */
const s3Config = ({ endpoint, region }: S3BucketsOptions): S3ClientConfig =>
  clientConfig({ service: 's3', region, ...(endpoint !== undefined ? { endpoint } : {}), probe: () => new S3Client({ region }) }) as S3ClientConfig;

interface SdkListedObject {
  readonly Key?: string;
  readonly Size?: number;
  readonly ETag?: string;
  readonly LastModified?: Date;
  readonly StorageClass?: string;
}

const toListedObject = (o: SdkListedObject): ListedObject => ({
  key: o.Key ?? '',
  size: o.Size ?? 0,
  eTag: o.ETag ?? '',
  lastModified: o.LastModified ?? new Date(0),
  storageClass: o.StorageClass ?? 'STANDARD',
});

/** What the SDK throws: a service exception (with S3's code and HTTP status), or a Node or SDK error that never reached S3. */
interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * S3's answer as a BucketError: its code (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`…), message
 * and HTTP status. A request that got no answer (refused, unresolvable, timed out) or could not
 * be signed is a BucketError with status 0 — there was no HTTP status — and a message that
 * names the endpoint and what to check.
 */
const toBucketError = (e: unknown, where: string): BucketError => {
  if (e instanceof BucketError) return e;
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as SdkError;
  const name = err.Code ?? err.name ?? 'UnknownError';
  const message = err.message ?? String(e);
  const status = err.$metadata?.httpStatusCode;
  if (status !== undefined) return new BucketError(name, message || name, status);
  if (name === 'CredentialsProviderError')
    return new BucketError(
      'CredentialsProviderError',
      `No AWS credentials to call ${where}: ${message}. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
      0,
    );
  const cause = err.code ?? name;
  return new BucketError(
    'NetworkingError',
    `Cannot reach the S3 endpoint ${where} (${cause}: ${message}): check that the server is running and listening there, and that the URL's scheme, host and port are right.`,
    0,
  );
};
