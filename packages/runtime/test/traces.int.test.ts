import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openPGlite, type RecordedEvent } from '@stepstream/eventstore';
import test from 'ava';
import { readTraceConfig, startTraceExport } from '../src/index.js';
import { readEverything } from './audit-fixtures.js';
import { closeDatabase, createMachine, ended, startExecution, startNode, streamOf } from './engine-fixtures.js';
import { flakyFunctions, lambdaTask } from './task-fixtures.js';

// Trace export (src/analytics/traces.ts) to a real OTLP/HTTP receiver: executions with a retried
// task, a Parallel, an inline Map, a Distributed Map and a failure run on an engine over PGlite;
// then every trace, span, parent and time the receiver got must be what the stored histories say.

const WORK = {
  StartAt: 'Work',
  States: {
    Work: lambdaTask('flaky', { Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }], Next: 'Fan' }),
    Fan: {
      Type: 'Parallel',
      Next: 'Each',
      ResultPath: null,
      Branches: [
        { StartAt: 'Short', States: { Short: { Type: 'Pass', End: true } } },
        { StartAt: 'Call', States: { Call: lambdaTask('ok', { End: true }) } },
      ],
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ResultPath: null,
      ItemProcessor: {
        StartAt: 'Item',
        States: {
          Item: lambdaTask('item', { Catch: [{ ErrorEquals: ['BadItem'], Next: 'Fallback' }], End: true }),
          Fallback: { Type: 'Pass', End: true },
        },
      },
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

const BROKEN = {
  StartAt: 'Guard',
  States: {
    Guard: {
      Type: 'Parallel',
      End: true,
      Branches: [
        { StartAt: 'Long', States: { Long: { Type: 'Wait', Seconds: 3600, End: true } } },
        { StartAt: 'Broken', States: { Broken: { Type: 'Fail', Error: 'Broken', Cause: 'it broke' } } },
      ],
    },
  },
};

const SPREAD = {
  StartAt: 'Spread',
  States: {
    Spread: {
      Type: 'Map',
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'One', States: { One: { Type: 'Pass', End: true } } },
      End: true,
    },
  },
};

/** The Parallel or Map state each state of these machines runs inside (the others run in the execution's frame). */
const ENCLOSING: Readonly<Record<string, string>> = { Short: 'Fan', Call: 'Fan', Item: 'Each', Fallback: 'Each', Long: 'Guard', Broken: 'Guard' };

const CLOSING = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

type Event = { id: number; type: string; timestamp: number; previousEventId: number; name?: string };

const asEvents = (stored: readonly RecordedEvent[]): Event[] =>
  stored.map((e) => {
    const data = e.data as Record<string, unknown>;
    const details = Object.entries(data).find(([k]) => k.endsWith('EventDetails'))?.[1] as Record<string, unknown> | undefined;
    const name = details?.['name'];
    return {
      id: Number(e.revision) + 1,
      type: e.type,
      timestamp: Number(data['timestamp']),
      previousEventId: Number(data['previousEventId']),
      ...(typeof name === 'string' ? { name } : {}),
    };
  });

/**
 * Where a run that starts at `history[i]` ends, read from `previousEventId`: the first event of
 * its own (reached from it, not entering another state) that `isEnd` accepts; for a Parallel or a
 * Map, else the first exit of its name after it; else the execution's end.
 */
const endOf = (history: readonly Event[], i: number, isEnd: (x: Event) => boolean, fallback?: (x: Event) => boolean): Event | undefined => {
  const own = new Set([history[i]!.id]);
  for (const x of history.slice(i + 1)) {
    if (!own.has(x.previousEventId) || x.type.endsWith('StateEntered')) continue;
    own.add(x.id);
    if (isEnd(x)) return x;
  }
  return (fallback ? history.slice(i + 1).find(fallback) : undefined) ?? history.find((e) => CLOSING.has(e.type));
};

/** The nearest `…StateEntered` a task's event points back to: the state run it belongs to. */
const stateOfTask = (history: readonly Event[], e: Event): Event => {
  let x = e;
  while (!x.type.endsWith('StateEntered')) x = history[x.previousEventId - 1]!;
  return x;
};

const digest = (text: string) => createHash('sha256').update(text).digest('hex');
const traceId = (arn: string) => digest(arn).slice(0, 32);
const spanId = (arn: string, eventId: number) => digest(`${arn}#${eventId}`).slice(0, 16);
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n);

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status?: { code?: number; message?: string };
  links?: { traceId: string; spanId: string }[];
  events?: { name: string; timeUnixNano: string }[];
};
type Received = { headers: IncomingHttpHeaders; resource: KeyValue[]; span: OtlpSpan };

const attr = (attributes: readonly KeyValue[], key: string): string | number | boolean | undefined => {
  const v = attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : v?.boolValue);
};

