import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { BucketError, type Buckets, type ListedObject, type StoredObject } from './buckets.js';

/**
 * Where {@link DirectoryBuckets.putObject} writes before renaming: a file in the object's own
 * folder (a rename is atomic only within one file system) whose name starts with this. Listings
 * skip such files, and no key may have a segment that starts with it.
 */
const TEMP_PREFIX = '.stepstream-put-';

/** "Object key names … can be up to 1,024 bytes long" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). */
const MAX_KEY_BYTES = 1024;

/** How many files a listing reads at once to compute their ETags, and up to which size a file is read whole for it rather than streamed. */
const LISTING_READS = 16;
const READ_AT_ONCE_BYTES = 1024 * 1024;

/**
 * The buckets of a local directory (issue 20, `ServiceEndpoint` `directory`): each sub-directory
 * is a bucket, each file below it an object whose key is its path relative to the bucket, `/`
 * between folders (`<root>/<bucket>/<key>`). Zero setup for local runs: a bucket is a directory
 * you create (`mkdir -p data/my-bucket`); as on S3, writing to a bucket that does not exist fails
 * with `NoSuchBucket` rather than creating it.
 *
 * Answers are S3's: its error codes, messages and statuses, listings in S3's key order (UTF-8
 * bytes), ETags that are the quoted MD5 of the bytes (what S3 gives a single-part upload),
 * storage class `STANDARD`, the file's mtime as `LastModified`. Writes are atomic: a reader sees
 * the old object or the new one, never half of one.
 *
 * Keys and bucket names come from state machines and their input, so they are checked before
 * any path is built, and no name can reach outside the root: a bucket name must follow S3's
 * naming rules (`InvalidBucketName` otherwise), and a key that no file path can hold safely —
 * empty, absolute (`/x`), with an empty, `.` or `..` segment, a backslash or a NUL — is refused
 * with `InvalidArgument` (S3 would accept some of them; a directory cannot hold them).
 *
 * What a directory does not have: versions (a `versionId` is ignored and none is returned) and
 * metadata (the content type of a write is not kept). Symbolic links are the operator's: reading
 * a key follows them, listings skip them (so a link cannot make a listing endless). On a
 * case-insensitive file system (macOS's and Windows' defaults), keys that differ only in case
 * are one object.
 *
 * @example
 * ```ts
 * await mkdir('data/results', { recursive: true });
 * const buckets = new DirectoryBuckets('data');
 * await buckets.putObject('results', 'run-1/manifest.json', '{"ok":true}'); // data/results/run-1/manifest.json
 * await buckets.listObjects('results', { prefix: 'run-1/' }); // [{ key: 'run-1/manifest.json', size: 11, … }]
 * ```
 */
