/**
 * The AWS services a Task calls (issue 20): `arn:aws:states:::aws-sdk:<service>:<action>` and the
 * optimized `dynamodb:getItem|putItem|updateItem|deleteItem`, `sqs:sendMessage`, `sns:publish`
 * and `events:putEvents`, at the endpoints {@link ServiceEndpoints} names, through the AWS SDK for
 * JavaScript v3. Step Functions makes these calls with the AWS SDK for Java — v2 for `aws-sdk:`,
 * v1 for the optimized integrations — so results, error names and causes are shaped as those SDKs
 * report them. Sources: the Developer Guide pages named below, and the responses LocalStack
 * recorded against AWS (`localstack/localstack: tests/aws/services/stepfunctions/v2/services/*.snapshot.json`
 * and `.../error_handling/*.snapshot.json`).
 */
import type { PendingTask, TaskSignal } from '@stepstream/domain';
import { clientConfig, REQUEST_TIMEOUT_MS } from './client-config.js';
import { serviceOf, type ServiceEndpoint, type ServiceEndpoints } from './endpoints.js';

/** Where a task runs: what {@link AwsServices.call} reads of the engine's `TaskContext`. */
export interface AwsCallContext {
  readonly executionArn: string;
  readonly region: string;
}

type SdkModule = Readonly<Record<string, unknown>>;

/**
 * The v3 clients installed, by the service name `aws-sdk:<service>` uses, with the name the AWS SDK
 * for Java v2 gives the service (its client is `<name>Client`, its base exception
 * `<name>Exception`): what `aws-sdk:` errors are prefixed with. "Both the service name and error
 * name are in Pascal case" (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html);
 * recorded on AWS: `DynamoDb.ResourceNotFoundException`, `S3.NoSuchKeyException`, `Sfn.InvalidTokenException`,
 * `SecretsManager.SecretsManagerException`.
 */
const SDK_CLIENTS: Readonly<Record<string, { readonly load: () => Promise<unknown>; readonly client: string; readonly javaName: string }>> = {
  s3: { load: () => import('@aws-sdk/client-s3'), client: 'S3Client', javaName: 'S3' },
  dynamodb: { load: () => import('@aws-sdk/client-dynamodb'), client: 'DynamoDBClient', javaName: 'DynamoDb' },
  sqs: { load: () => import('@aws-sdk/client-sqs'), client: 'SQSClient', javaName: 'Sqs' },
  sns: { load: () => import('@aws-sdk/client-sns'), client: 'SNSClient', javaName: 'Sns' },
  eventbridge: { load: () => import('@aws-sdk/client-eventbridge'), client: 'EventBridgeClient', javaName: 'EventBridge' },
};

/** The services the engine can call (the AWS SDK v3 clients it carries); a configured service outside them fails every call. */
export const CALLABLE_SERVICES: readonly string[] = Object.keys(SDK_CLIENTS);

/**
 * The optimized integrations, by resource type: their actions and patterns, the error prefix
 * (`DynamoDB.ResourceNotFoundException`, `SQS.AmazonSQSException`, `SNS.NotFoundException`,
 * `EventBridge.FailedEntry` are recorded on AWS), and the AWS SDK for Java v1 names of the service
 * and its base exception, which an error's cause and an unmodelled error's name carry
 * (`(Service: AmazonDynamoDBv2; …)`, `DynamoDB.AmazonDynamoDBException`, recorded).
 * DynamoDB's optimized integration has no callback pattern
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html).
 */
const OPTIMIZED: Readonly<
  Record<
    string,
    { readonly actions: readonly string[]; readonly callback: boolean; readonly prefix: string; readonly javaService: string; readonly base: string }
  >
> = {
  dynamodb: {
    actions: ['getItem', 'putItem', 'updateItem', 'deleteItem'],
    callback: false,
    prefix: 'DynamoDB',
    javaService: 'AmazonDynamoDBv2',
    base: 'AmazonDynamoDBException',
  },
  sqs: { actions: ['sendMessage'], callback: true, prefix: 'SQS', javaService: 'AmazonSQS', base: 'AmazonSQSException' },
  sns: { actions: ['publish'], callback: true, prefix: 'SNS', javaService: 'AmazonSNS', base: 'AmazonSNSException' },
  events: { actions: ['putEvents'], callback: true, prefix: 'EventBridge', javaService: 'AmazonEventBridge', base: 'AmazonEventBridgeException' },
};

