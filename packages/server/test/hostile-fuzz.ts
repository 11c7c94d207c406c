import {
  CreateActivityCommand,
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  ListActivitiesCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
} from '@aws-sdk/client-sfn';
import { openPGlite, openPGliteEventStore, type EventStore } from '@stepstream/eventstore';
import { Engine, type EngineOptions, type Logger } from '@stepstream/runtime';
import fc from 'fast-check';
import { serveApi, type RunningServer, type ServeOptions } from '../src/index.js';
import { type Fixtures, type HostileRequest, type MutatedAsl, hostileRequest, mutatedAsl, PATHOLOGICAL } from './hostile-arbitraries.js';
import type { ArnKind } from './hostile-shapes.js';

/**
 * The hostile-input run shared by the e2e test and `npm run fuzz`: a server in this process,
 * fixtures to aim at, raw HTTP requests drawn by fast-check, and for each response the properties
 * of issue 11 — status below 500, every error an AWS-shaped `{__type, message}`, an answer within
 * the bound — collected per distinct failure with the request that shows it.
 */

export const ROLE = 'arn:aws:iam::123456789012:role/stepstream-hostile';

/** The issue's bound on one request. */
export const DEFAULT_BOUND_MS = 1_000;

export interface HostileStack {
  readonly engine: Engine;
  readonly api: RunningServer;
  readonly client: SFNClient;
  /** Errors the engine and the server logged (defects answered 500, projector failures…). */
  readonly logged: string[];
  close(): Promise<void>;
}

/** Where the engine keeps its events and read models; PGlite in memory unless given. */
export interface Storage {
  readonly store: EventStore;
  readonly db: EngineOptions['db'];
  close(): Promise<void>;
}

const openMemoryStorage = async (): Promise<Storage> => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  return {
    store,
    db: shared.db,
    async close() {
      await store.close();
      await shared.db.destroy();
      await shared.pglite.close();
    },
  };
};

/**
 * A whole server in this process. Activity long polls are short (AWS waits 60 s) so that a
 * GetActivityTask without a task stays inside the per-request bound.
 */
export const startHostileStack = async (
  storage?: Storage,
  options: Partial<EngineOptions> = {},
  serve: Pick<ServeOptions, 'guard'> = {},
): Promise<HostileStack> => {
  const opened = storage ?? (await openMemoryStorage());
  const logged: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (m: string, e?: unknown) => {
      logged.push(`${m}${e instanceof Error ? `: ${e.stack ?? e.message}` : e === undefined ? '' : `: ${String(e)}`}`);
    },
  };
  const engine = new Engine({ activityPollMs: 100, ...options, store: opened.store, db: opened.db, log });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log, ...serve });
  const client = new SFNClient({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    disableHostPrefix: true,
  });
  return {
    engine,
    api,
    client,
    logged,
    async close() {
      client.destroy();
      await api.close();
      await engine.close();
      await opened.close();
    },
  };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
};

/**
 * Real resources to aim at: activities, machines (standard, express, versioned, aliased), running
 * and ended executions, a Map Run, a task token and page tokens.
 */
