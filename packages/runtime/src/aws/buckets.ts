/**
 * Buckets: the S3 operations the engine performs itself — an ItemReader's `s3:getObject` and
 * `s3:listObjectsV2`, a ResultWriter's `s3:putObject` (issue 20). One interface, two places S3
 * can be: an S3-compatible endpoint (`@aws-sdk/client-s3`) or a local directory.
 */

/** An object's bytes and what S3 says of it. */
export interface StoredObject {
  readonly bytes: Uint8Array;
  readonly eTag?: string;
  readonly lastModified?: Date;
  readonly versionId?: string;
}

/** One object of a listing, as `ListObjectsV2` names its fields. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  readonly lastModified: Date;
  readonly storageClass: string;
}

/** What S3 answered instead (the error code S3 gives, `NoSuchKey`, `NoSuchBucket`, `AccessDenied`…, its message and HTTP status). */
export class BucketError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

export interface Buckets {
  /** The object's bytes; a BucketError when it (or the bucket) does not exist. */
  getObject(bucket: string, key: string, versionId?: string): Promise<StoredObject>;
  /** The objects under `prefix` in key order, every page of the listing, at most `limit` of them. */
  listObjects(bucket: string, options?: { readonly prefix?: string; readonly limit?: number }): Promise<ListedObject[]>;
  /** Writes (or replaces) one object. */
  putObject(bucket: string, key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Closes what it holds open (an SDK client's connections), if anything. */
  close?(): void;
}
