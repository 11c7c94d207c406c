import type { TaskSignal } from '@stepstream/domain';
import { readFileSync } from 'node:fs';

/**
 * The credentials of an EventBridge connection (`Authentication.ConnectionArn` of an HTTP Task),
 * from the server's configuration (`STEPSTREAM_HTTP_CONNECTIONS=FILE`, a JSON object by connection
 * ARN). AWS keeps them in Secrets Manager; a self-hosted engine keeps them in its configuration.
 */
export interface HttpConnection {
  readonly basic?: { readonly username: string; readonly password: string };
  readonly apiKey?: { readonly name: string; readonly value: string };
  /** A bearer token (what an OAuth connection ends up sending). */
  readonly bearerToken?: string;
  /** Added to every request made through the connection (AWS's "invocation HTTP parameters"). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly queryParameters?: Readonly<Record<string, string>>;
  /**
   * The endpoints the connection may call, as URL prefixes (`https://api.example.com/orders/`): the
   * scheme, host and port must be one's and the path must begin with its path. AWS scopes
   * `states:InvokeHTTPEndpoint` by endpoint in the execution role; here the connection carries it,
   * so a state machine cannot send the connection's credentials anywhere else. A task naming an
   * endpoint outside them fails with `States.Permissions`; a connection without any calls nothing.
   */
  readonly endpoints?: readonly string[];
}

export type HttpConnections = Readonly<Record<string, HttpConnection>>;

/** Reads the connections file, saying what is wrong with it if it cannot be used. */
export const loadHttpConnections = (file: string): HttpConnections => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`STEPSTREAM_HTTP_CONNECTIONS=${file} is not a readable JSON file: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(
      `STEPSTREAM_HTTP_CONNECTIONS=${file} must hold an object: {"<connection ARN>": {"basic": {...}} | {"apiKey": {...}} | {"bearerToken": "..."}}`,
    );
  }
  for (const [arn, c] of Object.entries(parsed as Record<string, unknown>)) {
    const endpoints = (c as { endpoints?: unknown } | null)?.endpoints;
    const valid = Array.isArray(endpoints) && endpoints.length > 0 && endpoints.every((e) => typeof e === 'string' && URL.canParse(e));
    if (!valid) {
      throw new Error(
        `STEPSTREAM_HTTP_CONNECTIONS=${file}: the connection ${arn} needs "endpoints": the URL prefixes it may call (["https://api.example.com/orders/"]), so that no state machine can send its credentials elsewhere (docs/security.md)`,
      );
    }
  }
  return parsed as HttpConnections;
};

/** Whether `url` is under one of `endpoints` (same scheme, host and port; the path a prefix of its). */
export const endpointAllowed = (url: URL, endpoints: readonly string[]): boolean =>
  endpoints.some((e) => {
    if (!URL.canParse(e)) return false;
    const allowed = new URL(e);
    if (allowed.origin !== url.origin) return false;
    const base = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return url.pathname === allowed.pathname || url.pathname.startsWith(base) || allowed.pathname === '/';
  });

type Params = {
  ApiEndpoint?: unknown;
  Method?: unknown;
  Headers?: unknown;
  QueryParameters?: unknown;
  RequestBody?: unknown;
  Authentication?: { ConnectionArn?: unknown };
  Transform?: { RequestBodyEncoding?: unknown; RequestEncodingOptions?: { ArrayFormat?: unknown } };
};

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

/** `application/x-www-form-urlencoded` of a JSON object, with AWS's array formats. */
const urlEncode = (body: Record<string, unknown>, arrayFormat: string): string => {
  const parts: string[] = [];
  const add = (k: string, v: unknown) => parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`);
  for (const [k, v] of Object.entries(body)) {
    if (!Array.isArray(v)) add(k, v);
    else if (arrayFormat === 'COMMAS') add(k, v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(','));
    else if (arrayFormat === 'BRACKETS') for (const x of v) add(`${k}[]`, x);
    else if (arrayFormat === 'INDICES') v.forEach((x, i) => add(`${k}[${i}]`, x));
    else for (const x of v) add(k, x);
  }
  return parts.join('&');
};

const failed = (error: string, cause: string): TaskSignal => ({ type: 'failed', error, cause });

/**
 * What an HTTP Task sent and got back, for TestState's TRACE level. `secretHeaders` and
 * `secretQueryParameters` name what the connection added (shown only with `revealSecrets`).
 */
export interface HttpExchange {
  readonly request: { readonly method: string; readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body?: string };
  readonly secretHeaders: readonly string[];
  readonly secretQueryParameters: readonly string[];
  readonly response?: {
    readonly statusCode: number;
    readonly statusMessage: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
  };
}

/**
 * `arn:aws:states:::http:invoke`: calls `ApiEndpoint` with `Method`, `Headers`,
 * `QueryParameters`, `RequestBody` (JSON, or form-encoded with `Transform`) and the credentials of
 * `Authentication.ConnectionArn`. The result is `{Headers, ResponseBody, StatusCode, StatusText}`
 * (the body parsed when it is JSON); a non-2xx answer fails with `States.Http.StatusCode.<code>`
 * and that result as the cause; a network failure or the 60 s timeout is `States.Http.Socket`.
 */