export const createFixtures = async (client: SFNClient): Promise<Fixtures> => {
  const tag = Date.now().toString(36);
  const activity = (await client.send(new CreateActivityCommand({ name: `hostile-activity-${tag}` }))).activityArn!;
  const activity2 = (await client.send(new CreateActivityCommand({ name: `hostile-activity2-${tag}` }))).activityArn!;
  const machine = async (name: string, definition: object, extra: { type?: 'EXPRESS'; publish?: boolean } = {}) =>
    client.send(new CreateStateMachineCommand({ name: `${name}-${tag}`, roleArn: ROLE, definition: JSON.stringify(definition), ...extra }));
  const waiting = (await machine('hostile-wait', { StartAt: 'T', States: { T: { Type: 'Task', Resource: activity, End: true } } })).stateMachineArn!;
  const passed = await machine('hostile-pass', { StartAt: 'P', States: { P: { Type: 'Pass', Next: 'S' }, S: { Type: 'Succeed' } } }, { publish: true });
  const express = (await machine('hostile-express', { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, { type: 'EXPRESS' })).stateMachineArn!;
  const failing = (await machine('hostile-fail', { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E' } } })).stateMachineArn!;
  const mapped = (
    await machine('hostile-map', {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Label: 'Items',
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    })
  ).stateMachineArn!;
  const version = passed.stateMachineVersionArn!;
  const alias = (
    await client.send(new CreateStateMachineAliasCommand({ name: `live-${tag}`, routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }] }))
  ).stateMachineAliasArn!;

  const start = async (stateMachineArn: string, input = '{}') => (await client.send(new StartExecutionCommand({ stateMachineArn, input }))).executionArn!;
  const running = [await start(waiting), await start(waiting), await start(waiting)];
  const ended = await start(passed.stateMachineArn!);
  const failed = await start(failing);
  const parent = await start(mapped, '[1,2,3]');
  const expressExecution = (await client.send(new StartSyncExecutionCommand({ stateMachineArn: express, input: '{}' }))).executionArn!;
  const taskTokens: string[] = [];
  while (taskTokens.length < 2) {
    const task = await client.send(new GetActivityTaskCommand({ activityArn: activity }));
    if (task.taskToken) taskTokens.push(task.taskToken);
  }
  const mapRun = await until('a Map Run', async () => (await client.send(new ListMapRunsCommand({ executionArn: parent }))).mapRuns?.[0]?.mapRunArn);
  for (const arn of [ended, failed]) {
    await until(`${arn} ends`, async () => ((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status === 'RUNNING' ? undefined : true));
  }
  const nextTokens = [
    (await client.send(new ListExecutionsCommand({ stateMachineArn: waiting, maxResults: 1 }))).nextToken,
    (await client.send(new GetExecutionHistoryCommand({ executionArn: ended, maxResults: 1 }))).nextToken,
    (await client.send(new ListStateMachinesCommand({ maxResults: 1 }))).nextToken,
    (await client.send(new ListActivitiesCommand({ maxResults: 1 }))).nextToken,
  ].filter((t): t is string => typeof t === 'string');

  const machines = [waiting, passed.stateMachineArn!, express, failing, mapped];
  const arns: Record<ArnKind, string[]> = {
    stateMachine: machines,
    machineish: [...machines, version, alias],
    execution: [...running, ended, failed, parent, expressExecution],
    activity: [activity, activity2],
    mapRun: [mapRun],
    alias: [alias],
    version: [version],
    resource: [waiting, activity, alias, version],
    role: [ROLE],
  };
  return { arns, taskTokens, nextTokens, activityArn: activity };
};

// ---------------------------------------------------------------------------------------------
// Sending and judging
// ---------------------------------------------------------------------------------------------

export interface Outcome {
  readonly status: number;
  readonly text: string;
  readonly ms: number;
  /** Set when no HTTP answer came (connection reset, timeout). */
  readonly error?: string;
}

export const sendRaw = async (url: string, req: HostileRequest, timeoutMs = 30_000): Promise<Outcome> => {
  const started = performance.now();
  try {
    const res = await fetch(`${url}${req.path === '/' ? '/' : req.path}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - started };
  } catch (e) {
    return {
      status: 0,
      text: '',
      ms: performance.now() - started,
      error: `${(e as Error).name}: ${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`,
    };
  }
};

export type ViolationKind = 'no-answer' | 'http-5xx' | 'error-not-aws-shaped' | 'slower-than-bound' | 'success-not-json';

/** The properties one answer must have; an empty list when it has them all. */
export const judge = (req: HostileRequest, out: Outcome, boundMs: number): { kind: ViolationKind; detail: string }[] => {
  if (out.error !== undefined) return [{ kind: 'no-answer', detail: out.error }];
  const found: { kind: ViolationKind; detail: string }[] = [];
  if (out.status >= 500) found.push({ kind: 'http-5xx', detail: `${out.status}` });
  if (out.ms > boundMs) found.push({ kind: 'slower-than-bound', detail: `${out.ms.toFixed(0)} ms` });
  let body: unknown;
  try {
    body = JSON.parse(out.text);
  } catch {
    body = undefined;
  }
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (out.status !== 200) {
    const o = (isObject ? body : {}) as Record<string, unknown>;
    if (!isObject || typeof o['__type'] !== 'string' || typeof o['message'] !== 'string' || o['__type'] === '') {
      found.push({ kind: 'error-not-aws-shaped', detail: `status ${out.status}` });
    }
  } else if (req.method === 'POST' && !isObject) {
    found.push({ kind: 'success-not-json', detail: 'status 200' });
  }
  return found;
};

/** The `__type` of an error answer, for the counts. */
const errorType = (out: Outcome): string => {
  if (out.error !== undefined) return '(no answer)';
  if (out.status === 200) return '(200)';
  try {
    const t = (JSON.parse(out.text) as Record<string, unknown>)['__type'];
    return typeof t === 'string' ? t : `(${out.status}, no __type)`;
  } catch {
    return `(${out.status}, not JSON)`;
  }
};

/** Long runs of one short sequence (padding, 5,000 brackets) shortened to `⟨seq×n⟩`; the rest JSON-escaped. */
export const abbreviate = (text: string, max = 600): string => {
  // Only the head is shown, so only the head is scanned (the regex is slow on megabytes).
  const head = text.length > 40_000 ? text.slice(0, 40_000) : text;
  const short = JSON.stringify(head)
    .slice(1, -1)
    .replace(/(.{1,8}?)\1{15,}/gs, (run, seq: string) => `⟨${seq}×${run.length / seq.length}⟩`);
  return short.length > max || head !== text ? `${short.slice(0, max)}…(${text.length} chars)` : short;
};

const describeBody = (body: string | Uint8Array) =>
  typeof body === 'string'
    ? `${abbreviate(body)} [${Buffer.byteLength(body)} bytes]`
    : `bytes ${Buffer.from(body).toString('hex').slice(0, 200)}… [${body.length} bytes]`;

export interface Failure {
  readonly key: string;
  readonly kind: ViolationKind;
  count: number;
  /** The smallest request that showed it, and what came back. */
  example: {
    readonly request: string;
    readonly size: number;
    readonly answer: string;
    readonly detail: string;
    readonly seed: number;
    readonly path: string;
    readonly property: string;
  };
}

export interface Stats {
  readonly perOperation: Map<string, number>;
  readonly errorTypes: Map<string, number>;
  readonly latencies: number[];
  readonly slowest: { ms: number; label: string; request: string }[];
  readonly failures: Map<string, Failure>;
  readonly executions: Set<string>;
  total: number;
}

export const newStats = (): Stats => ({
  perOperation: new Map(),
  errorTypes: new Map(),
  latencies: [],
  slowest: [],
  failures: new Map(),
  executions: new Set(),
  total: 0,
});

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Where a request came from, to replay it: `fc.assert(property, { seed, path })`. */
export interface Origin {
  readonly seed: number;
  readonly path: string;
  readonly property: string;
}

/** Sends one request, records its latency and error type, and every property it breaks. */
export const sendAndJudge = async (url: string, req: HostileRequest, stats: Stats, boundMs: number, origin: Origin): Promise<Outcome> => {
  const out = await sendRaw(url, req);
  stats.total++;
  bump(stats.perOperation, req.label);
  bump(stats.errorTypes, errorType(out));
  stats.latencies.push(out.ms);
  if (stats.slowest.length < 10 || out.ms > stats.slowest[stats.slowest.length - 1]!.ms) {
    stats.slowest.push({ ms: out.ms, label: req.label, request: describeBody(req.body).slice(0, 300) });
    stats.slowest.sort((a, b) => b.ms - a.ms);
    stats.slowest.length = Math.min(stats.slowest.length, 10);
  }
  for (const v of judge(req, out, boundMs)) {
    const key = `${v.kind} · ${req.label} · ${errorType(out)}`;
    const size = typeof req.body === 'string' ? req.body.length : req.body.length;
    const example = {
      request: `${req.method} ${req.path} ${abbreviate(JSON.stringify(req.headers), 300)} ${describeBody(req.body)}`,
      size,
      answer: out.error ?? `${out.status} ${abbreviate(out.text, 400)}`,
      detail: v.detail,
      ...origin,
    };
    const known = stats.failures.get(key);
    if (!known) stats.failures.set(key, { key, kind: v.kind, count: 1, example });
    else {
      known.count++;
      if (size < known.example.size) known.example = example;
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// The two properties
// ---------------------------------------------------------------------------------------------

export interface RunOptions {
  readonly url: string;
  readonly fixtures: Fixtures;
  readonly stats: Stats;
  readonly seed: number;
  readonly numRuns: number;
  readonly timeLimitMs: number;
  readonly boundMs?: number;
  /** What each drawn request becomes before it is sent (the auth run signs most of them). */
  readonly prepare?: (req: HostileRequest, index: number) => Promise<HostileRequest>;
}

/**
 * Property 1: any request to any operation is answered below 500, AWS-shaped, within the bound.
 * The property records what it finds and holds, so one run lists every distinct failure; the
 * caller asserts that none was recorded. Returns the number of runs made.
 */
export const runRequests = async (o: RunOptions): Promise<number> => {
  let index = 0;
  const property = fc.asyncProperty(hostileRequest(o.fixtures), async (req) => {
    const path = String(index++);
    const sent = o.prepare ? await o.prepare(req, index) : req;
    await sendAndJudge(o.url, sent, o.stats, o.boundMs ?? DEFAULT_BOUND_MS, { seed: o.seed, path, property: 'requests' });
  });
  const details = await fc.check(property, { seed: o.seed, numRuns: o.numRuns, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false });
  if (details.failed) throw new Error(`the requests property threw: ${String(details.errorInstance)}`);
  return details.numRuns;
};

const executionArnOf = (out: Outcome): string | undefined => {
  if (out.status !== 200) return undefined;
  try {
    const arn = (JSON.parse(out.text) as Record<string, unknown>)['executionArn'];
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
};

const post = (op: string, body: object): HostileRequest => ({
  label: op,
  method: 'POST',
  path: '/',
  headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${op}` },
  body: JSON.stringify(body),
});

/**
 * Property 2: a mutated definition is validated, created, run with its case's input (as STANDARD,
 * or EXPRESS synchronously), put into an existing machine and tested with TestState — each answer
 * judged as in property 1. The executions started are recorded for the replay check.
 */
export const runDefinitions = async (o: RunOptions & { readonly updatable: string }): Promise<number> => {
  let index = 0;
  const prefix = `h${o.seed.toString(36).replace('-', 'm')}${Date.now().toString(36)}`;
  const property = fc.asyncProperty(mutatedAsl(o.fixtures), fc.boolean(), async (asl: MutatedAsl, express: boolean) => {
    const path = String(index++);
    const origin = { seed: o.seed, path, property: 'definitions' };
    const bound = o.boundMs ?? DEFAULT_BOUND_MS;
    const send = (op: string, body: object) => sendAndJudge(o.url, post(op, body), o.stats, bound, origin);
    const type = express && asl.express ? 'EXPRESS' : 'STANDARD';
    await send('ValidateStateMachineDefinition', { definition: asl.text, type });
    const created = await send('CreateStateMachine', { name: `${prefix}-${path}`, roleArn: ROLE, definition: asl.text, type });
    if (created.status === 200) {
      const arn = (JSON.parse(created.text) as { stateMachineArn: string }).stateMachineArn;
      const run = await send(type === 'EXPRESS' ? 'StartSyncExecution' : 'StartExecution', { stateMachineArn: arn, input: asl.input });
      const started = executionArnOf(run);
      if (started && type === 'STANDARD') o.stats.executions.add(started);
    }
    await send('UpdateStateMachine', { stateMachineArn: o.updatable, definition: asl.text });
    await send('TestState', {
      definition: asl.stateText,
      roleArn: ROLE,
      input: asl.input,
      ...(asl.stateName === undefined ? {} : { stateName: asl.stateName }),
    });
    await send('TestState', { definition: asl.text, roleArn: ROLE, input: asl.input, ...(asl.stateName === undefined ? {} : { stateName: asl.stateName }) });
  });
  const details = await fc.check(property, { seed: o.seed, numRuns: o.numRuns, interruptAfterTimeLimit: o.timeLimitMs, markInterruptAsFailure: false });
  if (details.failed) throw new Error(`the definitions property threw: ${String(details.errorInstance)}`);
  return details.numRuns;
};

/** A machine for property 2 to update again and again (UpdateStateMachine on an existing machine). */
export const createUpdatable = async (client: SFNClient): Promise<string> =>
  (
    await client.send(
      new CreateStateMachineCommand({
        name: `hostile-updatable-${Date.now().toString(36)}`,
        roleArn: ROLE,
        definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }),
      }),
    )
  ).stateMachineArn!;

// ---------------------------------------------------------------------------------------------
// Afterwards
// ---------------------------------------------------------------------------------------------

/**
 * The server still works: a Pass → Succeed execution started through the SDK reaches SUCCEEDED
 * and is returned by ListExecutions and DescribeExecution. Returns what went wrong, if anything.
 */
export const normalExecutionWorks = async (client: SFNClient): Promise<string[]> => {
  const problems: string[] = [];
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `hostile-after-${Date.now().toString(36)}`,
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: { ok: true }, Next: 'S' }, S: { Type: 'Succeed' } } }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn, input: '{"n":1}' }));
  const done = await until(
    'the normal execution ends',
    async () => {
      const d = await client.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    },
    15_000,
  ).catch((e: Error) => {
    problems.push(e.message);
    return undefined;
  });
  if (done && done.status !== 'SUCCEEDED') problems.push(`the normal execution ended ${done.status}: ${done.error ?? ''} ${done.cause ?? ''}`);
  if (done && done.output !== '{"ok":true}') problems.push(`the normal execution's output is ${done.output}`);
  const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
  const entry = listed.executions?.find((e) => e.executionArn === executionArn);
  if (!entry) problems.push('ListExecutions does not return the normal execution');
  else if (entry.status !== 'SUCCEEDED') problems.push(`ListExecutions says ${entry.status}`);
  return problems;
};

