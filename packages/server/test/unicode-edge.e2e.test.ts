import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetActivityTaskCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { makePgPool, openPostgresEventStore, type EventStore } from '@stepstream/eventstore';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { assertReplays, eventually, finished, history, ROLE, stackOver, startStack, type Stack } from './harness.js';

// Issue 11: no string poisons the store or the read models. A NUL and a lone surrogate in every
// string a client or an execution can hand us, on embedded PGlite and on Postgres. After each:
// no 5xx, the execution is described and listed, a new execution started afterwards is described
// and listed at once (the API waits for the read model: a stalled projector shows as
// ExecutionDoesNotExist), and what AWS would accept is stored exactly. A raw lone surrogate in a
// request string may be refused at the edge (ValidationException): either answer is fine.

interface Backend {
  readonly label: string;
  readonly open: () => Promise<Stack>;
  readonly skip?: string;
}

/** The whole server on a Postgres database of its own (the read model schema has a fixed name). */
const startPostgresStack = async (): Promise<Stack> => {
  const database = `t_unicode_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 1) }) });
  await sql`create database ${sql.id(database)}`.execute(admin);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const store: EventStore = await openPostgresEventStore({ connectionString: url.toString(), maxConnections: 5 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(url.toString(), 5) }) });
  return stackOver(store, db, { activityPollMs: 1500 }, {}, async () => {
    await store.close();
    await db.destroy();
    // A pool's end() resolves before the server has seen its clients go: dropping the database
    // then would terminate them, and a terminated client with no error listener throws.
    await eventually(async () => {
      const { rows } = await sql<{ n: string }>`select count(*)::text as n from pg_stat_activity where datname = ${database}`.execute(admin);
      return rows[0]?.n === '0' ? true : undefined;
    }, 10_000).catch(() => undefined);
    await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
    await admin.destroy();
  });
};

const unavailable = await postgresUnavailable();
const backends: Backend[] = [
  { label: 'PGlite', open: () => startStack({ activityPollMs: 1500 }) },
  { label: 'Postgres', open: startPostgresStack, ...(unavailable ? { skip: unavailable } : {}) },
];

const test = anyTest as TestFn<{ stacks: Map<string, Stack> }>;
test.before(async (t) => {
  t.context.stacks = new Map();
  for (const b of backends) if (!b.skip) t.context.stacks.set(b.label, await b.open());
});
test.after.always(async (t) => {
  for (const [label, stack] of t.context.stacks ?? []) {
    const checked = await assertReplays(t as never, stack.engine, stack.started);
    console.log(`${label}: replay check: ${checked} executions reproduced event for event`);
    await stack.close();
  }
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const NUL = 'nul\u0000here';
const LONE = 'lone\udfffsurrogate\ud800';

const machine = async (stack: Stack, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name: unique('sm'), definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;

const passMachine = (stack: Stack) => machine(stack, { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const waitMachine = (stack: Stack) => machine(stack, { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } });

type Outcome<T> = { readonly ok: T } | { readonly rejected: string; readonly message: string };

/** The call's answer, or the AWS error it was refused with; a 5xx (or a non-AWS failure) fails the test. */
const outcome = async <T>(t: ExecutionContext, call: Promise<T>): Promise<Outcome<T>> => {
  try {
    return { ok: await call };
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === undefined || status >= 500) {
      t.fail(`expected an answer or a 4xx AWS error, got ${status ?? 'no HTTP status'}: ${(e as Error).name}: ${(e as Error).message}`);
      throw e;
    }
    return { rejected: (e as Error).name, message: (e as Error).message };
  }
};

/** Describe and List answer for `executionArn`; it is in its state machine's list. */
const visible = async (t: ExecutionContext, stack: Stack, executionArn: string, stateMachineArn: string): Promise<DescribeExecutionOutput> => {
  const described = await stack.client.send(new DescribeExecutionCommand({ executionArn }));
  t.is(described.executionArn, executionArn);
  const listed = await stack.client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }));
  t.true(
    listed.executions!.some((e) => e.executionArn === executionArn),
    `${executionArn} is listed`,
  );
  return described;
};

/** The read models still follow: a NEW execution is described and listed as soon as StartExecution answers. */
const stillHealthy = async (t: ExecutionContext, stack: Stack) => {
  const arn = await passMachine(stack);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{"fresh":true}' }));
  stack.started.add(executionArn!);
  const d = await visible(t, stack, executionArn!, arn);
  t.is(d.status, 'SUCCEEDED', 'a Pass machine ends in its start decision, so it is SUCCEEDED when Describe first sees it');
  t.not(projectorState(stack), 'retrying');
};

const projectorState = (stack: Stack) => stack.engine.projector.status().state;

const eventOf = (events: HistoryEvent[], type: string) => events.find((e) => e.type === type);

for (const backend of backends) {
  const label = backend.label;
  if (backend.skip) {
    console.log(`SKIP unicode edge cases on ${label}: ${backend.skip}`);
    test.skip(`${label}: unicode edge cases (${backend.skip})`, () => {});
    continue;
  }
  const stackOf = (t: ExecutionContext<{ stacks: Map<string, Stack> }>) => t.context.stacks.get(label)!;

  test(`${label}: StartExecution name with a NUL or a lone surrogate is InvalidName (or refused at the edge), never a 5xx`, async (t) => {
    const stack = stackOf(t);
    const arn = await passMachine(stack);
    for (const name of ['a\u0000b', 'a\udfffb', '\ud800']) {
      const r = await outcome(t, stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, name })));
      t.true('rejected' in r && (r.rejected === 'InvalidName' || (r.rejected === 'ValidationException' && !name.includes('\u0000'))), JSON.stringify(r));
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: StartExecution stateMachineArn with a NUL or a lone surrogate answers a 4xx`, async (t) => {
    const stack = stackOf(t);
    const arn = await passMachine(stack);
    for (const stateMachineArn of [`${arn}\u0000`, `${arn}\udfff`, arn.replace('stateMachine:', 'stateMachine:\u0000')]) {
      const r = await outcome(t, stack.client.send(new StartExecutionCommand({ stateMachineArn })));
      t.true('rejected' in r, JSON.stringify(r));
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: StartExecution input with NUL and lone-surrogate escapes is stored and echoed exactly; raw ones are refused or stored exactly`, async (t) => {
    const stack = stackOf(t);
    const arn = await passMachine(stack);
    const inputs = [
      JSON.stringify({ nul: NUL, lone: LONE, key: { [NUL]: LONE } }), // JSON escapes: what AWS accepts
      `{"raw":"${LONE}"}`, // a raw lone surrogate inside a JSON string
      `{"raw":"${NUL}"}`, // a raw NUL inside a JSON string: not JSON
      `"${NUL}"`,
    ];
    for (const input of inputs) {
      const r = await outcome(t, stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, input })));
      if ('rejected' in r) {
        t.true(['InvalidExecutionInput', 'ValidationException'].includes(r.rejected), `${JSON.stringify(input)}: ${r.rejected}`);
        t.not(input, inputs[0], 'the escaped input is accepted');
        continue;
      }
      stack.started.add(r.ok.executionArn!);
      const d = await visible(t, stack, r.ok.executionArn!, arn);
      t.is(d.input, input, 'Describe echoes the input exactly');
      t.is(d.status, 'SUCCEEDED');
      t.deepEqual(JSON.parse(d.output!), JSON.parse(input), 'the output holds the same strings');
      const started = eventOf(await history(stack, r.ok.executionArn!), 'ExecutionStarted');
      t.is(started?.executionStartedEventDetails?.input, input, 'the history shows it exactly');
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: StartExecution traceHeader: a NUL is ASCII and stored exactly; a lone surrogate is a ValidationException`, async (t) => {
    const stack = stackOf(t);
    const arn = await passMachine(stack);
    const traceHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;\u0000;\u007f';
    const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, traceHeader }));
    stack.started.add(executionArn!);
    const d = await visible(t, stack, executionArn!, arn);
    t.is(d.traceHeader, traceHeader);
    for (const bad of ['Root=\udfff', 'caf\u00e9']) {
      const r = await outcome(t, stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, traceHeader: bad })));
      t.true('rejected' in r && r.rejected === 'ValidationException', JSON.stringify(r));
      // The edge may refuse the raw surrogate first, in its own words; this rule speaks Coral's.
      if ('rejected' in r && (bad === 'caf\u00e9' || r.message.includes('regular expression pattern'))) {
        t.is(
          r.message,
          `1 validation error detected: Value '${bad}' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*`,
        );
      }
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: StopExecution error and cause with a NUL are stored exactly; with a lone surrogate refused or stored exactly`, async (t) => {
    const stack = stackOf(t);
    const arn = await waitMachine(stack);
    for (const [error, cause] of [
      [`E${NUL}`, `cause ${NUL}`],
      [`E${LONE}`, `cause ${LONE} and ${NUL}`],
    ] as const) {
      const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn }));
      stack.started.add(executionArn!);
      const r = await outcome(t, stack.client.send(new StopExecutionCommand({ executionArn, error, cause })));
      if ('rejected' in r) {
        t.is(r.rejected, 'ValidationException');
        t.true(error.includes('\udfff'), 'only a raw lone surrogate may be refused');
        await stack.client.send(new StopExecutionCommand({ executionArn }));
        continue;
      }
      const d = await visible(t, stack, executionArn!, arn);
      t.is(d.status, 'ABORTED');
      t.is(d.error, error);
      t.is(d.cause, cause);
      const aborted = eventOf(await history(stack, executionArn!), 'ExecutionAborted');
      t.deepEqual(aborted?.executionAbortedEventDetails, { error, cause });
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: SendTaskFailure error and cause with a NUL are stored exactly; with a lone surrogate refused or stored exactly`, async (t) => {
    const stack = stackOf(t);
    const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: unique('act') }));
    const arn = await machine(stack, { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: activityArn, End: true } } });
    for (const [error, cause] of [
      [`Task${NUL}`, `cause ${NUL}`],
      [`Task${LONE}`, `cause ${LONE}${NUL}`],
    ] as const) {
      const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn }));
      stack.started.add(executionArn!);
      const task = await eventually(async () => {
        const got = await stack.client.send(new GetActivityTaskCommand({ activityArn, workerName: 'w' }));
        return got.taskToken ? got : undefined;
      });
      const r = await outcome(t, stack.client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error, cause })));
      if ('rejected' in r) {
        t.is(r.rejected, 'ValidationException');
        t.true(error.includes('\udfff'), 'only a raw lone surrogate may be refused');
        await stack.client.send(new StopExecutionCommand({ executionArn }));
        continue;
      }
      const d = await finished(stack, executionArn!);
      await visible(t, stack, executionArn!, arn);
      t.is(d.status, 'FAILED');
      t.is(d.error, error);
      t.is(d.cause, cause);
      const events = await history(stack, executionArn!);
      t.deepEqual(eventOf(events, 'ActivityFailed')?.activityFailedEventDetails, { error, cause });
      t.deepEqual(eventOf(events, 'ExecutionFailed')?.executionFailedEventDetails, { error, cause });
    }
    await stillHealthy(t, stack);
  });

  test(`${label}: a Fail state's Cause/CausePath and Error/ErrorPath holding NULs and lone surrogates (from input and definition) are stored exactly`, async (t) => {
    const stack = stackOf(t);
    // Built inside the execution from JSON escapes: nothing raw crosses the wire, so AWS accepts
    // these and they must be stored exactly.
    const fromInput = await machine(stack, { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.cause' } } });
    const values = { error: `E${NUL}${LONE}`, cause: `${LONE}\u0000${NUL}\udc00` };
    const a = await stack.client.send(new StartExecutionCommand({ stateMachineArn: fromInput, input: JSON.stringify(values) }));
    stack.started.add(a.executionArn!);
    // The definition carries them itself (its text holds the escapes).
    const staticCause = `static ${NUL} ${LONE}`;
    const fromDefinition = await machine(stack, { Comment: LONE, StartAt: 'F', States: { F: { Type: 'Fail', Error: `Static${NUL}`, Cause: staticCause } } });
    const b = await stack.client.send(new StartExecutionCommand({ stateMachineArn: fromDefinition }));
    stack.started.add(b.executionArn!);
    for (const [executionArn, arn, error, cause] of [
      [a.executionArn!, fromInput, values.error, values.cause],
      [b.executionArn!, fromDefinition, `Static${NUL}`, staticCause],
    ] as const) {
      const d = await visible(t, stack, executionArn, arn);
      t.is(d.status, 'FAILED');
      t.is(d.error, error);
      t.is(d.cause, cause);
      t.deepEqual(eventOf(await history(stack, executionArn), 'ExecutionFailed')?.executionFailedEventDetails, { error, cause });
    }
    // The definition reads back as it was sent.
    const described = await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: fromDefinition }));
    t.deepEqual(JSON.parse(described.definition!), {
      Comment: LONE,
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: `Static${NUL}`, Cause: staticCause } },
    });
    await stillHealthy(t, stack);
  });

  test.serial(`${label}: after all of it, nothing was skipped and a rebuild completes with nothing skipped`, async (t) => {
    const stack = stackOf(t);
    // Serial tests run first in ava: give this one some poison of its own to rebuild over.
    const arn = await waitMachine(stack);
    const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn: arn, traceHeader: NUL }));
    stack.started.add(executionArn!);
    await stack.client.send(new StopExecutionCommand({ executionArn, error: NUL, cause: NUL }));
    const summary = await stack.engine.projector.rebuild();
    t.is(summary.eventsSkipped, 0n);
    t.is(stack.engine.projector.status().eventsSkipped, 0n);
    const d = await visible(t, stack, executionArn!, arn);
    t.is(d.cause, NUL);
    t.is(d.traceHeader, NUL);
    await stillHealthy(t, stack);
  });
}
