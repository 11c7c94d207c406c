import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { ownDatabase, postgresUnavailable } from '@stepstream/eventstore/testing';
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv, exited, freePort, mainJs, run } from './stepstream-process.js';

// Several `stepstream serve` processes on one Postgres database: every timer, activity task,
// Lambda invocation and answer happens exactly once, and a node that is killed (SIGKILL) or stopped
// (SIGTERM) has its work taken over. Test 1 kills a node every 10 s, round robin, while 1,000
// executions run (CLUSTER_EXECUTIONS); test 2 restarts the nodes one after the other with SIGTERM
// while 300 run (CLUSTER_ROLLING_EXECUTIONS) and also asks that no task attempt was interrupted.
// Throughput is measured by scripts/bench/cluster.mjs, not here.
//
// Every execution: a Wait of 1 s, an activity task answered by workers in this process, a Lambda
// task (fixtures/cluster/log-invocation.mjs, which logs each invocation to a file), a Distributed
// Map over 3 items whose child runs call the same function, and a `.sync:2` child execution.
// Afterwards the histories, the invocation log and what the workers received are checked against
// each other; a report of every kind of problem found (with examples) is printed before the
// assertions, so a failing run says how bad it was. What a crash may leave and is only counted:
// a Lambda invocation whose attempt the history records as failed (interrupted, then retried as a
// new attempt), and an ActivityStarted for a poll whose answer died with its node (the task then
// times out and is retried). Nothing else is allowed, and after a graceful stop not even those.
//
// Alone: `npm run build && npx ava packages/cli/dist/test/cluster.e2e.test.js`; quicker with
// CLUSTER_EXECUTIONS=100. Also CLUSTER_ROLLING_EXECUTIONS, CLUSTER_NODES (3), CLUSTER_WORKERS (16),
// CLUSTER_WAIT_SECONDS (480), CLUSTER_KILL_EVERY_SECONDS (10), CLUSTER_LAMBDA_DELAY_MS (25). When a
// test fails, the nodes' logs and the invocation logs are kept in a temporary directory (printed).

const envNumber = (name: string, fallback: number) => {
  const v = process.env[name];
  return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
};

const EXECUTIONS = envNumber('CLUSTER_EXECUTIONS', 1000);
const ROLLING_EXECUTIONS = envNumber('CLUSTER_ROLLING_EXECUTIONS', 300);
const NODES = envNumber('CLUSTER_NODES', 3);
/** How long the executions may take, once started, before the ones still running count as stuck. */
const WAIT_MS = envNumber('CLUSTER_WAIT_SECONDS', 480) * 1000;
/** A node is killed this often (test 1). */
const KILL_EVERY_MS = envNumber('CLUSTER_KILL_EVERY_SECONDS', 10) * 1000;
/** How long the Lambda function stays in flight after logging (a kill then interrupts it). */
const LAMBDA_DELAY_MS = envNumber('CLUSTER_LAMBDA_DELAY_MS', 25);
const WORKERS = envNumber('CLUSTER_WORKERS', 16);
const START_CONCURRENCY = 16;
const CHECK_CONCURRENCY = 16;

const roleArn = 'arn:aws:iam::123456789012:role/r';
const functionsDir = fileURLToPath(new URL('../../test/fixtures/cluster/', import.meta.url));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `work` over `items`, `limit` at a time. */
const mapLimit = async <T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
};

// ---------------------------------------------------------------------------------------------
// The cluster: nodes, their processes, and calls that survive a node going down.

interface ServiceError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Whether a failed call may be sent again to another node: the connection failed (refused, reset,
 * timed out: the node is down or went down) or the node answered 5xx. A 4xx is the answer.
 */
const retryable = (e: unknown): boolean => {
  const err = e as ServiceError;
  if (err?.name === 'AbortError') return false;
  const status = err?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
};

const describeError = (e: unknown) => {
  const err = e as ServiceError;
  return `${err?.name ?? 'Error'}${err?.code ? ` ${err.code}` : ''}: ${err?.message ?? String(e)}`;
};

interface Node {
  readonly name: string;
  readonly port: number;
  readonly logFile: string;
  /** For everything but GetActivityTask. */
  readonly client: SFNClient;
  /** GetActivityTask long-polls 60 s. */
  readonly pollClient: SFNClient;
  child?: ChildProcess | undefined;
  log?: WriteStream | undefined;
  /** Taking requests: false from the moment it is told to stop until it listens again. */
  up: boolean;
  /** An exit is expected (a kill or a stop by the test). */
  stopping: boolean;
  starts: number;
  errorLines: number;
  warnLines: number;
  readonly errors: string[];
  unexpectedExits: number;
  /** Starts that exited before listening (the start was tried again). */
  startFailures: number;
}

interface ClusterOptions {
  readonly label: string;
  readonly databaseUrl: string;
  readonly dir: string;
  readonly invocationLog: string;
  /** The deployment's audit key file, shared by the nodes. */
  readonly auditKey: string;
}

/** Whether `stepstream serve` takes `--node NAME` (the multi-node work adds it). */
let nodeFlagKnown: boolean | undefined;
const nodeFlag = async () => {
  if (nodeFlagKnown === undefined) {
    const help = await run(['help']);
    nodeFlagKnown = /--node\b/.test(help.stdout + help.stderr);
  }
  return nodeFlagKnown;
};

class Cluster {
  readonly nodes: Node[] = [];
  /** Every process started and not yet exited: `after.always` kills what is left. */
  static readonly live = new Set<ChildProcess>();
  kills = 0;
  stops = 0;

  constructor(readonly options: ClusterOptions) {}

  async start(count: number): Promise<void> {
    for (let i = 1; i <= count; i++) {
      const port = await freePort();
      const agent = () => new Agent({ keepAlive: true, maxSockets: 64 });
      const client = (requestTimeout: number) =>
        new SFNClient({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
          maxAttempts: 1,
          requestHandler: { requestTimeout, connectionTimeout: 5000, httpAgent: agent() },
        });
      this.nodes.push({
        name: `${this.options.label}-node-${i}`,
        port,
        logFile: join(this.options.dir, `${this.options.label}-node-${i}.log`),
        client: client(30_000),
        pollClient: client(75_000),
        up: false,
        stopping: false,
        starts: 0,
        errorLines: 0,
        warnLines: 0,
        errors: [],
        unexpectedExits: 0,
        startFailures: 0,
      });
    }
    await Promise.all(this.nodes.map((n) => this.spawn(n)));
  }