/** Pathological machines the issue names, with the inputs that make them backtrack. */
export const pathologicalMachines = (activityArn: string) => [
  {
    name: 'glob',
    definition: {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringMatches: PATHOLOGICAL.glob, Next: 'W' }], Default: 'W' },
        W: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 1, End: true },
      },
    },
    input: { x: PATHOLOGICAL.globSubject },
  },
  {
    name: 'jsonpath',
    definition: { StartAt: 'F', States: { F: { Type: 'Pass', Parameters: { 'r.$': '$.items[?(@.x =~ /(a+)+b/)]' }, End: true } } },
    input: { items: Array.from({ length: 20 }, () => ({ x: PATHOLOGICAL.regexSubject })) },
  },
  {
    name: 'jsonata',
    definition: { QueryLanguage: 'JSONata', StartAt: 'J', States: { J: { Type: 'Pass', Output: '{% $match($states.input.x, /(a+)+b/) %}', End: true } } },
    input: { x: PATHOLOGICAL.regexSubject },
  },
];

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

/** The summary the test logs and the script prints. */
export const summarize = (stats: Stats): string => {
  const lines: string[] = [];
  const max = stats.latencies.reduce((a, b) => Math.max(a, b), 0);
  lines.push(
    `requests: ${stats.total}; latency p50 ${percentile(stats.latencies, 0.5).toFixed(1)} ms, p99 ${percentile(stats.latencies, 0.99).toFixed(1)} ms, max ${max.toFixed(1)} ms`,
  );
  lines.push(
    `per operation: ${[...stats.perOperation]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  lines.push(
    `answers by __type: ${[...stats.errorTypes]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  lines.push('slowest:');
  for (const s of stats.slowest.slice(0, 5)) lines.push(`  ${s.ms.toFixed(0)} ms ${s.label} ${s.request.slice(0, 160)}`);
  lines.push(`distinct failures: ${stats.failures.size}`);
  for (const f of [...stats.failures.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    lines.push(`- ${f.key} (×${f.count}; ${f.example.detail}; replay: property ${f.example.property}, seed ${f.example.seed}, path "${f.example.path}")`);
    lines.push(`    request: ${f.example.request}`);
    lines.push(`    answer:  ${f.example.answer}`);
  }
  return lines.join('\n');
};