/** An OTLP/HTTP receiver on a free port: what it got, span by span. */
const receiver = async () => {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: { resource: { attributes: KeyValue[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const rs of body.resourceSpans)
          for (const ss of rs.scopeSpans) for (const span of ss.spans) received.push({ headers: req.headers, resource: rs.resource.attributes, span });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    received,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

test('each execution is a trace of its runs and task attempts, with the history times, sent to the OTLP endpoint on close', async (t) => {
  const otlp = await receiver();
  const db = await openPGlite();
  // A long batch delay: nothing is sent before the close flushes the queue.
  const settings = readTraceConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlp.port}`,
    OTEL_SERVICE_NAME: 'stepstream-test',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
  });
  if (!settings.enabled) throw new Error('the variables should enable traces');
  t.is(settings.url, `http://127.0.0.1:${otlp.port}/v1/traces`);
  const node = await startNode(db, { lambda: flakyFunctions() });
  const traces = startTraceExport(node.engine, settings, { debug() {}, info() {}, warn: (m) => t.log(m), error: (m) => t.log(m) });
  let closed = false;
  try {
    const work = await createMachine(node.engine, 'work', WORK);
    const broken = await createMachine(node.engine, 'broken', BROKEN);
    const spread = await createMachine(node.engine, 'spread', SPREAD);
    const runs = [
      await startExecution(node.engine, work, { items: ['a', 'bad', 'c'] }, 'work-0'),
      await startExecution(node.engine, broken, {}, 'broken-0'),
      await startExecution(node.engine, spread, [1, 2], 'spread-0'),
    ];
    for (const r of runs) await ended(node.engine, r.stream, 30_000);
    const streams = (all: readonly RecordedEvent[]) => [...new Set(all.filter((e) => e.streamName.startsWith('execution-')).map((e) => e.streamName))];
    let all = await readEverything(node.store);
    for (const s of streams(all)) await ended(node.engine, s, 30_000);
    all = await readEverything(node.store);
    t.true(await node.engine.analyticsProjector.waitFor((await node.store.headPosition())!, 15_000), 'the analytics projector reaches the head');
    const histories = new Map<string, Event[]>();
    for (const s of streams(all)) {
      const started = all.find((e) => e.streamName === s && e.type === 'ExecutionStarted')!;
      const arn = String((started.metadata as Record<string, unknown>)['executionArn']);
      t.is(streamOf(arn), s);
      histories.set(arn, asEvents(await node.store.readStream(s)));
    }
    t.is(otlp.received.length, 0, 'nothing sent before the batch delay or a flush');
    // As `stepstream serve` stops: the engine, then the traces (their queue is sent).
    await node.close();
    closed = true;
    await traces.close();
    t.is(histories.size, 5, 'three executions and two Map Run children');
    t.true(
      otlp.received.every((r) => String(r.headers['content-type']).startsWith('application/json')),
      'OTLP/HTTP JSON',
    );
    t.true(
      otlp.received.every((r) => attr(r.resource, 'service.name') === 'stepstream-test'),
      'the service name',
    );
    const spans = otlp.received.map((r) => r.span);
    t.is(new Set(spans.map((s) => s.spanId)).size, spans.length, 'every span once');

    let total = 0;
    for (const [arn, history] of histories) {
      const mine = spans.filter((s) => s.traceId === traceId(arn));
      const byId = new Map(mine.map((s) => [s.spanId, s]));
      const entered = history.filter((e) => e.type.endsWith('StateEntered'));
      const scheduled = history.filter((e) => e.type.endsWith('Scheduled'));
      t.is(mine.length, 1 + entered.length + scheduled.length, `${arn}: the execution, one span per state entered and per task scheduled`);
      total += mine.length;

      const root = byId.get(spanId(arn, 0));
      const closing = history.find((e) => CLOSING.has(e.type))!;
      t.truthy(root, `${arn}: the execution's span`);
      t.is(root?.parentSpanId ?? '', '', 'the execution span is the root');
      t.is(root?.startTimeUnixNano, nanos(history[0]!.timestamp), `${arn}: starts with the execution`);
      t.is(root?.endTimeUnixNano, nanos(closing.timestamp), `${arn}: ends with it`);
      t.is(attr(root?.attributes ?? [], 'aws.states.execution.arn'), arn);

      for (const e of entered) {
        const span = byId.get(spanId(arn, e.id));
        const what = `${arn} ${e.name}@${e.id}`;
        t.truthy(span, `${what}: a span`);
        if (!span) continue;
        t.is(span.name, String(e.name));
        t.is(attr(span.attributes, 'aws.states.state.name'), e.name);
        t.is(attr(span.attributes, 'aws.states.state.type'), e.type.slice(0, -'StateEntered'.length));
        const enclosing = ENCLOSING[e.name!];
        const parent = enclosing === undefined ? root : mine.find((s) => s.name === enclosing && attr(s.attributes, 'aws.states.state.name') === enclosing);
        t.truthy(parent, `${what}: its parent's span`);
        t.is(span.parentSpanId, parent?.spanId, `${what}: parent ${enclosing ?? 'the execution'}`);
        const type = e.type.slice(0, -'StateEntered'.length);
        const i = history.indexOf(e);
        const end = endOf(
          history,
          i,
          (x) => (x.type === `${type}StateExited` && x.name === e.name) || x.type === `${type}StateAborted`,
          type === 'Parallel' || type === 'Map' ? (x) => x.type === `${type}StateExited` && x.name === e.name : undefined,
        )!;
        t.is(span.startTimeUnixNano, nanos(e.timestamp), `${what}: start`);
        t.is(span.endTimeUnixNano, nanos(end.timestamp), `${what}: end (event ${end.id}, ${end.type})`);
      }

      for (const e of scheduled) {
        const span = byId.get(spanId(arn, e.id));
        const what = `${arn} task@${e.id}`;
        t.truthy(span, `${what}: a span`);
        if (!span) continue;
        const state = stateOfTask(history, e);
        t.is(span.parentSpanId, spanId(arn, state.id), `${what}: child of ${state.name}@${state.id}`);
        const end = endOf(history, history.indexOf(e), (x) => /^(Task|LambdaFunction|Activity)(Succeeded|Failed|TimedOut)$/.test(x.type))!;
        t.is(span.startTimeUnixNano, nanos(e.timestamp), `${what}: start`);
        t.is(span.endTimeUnixNano, nanos(end.timestamp), `${what}: end`);
        t.is(attr(span.attributes, 'aws.states.task.resource'), 'arn:aws:states:::lambda:invoke');
        t.is(span.events?.[0]?.timeUnixNano, nanos(e.timestamp), 'scheduled, as an event');
        t.is(span.status?.code ?? 0, end.type.endsWith('Succeeded') ? 0 : 2, `${what}: an error unless it succeeded`);
      }
    }
    t.is(spans.length, total, 'no span outside these traces');

    // What the spans say, execution by execution.
    const work0 = [...histories.keys()].find((a) => a.endsWith(':work-0'))!;
    const broken0 = [...histories.keys()].find((a) => a.endsWith(':broken-0'))!;
    const spread0 = [...histories.keys()].find((a) => a.endsWith(':spread-0'))!;
    const named = (arn: string, name: string) => spans.filter((s) => s.traceId === traceId(arn) && s.name === name);
    const rootOf = (arn: string) => spans.find((s) => s.spanId === spanId(arn, 0))!;
    t.deepEqual(
      named(work0, 'Work').map((s) => [attr(s.attributes, 'stepstream.state.attempts'), attr(s.attributes, 'stepstream.state.status')]),
      [[3, 'SUCCEEDED']],
      'the retried task: one state run of three attempts',
    );
    t.deepEqual(
      named(work0, 'lambda:invoke')
        .filter((s) => s.parentSpanId === named(work0, 'Work')[0]!.spanId)
        .map((s) => [attr(s.attributes, 'stepstream.task.status'), attr(s.attributes, 'aws.states.error') ?? null]),
      [
        ['FAILED', 'Flaky'],
        ['FAILED', 'Flaky'],
        ['SUCCEEDED', null],
      ],
    );
    t.deepEqual(
      named(work0, 'Item').map((s) => attr(s.attributes, 'stepstream.state.frame')),
      ['Each/0', 'Each/1', 'Each/2'],
    );
    t.deepEqual(rootOf(work0).status?.code ?? 0, 0, 'a success is no error');
    t.deepEqual(
      [rootOf(broken0).status, attr(rootOf(broken0).attributes, 'aws.states.execution.status'), attr(rootOf(broken0).attributes, 'aws.states.cause')],
      [{ code: 2, message: 'Broken' }, 'FAILED', 'it broke'],
      'a failure is an error with its name',
    );
    t.deepEqual(
      named(broken0, 'Long').map((s) => [attr(s.attributes, 'stepstream.state.status'), s.status?.code]),
      [['ABORTED', 2]],
    );
    const children = [...histories.keys()].filter((a) => a !== spread0 && attr(rootOf(a).attributes, 'stepstream.parent_execution.arn') === spread0);
    t.is(children.length, 2, 'the Map Run children name their parent');
    for (const child of children)
      t.deepEqual(
        rootOf(child).links?.map((l) => [l.traceId, l.spanId]),
        [[traceId(spread0), spanId(spread0, 0)]],
        'and link its trace',
      );
  } finally {
    if (!closed) {
      await node.close();
      await traces.close();
    }
    await closeDatabase(db);
    await otlp.close();
  }
});