  /** Starts the node's process and resolves once it listens (tried again a few times if it exits before). */
  private async spawn(node: Node): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawnOnce(node);
        node.up = true;
        return;
      } catch (e) {
        node.startFailures++;
        if (attempt >= 5) throw e;
        const why = (e as Error).message.split('\n').find((l) => /^stepstream: | ERROR /.test(l)) ?? (e as Error).message.split('\n')[0];
        console.log(`[${this.options.label}] ${node.name} did not start (${why}); trying again`);
        await sleep(500 * attempt);
      }
    }
  }

  private async spawnOnce(node: Node): Promise<void> {
    // One audit key for all nodes (as docs/operations.md asks), made by the test: nodes started together would each generate one.
    const args = [
      'serve',
      '--database-url',
      this.options.databaseUrl,
      '--port',
      String(node.port),
      '--functions',
      functionsDir,
      '--audit-key',
      this.options.auditKey,
    ];
    if (await nodeFlag()) args.push('--node', node.name);
    node.log ??= createWriteStream(node.logFile, { flags: 'a' });
    node.log.write(`----- ${new Date().toISOString()} start ${node.starts + 1}\n`);
    const child = spawn(process.execPath, [mainJs, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cliEnv({
        CLUSTER_INVOCATION_LOG: this.options.invocationLog,
        // 9 connections a node (6 + 3, and 2 listening): the three nodes leave room for the test file running beside this one.
        STEPSTREAM_PG_CONNECTIONS: '9',
        CLUSTER_NODE: node.name,
        CLUSTER_LAMBDA_DELAY_MS: String(LAMBDA_DELAY_MS),
      }),
    });
    Cluster.live.add(child);
    node.child = child;
    node.stopping = false;
    node.starts++;
    await new Promise<void>((resolve, reject) => {
      let listening = false;
      let head = '';
      let partial = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        node.log?.write(chunk);
        if (!listening) head += chunk.toString();
      });
      child.stderr!.on('data', (chunk: Buffer) => {
        node.log?.write(chunk);
        const text = partial + chunk.toString();
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (/ ERROR /.test(line)) {
            node.errorLines++;
            if (node.errors.length < 20) node.errors.push(line.slice(0, 300));
          } else if (/ WARN /.test(line)) node.warnLines++;
        }
        if (!listening) {
          head += chunk.toString();
          if (head.includes('listening on')) {
            listening = true;
            resolve();
          }
        }
      });
      child.on('exit', (code, signal) => {
        Cluster.live.delete(child);
        if (node.child === child) node.up = false;
        if (!listening) reject(new Error(`${node.name} exited with ${code ?? signal} before listening:\n${head}`));
        else if (!node.stopping) {
          node.unexpectedExits++;
          console.log(`[${this.options.label}] ${node.name} exited by itself (${code ?? signal}); restarting it`);
          void this.spawn(node).catch((e: unknown) => console.log(`[${this.options.label}] ${node.name} could not be restarted: ${String(e)}`));
        }
      });
    });
  }

  /** SIGKILL (a crash) or SIGTERM (a graceful stop), waits for the exit, and starts the node again on the same port. */
  async restart(node: Node, signal: 'SIGKILL' | 'SIGTERM'): Promise<{ stoppedMs: number; downMs: number }> {
    const t0 = Date.now();
    node.up = false;
    node.stopping = true;
    const child = node.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const done = exited(child);
      child.kill(signal);
      await done;
    }
    const stoppedMs = Date.now() - t0;
    if (signal === 'SIGKILL') this.kills++;
    else this.stops++;
    await this.spawn(node);
    return { stoppedMs, downMs: Date.now() - t0 };
  }

  /** A node taking requests (one not in `avoid` when there is one), waiting while none is. */
  async pick(avoid?: Node): Promise<Node> {
    for (;;) {
      const up = this.nodes.filter((n) => n.up);
      const preferred = up.filter((n) => n !== avoid);
      const from = preferred.length > 0 ? preferred : up;
      if (from.length > 0) return from[Math.floor(Math.random() * from.length)]!;
      await sleep(50);
    }
  }

  /**
   * Sends a call to a random node taking requests; when the connection fails or the node answers
   * 5xx, sends it again to another one (within `deadlineMs`). `retries` counts those resends, so a
   * caller can tell an answer that may follow its own earlier, unacknowledged call.
   */
  async call<T>(send: (node: Node) => Promise<T>, retries = { count: 0 }, deadlineMs = 120_000): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    let last: Node | undefined;
    for (let attempt = 0; ; attempt++) {
      const node = await this.pick(last);
      last = node;
      try {
        return await send(node);
      } catch (e) {
        if (!retryable(e) || Date.now() > deadline) throw e;
        retries.count++;
        await sleep(Math.min(20 * 2 ** attempt, 500));
      }
    }
  }

  private destroyed = false;

  /** Kills every process still running (SIGKILL) and waits for the exits. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const node of this.nodes) {
      node.stopping = true;
      node.up = false;
    }
    await Promise.all(
      this.nodes.map(async (node) => {
        const child = node.child;
        if (child && child.exitCode === null && child.signalCode === null) {
          const done = exited(child);
          child.kill('SIGKILL');
          await done;
        }
      }),
    );
    for (const node of this.nodes) {
      node.client.destroy();
      node.pollClient.destroy();
      const log = node.log;
      node.log = undefined;
      await new Promise<void>((r) => (log ? log.end(() => r()) : r()));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The workload.

interface Workload {
  readonly stateMachineArn: string;
  readonly childStateMachineArn: string;
  readonly activityArn: string;
}

const retryOnInterruption = [{ ErrorEquals: ['Lambda.ServiceException', 'States.TaskFailed'], MaxAttempts: 3, IntervalSeconds: 1 }];

/** `$$.Execution.Id`, `$$.State.Name` and `$$.State.RetryCount`: the key of one task attempt. */
const attemptKey = { 'execution.$': '$$.Execution.Id', 'state.$': '$$.State.Name', 'retry.$': '$$.State.RetryCount' };