interface SdkClient {
  send(command: unknown, options?: { readonly abortSignal?: AbortSignal }): Promise<Record<string, unknown>>;
  destroy(): void;
  readonly config: { readonly credentials?: unknown };
}
type SdkClientClass = new (config: Record<string, unknown>) => SdkClient;
type SdkCommandClass = new (input: unknown) => { readonly middlewareStack: { add(middleware: unknown, options: unknown): void } };

/** What the endpoint answered on the wire: the optimized integrations report its headers as `SdkHttpMetadata`. */
interface WireAnswer {
  readonly statusCode: number;
  /** Name/value pairs as received, the server's casing and order kept (Node's `rawHeaders`). */
  readonly headers: readonly (readonly [string, string])[];
}

/** A service's answer, the endpoint's failure, or a request the SDK could not build. */
type Outcome =
  | { readonly kind: 'ok'; readonly output: Record<string, unknown>; readonly wire?: WireAnswer }
  | { readonly kind: 'service'; readonly error: ServiceError }
  /** The endpoint was not reached (or no credentials were found): the Java SDKs' SdkClientException, its message. */
  | { readonly kind: 'network'; readonly message: string }
  | { readonly kind: 'timeout'; readonly ms: number }
  | { readonly kind: 'request'; readonly message: string };

interface ServiceError {
  /** The exception's name in the v3 SDK (a modelled shape name, or the wire code when unmodelled). */
  readonly name: string;
  readonly modelled: boolean;
  /** The error code the service sent on the wire. */
  readonly code: string;
  readonly message: string;
  readonly status: number;
  readonly requestId?: string;
  readonly extendedRequestId?: string;
  readonly attempts: number;
}

/**
 * Calls the AWS services configured in `endpoints` as Step Functions would, for the tasks
 * {@link AwsServices.handles} accepts. A client is loaded (dynamic import) the first time its
 * service is called, one per service and region. A `url` endpoint is called with path-style S3
 * addressing and the default credential chain when it yields credentials, otherwise with fixed
 * local ones; `aws` is AWS's regional endpoint with the SDK's defaults. Each call has a deadline
 * (60 s by default), retries included.
 *
 * - `aws-sdk:<service>:<action>`: the task input is the request (PascalCase members, as the v3
 *   SDK names them); the command is the action upper-cased plus `Command` (`putItem` →
 *   `PutItemCommand`). The result is the response without `$metadata`: dates as ISO-8601 text
 *   (Java's `Instant`), binary members as base64, S3's streamed `Body` as UTF-8 text.
 * - The optimized integrations shape requests and results as their Developer Guide pages say.
 * - `.waitForTaskToken`: the call is made and the task is `submitted` with its result.
 *
 * @example
 * ```ts
 * const services = new AwsServices(new Map([['dynamodb', { kind: 'url', url: 'http://127.0.0.1:8000' }]]));
 * // Resource arn:aws:states:::aws-sdk:dynamodb:getItem, Parameters {"TableName":"t","Key":{"id":{"S":"1"}}}
 * await services.call(task, ctx);
 * // → { type: 'succeeded', output: '{"Item":{"id":{"S":"1"}}}' }
 * ```
 */
export class AwsServices {
  private readonly clients = new Map<string, Promise<SdkClient>>();
  private readonly clock: () => number;
  private readonly timeoutMs: number;

