import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What a Lambda invocation gave: the function's result, its error, or no such function. */
export type LambdaOutcome =
  | { readonly kind: 'ok'; readonly payload: unknown; readonly body: string; readonly executedVersion: string }
  | { readonly kind: 'error'; readonly errorType: string; readonly body: string }
  | { readonly kind: 'missing'; readonly message: string };

export interface LambdaInvocation {
  /** The function's name (from an ARN, a partial ARN or a plain name) and its qualifier, if any. */
  readonly name: string;
  readonly qualifier?: string;
  /** The request body: the event as JSON text, exactly as it is sent to Lambda. */
  readonly body: string;
  readonly region: string;
  readonly account: string;
}

/** Where functions run: a directory of modules, or Lambda's Invoke API at an endpoint. */
export interface LambdaFunctions {
  invoke(call: LambdaInvocation): Promise<LambdaOutcome>;
  /** Stops what the functions run in (a Python process). */
  close?(): void;
}

/**
 * A function's name from what a Task may give: `NAME`, `NAME:QUALIFIER`, `ACCOUNT:function:NAME`,
 * or a full ARN `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
 */
export const functionName = (ref: string): { name: string; qualifier?: string } | undefined => {
  const arn = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(ref);
  const partial = /^\d{12}:function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(ref);
  const plain = /^([A-Za-z0-9_-]+)(?::([A-Za-z0-9$_-]+))?$/.exec(ref);
  const m = arn ?? partial ?? plain;
  if (!m) return undefined;
  return m[2] !== undefined ? { name: m[1]!, qualifier: m[2] } : { name: m[1]! };
};

/** The error body a Lambda runtime reports for a thrown error: `{errorType, errorMessage, trace}`. */
const errorBody = (e: unknown): { errorType: string; body: string } => {
  const err = e instanceof Error ? e : new Error(String(e));
  const errorType = err.name || 'Error';
  return { errorType, body: JSON.stringify({ errorType, errorMessage: err.message, trace: (err.stack ?? '').split('\n') }) };
};

/**
 * Functions from a directory: `NAME.mjs`, `NAME.js` or `NAME.cjs` exporting
 * `handler(event, context)`, or `NAME.py` defining `handler(event, context)` (run by `python3`),
 * is function `NAME`. A module is loaded again when its file changes, so a function edited on disk
 * is picked up by its next invocation. The response body is what the function's runtime would
 * send: `JSON.stringify` for JavaScript, `json.dumps` for Python (its Content-Length differs).
 */
export class DirectoryFunctions implements LambdaFunctions {
  private readonly loaded = new Map<string, { mtime: number; handler: (event: unknown, context: unknown) => unknown }>();
  private python: PythonRunner | undefined;

  constructor(readonly dir: string) {}

  private async find(name: string): Promise<string | undefined> {
    for (const ext of ['.mjs', '.js', '.cjs', '.py']) {
      const file = join(this.dir, `${name}${ext}`);
      try {
        if ((await stat(file)).isFile()) return file;
      } catch {
        // not this one
      }
    }
    return undefined;
  }

  async invoke(call: LambdaInvocation): Promise<LambdaOutcome> {
    const file = await this.find(call.name);
    const arn = `arn:aws:lambda:${call.region}:${call.account}:function:${call.name}`;
    if (!file) return { kind: 'missing', message: `Function not found: ${arn}` };
    let event: unknown;
    try {
      event = JSON.parse(call.body);
    } catch {
      return {
        kind: 'error',
        errorType: 'Lambda.InvalidRequestContentException',
        body: JSON.stringify({ errorType: 'InvalidRequestContentException', errorMessage: 'Could not parse request body into json' }),
      };
    }
    const requestId = randomUUID();
    const context = {
      functionName: call.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: call.qualifier !== undefined ? `${arn}:${call.qualifier}` : arn,
      awsRequestId: requestId,
      memoryLimitInMB: '128',
    };
    if (file.endsWith('.py')) {
      this.python ??= new PythonRunner();
      return this.python.invoke(file, call.body, context);
    }
    const mtime = (await stat(file)).mtimeMs;
    let entry = this.loaded.get(file);
    if (!entry || entry.mtime !== mtime) {
      const mod = (await import(`${pathToFileURL(file).href}?v=${mtime}`)) as { handler?: unknown; default?: { handler?: unknown } };
      const handler = mod.handler ?? mod.default?.handler;
      if (typeof handler !== 'function') {
        return {
          kind: 'error',
          errorType: 'Runtime.HandlerNotFound',
          body: JSON.stringify({ errorType: 'Runtime.HandlerNotFound', errorMessage: `${file} does not export a handler function` }),
        };
      }
      entry = { mtime, handler: handler as (event: unknown, context: unknown) => unknown };
      this.loaded.set(file, entry);
    }
    try {
      const result = await entry.handler(event, { ...context, getRemainingTimeInMillis: () => 900_000 });
      const payload = result === undefined ? null : result;
      return { kind: 'ok', payload, body: JSON.stringify(payload), executedVersion: '$LATEST' };
    } catch (e) {
      return { kind: 'error', ...errorBody(e) };
    }
  }