const createWorkload = async (cluster: Cluster, prefix: string): Promise<Workload> => {
  const { activityArn } = await cluster.call((n) => n.client.send(new CreateActivityCommand({ name: 'cluster-work' })));
  const child = await cluster.call((n) =>
    n.client.send(
      new CreateStateMachineCommand({
        name: `${prefix}-child`,
        roleArn,
        definition: JSON.stringify({
          StartAt: 'Nap',
          States: { Nap: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
        }),
      }),
    ),
  );
  const definition = {
    StartAt: 'Nap',
    States: {
      Nap: { Type: 'Wait', Seconds: 1, Next: 'Work' },
      Work: {
        Type: 'Task',
        Resource: activityArn,
        // TimeoutSeconds counts the time in the queue (1,000 tasks come at once to 16 workers on 2
        // cores): generous. A task handed to a worker whose node died before the answer reached it
        // is found by its heartbeat timeout instead (the workers answer at once, so they never beat).
        TimeoutSeconds: 120,
        HeartbeatSeconds: 10,
        Parameters: { 'execution.$': '$$.Execution.Id', 'retry.$': '$$.State.RetryCount', 'n.$': '$.n' },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'], MaxAttempts: 3, IntervalSeconds: 1 }],
        Next: 'Invoke',
      },
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'log-invocation', Payload: attemptKey },
        ResultPath: null,
        Retry: retryOnInterruption,
        Next: 'Fan',
      },
      Fan: {
        Type: 'Map',
        Label: 'Fan',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'log-invocation', Payload: { ...attemptKey, 'item.$': '$.item' } },
              ResultSelector: { 'ok.$': '$.Payload.ok' },
              Retry: retryOnInterruption,
              End: true,
            },
          },
        },
        ResultPath: null,
        Next: 'Child',
      },
      Child: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: {
          StateMachineArn: child.stateMachineArn,
          Input: { 'parent.$': '$$.Execution.Id', 'retry.$': '$$.State.RetryCount' },
        },
        ResultPath: null,
        Retry: retryOnInterruption,
        End: true,
      },
    },
  };
  const { stateMachineArn } = await cluster.call((n) =>
    n.client.send(new CreateStateMachineCommand({ name: prefix, roleArn, definition: JSON.stringify(definition) })),
  );
  return { stateMachineArn: stateMachineArn!, childStateMachineArn: child.stateMachineArn!, activityArn: activityArn! };
};

const executionInput = (i: number) => JSON.stringify({ n: i, items: [{ item: 0 }, { item: 1 }, { item: 2 }] });

/**
 * Starts `count` executions named `run-<i>` through random nodes, `START_CONCURRENCY` at a time.
 * A start whose connection failed is sent again to another node with the same name and input
 * (StartExecution is idempotent by name and input while the execution runs).
 */
const startExecutions = async (cluster: Cluster, stateMachineArn: string, count: number, stats: { resent: number }) =>
  mapLimit(
    Array.from({ length: count }, (_, i) => i),
    START_CONCURRENCY,
    async (i) => {
      const retries = { count: 0 };
      const started = await cluster.call(
        (n) => n.client.send(new StartExecutionCommand({ stateMachineArn, name: `run-${i}`, input: executionInput(i) })),
        retries,
      );
      stats.resent += retries.count;
      return started.executionArn!;
    },
  );

// ---------------------------------------------------------------------------------------------
// Activity workers.

interface ReceivedTask {
  /** The poll's workerName: unique to each GetActivityTask call, so ActivityStarted names the poll that got the task. */
  readonly poll: string;
  readonly token: string;
  readonly input: string;
  readonly node: string;
  answered?: 'yes' | 'after-resend' | string;
  /** When the answer was first sent (epoch ms). */
  answerSentAt?: number;
}

/** A GetActivityTask call that came back without a task (its long poll ran out). */
interface EmptyPoll {
  readonly node: string;
  readonly from: number;
  readonly to: number;
}

class Workers {
  readonly received: ReceivedTask[] = [];
  readonly byPoll = new Map<string, ReceivedTask>();
  readonly pollErrors: string[] = [];
  polls = 0;
  connectionErrors = 0;
  answerResends = 0;
  /** Answers refused with TaskTimedOut although they were the first sent (a task over before its answer). */
  readonly lateAnswers: ReceivedTask[] = [];
  /** Polls answered without a task: while one waited, no task was waiting (or the engine failed to hand it over). */
  readonly emptyPolls: EmptyPoll[] = [];
  readonly answerErrors: string[] = [];
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private seq = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly activityArn: string,
    private readonly label: string,
  ) {}

  start(count: number): void {
    // Every poll in flight listens to the one signal that ends them all.
    setMaxListeners(count + 8, this.abort.signal);
    this.loops = Array.from({ length: count }, (_, w) => this.loop(w));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(w: number): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const node = await this.cluster.pick();
      const poll = `${this.label}-w${w}-${++this.seq}`;
      this.polls++;
      let task;
      const from = Date.now();
      try {
        task = await node.pollClient.send(new GetActivityTaskCommand({ activityArn: this.activityArn, workerName: poll }), { abortSignal: signal });
      } catch (e) {
        if (signal.aborted) return;
        if (retryable(e)) this.connectionErrors++;
        else if (this.pollErrors.length < 20) this.pollErrors.push(`${node.name}: ${describeError(e)}`);
        await sleep(50);
        continue;
      }
      if (task.taskToken === undefined) {
        this.emptyPolls.push({ node: node.name, from, to: Date.now() });
        continue;
      }
      const received: ReceivedTask = { poll, token: task.taskToken, input: task.input ?? '', node: node.name };
      this.received.push(received);
      this.byPoll.set(poll, received);
      await this.answer(received);
    }
  }

  /** SendTaskSuccess through any node; sent again elsewhere when the connection fails. */
  private async answer(task: ReceivedTask): Promise<void> {
    const retries = { count: 0 };
    task.answerSentAt = Date.now();
    try {
      await this.cluster.call((n) => n.client.send(new SendTaskSuccessCommand({ taskToken: task.token, output: '{"worked":true}' })), retries);
      task.answered = retries.count > 0 ? 'after-resend' : 'yes';
    } catch (e) {
      const name = (e as ServiceError).name;
      if (name === 'TaskTimedOut' && retries.count > 0) {
        // The first answer may have been recorded before its connection broke.
        task.answered = 'after-resend';
      } else if (name === 'TaskTimedOut') {
        task.answered = 'late';
        this.lateAnswers.push(task);
      } else {
        task.answered = describeError(e);
        if (this.answerErrors.length < 20) this.answerErrors.push(`${task.poll}: ${describeError(e)}`);
      }
    } finally {
      this.answerResends += retries.count;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the results back.

/** An execution's whole history: every page of GetExecutionHistory. */
const wholeHistory = async (cluster: Cluster, executionArn: string): Promise<HistoryEvent[]> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await cluster.call((n) => n.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken: token })));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
};