  constructor(
    private readonly endpoints: ServiceEndpoints,
    options: { readonly clock?: () => number; readonly timeoutMs?: number } = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** Whether a task's service is configured (resourceType `aws-sdk:dynamodb` or `dynamodb` …). */
  handles(task: PendingTask): boolean {
    const type = task.resourceType;
    if (task.kind !== 'service' || type === undefined) return false;
    if (!type.startsWith('aws-sdk:') && !(type in OPTIMIZED)) return false;
    return this.endpoints.has(serviceOf(type));
  }

  /** Calls the service as Step Functions would and answers with the task's signal. */
  async call(task: PendingTask, ctx: AwsCallContext): Promise<TaskSignal> {
    const type = task.resourceType ?? '';
    const service = serviceOf(type);
    const endpoint = this.endpoints.get(service);
    const action = (task.action ?? '').replace(/\.(sync(:2)?|waitForTaskToken)$/, '');
    const pattern = task.pattern ?? 'request-response';
    const sdk = type.startsWith('aws-sdk:');
    const optimized = sdk ? undefined : OPTIMIZED[type];
    if (endpoint === undefined || !(sdk || optimized)) return runtimeFailure(`Stepstream has no endpoint for ${type}.`);
    // AWS refuses these resources when the state machine is created; here the task fails.
    const callback = sdk || optimized!.callback;
    if ((optimized && !optimized.actions.includes(action)) || pattern === 'sync' || pattern === 'sync:2' || (pattern === 'waitForTaskToken' && !callback))
      return runtimeFailure(
        `The resource provided ${task.resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.`,
      );
    const spec = SDK_CLIENTS[service];
    if (!spec)
      return runtimeFailure(
        `Stepstream calls ${Object.keys(SDK_CLIENTS).join(', ')} at configured endpoints, not ${service}: mock the state '${task.state}' instead.`,
      );
    if (endpoint.kind === 'directory')
      return runtimeFailure(
        `s3 is configured as a local directory, which serves Distributed Map ItemReaders and ResultWriters only: ${task.resource} needs an S3 endpoint (a URL or aws).`,
      );
    let input: unknown;
    try {
      input = JSON.parse(task.input);
    } catch {
      input = undefined;
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return runtimeFailure(`The parameters of ${task.resource} must be a JSON object.`);
    const parameters = input as Record<string, unknown>;

    const mod = (await spec.load()) as SdkModule;
    const commandName = `${action.charAt(0).toUpperCase()}${action.slice(1)}Command`;
    const Command = Object.hasOwn(mod, commandName) ? (mod[commandName] as SdkCommandClass) : undefined;
    if (typeof Command !== 'function')
      return runtimeFailure(
        `The resource provided ${task.resource} is not recognized: ${service} has no action ${action} (the AWS SDK for JavaScript has no ${commandName}).`,
      );
    const request = sdk ? sdkRequest(service, action, parameters) : optimizedRequest(type, parameters, ctx.executionArn);
    const client = await this.client(service, spec, mod, endpoint, ctx.region);
    const where = endpoint.kind === 'url' ? `the ${service} endpoint ${endpoint.url}` : `AWS ${service} in ${ctx.region}`;
    const outcome = await this.send(client, Command, request, mod);
    const signal = sdk ? await sdkSignal(outcome, spec.javaName, where) : optimizedSignal(outcome, type, optimized!, where, this.clock);
    return pattern === 'waitForTaskToken' && signal.type === 'succeeded' ? { type: 'submitted', output: signal.output } : signal;
  }

  /** Closes the clients' connections. */
  close(): void {
    for (const client of this.clients.values()) void client.then((c) => c.destroy()).catch(() => undefined);
    this.clients.clear();
  }

  private client(service: string, spec: (typeof SDK_CLIENTS)[string], mod: SdkModule, endpoint: ServiceEndpoint, region: string): Promise<SdkClient> {
    const key = `${service}|${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.makeClient(mod[spec.client] as SdkClientClass, service, endpoint, region);
      this.clients.set(key, client);
    }
    return client;
  }

  private makeClient(Client: SdkClientClass, service: string, endpoint: ServiceEndpoint, region: string): Promise<SdkClient> {
    const config = clientConfig({
      service,
      region,
      ...(endpoint.kind === 'url' ? { endpoint: endpoint.url } : {}),
      timeoutMs: this.timeoutMs,
      probe: () => new Client({ region }),
    });
    return Promise.resolve(new Client(config));
  }

  /** Sends one command under the deadline, keeping the endpoint's status and headers. */
  private async send(client: SdkClient, Command: SdkCommandClass, request: unknown, mod: SdkModule): Promise<Outcome> {
    let wire: WireAnswer | undefined;
    let command: InstanceType<SdkCommandClass>;
    try {
      command = new Command(request);
    } catch (e) {
      return { kind: 'request', message: messageOf(e) };
    }
    command.middlewareStack.add(
      (next: (args: unknown) => Promise<{ readonly response?: unknown }>) => async (args: unknown) => {
        const answer = await next(args);
        wire = wireAnswer(answer.response);
        return answer;
      },
      { step: 'deserialize', name: 'stepstreamWireAnswer' },
    );
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      const output = await client.send(command, { abortSignal: deadline.signal });
      return { kind: 'ok', output, ...(wire && { wire }) };
    } catch (e) {
      if (deadline.signal.aborted) return { kind: 'timeout', ms: this.timeoutMs };
      return failureOf(e, mod);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `aws-sdk:` requests are the parameters as they are, but for `s3:putObject`'s `Body`: Step
 * Functions writes its JSON text — even a string's (`"text data"` is stored with its quotes) — as
 * `text/plain; charset=UTF-8` (recorded on AWS: LocalStack's `test_s3_put_object[str|dict|list|bool|num]`).
 */
const sdkRequest = (service: string, action: string, parameters: Record<string, unknown>): Record<string, unknown> =>
  service === 's3' && action === 'putObject' && parameters.Body !== undefined
    ? { ContentType: 'text/plain; charset=UTF-8', ...parameters, Body: JSON.stringify(parameters.Body) }
    : parameters;

/** JSON text for a member that must be a string and was given as JSON. */
const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * The optimized integrations' requests: SQS's `MessageBody` and SNS's `Message` given as JSON are
 * sent as JSON text; each EventBridge entry's `Detail` likewise, and "the execution ARN and the
 * state machine ARN are automatically appended to the `Resources` field of each
 * `PutEventsRequestEntry`" (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html).
 */
const optimizedRequest = (type: string, p: Record<string, unknown>, executionArn: string): Record<string, unknown> => {
  switch (type) {
    case 'sqs':
      return p.MessageBody === undefined ? p : { ...p, MessageBody: text(p.MessageBody) };
    case 'sns':
      return p.Message === undefined ? p : { ...p, Message: text(p.Message) };
    case 'events': {
      if (!Array.isArray(p.Entries)) return p;
      const ours = [stateMachineArnOf(executionArn), executionArn];
      const entries = p.Entries.map((entry: unknown) => {
        if (typeof entry !== 'object' || entry === null) return entry;
        const e = entry as Record<string, unknown>;
        const resources = Array.isArray(e.Resources) ? e.Resources : [];
        return { ...e, ...(e.Detail !== undefined && { Detail: text(e.Detail) }), Resources: [...resources, ...ours] };
      });
      return { ...p, Entries: entries };
    }
    default:
      return p;
  }
};

/** `arn:aws:states:r:a:execution:machine:name` (or `express:machine:name:id`) → `arn:aws:states:r:a:stateMachine:machine`. */
const stateMachineArnOf = (executionArn: string) => {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6] ?? ''].join(':');
};

const runtimeFailure = (cause: string): TaskSignal => ({ type: 'failed', error: 'States.Runtime', cause });

const succeeded = (output: unknown): TaskSignal => ({ type: 'succeeded', output: JSON.stringify(output) });

/**
 * An `aws-sdk:` task's signal. The result is the response's members, top-level keys in order with a
 * streamed `Body` last, as recorded. A service error is `<Service>.<Exception>`: the Java v2
 * exception class — the modelled error with `Exception` appended when missing ("Some AWS services
 * don't include the Exception suffix … S3.BucketAlreadyExistsException", the Developer Guide page
 * above) and acronyms cased as words (`KMSAccessDeniedException` → `KmsAccessDeniedException`), or
 * the service's base exception when unmodelled (DynamoDB's `ValidationException` →
 * `DynamoDb.DynamoDbException`, recorded). The cause is the Java v2 message:
 * `<message> (Service: S3, Status Code: 404, Request ID: …, Extended Request ID: …) (SDK Attempt Count: 1)`
 * (the attempt count appears in AWS's recordings since late 2025).
 */
const sdkSignal = async (outcome: Outcome, javaName: string, where: string): Promise<TaskSignal> => {
  switch (outcome.kind) {
    case 'ok':
      return succeeded(await sdkResult(outcome.output));
    case 'service': {
      const e = outcome.error;
      const details = [`Service: ${javaName}`, `Status Code: ${e.status}`, `Request ID: ${e.requestId ?? 'null'}`];
      if (e.extendedRequestId !== undefined) details.push(`Extended Request ID: ${e.extendedRequestId}`);
      return {
        type: 'failed',
        error: `${javaName}.${javaV2Exception(e, javaName)}`,
        cause: `${e.message} (${details.join(', ')}) (SDK Attempt Count: ${e.attempts})`,
      };
    }
    case 'network':
      return { type: 'failed', error: `${javaName}.SdkClientException`, cause: `${outcome.message} (${where})` };
    case 'timeout':
      return {
        type: 'failed',
        error: `${javaName}.ApiCallTimeoutException`,
        cause: `Client execution did not complete before the specified timeout configuration: ${outcome.ms} millis (${where})`,
      };
    case 'request':
      return runtimeFailure(`The parameters do not make a ${javaName} request: ${outcome.message}`);
  }
};

const javaV2Exception = (e: ServiceError, javaName: string): string => {
  if (!e.modelled) return `${javaName}Exception`;
  // S3's HEAD answers carry no body: the v3 SDK names a missing key `NotFound`, the Java v2 SDK `NoSuchKeyException`.
  const name = javaName === 'S3' && e.name === 'NotFound' ? 'NoSuchKey' : e.name;
  const cased = name.replace(/[A-Z]{2,}(?=[A-Z][a-z]|\d|$)/g, (run) => run.charAt(0) + run.slice(1).toLowerCase());
  return cased.endsWith('Exception') ? cased : `${cased}Exception`;
};

/** The response without `$metadata`, as JSON: see {@link plain}; a streamed member (S3's `Body`) is read as UTF-8 text and put last. */
const sdkResult = async (output: Record<string, unknown>): Promise<Record<string, unknown>> => {
  const result: Record<string, unknown> = {};
  const streamed: Record<string, unknown> = {};
  for (const key of Object.keys(output).sort()) {
    const value = output[key];
    if (key === '$metadata' || value === undefined) continue;
    if (isStream(value)) streamed[key] = await value.transformToString();
    else result[key] = plain(value);
  }
  return { ...result, ...streamed };
};

const isStream = (v: unknown): v is { transformToString(): Promise<string> } =>
  typeof v === 'object' && v !== null && typeof (v as { transformToString?: unknown }).transformToString === 'function';

/**
 * A v3 value as JSON. Dates become ISO-8601 text as Java's `Instant.toString()` writes it (no
 * fraction when the milliseconds are 0): S3's `LastModified` is an ISO-8601 string in AWS's
 * recordings. Binary members become base64, their encoding in AWS's JSON protocols (the v3 SDK
 * decodes it to bytes). Undefined members are left out, as Step Functions leaves out null ones.
 */
const plain = (v: unknown): unknown => {
  if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x);
    return out;
  }
  return v;
};

/**
 * An optimized task's signal. The result is the response's members with the Java v1 SDK's
 * `SdkHttpMetadata` (the endpoint's headers, as lists and as single values, and its status) and
 * `SdkResponseMetadata`, keys in alphabetical order — all as recorded for DynamoDB, SQS and SNS;
 * EventBridge's `putEvents` answers `{Entries, FailedEntryCount}` alone, and fails with
 * `EventBridge.FailedEntry` and that answer as the cause when FailedEntryCount is not 0
 * (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html, recorded). A
 * service error is `<Prefix>.<Java v1 exception>` with the v1 message as the cause:
 * `<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: …; Request ID: …; Proxy: null)`.
 * An endpoint that cannot be reached is `<Prefix>.SdkClientException` ("Unable to execute HTTP
 * request: …", recorded for SQS); one that does not answer in time `<Prefix>.ClientExecutionTimeoutException`
 * (the name the Developer Guide lists for Lambda's).
 */
const optimizedSignal = (outcome: Outcome, type: string, spec: (typeof OPTIMIZED)[string], where: string, clock: () => number): TaskSignal => {
  switch (outcome.kind) {
    case 'ok': {
      const members = plain(withoutMetadata(outcome.output)) as Record<string, unknown>;
      if (type === 'events') {
        const answer = { Entries: members.Entries ?? [], FailedEntryCount: members.FailedEntryCount ?? 0 };
        return answer.FailedEntryCount === 0 ? succeeded(answer) : { type: 'failed', error: 'EventBridge.FailedEntry', cause: JSON.stringify(answer) };
      }
      const requestId = typeof outcome.output.$metadata === 'object' ? (outcome.output.$metadata as { requestId?: string }).requestId : undefined;
      const all: Record<string, unknown> = { ...members, ...sdkHttpMetadata(outcome.wire, requestId, clock) };
      return succeeded(
        Object.fromEntries(
          Object.keys(all)
            .sort()
            .map((k) => [k, all[k]]),
        ),
      );
    }
    case 'service': {
      const e = outcome.error;
      const exception = !e.modelled ? spec.base : e.name.endsWith('Exception') ? e.name : `${e.name}Exception`;
      return {
        type: 'failed',
        error: `${spec.prefix}.${exception}`,
        cause: `${e.message} (Service: ${spec.javaService}; Status Code: ${e.status}; Error Code: ${e.code}; Request ID: ${e.requestId ?? 'null'}; Proxy: null)`,
      };
    }
    case 'network':
      return { type: 'failed', error: `${spec.prefix}.SdkClientException`, cause: `${outcome.message} (${where})` };
    case 'timeout':
      return {
        type: 'failed',
        error: `${spec.prefix}.ClientExecutionTimeoutException`,
        cause: `Client execution did not complete before the specified timeout configuration: ${outcome.ms} millis (${where})`,
      };
    case 'request':
      return runtimeFailure(`The parameters do not make a ${spec.prefix} request: ${outcome.message}`);
  }
};

const withoutMetadata = (output: Record<string, unknown>) => Object.fromEntries(Object.entries(output).filter(([k]) => k !== '$metadata'));

/**
 * The Java v1 SDK's HTTP metadata of an answer: every header as a list (`AllHttpHeaders`) and as a
 * single value (`HttpHeaders`, ordered case-insensitively, as a Java TreeMap does), the status, and
 * the request id. The `Date` header falls back to the engine's clock if the endpoint sent none.
 */
const sdkHttpMetadata = (wire: WireAnswer | undefined, requestId: string | undefined, clock: () => number) => {
  const headers = [...(wire?.headers ?? [])];
  if (!headers.some(([name]) => name.toLowerCase() === 'date')) headers.push(['Date', new Date(clock()).toUTCString()]);
  const all: Record<string, string[]> = {};
  for (const [name, value] of headers) (all[name] ??= []).push(value);
  const single = Object.fromEntries(
    Object.keys(all)
      .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map((name) => [name, all[name]!.join(',')]),
  );
  const id = requestId ?? headers.find(([name]) => /^x-amzn?-request-?id$/i.test(name))?.[1];
  return {
    SdkHttpMetadata: { AllHttpHeaders: all, HttpHeaders: single, HttpStatusCode: wire?.statusCode ?? 200 },
    SdkResponseMetadata: { RequestId: id ?? null },
  };
};

/** The status and headers of the HTTP response a middleware sees; the raw headers keep the server's casing. */
const wireAnswer = (response: unknown): WireAnswer | undefined => {
  if (typeof response !== 'object' || response === null) return undefined;
  const r = response as { statusCode?: unknown; headers?: unknown; body?: { rawHeaders?: unknown } };
  if (typeof r.statusCode !== 'number') return undefined;
  const raw = r.body?.rawHeaders;
  const pairs: (readonly [string, string])[] = [];
  if (Array.isArray(raw)) for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([String(raw[i]), String(raw[i + 1])]);
  else if (typeof r.headers === 'object' && r.headers !== null) for (const [k, v] of Object.entries(r.headers)) pairs.push([k, String(v)]);
  return { statusCode: r.statusCode, headers: pairs };
};

interface ThrownSdkError {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly Code?: unknown;
  readonly __type?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string; readonly extendedRequestId?: string; readonly attempts?: number };
}

/**
 * What the SDK threw: a service's answer (it has an HTTP status), a failure to reach the endpoint
 * (it went through the SDK's retries, so it has `$metadata`, but no status), or a request the SDK
 * could not build. An error is modelled when the client module exports its class.
 */
const failureOf = (thrown: unknown, mod: SdkModule): Outcome => {
  const e = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as ThrownSdkError;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    const Class = Object.hasOwn(mod, name) ? mod[name] : undefined;
    const wireType = typeof e.__type === 'string' ? e.__type.replace(/^.*#/, '').replace(/:.*$/, '') : undefined;
    return {
      kind: 'service',
      error: {
        name,
        modelled: typeof Class === 'function' && thrown instanceof Class && !name.endsWith('ServiceException'),
        code: typeof e.Code === 'string' ? e.Code : (wireType ?? name),
        message: messageOf(thrown),
        status,
        ...(e.$metadata?.requestId !== undefined && { requestId: e.$metadata.requestId }),
        ...(e.$metadata?.extendedRequestId !== undefined && { extendedRequestId: e.$metadata.extendedRequestId }),
        attempts: e.$metadata?.attempts ?? 1,
      },
    };
  }
  if (name === 'CredentialsProviderError')
    return { kind: 'network', message: `Unable to load credentials from any of the providers in the chain: ${messageOf(thrown)}` };
  if (e.$metadata !== undefined || name === 'TimeoutError') return { kind: 'network', message: `Unable to execute HTTP request: ${messageOf(thrown)}` };
  return { kind: 'request', message: messageOf(thrown) };
};

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