export class DirectoryBuckets implements Buckets {
  /** The directory whose sub-directories are the buckets, absolute. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The object's bytes; `versionId` is ignored (a directory keeps one version of each object). */
  async getObject(bucket: string, key: string, _versionId?: string): Promise<StoredObject> {
    const file = objectFile(await this.existingBucket(bucket), key);
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, 'r');
      const stats = await handle.stat();
      if (!stats.isFile()) throw noSuchKey();
      const contents = await handle.readFile();
      const bytes = new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
      return { bytes, eTag: eTagOf(bytes), lastModified: stats.mtime };
    } catch (e) {
      throw isMissing(e) ? noSuchKey() : fileError(e, key);
    } finally {
      await handle?.close();
    }
  }

  async listObjects(bucket: string, options: { readonly prefix?: string; readonly limit?: number } = {}): Promise<ListedObject[]> {
    const dir = await this.existingBucket(bucket);
    const prefix = options.prefix ?? '';
    const keys = sortedAsS3((await keysUnder(dir, '', prefix)).filter((key) => key.startsWith(prefix)));
    const chosen = keys.slice(0, Math.max(0, options.limit ?? Infinity));
    const listed: ListedObject[] = [];
    for (let i = 0; i < chosen.length; i += LISTING_READS) {
      const batch = await Promise.all(chosen.slice(i, i + LISTING_READS).map((key) => listedObject(dir, key)));
      // A file removed since the walk is simply not listed, as S3 lists what exists when it answers.
      listed.push(...batch.filter((o): o is ListedObject => o !== undefined));
    }
    return listed;
  }

  /** Writes the object, replacing one of that key; the folders of its key are created as needed. The content type is not kept. */
  async putObject(bucket: string, key: string, body: string | Uint8Array, _contentType?: string): Promise<void> {
    const file = objectFile(await this.existingBucket(bucket), key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const folder = dirname(file);
    const temp = join(folder, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(folder, { recursive: true });
      await writeDurably(temp, bytes);
      await rename(temp, file); // replaces an existing object in one step
    } catch (e) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw isFolderConflict(e) ? folderConflict(key) : fileError(e, key);
    }
  }

  /** The bucket's directory, after checking its name; `NoSuchBucket` when there is no such directory. */
  private async existingBucket(bucket: string): Promise<string> {
    const problem = bucketNameProblem(bucket);
    if (problem !== undefined) throw new BucketError('InvalidBucketName', `The specified bucket is not valid: ${JSON.stringify(bucket)} ${problem}.`, 400);
    const dir = join(this.root, bucket);
    try {
      if ((await stat(dir)).isDirectory()) return dir;
    } catch (e) {
      if (!isMissing(e)) throw fileError(e, bucket);
    }
    throw new BucketError('NoSuchBucket', 'The specified bucket does not exist', 404);
  }
}

/**
 * Why `name` is not an S3 bucket name, or undefined when it is. "Bucket names must be between 3
 * and 63 characters long. Bucket names can consist only of lowercase letters, numbers, periods
 * (.), and hyphens (-). Bucket names must begin and end with a letter or number. Bucket names must
 * not contain two adjacent periods. Bucket names must not be formatted as an IP address"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). These rules
 * also keep a name from being anything but one directory below the root (no `/`, `\`, `..`, NUL).
 */
export const bucketNameProblem = (name: string): string | undefined => {
  if (name.length < 3 || name.length > 63) return 'must be between 3 and 63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may contain only lowercase letters, numbers, periods (.) and hyphens (-)';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'must begin and end with a letter or number';
  if (name.includes('..')) return 'must not contain two adjacent periods';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'must not be formatted as an IP address';
  return undefined;
};

/**
 * Why no file path below a bucket can hold `key` safely, or undefined when one can: its segments
 * (between `/`) become folders and a file name, so none may be empty (a leading `/` would make the
 * path absolute), `.` or `..` (another folder), or contain a backslash (a separator on Windows) or
 * NUL; nor may one start like the temporary files of a write.
 */
export const keyProblem = (key: string): string | undefined => {
  if (key === '') return 'it is empty';
  if (key.includes('\0')) return 'it contains a NUL character';
  if (key.includes('\\')) return 'it contains a backslash, a path separator on Windows';
  if (key.startsWith('/')) return 'it starts with "/", which would make it an absolute path';
  const segments = key.split('/');
  if (segments.includes('')) return 'it has an empty segment ("//", or "/" at its end), which no file name can be';
  if (segments.some((s) => s === '.' || s === '..')) return 'it has a "." or ".." segment, which would name another folder';
  if (segments.some((s) => s.startsWith(TEMP_PREFIX))) return `a segment starts with "${TEMP_PREFIX}", which names the files of writes in progress`;
  return undefined;
};

/** The file of `key` in the bucket directory `dir`; a BucketError when the key cannot be one. */
const objectFile = (dir: string, key: string): string => {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) throw new BucketError('KeyTooLongError', 'Your key is too long', 400);
  const problem = keyProblem(key);
  if (problem !== undefined)
    throw new BucketError('InvalidArgument', `The key ${JSON.stringify(key)} cannot be an object of a directory bucket: ${problem}.`, 400);
  const file = resolve(dir, ...key.split('/'));
  // keyProblem already rules out every way out of the bucket; this says so again in terms of paths.
  if (!file.startsWith(dir + sep)) throw new BucketError('InvalidArgument', `The key ${JSON.stringify(key)} names a file outside its bucket.`, 400);
  return file;
};

