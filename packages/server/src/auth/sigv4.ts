import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';

/**
 * Signature Version 4 verification of a request (docs/security.md): the signature the caller's
 * key would give this request, computed by `@smithy/signature-v4` (the signer the AWS SDK for
 * JavaScript itself uses) over exactly the headers the caller says it signed, compared in
 * constant time; AWS's errors for a request that is unsigned, malformed, signed with an unknown
 * key or a wrong secret, for another region or service, or outside the 5-minute window.
 *
 * @module
 */

/** An access key the deployment accepts: whose it is, and what it may do. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The account its requests act in (12 digits). */
  readonly account: string;
  /** Only operations that read (Describe…, List…, Get…, the audit proofs): for auditors. */
  readonly readOnly: boolean;
}

/** Who called, once verified. */
export interface Caller {
  readonly accessKeyId: string;
  readonly account: string;
  readonly readOnly: boolean;
}

/** Why a request is refused: AWS's error type, status and message. */
export interface AuthFailure {
  readonly type: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException' | 'UnrecognizedClientException';
  readonly status: number;
  readonly message: string;
}

/** What is verified of a request. */
export interface SignedRequest {
  readonly method: string;
  /** The request target as sent: path and query (`/`, `/?a=b`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const SKEW_MS = 5 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';

const fail = (type: AuthFailure['type'], message: string, status = 400): AuthFailure => ({ type, status, message });

/** SHA-256 (or HMAC-SHA-256 with a secret) as the signer asks for it, over `node:crypto`. */
export class NodeSha256 implements Checksum {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not used by the signer');
  }
}
const toBuffer = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** `20261207T031500Z` → epoch ms, or undefined when it is not that form. */
const parseAmzDate = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(ms) ? undefined : ms;
};
const amzDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/**
 * Verifies `request` against the deployment's keys at `now`, for `region` and service `states`:
 * the caller, or why it is refused.
 */
export const verifySigV4 = async (
  keys: ReadonlyMap<string, AccessKey>,
  request: SignedRequest,
  region: string,
  now: number,
): Promise<{ readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly failure: AuthFailure }> => {
  const refuse = (failure: AuthFailure) => ({ ok: false as const, failure });
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined || authorization.trim() === '') return refuse(fail('MissingAuthenticationTokenException', 'Missing Authentication Token'));
  const space = authorization.indexOf(' ');
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return refuse(
      fail('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm.slice(0, 64)}'; sign with ${ALGORITHM} (Signature Version 4)`),
    );
  }
  const params = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((p) => !params.get(p));
  const date = header(request.headers, 'x-amz-date');
  const problems = missing.map((p) => `Authorization header requires '${p}' parameter.`);
  if (date === undefined) problems.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (problems.length > 0) return refuse(fail('IncompleteSignatureException', `${problems.join(' ')} Authorization=${authorization.slice(0, 200)}`));
  const scope = params.get('Credential')!.split('/');
  if (scope.length !== 5) {
    return refuse(
      fail(
        'IncompleteSignatureException',
        `Credential should be scoped to a valid region, as AKID/YYYYMMDD/REGION/states/aws4_request, not '${params.get('Credential')!.slice(0, 200)}'.`,
      ),
    );
  }
  const [accessKeyId, day, scopeRegion, service, terminator] = scope as [string, string, string, string, string];
  if (terminator !== 'aws4_request')
    return refuse(fail('InvalidSignatureException', `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`));
  if (service !== 'states') return refuse(fail('InvalidSignatureException', "Credential should be scoped to correct service: 'states'."));
  if (scopeRegion !== region)
    return refuse(fail('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scopeRegion}'; this endpoint is '${region}'.`));
  const key = keys.get(accessKeyId);
  if (!key) return refuse(fail('UnrecognizedClientException', 'The security token included in the request is invalid.'));
  const signedAt = parseAmzDate(date!);
  if (signedAt === undefined) {
    return refuse(fail('IncompleteSignatureException', `X-Amz-Date must be in the ISO8601 Long Format ("yyyyMMdd'T'HHmmss'Z'"), not '${date!.slice(0, 64)}'.`));
  }
  if (day !== date!.slice(0, 8)) {
    return refuse(
      fail(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${day}' != '${date!.slice(0, 8)}', from '${date}'.`,
      ),
    );
  }
  if (signedAt < now - SKEW_MS) {
    return refuse(fail('InvalidSignatureException', `Signature expired: ${date} is now earlier than ${amzDate(now - SKEW_MS)} (${amzDate(now)} - 5 min.)`));
  }
  if (signedAt > now + SKEW_MS) {
    return refuse(
      fail('InvalidSignatureException', `Signature not yet current: ${date} is still later than ${amzDate(now + SKEW_MS)} (${amzDate(now)} + 5 min.)`),
    );
  }
  // A payload hash the caller sent must be the body's: the signature covers the header, not the body.
  const payloadHash = header(request.headers, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    return refuse(fail('InvalidSignatureException', "The provided 'x-amz-content-sha256' header does not match what was computed."));
  }
  const signedHeaders = params
    .get('SignedHeaders')!
    .split(';')
    .map((h) => h.trim().toLowerCase());
  if (!signedHeaders.includes('host')) return refuse(fail('InvalidSignatureException', "'Host' must be a signed header."));
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined)
      return refuse(fail('InvalidSignatureException', `The request signature names header '${name.slice(0, 64)}', which the request does not have.`));
    headers[name] = value;
  }
  const [path, query] = splitUrl(request.url);
  const toSign: HttpRequest = { method: request.method, protocol: 'http:', hostname: headers['host'] ?? '', path, query, headers, body: request.body };
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: key.secretAccessKey },
    region: scopeRegion,
    service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(toSign, { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders), unsignableHeaders: new Set() });
  const computed = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization'] ?? ''))?.[1] ?? '';
  const given = params.get('Signature')!;
  const same = computed.length === given.length && timingSafeEqual(Buffer.from(computed), Buffer.from(given));
  if (!same) {
    return refuse(
      fail(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ),
    );
  }
  return { ok: true, caller: { accessKeyId, account: key.account, readOnly: key.readOnly } };
};

/** `/a?b=c&d` → ['/a', {b: 'c', d: null}] as the signer reads a query. */
const splitUrl = (url: string): [string, Record<string, string | string[] | null>] => {
  const q = url.indexOf('?');
  if (q < 0) return [url || '/', {}];
  const query: Record<string, string | string[] | null> = {};
  for (const pair of url.slice(q + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? null : decodeURIComponent(pair.slice(eq + 1));
    const before = query[name];
    query[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [String(before)]), String(value)];
  }
  return [url.slice(0, q) || '/', query];
};