export const httpInvoke = async (
  input: string,
  connections: HttpConnections,
  timeoutMs = 60_000,
  observe?: (exchange: HttpExchange) => void,
): Promise<TaskSignal> => {
  const p = JSON.parse(input) as Params;
  if (typeof p.ApiEndpoint !== 'string') return failed('States.Runtime', 'The http:invoke Parameters need an ApiEndpoint (a URL string).');
  const method = typeof p.Method === 'string' ? p.Method.toUpperCase() : '';
  if (!METHODS.includes(method))
    return failed('States.Runtime', `The http:invoke Method must be one of ${METHODS.join(', ')}, but was: ${JSON.stringify(p.Method ?? null)}`);
  let url: URL;
  try {
    url = new URL(p.ApiEndpoint);
  } catch {
    return failed('States.Runtime', `The http:invoke ApiEndpoint is not a URL: ${p.ApiEndpoint}`);
  }
  const headers: Record<string, string> = {};
  const secretQueryParameters: string[] = [];
  const connectionArn = p.Authentication?.ConnectionArn;
  if (typeof connectionArn === 'string') {
    const c = connections[connectionArn];
    if (!c)
      return failed(
        'States.Runtime',
        `The connection ${connectionArn} is not configured: add its credentials to the file named by STEPSTREAM_HTTP_CONNECTIONS.`,
      );
    if (!endpointAllowed(url, c.endpoints ?? [])) {
      return failed(
        'States.Permissions',
        `The connection ${connectionArn} may not call ${url.origin}${url.pathname}: it is bound to ${(c.endpoints ?? []).join(', ') || 'no endpoint'} (its "endpoints" in STEPSTREAM_HTTP_CONNECTIONS).`,
      );
    }
    if (c.basic) headers['Authorization'] = `Basic ${Buffer.from(`${c.basic.username}:${c.basic.password}`).toString('base64')}`;
    if (c.apiKey) headers[c.apiKey.name] = c.apiKey.value;
    if (c.bearerToken) headers['Authorization'] = `Bearer ${c.bearerToken}`;
    Object.assign(headers, c.headers ?? {});
    for (const [k, v] of Object.entries(c.queryParameters ?? {})) {
      url.searchParams.append(k, v);
      secretQueryParameters.push(k);
    }
  }
  const secretHeaders = Object.keys(headers);
  if (typeof p.Headers === 'object' && p.Headers !== null)
    for (const [k, v] of Object.entries(p.Headers)) headers[k] = typeof v === 'string' ? v : JSON.stringify(v);
  if (typeof p.QueryParameters === 'object' && p.QueryParameters !== null) {
    for (const [k, v] of Object.entries(p.QueryParameters)) url.searchParams.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  let body: string | undefined;
  if (p.RequestBody !== undefined && method !== 'GET' && method !== 'HEAD') {
    const encoding = p.Transform?.RequestBodyEncoding;
    if (encoding === 'URL_ENCODED' && typeof p.RequestBody === 'object' && p.RequestBody !== null && !Array.isArray(p.RequestBody)) {
      body = urlEncode(
        p.RequestBody as Record<string, unknown>,
        typeof p.Transform?.RequestEncodingOptions?.ArrayFormat === 'string' ? p.Transform.RequestEncodingOptions.ArrayFormat : 'INDICES',
      );
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      body = typeof p.RequestBody === 'string' ? p.RequestBody : JSON.stringify(p.RequestBody);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
  }
  const request = { method, url: url.toString(), headers: { ...headers }, ...(body !== undefined ? { body } : {}) };
  let res: Response;
  try {
    // A connection's credentials never follow a redirect elsewhere: its answer is the 3xx itself.
    res = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(typeof connectionArn === 'string' ? { redirect: 'manual' as const } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    observe?.({ request, secretHeaders, secretQueryParameters });
    return failed('States.Http.Socket', `The HTTP request to ${url.origin} failed: ${(e as Error).message}`);
  }
  const text = await res.text();
  const rawHeaders: Record<string, string> = {};
  res.headers.forEach((v, k) => (rawHeaders[k] = v));
  observe?.({
    request,
    secretHeaders,
    secretQueryParameters,
    response: { statusCode: res.status, statusMessage: res.statusText, headers: rawHeaders, body: text },
  });
  let responseBody: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      responseBody = JSON.parse(text);
    } catch {
      responseBody = text;
    }
  }
  const responseHeaders: Record<string, string[]> = {};
  res.headers.forEach((v, k) => (responseHeaders[k] = [v]));
  const result = JSON.stringify({ Headers: responseHeaders, ResponseBody: responseBody, StatusCode: res.status, StatusText: res.statusText });
  return res.ok ? { type: 'succeeded', output: result } : failed(`States.Http.StatusCode.${res.status}`, result);
};
