import { createHash } from 'node:crypto';
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type Link, type SpanContext, type SpanStatus } from '@opentelemetry/api';
import { ExportResultCode, hrTimeDuration, millisToHrTime, parseKeyPairsIntoRecord, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type TimedEvent } from '@opentelemetry/sdk-trace';
import type { ExecutionFacts, StateRun, TaskRun } from '@stepstream/domain';
import type { AnalyticsListener, AnalyticsOutcome } from '@stepstream/projections';
import type { Logger } from '../logger.js';

/**
 * OpenTelemetry traces of executions, exported over OTLP/HTTP (JSON) when the standard `OTEL_*`
 * variables ask for it (docs/analytics.md): one trace per execution, its id derived from the
 * execution's ARN; a span for the execution, one per state run (child of the execution's span, or
 * of the Parallel's or Map's run it ran inside) and one per task attempt (child of its state's
 * run).
 *
 * The spans are built from the analytics projector's outcomes (what each committed event ended),
 * with the history's timestamps as their start and end, and ids derived from the ARN and the event
 * that opened the run — not through a tracer, which can set neither past times nor ids. So a
 * rebuild, or another node of a cluster, gives the same ids; each event's outcome is heard once
 * across the cluster (the analytics projector's batches).
 *
 * @module
 */

/** The exporter's settings, read from the environment by {@link readTraceConfig}. */
export interface TraceConfig {
  /** Where the spans are posted (the OTLP/HTTP traces endpoint, `…/v1/traces`). */
  readonly url: string;
  /** `service.name` of the spans' resource: `OTEL_SERVICE_NAME`, default `stepstream`. */
  readonly serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, `key=value` pairs. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  /** The batching (`OTEL_BSP_*`), where set; the SDK's defaults otherwise (5 s, 2048 spans queued, 512 a request). */
  readonly batch: {
    readonly scheduledDelayMillis?: number;
    readonly exportTimeoutMillis?: number;
    readonly maxQueueSize?: number;
    readonly maxExportBatchSize?: number;
  };
}

/** What the environment says about traces: off, or on with its settings; and what it set that is not used. */
export type TraceSettings = ({ readonly enabled: false } | ({ readonly enabled: true } & TraceConfig)) & { readonly warnings: readonly string[] };

const DEFAULT_URL = 'http://localhost:4318/v1/traces';

const BATCH_VARIABLES = {
  scheduledDelayMillis: 'OTEL_BSP_SCHEDULE_DELAY',
  exportTimeoutMillis: 'OTEL_BSP_EXPORT_TIMEOUT',
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  maxExportBatchSize: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
} as const;

/**
 * Reads the standard OpenTelemetry variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/): traces are
 * exported when `OTEL_TRACES_EXPORTER` lists `otlp`, or when it is unset and
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is; never with
 * `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true`. The endpoint is
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`,
 * else `http://localhost:4318/v1/traces`. Headers, timeout, compression and certificates
 * (`OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`, `…_TIMEOUT`, `…_COMPRESSION`, `…_CERTIFICATE`, …) the
 * exporter reads itself from the process's environment.
 *
 * @example
 * readTraceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })
 * // { enabled: true, url: 'http://collector:4318/v1/traces', serviceName: 'stepstream', … }
 */