  close(): void {
    this.python?.close();
  }
}

/** The Python side: reads one request per line, answers one line each (see PythonRunner). */
const PYTHON_BOOTSTRAP = String.raw`
import importlib.util, json, os, sys, traceback, types
modules = {}
def load(path):
    mtime = os.path.getmtime(path)
    cached = modules.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    spec = importlib.util.spec_from_file_location("fn_%d" % len(modules), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    modules[path] = (mtime, module)
    return module
for line in sys.stdin:
    req = json.loads(line)
    ctx = req["context"]
    context = types.SimpleNamespace(function_name=ctx["functionName"], function_version=ctx["functionVersion"],
        invoked_function_arn=ctx["invokedFunctionArn"], aws_request_id=ctx["awsRequestId"],
        memory_limit_in_mb=ctx["memoryLimitInMB"], get_remaining_time_in_millis=lambda: 900000)
    try:
        result = load(req["file"]).handler(json.loads(req["body"]), context)
        out = {"id": req["id"], "ok": True, "body": json.dumps(result)}
    except Exception as e:
        frames = traceback.extract_tb(e.__traceback__)[1:]
        body = {"errorMessage": str(e), "errorType": type(e).__name__, "requestId": ctx["awsRequestId"], "stackTrace": traceback.format_list(frames)}
        out = {"id": req["id"], "ok": False, "errorType": type(e).__name__, "body": json.dumps(body)}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
`;

/**
 * One `python3` process per functions directory, started on the first Python invocation: requests
 * and answers are JSON lines, matched by id. Invocations run one at a time in that process.
 */
class PythonRunner {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (line: { ok: boolean; body: string; errorType?: string }) => void>();
  private next = 0;
  private failure: string | undefined;

  constructor() {
    this.child = spawn('python3', ['-u', '-c', PYTHON_BOOTSTRAP], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number; ok: boolean; body: string; errorType?: string };
      this.pending.get(answer.id)?.(answer);
      this.pending.delete(answer.id);
    });
    let stderr = '';
    this.child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const fail = (why: string) => {
      this.failure = why;
      for (const resolve of this.pending.values())
        resolve({ ok: false, errorType: 'Runtime.ExitError', body: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: why }) });
      this.pending.clear();
    };
    this.child.on('error', (e) => fail(`python3 could not be started (${e.message}); install Python 3 to run .py functions`));
    this.child.on('exit', (code) => fail(`python3 exited with ${code}: ${stderr.trim()}`));
  }

  invoke(file: string, body: string, context: Record<string, string>): Promise<LambdaOutcome> {
    if (this.failure)
      return Promise.resolve({
        kind: 'error',
        errorType: 'Runtime.ExitError',
        body: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: this.failure }),
      });
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, (answer) => {
        if (answer.ok) {
          resolve({ kind: 'ok', payload: JSON.parse(answer.body) as unknown, body: answer.body, executedVersion: '$LATEST' });
        } else resolve({ kind: 'error', errorType: answer.errorType ?? 'Exception', body: answer.body });
      });
      this.child.stdin.write(`${JSON.stringify({ id, file, body, context })}\n`);
    });
  }

  close(): void {
    this.child.kill();
  }
}

/**
 * Functions behind Lambda's Invoke API (`POST /2015-03-31/functions/NAME/invocations`) at an
 * endpoint, for teams that run them elsewhere (LocalStack, a Lambda emulator).
 */
export class EndpointFunctions implements LambdaFunctions {
  constructor(readonly endpoint: string) {}

  async invoke(call: LambdaInvocation): Promise<LambdaOutcome> {
    const qualifier = call.qualifier !== undefined ? `?Qualifier=${encodeURIComponent(call.qualifier)}` : '';
    const url = `${this.endpoint.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(call.name)}/invocations${qualifier}`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: call.body });
    const body = await res.text();
    if (res.status === 404) return { kind: 'missing', message: `Function not found: arn:aws:lambda:${call.region}:${call.account}:function:${call.name}` };
    const functionError = res.headers.get('x-amz-function-error');
    if (functionError || res.status >= 400) {
      let errorType = functionError ?? `Lambda.${res.statusText.replace(/\s+/g, '') || 'ServiceException'}`;
      try {
        errorType = (JSON.parse(body) as { errorType?: string }).errorType ?? errorType;
      } catch {
        // not JSON: keep the header's name
      }
      return { kind: 'error', errorType, body };
    }
    let payload: unknown = null;
    try {
      payload = body === '' ? null : JSON.parse(body);
    } catch {
      payload = body;
    }
    return { kind: 'ok', payload, body, executedVersion: res.headers.get('x-amz-executed-version') ?? '$LATEST' };
  }
}

/** No functions configured: every invocation says how to configure them. */
export class NoFunctions implements LambdaFunctions {
  async invoke(call: LambdaInvocation): Promise<LambdaOutcome> {
    return {
      kind: 'missing',
      message: `Function not found: arn:aws:lambda:${call.region}:${call.account}:function:${call.name} (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set)`,
    };
  }
}
