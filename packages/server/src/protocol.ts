import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { internalFailure, serializationException, unknownOperation, validationException, type ApiError } from '@stepstream/domain';
import type { Logger, MetricsScrape } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import { errorBody, errorCatalogue } from './errors.js';
import { callerAccount } from './auth/accounts.js';
import { isRefusal, type Refusal, type RequestGuard } from './auth/guard.js';
import { serveConsole } from './console.js';
import { inspectJson, nestingDepthMessage } from './json-limits.js';
import { encodeBody, type RawJson } from './raw-json.js';

/** The AWS JSON 1.0 protocol of Step Functions (`X-Amz-Target: AWSStepFunctions.<Operation>`). */
export const TARGET_PREFIX = 'AWSStepFunctions.';
/** Stepstream's own operations (`X-Amz-Target: Stepstream.<Operation>`): looked up by the whole target. */
export const STEPSTREAM_PREFIX = 'Stepstream.';
export const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** AWS: the whole request is at most 1 MiB; leave room for the JSON around a 1 MiB definition. */
export const MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024;
/** `Stepstream.ImportExecution` carries a whole recorded history (AWS's can reach 25,000 events): its own limit. */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;
const bodyLimitOf = (target: string) => (target === 'Stepstream.ImportExecution' ? MAX_IMPORT_BODY_BYTES : MAX_BODY_BYTES);

export interface RequestContext {
  readonly requestId: string;
  /** The verified caller's account (SigV4 on, docs/security.md): it creates and lists there; undefined: the deployment's. */
  readonly account?: string;
  /** Aborted when the client goes away before the answer is written (a long poll stops waiting). */
  readonly signal: AbortSignal;
}

/** Who may call (docs/security.md): a request admitted (with its caller's account) or refused; then whether what it names is its account's. */
export interface Access {
  readonly admit: RequestGuard;
  readonly owns: (body: Record<string, unknown>, account: string, operation: string) => Refusal | undefined;
}

/**
 * An operation: decoded body in, response object (or an API error) out. The object is encoded
 * with `JSON.stringify`, unless it is a {@link RawJson}, whose parts are sent as they are.
 */
export type Operation = (body: unknown, ctx: RequestContext) => Promise<E.Either<ApiError, object | RawJson>>;

const send = (res: ServerResponse, status: number, requestId: string, body: object | RawJson) => {
  // Encoded once into bytes: the length is theirs, and the socket writes them without encoding a
  // string again (a page of history is ~200 KB).
  const bytes = encodeBody(body);
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': bytes.length,
    'x-amzn-RequestId': requestId,
  });
  res.end(bytes);
};

/**
 * The request body, or 'too-large' as soon as it is known to pass the limit (a declared
 * Content-Length, or the bytes received): the answer goes out at once, while the rest of the upload
 * is read and dropped (holding nothing), so the client can still read the answer.
 */