/**
 * The keys of the files below `dir` (whose key so far is `above`) that can start with `prefix`:
 * a folder is entered only when its keys can begin with the prefix or the prefix with them.
 * Temporary files, symbolic links and names no key could have are left out.
 */
const keysUnder = async (dir: string, above: string, prefix: string): Promise<string[]> => {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (isMissing(e)) return []; // removed during the walk
    throw fileError(e, above);
  }
  const keys: string[] = [];
  for (const entry of entries) {
    const key = above + entry.name;
    if (keyProblem(key) !== undefined) continue;
    if (entry.isFile()) keys.push(key);
    else if (entry.isDirectory() && (prefix.startsWith(key + '/') || (key + '/').startsWith(prefix)))
      keys.push(...(await keysUnder(join(dir, entry.name), key + '/', prefix)));
  }
  return keys;
};

/** Keys in S3's listing order: "List results are always returned in UTF-8 binary order" (ListObjectsV2). */
const sortedAsS3 = (keys: readonly string[]): string[] =>
  keys
    .map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ key }) => key);

/** One listed file, or undefined when it is gone. */
const listedObject = async (dir: string, key: string): Promise<ListedObject | undefined> => {
  let handle: FileHandle | undefined;
  try {
    handle = await open(resolve(dir, ...key.split('/')), 'r');
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    return { key, size: stats.size, eTag: await eTagOfFile(handle, stats.size), lastModified: stats.mtime, storageClass: 'STANDARD' };
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw fileError(e, key);
  } finally {
    await handle?.close();
  }
};

/** The ETag of an open file: read at once when small, streamed when large. */
const eTagOfFile = async (handle: FileHandle, size: number): Promise<string> => {
  if (size <= READ_AT_ONCE_BYTES) return eTagOf(await handle.readFile());
  const hash = createHash('md5');
  for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  return `"${hash.digest('hex')}"`;
};

/** S3's ETag of a single-part object: the MD5 of its bytes, hex, in double quotes. */
const eTagOf = (bytes: Uint8Array): string => `"${createHash('md5').update(bytes).digest('hex')}"`;

/** Writes a new file and flushes it to disk, so the rename that publishes it cannot publish an empty file after a crash. */
const writeDurably = async (file: string, bytes: Uint8Array): Promise<void> => {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
};

const errorCode = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** No such file, or a file where a folder of the path should be. */
const isMissing = (e: unknown): boolean => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errorCode(e) ?? '');

/** A key whose folder is a file (`a` exists, `a/b` is written) or whose file is a folder (`a/b` exists, `a` is written). */
const isFolderConflict = (e: unknown): boolean => ['ENOTDIR', 'EEXIST', 'EISDIR', 'ENOTEMPTY'].includes(errorCode(e) ?? '');

const noSuchKey = (): BucketError => new BucketError('NoSuchKey', 'The specified key does not exist.', 404);

const folderConflict = (key: string): BucketError =>
  new BucketError(
    'InvalidArgument',
    `The key ${JSON.stringify(key)} cannot be an object of a directory bucket: a file cannot also be a folder, and a part of this key is one where the other is needed.`,
    400,
  );

/**
 * A file system failure as S3 would answer one of its own: permissions are AccessDenied, anything
 * else an InternalError. The message names the key and the system's error code, not the file's
 * path: it may reach an execution's history, and the root's place is the operator's business.
 */
const fileError = (e: unknown, name: string): BucketError => {
  if (e instanceof BucketError) return e;
  const code = errorCode(e);
  const cause = code ?? (e instanceof Error ? e.message : String(e));
  if (code === 'EACCES' || code === 'EPERM') return new BucketError('AccessDenied', `Access Denied (${JSON.stringify(name)}: ${cause})`, 403);
  if (code === 'ENAMETOOLONG') return new BucketError('KeyTooLongError', `Your key is too long for a file name (${JSON.stringify(name)})`, 400);
  return new BucketError('InternalError', `The directory bucket could not be read or written (${JSON.stringify(name)}: ${cause})`, 500);
};
