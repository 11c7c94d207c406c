import { createHash } from 'node:crypto';
import test from 'ava';
import { readTraceConfig, spanIdOf, traceIdOf } from '../src/index.js';

// Which OTEL_* variables turn trace export on (src/analytics/traces.ts), where the spans go, and
// the ids an execution's spans get.

test('without the OTEL variables traces are off', (t) => {
  t.deepEqual(readTraceConfig({}), { enabled: false, warnings: [] });
  t.deepEqual(readTraceConfig({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' }), { enabled: false, warnings: [] });
  t.false(readTraceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).enabled, 'an empty endpoint is unset');
});

test('none and OTEL_SDK_DISABLED turn them off whatever the endpoint', (t) => {
  t.false(readTraceConfig({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).enabled);
  t.false(readTraceConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).enabled);
});

test('OTEL_TRACES_EXPORTER=otlp alone sends to the default endpoint as service stepstream', (t) => {
  const settings = readTraceConfig({ OTEL_TRACES_EXPORTER: 'otlp' });
  t.like(settings, { enabled: true, url: 'http://localhost:4318/v1/traces', serviceName: 'stepstream', warnings: [] });
});

test('the endpoints: the traces one as given, the general one with /v1/traces', (t) => {
  t.like(readTraceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), { enabled: true, url: 'http://collector:4318/v1/traces' });
  t.like(readTraceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest' }), {
    enabled: true,
    url: 'https://traces.example/ingest',
  });
});

test('service name, resource attributes and batching come from their variables', (t) => {
  const settings = readTraceConfig({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_SERVICE_NAME: 'orders',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=core',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BSP_MAX_QUEUE_SIZE: 'lots',
  });
  t.like(settings, {
    enabled: true,
    serviceName: 'orders',
    resourceAttributes: { 'deployment.environment': 'prod', team: 'core' },
    batch: { scheduledDelayMillis: 200 },
  });
  t.deepEqual(settings.warnings, ['OTEL_BSP_MAX_QUEUE_SIZE=lots is not a positive integer: the default is used']);
});

test('what it cannot honour it says', (t) => {
  t.deepEqual(readTraceConfig({ OTEL_TRACES_EXPORTER: 'zipkin' }), {
    enabled: false,
    warnings: ['OTEL_TRACES_EXPORTER=zipkin: only otlp is supported; ignored'],
  });
  t.like(readTraceConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }), {
    enabled: true,
    warnings: ['OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: traces are sent as http/json'],
  });
  t.like(readTraceConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }), { enabled: false });
});

test('ids: the trace from the ARN, a span from the ARN and the event that opened its run', (t) => {
  const arn = 'arn:aws:states:us-east-1:123456789012:execution:orders:one';
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  t.is(traceIdOf(arn), digest(arn).slice(0, 32));
  t.is(spanIdOf(arn, 0), digest(`${arn}#0`).slice(0, 16));
  t.is(spanIdOf(arn, 7), digest(`${arn}#7`).slice(0, 16));
  t.not(traceIdOf(arn), traceIdOf(`${arn}x`));
  t.regex(traceIdOf(arn), /^[0-9a-f]{32}$/);
  t.regex(spanIdOf(arn, 3), /^[0-9a-f]{16}$/);
});