/** Every execution ListExecutions gives (every page). */
const listAll = async (cluster: Cluster, filter: { stateMachineArn?: string; mapRunArn?: string; statusFilter?: 'RUNNING' }): Promise<ExecutionListItem[]> => {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await cluster.call((n) => n.client.send(new ListExecutionsCommand({ ...filter, maxResults: 1000, nextToken: token })));
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return items;
};

const STATUS_OF: Readonly<Record<string, string>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};
const TERMINAL = new Set(Object.keys(STATUS_OF));
const SCHEDULED: Readonly<Record<string, 'activity' | 'lambda' | 'task'>> = {
  ActivityScheduled: 'activity',
  LambdaFunctionScheduled: 'lambda',
  TaskScheduled: 'task',
};
const STARTED = new Set(['ActivityStarted', 'LambdaFunctionStarted', 'TaskStarted']);
const SUBMITTED = new Set(['TaskSubmitted']);
const SUCCEEDED = new Set(['ActivitySucceeded', 'LambdaFunctionSucceeded', 'TaskSucceeded']);
const FAILED = new Set([
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

/** One attempt of a Task state: its scheduled event and what followed it (`previousEventId` links). */
interface Attempt {
  readonly executionArn: string;
  readonly state: string;
  /** Its `$$.State.RetryCount`: attempts of the state before it in this entry of the state. */
  readonly retry: number;
  readonly kind: 'activity' | 'lambda' | 'task';
  readonly scheduled: HistoryEvent;
  readonly started: HistoryEvent[];
  readonly results: HistoryEvent[];
}

const isLambdaInvoke = (a: Attempt) => a.kind === 'task' && a.scheduled.taskScheduledEventDetails?.resourceType === 'lambda';
const outcomeOf = (a: Attempt) => (a.results.length === 0 ? 'none' : SUCCEEDED.has(a.results[0]!.type!) ? 'succeeded' : 'failed');

interface Analysis {
  readonly executionArn: string;
  readonly events: HistoryEvent[];
  readonly terminal: HistoryEvent[];
  readonly attempts: Attempt[];
}

/** A problem category: how many, and the first examples. */
class Problems {
  readonly kinds = new Map<string, { count: number; examples: string[] }>();
  add(kind: string, example: string): void {
    const k = this.kinds.get(kind) ?? { count: 0, examples: [] };
    k.count++;
    if (k.examples.length < 5) k.examples.push(example);
    this.kinds.set(kind, k);
  }
  count(kind: string): number {
    return this.kinds.get(kind)?.count ?? 0;
  }
  get total(): number {
    let n = 0;
    for (const k of this.kinds.values()) n += k.count;
    return n;
  }
  report(): string {
    if (this.kinds.size === 0) return '  (none)';
    return [...this.kinds].map(([kind, { count, examples }]) => `  ${kind}: ${count}\n${examples.map((e) => `      e.g. ${e}`).join('\n')}`).join('\n');
  }
}

/**
 * Walks a history: ids dense, one terminal event and last; each task attempt (scheduled event)
 * found with the events that point back to it (`previousEventId`): never two Started for one
 * Scheduled, never two results, never a new Scheduled in a state while an attempt is open.
 */
const analyse = (executionArn: string, events: HistoryEvent[], problems: Problems): Analysis => {
  const where = (e: HistoryEvent) => `${executionArn} event ${e.id} (${e.type})`;
  events.forEach((e, i) => {
    if (e.id !== i + 1) problems.add('history ids not dense', `${executionArn}: event ${i + 1} has id ${e.id}`);
  });
  const terminal = events.filter((e) => TERMINAL.has(e.type!));
  if (terminal.length > 1) problems.add('more than one terminal event', `${executionArn}: ${terminal.map((e) => `${e.type}#${e.id}`).join(', ')}`);
  if (terminal.length === 1 && events.at(-1) !== terminal[0]) problems.add('events after the terminal event', where(terminal[0]!));
  if (events.filter((e) => e.type === 'ExecutionStarted').length !== 1) problems.add('not exactly one ExecutionStarted', executionArn);

  const attempts: Attempt[] = [];
  const attemptOf = new Map<number, Attempt>();
  let state = '';
  let inEntry: Attempt[] = [];
  // The machines are linear (no Parallel, no inline Map): each state is entered, then exited, once per visit.
  let open: HistoryEvent | undefined;
  for (const e of events) {
    const type = e.type!;
    if (type.endsWith('StateEntered')) {
      if (open !== undefined) problems.add('state entered while another is not exited (a state run twice?)', `${where(e)} after ${where(open)}`);
      open = e;
      state = e.stateEnteredEventDetails?.name ?? '';
      inEntry = [];
      continue;
    }
    if (type.endsWith('StateExited')) {
      if (open === undefined || e.stateExitedEventDetails?.name !== state) problems.add('state exited without being entered (a state run twice?)', where(e));
      // A timer fires once, and not before its time (the Waits here are 1 s).
      else if (type === 'WaitStateExited' && e.timestamp!.getTime() - open.timestamp!.getTime() < 990)
        problems.add('Wait exited before its time', `${where(e)}: ${e.timestamp!.getTime() - open.timestamp!.getTime()} ms after ${where(open)}`);
      open = undefined;
      continue;
    }
    const kind = SCHEDULED[type];
    if (kind !== undefined) {
      const unfinished = inEntry.filter((a) => a.results.length === 0);
      if (unfinished.length > 0)
        problems.add('task scheduled again while an attempt is open (duplicate task)', `${where(e)}: open since event ${unfinished[0]!.scheduled.id}`);
      const a: Attempt = { executionArn, state, retry: inEntry.length, kind, scheduled: e, started: [], results: [] };
      inEntry.push(a);
      attempts.push(a);
      attemptOf.set(e.id!, a);
      continue;
    }
    if (STARTED.has(type) || SUBMITTED.has(type) || SUCCEEDED.has(type) || FAILED.has(type)) {
      const a = attemptOf.get(e.previousEventId ?? -1);
      if (a === undefined) {
        problems.add('task event pointing at no task attempt', `${where(e)} -> ${e.previousEventId}`);
        continue;
      }
      attemptOf.set(e.id!, a);
      if (STARTED.has(type)) {
        if (a.started.length > 0 || a.scheduled.id !== e.previousEventId)
          problems.add('task started twice (or not after its scheduled event)', `${where(e)}: attempt scheduled at ${a.scheduled.id}`);
        a.started.push(e);
      } else if (!SUBMITTED.has(type)) {
        if (a.results.length > 0) problems.add('two results for one task attempt', `${where(e)}: attempt scheduled at ${a.scheduled.id}`);
        a.results.push(e);
      }
    }
  }
  return { executionArn, events, terminal, attempts };
};

interface InvocationLine {
  readonly execution: string;
  readonly state: string;
  readonly retry: number;
  readonly item?: number;
  readonly pid: number;
  readonly node: string | null;
}

const readInvocations = (file: string, problems: Problems): InvocationLine[] => {
  if (!existsSync(file)) return [];
  const lines: InvocationLine[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text === '') continue;
    try {
      lines.push(JSON.parse(text) as InvocationLine);
    } catch {
      problems.add('unreadable invocation log line', text.slice(0, 200));
    }
  }
  return lines;
};

interface Stats {
  executions: number;
  mapRunChildren: number;
  syncChildren: number;
  lambdaInvocations: number;
  interruptedLambdaAttempts: number;
  failedAttemptsWithoutInvocation: number;
  activityTasksReceived: number;
  activityStarted: number;
  lostActivityHandovers: number;
  activityTimeouts: number;
  /** Activity timeouts of tasks no worker got (TimeoutSeconds counts the time in the queue). */
  activityTimeoutsUnserved: number;
  /** Answers sent after their task had timed out (refused with TaskTimedOut). */
  lateAnswers: number;
  failedTaskAttempts: number;
  stuck: number;
}

/**
 * Reads every execution back and checks it against the invocation log and what the workers
 * received. Returns the problems found and the counts the summary prints.
 */
const verify = async (
  cluster: Cluster,
  workload: Workload,
  executionArns: readonly string[],
  workers: Workers,
  invocationLog: string,
  problems: Problems,
): Promise<Stats> => {
  const stats: Stats = {
    executions: executionArns.length,
    mapRunChildren: 0,
    syncChildren: 0,
    lambdaInvocations: 0,
    interruptedLambdaAttempts: 0,
    failedAttemptsWithoutInvocation: 0,
    activityTasksReceived: workers.received.length,
    activityStarted: 0,
    lostActivityHandovers: 0,
    activityTimeouts: 0,
    activityTimeoutsUnserved: 0,
    lateAnswers: 0,
    failedTaskAttempts: 0,
    stuck: 0,
  };

  // The executions as the read models list them (their status), and as their histories say.
  const listed = new Map((await listAll(cluster, { stateMachineArn: workload.stateMachineArn })).map((e) => [e.executionArn!, e]));
  const analyses = new Map<string, Analysis>();
  const record = async (a: Analysis, listedStatus: string | undefined, what: string) => {
    analyses.set(a.executionArn, a);
    if (a.terminal.length === 0) {
      stats.stuck++;
      const entered = a.events.filter((e) => e.type!.endsWith('StateEntered')).at(-1)?.stateEnteredEventDetails?.name;
      problems.add(
        `${what} still running (no terminal event)`,
        `${a.executionArn} (in state ${entered}, last event ${a.events.at(-1)?.type} #${a.events.at(-1)?.id})`,
      );
    } else if (a.terminal[0]!.type !== 'ExecutionSucceeded') {
      const d = a.terminal[0]!.executionFailedEventDetails ?? a.terminal[0]!.executionAbortedEventDetails ?? a.terminal[0]!.executionTimedOutEventDetails;
      problems.add(`${what} did not succeed`, `${a.executionArn}: ${a.terminal[0]!.type} ${d?.error ?? ''} ${(d?.cause ?? '').slice(0, 200)}`);
    }
    // The read models are eventually consistent across nodes: a status that differs from the history is read again for a while.
    const expected = a.terminal.length === 0 ? 'RUNNING' : STATUS_OF[a.terminal[0]!.type!];
    let status = listedStatus;
    for (let i = 0; status !== expected && i < 20; i++) {
      if (i > 0) await sleep(500);
      status = (await cluster.call((n) => n.client.send(new DescribeExecutionCommand({ executionArn: a.executionArn })))).status;
    }
    if (status !== expected) problems.add(`${what}: status differs from its history`, `${a.executionArn}: described ${status}, history ${a.terminal[0]?.type}`);
  };

  const mapRuns: { parent: string; mapRunArn: string }[] = [];
  await mapLimit(executionArns, CHECK_CONCURRENCY, async (arn) => {
    const item = listed.get(arn);
    if (item === undefined) problems.add('execution missing from ListExecutions', arn);
    const a = analyse(arn, await wholeHistory(cluster, arn), problems);
    await record(a, item?.status, 'execution');
    const runs = a.events.filter((e) => e.type === 'MapRunStarted').map((e) => e.mapRunStartedEventDetails?.mapRunArn ?? '');
    if (runs.length > 1) problems.add('more than one Map Run started', `${arn}: ${runs.join(', ')}`);
    for (const mapRunArn of runs) mapRuns.push({ parent: arn, mapRunArn });
  });

  // The Distributed Map's child runs: three per Map Run, each once, each succeeded.
  const mapChildren: string[] = [];
  await mapLimit(mapRuns, CHECK_CONCURRENCY, async ({ parent, mapRunArn }) => {
    const described = await cluster.call((n) => n.client.send(new DescribeMapRunCommand({ mapRunArn })));
    if (described.status !== 'SUCCEEDED') problems.add('Map Run did not succeed', `${mapRunArn} of ${parent}: ${described.status}`);
    const counts = described.executionCounts;
    if (counts?.total !== 3 || counts.succeeded !== 3) problems.add('Map Run counts wrong', `${mapRunArn}: ${JSON.stringify(counts)}`);
    const children = await listAll(cluster, { mapRunArn });
    if (children.length !== 3) problems.add('Map Run without exactly 3 child runs', `${mapRunArn}: ${children.map((c) => c.name).join(', ')}`);
    if (new Set(children.map((c) => c.name)).size !== children.length) problems.add('Map Run child run listed twice', mapRunArn);
    for (const c of children) mapChildren.push(c.executionArn!);
    await mapLimit(children, 3, async (c) => {
      const a = analyse(c.executionArn!, await wholeHistory(cluster, c.executionArn!), problems);
      await record(a, c.status, 'Map Run child run');
    });
  });
  stats.mapRunChildren = mapChildren.length;

  // The .sync:2 children: one per attempt of the Child state at most, each succeeded.
  const syncChildren = await listAll(cluster, { stateMachineArn: workload.childStateMachineArn });
  stats.syncChildren = syncChildren.length;
  const childrenByAttempt = new Map<string, string[]>();
  await mapLimit(syncChildren, CHECK_CONCURRENCY, async (c) => {
    const a = analyse(c.executionArn!, await wholeHistory(cluster, c.executionArn!), problems);
    await record(a, c.status, '.sync child execution');
    const input = JSON.parse(a.events[0]?.executionStartedEventDetails?.input ?? '{}') as { parent?: string; retry?: number };
    const key = `${input.parent}#${input.retry}`;
    childrenByAttempt.set(key, [...(childrenByAttempt.get(key) ?? []), c.executionArn!]);
  });
  for (const [key, arns] of childrenByAttempt) if (arns.length > 1) problems.add('.sync child started twice for one attempt', `${key}: ${arns.join(', ')}`);
  for (const arn of executionArns) {
    const a = analyses.get(arn);
    const childAttempts = a?.attempts.filter((t) => t.state === 'Child') ?? [];
    const succeeded = childAttempts.filter((t) => outcomeOf(t) === 'succeeded');
    for (const t of succeeded) {
      if (!childrenByAttempt.has(`${arn}#${t.retry}`)) problems.add('.sync task succeeded without its child execution', `${arn} retry ${t.retry}`);
    }
  }
  for (const key of childrenByAttempt.keys()) {
    const [parent, retry] = [key.slice(0, key.lastIndexOf('#')), Number(key.slice(key.lastIndexOf('#') + 1))];
    if (!analyses.get(parent)?.attempts.some((t) => t.state === 'Child' && t.retry === retry))
      problems.add('.sync child execution of no attempt in its parent', `${key}: ${childrenByAttempt.get(key)!.join(', ')}`);
  }

  // Lambda invocations: each attempt at most once; each success is one invocation; an invocation
  // without a success belongs to an attempt its history records as failed (interrupted).
  const invocations = readInvocations(invocationLog, problems);
  stats.lambdaInvocations = invocations.length;
  const byAttempt = new Map<string, InvocationLine[]>();
  for (const line of invocations) {
    const key = `${line.execution}|${line.state}|${line.retry}|${line.item ?? ''}`;
    byAttempt.set(key, [...(byAttempt.get(key) ?? []), line]);
  }
  for (const [key, lines] of byAttempt)
    if (lines.length > 1)
      problems.add('Lambda invoked twice for one attempt (duplicate invocation)', `${key} by ${lines.map((l) => l.node ?? l.pid).join(', ')}`);
  const invocationsOf = new Map<string, InvocationLine[]>();
  for (const line of invocations) {
    const key = `${line.execution}|${line.state}|${line.retry}`;
    invocationsOf.set(key, [...(invocationsOf.get(key) ?? []), line]);
  }
  const lambdaAttempts = new Map<string, Attempt>();
  for (const a of analyses.values())
    for (const t of a.attempts) {
      if (outcomeOf(t) === 'failed') stats.failedTaskAttempts++;
      if (!isLambdaInvoke(t)) continue;
      const key = `${t.executionArn}|${t.state}|${t.retry}`;
      lambdaAttempts.set(key, t);
      const lines = invocationsOf.get(key) ?? [];
      const outcome = outcomeOf(t);
      if (outcome === 'succeeded' && lines.length === 0) problems.add('Lambda task succeeded without an invocation', key);
      if (outcome === 'failed' && lines.length === 0) stats.failedAttemptsWithoutInvocation++;
    }
  for (const [key, lines] of invocationsOf) {
    const t = lambdaAttempts.get(key);
    if (t === undefined) {
      problems.add('Lambda invocation of an attempt no history records', key);
      continue;
    }
    const outcome = outcomeOf(t);
    if (outcome === 'failed') stats.interruptedLambdaAttempts++;
    else if (outcome === 'none') problems.add('Lambda invocation of an attempt that never ended', key);
    const child = analyses.get(t.executionArn);
    if (t.state === 'Call') {
      const input = JSON.parse(child?.events[0]?.executionStartedEventDetails?.input ?? '{}') as { item?: number };
      for (const line of lines) if (line.item !== input.item) problems.add('Lambda invocation with the wrong item', `${key}: ${line.item} for ${input.item}`);
    }
  }

  // Activity tasks: each received once, each ActivityStarted names a poll that received it.
  const tokens = new Set<string>();
  const receivedAttempts = new Map<string, ReceivedTask[]>();
  for (const r of workers.received) {
    if (tokens.has(r.token)) problems.add('activity task token received twice', `${r.poll}: ${r.input}`);
    tokens.add(r.token);
    const input = JSON.parse(r.input) as { execution?: string; retry?: number };
    const key = `${input.execution}#${input.retry}`;
    receivedAttempts.set(key, [...(receivedAttempts.get(key) ?? []), r]);
  }
  for (const [key, rs] of receivedAttempts)
    if (rs.length > 1)
      problems.add('activity task attempt received by two workers (duplicate task)', `${key}: ${rs.map((r) => `${r.poll}@${r.node}`).join(', ')}`);
  const startedPolls = new Set<string>();
  for (const a of analyses.values())
    for (const t of a.attempts) {
      if (t.kind !== 'activity') continue;
      if (t.results[0]?.type === 'ActivityTimedOut') {
        stats.activityTimeouts++;
        if (t.started.length === 0) {
          // TimeoutSeconds counts from ActivityScheduled: with a backlog the workers may not reach
          // a task in time. But a poll that came back empty while the task waited means no node
          // handed it over (a 1-s margin each side).
          stats.activityTimeoutsUnserved++;
          const waiting = [t.scheduled.timestamp!.getTime() + 1000, t.results[0].timestamp!.getTime() - 1000] as const;
          const idle = workers.emptyPolls.find((p) => p.from < waiting[1] && p.to > waiting[0]);
          if (idle !== undefined)
            problems.add(
              'activity task timed out unserved while a poll came back empty',
              `${t.executionArn} retry ${t.retry}: waited ${new Date(waiting[0] - 1000).toISOString()} to ${new Date(waiting[1] + 1000).toISOString()}; ${idle.node} polled empty from ${new Date(idle.from).toISOString()} to ${new Date(idle.to).toISOString()}`,
            );
        }
      }
      for (const s of t.started) {
        stats.activityStarted++;
        const poll = s.activityStartedEventDetails?.workerName ?? '';
        startedPolls.add(poll);
        const r = workers.byPoll.get(poll);
        if (r === undefined) {
          // Handed to a poll whose answer never reached its worker (its node died meanwhile): the
          // task can only time out and be retried.
          stats.lostActivityHandovers++;
          if (t.results[0]?.type !== 'ActivityTimedOut')
            problems.add('activity task started for no worker and not timed out', `${t.executionArn} retry ${t.retry} (${poll}): ${t.results[0]?.type}`);
        } else {
          const input = JSON.parse(r.input) as { execution?: string; retry?: number };
          if (input.execution !== t.executionArn || input.retry !== t.retry)
            problems.add('worker received another attempt than ActivityStarted says', `${poll}: got ${r.input}, history ${t.executionArn} retry ${t.retry}`);
        }
      }
      if (outcomeOf(t) === 'succeeded' && !t.started.some((s) => workers.byPoll.has(s.activityStartedEventDetails?.workerName ?? '')))
        problems.add('activity task succeeded without a worker having received it', `${t.executionArn} retry ${t.retry}`);
    }
  for (const r of workers.received)
    if (!startedPolls.has(r.poll)) problems.add('task received by a worker but not started in any history', `${r.poll}: ${r.input}`);
  // An answer refused with TaskTimedOut is fine when the task had timed out before it was sent.
  for (const r of workers.lateAnswers) {
    const input = JSON.parse(r.input) as { execution?: string; retry?: number };
    const t = analyses.get(input.execution ?? '')?.attempts.find((a) => a.kind === 'activity' && a.retry === input.retry);
    const over = t?.results[0];
    if (over?.type === 'ActivityTimedOut' && over.timestamp!.getTime() <= (r.answerSentAt ?? 0) + 1000) stats.lateAnswers++;
    else problems.add('activity answer refused (TaskTimedOut) although the task was not over', `${r.poll} (${r.input}): ${over?.type ?? 'no result'}`);
  }
  for (const l of workers.answerErrors) problems.add('activity answer failed', l);
  for (const l of workers.pollErrors) problems.add('GetActivityTask failed', l);
  return stats;
};

// ---------------------------------------------------------------------------------------------
// Waiting, progress and the summary.

/** Waits until no execution of the machine is RUNNING (or `deadline`), printing progress every 10 s. */
/**
 * Waits until no execution of the machine is RUNNING (or `deadline`), printing progress every 10 s.
 * Lists the RUNNING ones every 2 s (a page that shrinks as they end); once none is listed, a full
 * listing confirms all `total` are there and ended (one not yet in the read models is not listed).
 */
const waitForAll = async (cluster: Cluster, label: string, stateMachineArn: string, total: number, deadline: number, progress: () => string) => {
  const t0 = Date.now();
  let lastPrint = 0;
  for (;;) {
    let done = 0;
    try {
      const running = await listAll(cluster, { stateMachineArn, statusFilter: 'RUNNING' });
      done = total - running.length;
      if (running.length === 0) done = (await listAll(cluster, { stateMachineArn })).filter((e) => e.status !== 'RUNNING').length;
    } catch (e) {
      console.log(`[${label}] listing failed: ${describeError(e)}`);
    }
    if (Date.now() - lastPrint >= 10_000 || done >= total) {
      lastPrint = Date.now();
      console.log(`[${label}] ${Math.round((Date.now() - t0) / 1000)} s: ${done}/${total} executions done; ${progress()}`);
    }
    if (done >= total) return true;
    if (Date.now() > deadline) return false;
    await sleep(2000);
  }
};

const summary = (label: string, stats: Stats, cluster: Cluster, workers: Workers, durationMs: number, extra: Record<string, number> = {}) => {
  const lines = [
    `[${label}] summary`,
    `  executions ${stats.executions} (+ ${stats.mapRunChildren} Map Run child runs, ${stats.syncChildren} .sync children), stuck ${stats.stuck}`,
    `  nodes ${cluster.nodes.length}, kills (SIGKILL) ${cluster.kills}, graceful stops (SIGTERM) ${cluster.stops}, unexpected exits ${cluster.nodes.reduce((n, x) => n + x.unexpectedExits, 0)}, failed starts ${cluster.nodes.reduce((n, x) => n + x.startFailures, 0)}`,
    `  Lambda invocations ${stats.lambdaInvocations}, interrupted attempts ${stats.interruptedLambdaAttempts}, failed attempts never invoked ${stats.failedAttemptsWithoutInvocation}, failed task attempts (all kinds) ${stats.failedTaskAttempts}`,
    `  activity polls ${workers.polls}, tasks received ${stats.activityTasksReceived}, ActivityStarted ${stats.activityStarted}, lost handovers ${stats.lostActivityHandovers}, timeouts ${stats.activityTimeouts} (${stats.activityTimeoutsUnserved} in the queue), answers after the timeout ${stats.lateAnswers}, answers resent ${workers.answerResends}, worker connection errors ${workers.connectionErrors}`,
    ...Object.entries(extra).map(([k, v]) => `  ${k} ${v}`),
    `  node log lines: ${cluster.nodes.map((n) => `${n.name} ${n.errorLines} ERROR / ${n.warnLines} WARN`).join(', ')}`,
    `  duration ${(durationMs / 1000).toFixed(1)} s`,
  ];
  const errors = cluster.nodes.flatMap((n) => n.errors.slice(0, 3).map((e) => `    ${n.name}: ${e}`));
  if (errors.length > 0) lines.push('  first ERROR lines:', ...errors);
  return lines.join('\n');
};

// ---------------------------------------------------------------------------------------------
// The tests.

interface Scenario {
  readonly label: string;
  readonly databaseUrl: string;
  readonly executions: number;
  /** SIGKILL a node every KILL_EVERY_MS, round robin; or SIGTERM the nodes one after the other, each back and listening before the next. */
  readonly disrupt: 'kill' | 'rolling';
}

/**
 * Starts the cluster, the workers and the executions, disrupts the nodes while the executions run,
 * waits for them (WAIT_MS at most), stops everything and checks what happened.
 */
const runScenario = async ({ label, databaseUrl, executions, disrupt }: Scenario) => {
  const invocationLog = join(dir, `${label}-invocations.jsonl`);
  const cluster = new Cluster({ label, databaseUrl, dir, invocationLog, auditKey });
  clusters.push(cluster);
  try {
    const t0 = Date.now();
    await cluster.start(NODES);
    console.log(
      `[${label}] ${NODES} nodes listen (--node ${(await nodeFlag()) ? 'given' : 'not known to this build: left out'}); starting ${executions} executions`,
    );
    const workload = await createWorkload(cluster, label);
    const workers = new Workers(cluster, workload.activityArn, label);
    workers.start(WORKERS);

    let disrupting = true;
    const disruptions: string[] = [];
    const disruptLoop = (async () => {
      for (let i = 0; disrupting; i++) {
        // The first kill comes 3 s into the run (a short run still sees one), then one every KILL_EVERY_MS.
        const wake = Date.now() + (disrupt === 'rolling' ? 2000 : i === 0 ? Math.min(3000, KILL_EVERY_MS) : KILL_EVERY_MS);
        while (disrupting && Date.now() < wake) await sleep(100);
        if (!disrupting) return;
        const node = cluster.nodes[i % cluster.nodes.length]!;
        const { stoppedMs, downMs } = await cluster.restart(node, disrupt === 'kill' ? 'SIGKILL' : 'SIGTERM');
        disruptions.push(`${node.name} stopped in ${stoppedMs} ms, listening again after ${downMs} ms`);
      }
    })();

    const startStats = { resent: 0 };
    let executionArns: string[] = [];
    try {
      executionArns = await startExecutions(cluster, workload.stateMachineArn, executions, startStats);
      console.log(`[${label}] ${executionArns.length} started in ${((Date.now() - t0) / 1000).toFixed(1)} s (${startStats.resent} starts resent)`);
      const all = await waitForAll(
        cluster,
        label,
        workload.stateMachineArn,
        executions,
        Date.now() + WAIT_MS,
        () =>
          `${disrupt === 'kill' ? `kills ${cluster.kills}` : `graceful restarts ${cluster.stops}`}, activity tasks received ${workers.received.length}, ` +
          `Lambda invocations ${existsSync(invocationLog) ? readFileSync(invocationLog, 'utf8').split('\n').length - 1 : 0}`,
      );
      if (!all) console.log(`[${label}] not all executions ended within ${WAIT_MS / 1000} s`);
    } finally {
      disrupting = false;
      await disruptLoop;
      await workers.stop();
    }
    const runMs = Date.now() - t0;
    console.log(`[${label}] checking the histories, the invocation log and the received tasks`);
    const problems = new Problems();
    const stats = await verify(cluster, workload, executionArns, workers, invocationLog, problems);
    for (const node of cluster.nodes) if (node.unexpectedExits > 0) problems.add('node exited by itself', `${node.name}: ${node.unexpectedExits} times`);
    if (disrupt === 'rolling') {
      // A graceful stop finishes what is in flight: nothing is interrupted, nothing handed over is lost.
      if (stats.interruptedLambdaAttempts > 0)
        problems.add('interrupted Lambda attempts (a graceful stop finishes them)', String(stats.interruptedLambdaAttempts));
      if (stats.failedTaskAttempts > 0) problems.add('failed task attempts (a graceful stop finishes every task)', String(stats.failedTaskAttempts));
      if (stats.activityTimeouts > 0) problems.add('activity tasks timed out and retried', String(stats.activityTimeouts));
      if (stats.lostActivityHandovers > 0) problems.add('activity tasks handed to a poll that never got them', String(stats.lostActivityHandovers));
    }
    console.log(`${summary(label, stats, cluster, workers, runMs, { 'starts resent': startStats.resent })}\n  problems:\n${problems.report()}`);
    return { stats, problems, disruptions, kills: cluster.kills, stops: cluster.stops, runMs };
  } finally {
    await cluster.destroy();
  }
};

const problemCounts = (problems: Problems) => Object.fromEntries([...problems.kinds].map(([k, v]) => [k, v.count]));

const unavailable = await postgresUnavailable();
const chaosDb = ownDatabase(`stepstream_cluster_${process.pid}`);
const rollingDb = ownDatabase(`stepstream_cluster_${process.pid}_rolling`);
const clusters: Cluster[] = [];
let dir = '';
let auditKey = '';
let failed = false;

if (unavailable) {
  console.log(`SKIP stepstream cluster: ${unavailable}`);
  test.skip(`several stepstream servers on one Postgres database (${unavailable})`, () => {});
} else {
  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stepstream-cluster-'));
    auditKey = join(dir, 'audit-key.pem');
    await writeFile(auditKey, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
    await chaosDb.create();
    await rollingDb.create();
  });
  test.afterEach.always((t) => {
    if (!t.passed) failed = true;
  });
  test.after.always(async () => {
    await Promise.all(clusters.map((c) => c.destroy()));
    for (const child of Cluster.live) child.kill('SIGKILL');
    await chaosDb.drop();
    await rollingDb.drop();
    if (dir !== '') {
      if (failed) console.log(`cluster test: the nodes' logs and the invocation logs are kept in ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    }
  });

  test.serial(
    `${NODES} nodes, one killed (SIGKILL) every ${KILL_EVERY_MS / 1000} s: ${EXECUTIONS} executions run every timer, task and answer exactly once`,
    async (t) => {
      t.timeout(WAIT_MS + 10 * 60_000);
      const { stats, problems, disruptions, kills } = await runScenario({ label: 'chaos', databaseUrl: chaosDb.url, executions: EXECUTIONS, disrupt: 'kill' });
      t.log(`kills: ${disruptions.join('; ')}`);
      t.is(stats.stuck, 0, 'every execution ended');
      t.true(kills > 0, 'a node was killed while the executions ran');
      t.deepEqual(problemCounts(problems), {}, 'no duplicate, lost or unfinished work (the problems are printed above)');
    },
  );

  test.serial(
    `${NODES} nodes restarted one after the other (SIGTERM): ${ROLLING_EXECUTIONS} executions succeed, no task attempt interrupted, no activity timed out`,
    async (t) => {
      t.timeout(WAIT_MS + 10 * 60_000);
      const { stats, problems, disruptions, stops } = await runScenario({
        label: 'rolling',
        databaseUrl: rollingDb.url,
        executions: ROLLING_EXECUTIONS,
        disrupt: 'rolling',
      });
      t.log(`graceful restarts: ${disruptions.join('; ')}`);
      t.is(stats.stuck, 0, 'every execution ended');
      t.true(stops > 0, 'a node was restarted while the executions ran');
      t.deepEqual(problemCounts(problems), {}, 'no duplicate, interrupted, lost or unfinished work (the problems are printed above)');
    },
  );
}