export const readTraceConfig = (env: Readonly<Record<string, string | undefined>>): TraceSettings => {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const warnings: string[] = [];
  const exporters = (value('OTEL_TRACES_EXPORTER') ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  const specific = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const general = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const off = { enabled: false as const, warnings };
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true' || exporters.includes('none')) return off;
  const others = exporters.filter((e) => e !== 'otlp');
  if (others.length > 0) warnings.push(`OTEL_TRACES_EXPORTER=${others.join(',')}: only otlp is supported; ignored`);
  if (!(exporters.includes('otlp') || (exporters.length === 0 && (specific !== undefined || general !== undefined)))) return off;
  const url = specific ?? (general === undefined ? DEFAULT_URL : `${general.replace(/\/+$/, '')}/v1/traces`);
  if (!URL.canParse(url)) {
    warnings.push(`${specific !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'} is not a URL: traces are not exported`);
    return off;
  }
  const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/json') warnings.push(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: traces are sent as http/json`);
  const batch: Record<string, number> = {};
  for (const [option, name] of Object.entries(BATCH_VARIABLES)) {
    const raw = value(name);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (Number.isInteger(n) && n > 0) batch[option] = n;
    else warnings.push(`${name}=${raw} is not a positive integer: the default is used`);
  }
  const attributes = value('OTEL_RESOURCE_ATTRIBUTES');
  return {
    enabled: true,
    url,
    serviceName: value('OTEL_SERVICE_NAME') ?? 'stepstream',
    resourceAttributes: attributes === undefined ? {} : parseKeyPairsIntoRecord(attributes),
    batch,
    warnings,
  };
};

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Hex of some bytes, never all zeros (an invalid id in OpenTelemetry): the last byte is then 1. */
const nonZeroHex = (bytes: Buffer): string => {
  if (bytes.every((b) => b === 0)) bytes[bytes.length - 1] = 1;
  return bytes.toString('hex');
};

/** An execution's trace id: the first 16 bytes of SHA-256 of its ARN, in hex (never all zeros). */
export const traceIdOf = (executionArn: string): string => nonZeroHex(sha256(executionArn).subarray(0, 16));

/**
 * A span's id: the first 8 bytes of SHA-256 of `<executionArn>#<eventId>` in hex (never all
 * zeros), where the event is the one that opened the run — a state run's `…StateEntered`, a task
 * attempt's `…Scheduled` — and 0 for the execution itself (as `parentEnteredEventId` names the
 * execution's own frame).
 */
export const spanIdOf = (executionArn: string, eventId: number): string => nonZeroHex(sha256(`${executionArn}#${eventId}`).subarray(0, 8));

const contextOf = (executionArn: string, eventId: number): SpanContext => ({
  traceId: traceIdOf(executionArn),
  spanId: spanIdOf(executionArn, eventId),
  traceFlags: TraceFlags.SAMPLED,
  isRemote: false,
});

const MAX_TEXT = 4096;
const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/** Error and cause as attributes, where there are. */
const failure = (x: { readonly error?: string | undefined; readonly cause?: string | undefined }): Attributes => ({
  ...(x.error !== undefined ? { 'aws.states.error': x.error } : {}),
  ...(x.cause !== undefined ? { 'aws.states.cause': clip(x.cause) } : {}),
});

const errorStatus = (x: { readonly error?: string | undefined; readonly status: string }, failed: boolean): SpanStatus =>
  failed ? { code: SpanStatusCode.ERROR, message: x.error ?? x.status } : { code: SpanStatusCode.UNSET };

const SCOPE = { name: '@stepstream/runtime' };

const span = (
  resource: Resource,
  s: {
    readonly name: string;
    readonly kind: SpanKind;
    readonly context: SpanContext;
    readonly parent?: SpanContext;
    readonly start: number;
    readonly end: number;
    readonly status: SpanStatus;
    readonly attributes: Attributes;
    readonly links?: Link[];
    readonly events?: TimedEvent[];
  },
): ReadableSpan => {
  const startTime = millisToHrTime(s.start);
  const endTime = millisToHrTime(Math.max(s.start, s.end));
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => s.context,
    ...(s.parent ? { parentSpanContext: s.parent } : {}),
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: s.status,
    attributes: s.attributes,
    links: s.links ?? [],
    events: s.events ?? [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
};

/** The state machine's name in its ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>[:<version or alias>]`). */
const machineName = (stateMachineArn: string) => stateMachineArn.split(':')[6] ?? stateMachineArn;

const executionSpan = (resource: Resource, x: ExecutionFacts, end: number): ReadableSpan =>
  span(resource, {
    name: machineName(x.stateMachineArn),
    kind: SpanKind.INTERNAL,
    context: contextOf(x.executionArn, 0),
    start: x.started,
    end,
    status: errorStatus(x, x.status === 'FAILED' || x.status === 'TIMED_OUT' || x.status === 'ABORTED'),
    attributes: {
      'aws.states.execution.arn': x.executionArn,
      'aws.states.execution.name': x.name,
      'aws.states.execution.status': x.status,
      'aws.states.state_machine.arn': x.stateMachineArn,
      'aws.states.state_machine.type': x.stateMachineType,
      ...(x.versionArn !== undefined ? { 'aws.states.state_machine.version_arn': x.versionArn } : {}),
      ...(x.aliasArn !== undefined ? { 'aws.states.state_machine.alias_arn': x.aliasArn } : {}),
      ...(x.mapRunArn !== undefined ? { 'aws.states.map_run.arn': x.mapRunArn } : {}),
      ...(x.parentExecutionArn !== undefined ? { 'stepstream.parent_execution.arn': x.parentExecutionArn } : {}),
      'stepstream.execution.redrive_count': x.redriveCount,
      'stepstream.execution.state_transitions': x.transitions,
      ...failure(x),
    },
    // A child execution (a Map Run's, a `.sync` task's) is a trace of its own, linked to its parent's.
    ...(x.parentExecutionArn !== undefined
      ? { links: [{ context: contextOf(x.parentExecutionArn, 0), attributes: { 'stepstream.link': 'parent_execution' } }] }
      : {}),
  });

const stateSpan = (resource: Resource, r: StateRun): ReadableSpan =>
  span(resource, {
    name: r.state,
    kind: SpanKind.INTERNAL,
    context: contextOf(r.executionArn, r.enteredEventId),
    parent: contextOf(r.executionArn, r.parentEnteredEventId),
    start: r.entered,
    end: r.ended,
    status: errorStatus(r, r.status === 'FAILED' || r.status === 'TIMED_OUT' || r.status === 'ABORTED'),
    attributes: {
      'aws.states.execution.arn': r.executionArn,
      'aws.states.state.name': r.state,
      'aws.states.state.type': r.type,
      'stepstream.state.frame': r.frame,
      'stepstream.state.attempts': r.attempts,
      'stepstream.state.status': r.status,
      'stepstream.event.entered_id': r.enteredEventId,
      'stepstream.event.ended_id': r.endedEventId,
      ...failure(r),
    },
  });

/** A task span's name: `lambda:invoke` for an integration, `lambda <function>` or `activity <activity>` otherwise. */
const taskName = (t: TaskRun) => {
  const integration = /^arn:[^:]+:states:::(.+?)(?:\.(?:sync(?::2)?|waitForTaskToken))?$/.exec(t.resource);
  if (integration) return integration[1]!;
  return `${t.kind} ${t.resource.split(':').at(-1) ?? t.resource}`;
};

const taskSpan = (resource: Resource, t: TaskRun): ReadableSpan =>
  span(resource, {
    name: taskName(t),
    kind: SpanKind.CLIENT,
    context: contextOf(t.executionArn, t.scheduledEventId),
    parent: contextOf(t.executionArn, t.stateEnteredEventId),
    start: t.scheduled,
    end: t.ended,
    status: errorStatus(t, t.status !== 'SUCCEEDED'),
    attributes: {
      'aws.states.execution.arn': t.executionArn,
      'aws.states.state.name': t.state,
      'aws.states.task.resource': t.resource,
      'stepstream.task.kind': t.kind,
      'stepstream.task.pattern': t.pattern,
      'stepstream.task.status': t.status,
      'stepstream.event.scheduled_id': t.scheduledEventId,
      'stepstream.event.ended_id': t.endedEventId,
      ...failure(t),
    },
    events: [
      { name: 'scheduled', time: millisToHrTime(t.scheduled) },
      ...(t.started !== undefined ? [{ name: 'started', time: millisToHrTime(t.started) }] : []),
    ],
  });

const CLOSING = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** The spans a batch's outcomes end: its runs and attempts, and the execution's own at its closing event. */
export const spansOf = (outcomes: readonly AnalyticsOutcome[], resource: Resource): ReadableSpan[] =>
  outcomes.flatMap((o) => [
    ...o.taskRuns.map((t) => taskSpan(resource, t)),
    ...o.stateRuns.map((r) => stateSpan(resource, r)),
    ...(CLOSING.has(o.type) ? [executionSpan(resource, o.execution, o.execution.ended ?? o.execution.started)] : []),
  ]);

/** Logs failed exports, at most once a minute (a collector that is down must not flood the log). */
const logging = (inner: SpanExporter, log: Logger): SpanExporter => {
  let lastLogged = -Infinity;
  let lost = 0;
  return {
    export: (spans, done) =>
      inner.export(spans, (result: ExportResult) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          lost += spans.length;
          if (Date.now() - lastLogged >= 60_000) {
            lastLogged = Date.now();
            log.warn(`traces: ${lost} spans could not be exported (${result.error?.message ?? 'export failed'})`);
            lost = 0;
          }
        }
        done(result);
      }),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
};

/** Trace export running: where it sends, and its flush and close. */
export interface TraceExport {
  /** The OTLP endpoint spans are posted to. */
  readonly url: string;
  /** Sends what is queued now. */
  flush(): Promise<void>;
  /** Stops hearing the engine and sends what is queued (call it after the engine closed, so the last batch is in). */
  close(): Promise<void>;
}

/**
 * Exports the traces of the executions whose events the engine's analytics projector commits from
 * now on, as `config` says: give it the engine (or anything with its `onAnalytics`).
 *
 * @example
 * const traces = readTraceConfig(process.env);
 * const exporting = traces.enabled ? startTraceExport(engine, traces, log) : undefined;
 * // … at shutdown, after engine.close():
 * await exporting?.close();
 */
export const startTraceExport = (
  engine: { onAnalytics(listener: AnalyticsListener): () => void },
  config: TraceConfig,
  log: Logger,
  exporter: SpanExporter = new OTLPTraceExporter({ url: config.url }),
): TraceExport => {
  const resource = defaultResource().merge(resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName }));
  const processor = new BatchSpanProcessor({ exporter: logging(exporter, log), ...config.batch });
  const unsubscribe = engine.onAnalytics((outcomes) => {
    for (const s of spansOf(outcomes, resource)) processor.onEnd(s);
  });
  return {
    url: config.url,
    flush: () => processor.forceFlush().catch((e: unknown) => log.warn(`traces: flush failed (${e instanceof Error ? e.message : String(e)})`)),
    close: async () => {
      unsubscribe();
      await processor
        .shutdown()
        .catch((e: unknown) => log.warn(`traces: the last spans could not be exported (${e instanceof Error ? e.message : String(e)})`));
    },
  };
};