const readBody = (req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      resolve('too-large');
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve('too-large');
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > limit ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** How much of an error message the `info` line of a failed request shows. */
const LOGGED_MESSAGE_CHARS = 200;

const shorten = (message: string) => (message.length > LOGGED_MESSAGE_CHARS ? `${message.slice(0, LOGGED_MESSAGE_CHARS)}…` : message);

/**
 * What the parsed body cannot be, found in one walk: nested past Jackson's limit (AWS cannot read
 * it: SerializationException), or a string member holding an unpaired surrogate, which has no
 * UTF-8 form to store (a ValidationException naming the member; NUL and every other character are
 * valid Unicode and pass).
 */
const checkBody = (parsed: unknown): ApiError | undefined => {
  const problem = inspectJson(parsed, { strings: true, numbers: true });
  if (problem === undefined) return undefined;
  if (problem.kind === 'number') return serializationException(`Numeric value out of range of double at '${problem.path}': send a finite number`);
  return problem.kind === 'depth'
    ? serializationException(nestingDepthMessage(problem.depth))
    : validationException(
        `1 validation error detected: Value at '${problem.path}' failed to satisfy constraint: Member must not contain unpaired surrogate characters`,
      );
};

/**
 * Handles one HTTP request: routes by target, parses the body once, runs the operation, writes
 * AWS's success or error shape with `x-amzn-RequestId`. Nothing thrown below escapes: a defect is
 * logged with its request id and answered `InternalFailure` (500), and the server keeps serving.
 * `GET /metrics` answers `metrics`' scrape (Prometheus's text format) when given.
 */
export const handleRequest = async (
  operations: Readonly<Record<string, Operation>>,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  metrics?: MetricsScrape,
  access?: Access,
): Promise<void> => {
  const requestId = randomUUID();
  const started = performance.now();
  const target = String(req.headers['x-amz-target'] ?? '');
  const fail = (e: ApiError) => {
    const status = errorCatalogue[e._tag].status;
    send(res, status, requestId, errorBody(e));
    // A failed request is one `info` line (visible at the default level); an InternalFailure was
    // already logged at `error` with its stack.
    if (e._tag !== 'InternalFailure') {
      log.info(`${req.method} ${target || req.url} ${status} ${e._tag} ${(performance.now() - started).toFixed(1)}ms ${requestId}: ${shorten(e.message)}`);
    }
  };
  try {
    if ((req.method === 'GET' || req.method === 'HEAD') && (req.url === '/console' || req.url?.startsWith('/console/') === true))
      return await serveConsole(req, res);
    if (req.method === 'GET' && (req.url === '/' || req.url === '/health')) {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'x-amzn-RequestId': requestId });
      res.end(
        `stepstream: AWS Step Functions API (POST / with X-Amz-Target: AWSStepFunctions.<Operation>); the console is at /console/${metrics ? '; metrics (Prometheus) at /metrics' : ''}\n`,
      );
      return;
    }
    if (metrics && req.method === 'GET' && (req.url === '/metrics' || req.url?.startsWith('/metrics?') === true)) {
      const text = Buffer.from(await metrics.scrape(), 'utf8');
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': text.length, 'x-amzn-RequestId': requestId });
      res.end(text);
      return;
    }
    const limit = bodyLimitOf(target);
    const body = await readBody(req, limit);
    if (req.method !== 'POST') return fail(unknownOperation(`Only POST is served; send POST / with X-Amz-Target: ${TARGET_PREFIX}<Operation>`));
    if (body === 'too-large') {
      return fail(
        serializationException(
          limit === MAX_BODY_BYTES
            ? `The request body is larger than ${MAX_BODY_BYTES} bytes; AWS accepts at most 1 MiB`
            : `The request body is larger than ${limit} bytes: import a history of at most 64 MiB`,
        ),
      );
    }
    const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target.startsWith(STEPSTREAM_PREFIX) ? target : undefined;
    const operation = name !== undefined && Object.hasOwn(operations, name) ? operations[name] : undefined;
    const refuse = (refused: Refusal) => {
      send(res, refused.status, requestId, { __type: refused.type, message: refused.message });
      log.info(
        `${req.method} ${target || req.url} ${refused.status} ${refused.type} ${(performance.now() - started).toFixed(1)}ms ${requestId}: ${shorten(refused.message)}`,
      );
    };
    let account: string | undefined;
    if (access) {
      // Who calls and how often, before the operation is looked at further (docs/security.md).
      const admitted = await access.admit({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, operation ? name : undefined);
      if (isRefusal(admitted)) return refuse(admitted);
      account = admitted.account;
    }
    if (!operation) {
      return fail(
        unknownOperation(target ? `Operation ${target} is not supported by this service` : `Missing X-Amz-Target header; expected ${TARGET_PREFIX}<Operation>`),
      );
    }
    let parsed: unknown = {};
    const text = body.toString('utf8');
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return fail(serializationException(`The request body is not valid JSON: ${(e as Error).message}`));
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return fail(serializationException('The request body must be a JSON object'));
    }
    const unreadable = checkBody(parsed);
    if (unreadable) return fail(unreadable);
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    if (account !== undefined && access) {
      // A verified caller names only its own account's resources.
      const foreign = access.owns(parsed as Record<string, unknown>, account, name!);
      if (foreign) return refuse(foreign);
    }
    const context = { requestId, signal: gone.signal, ...(account !== undefined ? { account } : {}) };
    const result = account !== undefined ? await callerAccount.run(account, () => operation(parsed, context)) : await operation(parsed, context);
    if (E.isLeft(result)) return fail(result.left);
    send(res, 200, requestId, result.right);
    log.debug(`POST ${name} 200 ${(performance.now() - started).toFixed(1)}ms ${requestId}`);
  } catch (e) {
    log.error(`InternalFailure in ${target || req.url} (request ${requestId})`, e);
    if (!res.headersSent) fail(internalFailure(requestId));
    else res.destroy();
  }
};

/** Epoch milliseconds as AWS's timestamps: epoch seconds in a JSON number (shared from `@stepstream/domain`). */
export { epochSeconds } from '@stepstream/domain';
