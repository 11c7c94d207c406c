import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { EventData } from '@stepstream/eventstore';
import { locateExecution, type LambdaFunctions, type LambdaOutcome } from '@stepstream/runtime';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { toHistoryEvent } from '../src/operations/get-execution-history.js';
import { historyEventJson } from '../src/operations/history-event-json.js';
import { assertReplays, finished, ROLE, startStack, type Stack } from './harness.js';

// GetExecutionHistory composes its answer from the stored JSON texts (history-event-json.ts) and
// parses only what is not in the engine's layout. Here the answers for real histories — every
// state type, payloads with NUL, lone surrogates, emoji, big numbers and escapes — are compared,
// byte for byte, with what the parsing path (`toHistoryEvent`, then `JSON.stringify`) makes of the
// same stored events: forwards and backwards, with and without execution data, in pages.

const test = anyTest as TestFn<{ stack: Stack; executions: Map<string, string> }>;

/** Text with what JSON escapes, what UTF-16 cannot pair, and what UTF-8 takes 4 bytes for. */
const NASTY = 'NUL \u0000 lone \ud800 and \udc00, pair 😀, quote " backslash \\ slash / tab \t line \u2028 </script> \u007f';

/** In-process Lambda functions: `echo` answers its event, `boom` fails with a nasty message, `once` fails on its first call. */
const lambdaFunctions = (): LambdaFunctions => {
  const calls = new Map<string, number>();
  return {
    async invoke(call): Promise<LambdaOutcome> {
      const n = (calls.get(call.body) ?? 0) + 1;
      calls.set(call.body, n);
      if (call.name === 'echo' || (call.name === 'once' && n > 1)) {
        return { kind: 'ok', payload: JSON.parse(call.body) as unknown, body: call.body, executedVersion: '$LATEST' };
      }
      if (call.name === 'boom' || call.name === 'once') {
        return { kind: 'error', errorType: 'Boom', body: JSON.stringify({ errorType: 'Boom', errorMessage: NASTY }) };
      }
      return { kind: 'missing', message: `no function ${call.name}` };
    },
  };
};

const fn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

test.before(async (t) => {
  t.context.stack = await startStack({ lambda: lambdaFunctions(), activityPollMs: 2000 });
  t.context.executions = new Map();
});
test.after.always(async (t) => {
  const { stack } = t.context;
  if (!stack) return;
  await assertReplays(t as never, stack.engine, stack.started);
  await stack.close();
});

const machine = async (stack: Stack, name: string, definition: object) =>
  (await stack.client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }))).stateMachineArn!;

const start = async (stack: Stack, stateMachineArn: string, input: string) => {
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn, input }));
  stack.started.add(executionArn!);
  return executionArn!;
};

/** One GetExecutionHistory answer's body, as the server wrote it. */
const rawHistory = async (stack: Stack, input: Record<string, unknown>): Promise<string> => {
  const res = await fetch(stack.api.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.GetExecutionHistory' },
    body: JSON.stringify(input),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GetExecutionHistory answered ${res.status}: ${body}`);
  return body;
};

const streamOf = (executionArn: string) => {
  const where = locateExecution(executionArn);
  if (where._tag === 'Left') throw new Error(where.left.message);
  return where.right.stream;
};

/**
 * Reads the whole history in pages of `maxResults` and checks every answer against the parsing
 * path's encoding of the same stored events. Returns the sizes of the pages.
 */
const comparePages = async (t: ExecutionContext, stack: Stack, executionArn: string, maxResults: number, reverseOrder: boolean, includeData: boolean) => {
  const stored = await stack.engine.reads.store.readStream(streamOf(executionArn), { metadata: false });
  const ordered = reverseOrder ? [...stored].reverse() : stored;
  const sizes: number[] = [];
  let at = 0;
  let nextToken: string | undefined;
  do {
    const body = await rawHistory(stack, { executionArn, maxResults, reverseOrder, includeExecutionData: includeData, ...(nextToken ? { nextToken } : {}) });
    const answer = JSON.parse(body) as { events: unknown[]; nextToken?: string };
    const size = answer.events.length;
    const expected = JSON.stringify({
      events: ordered.slice(at, at + size).map((e) => toHistoryEvent(e, includeData)),
      ...(answer.nextToken !== undefined ? { nextToken: answer.nextToken } : {}),
    });
    const label = `${executionArn} maxResults ${maxResults} ${reverseOrder ? 'backwards' : 'forwards'} ${includeData ? 'with' : 'without'} data, from event ${at}`;
    if (body !== expected) {
      // Show where they part, not two 200 KB strings.
      let i = 0;
      while (i < body.length && body[i] === expected[i]) i++;
      t.fail(
        `${label}: the answer differs at character ${i}: …${JSON.stringify(body.slice(Math.max(0, i - 80), i + 80))} where the parsing path has …${JSON.stringify(expected.slice(Math.max(0, i - 80), i + 80))}`,
      );
      return sizes;
    }
    t.true(size > 0, label);
    sizes.push(size);
    at += size;
    nextToken = answer.nextToken;
    t.is(nextToken !== undefined, at < ordered.length, `${label}: a next token exactly when events are left`);
  } while (nextToken);
  t.is(at, ordered.length);
  return sizes;
};

const compareAll = async (t: ExecutionContext, stack: Stack, executionArn: string, pageSizes: readonly number[]) => {
  for (const maxResults of pageSizes) {
    for (const reverseOrder of [false, true]) {
      for (const includeData of [true, false]) await comparePages(t, stack, executionArn, maxResults, reverseOrder, includeData);
    }
  }
};

test.serial('real histories of every state type and nasty payloads: the composed answer is the parsing path’s, byte for byte', async (t) => {
  const { stack } = t.context;
  const executions: string[] = [];
  const input = JSON.stringify({ text: NASTY, big: 12345678901234567890, tiny: 5e-324, go: true, list: [1, 'two', { three: NASTY }] });

  const sink = await machine(stack, 'sink', {
    Comment: `a bit of everything ${NASTY}`,
    StartAt: 'Prep',
    States: {
      Prep: {
        Type: 'Pass',
        Parameters: { 'text.$': '$.text', 'big.$': '$.big', list: [1, 2, 3], esc: 'quote " backslash \\' },
        ResultPath: '$.prep',
        Next: 'Route',
      },
      Route: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Nap' }], Default: 'Done' },
      Nap: { Type: 'Wait', Seconds: 0, Next: 'Both' },
      Both: {
        Type: 'Parallel',
        ResultPath: '$.both',
        Branches: [
          { StartAt: 'Echo', States: { Echo: { Type: 'Task', Resource: fn('echo'), End: true } } },
          { StartAt: 'Quiet', States: { Quiet: { Type: 'Pass', Result: { emoji: '😀' }, End: true } } },
        ],
        Next: 'Each',
      },
      Each: {
        Type: 'Map',
        ItemsPath: '$.prep.list',
        ItemProcessor: {
          StartAt: 'Item',
          States: {
            Item: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'echo', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              End: true,
            },
          },
        },
        ResultPath: '$.each',
        Next: 'Risky',
      },
      Risky: {
        Type: 'Task',
        Resource: fn('boom'),
        Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  });
  executions.push(await start(stack, sink, input));

  const failing = await machine(stack, 'failing', { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.error', CausePath: '$.text' } } });
  executions.push(await start(stack, failing, JSON.stringify({ error: `E\u0000\ud800`, text: NASTY })));

  const jsonata = await machine(stack, 'jsonata', {
    QueryLanguage: 'JSONata',
    StartAt: 'Assign',
    States: {
      Assign: {
        Type: 'Pass',
        Assign: { text: '{% $states.input.text %}', n: '{% 12345678901234567890 %}' },
        Output: '{% { "len": $length($text) } %}',
        Next: 'Broken',
      },
      Broken: { Type: 'Pass', Output: '{% $number("not a number") %}', End: true },
    },
  });
  executions.push(await start(stack, jsonata, input));

  const distributed = await machine(stack, 'distributed', {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
  });
  executions.push(await start(stack, distributed, JSON.stringify([NASTY, 2])));

  const sleepy = await machine(stack, 'sleepy', { StartAt: 'Nap', TimeoutSeconds: 1, States: { Nap: { Type: 'Wait', Seconds: 600, End: true } } });
  const timedOut = await start(stack, sleepy, input);
  const stopped = await start(stack, sleepy, input);
  await stack.client.send(new StopExecutionCommand({ executionArn: stopped, error: 'Stop\u0000', cause: NASTY.replace(/[\ud800\udc00]/g, '?') }));
  executions.push(timedOut, stopped);

  const flaky = await machine(stack, 'flaky', { StartAt: 'Once', States: { Once: { Type: 'Task', Resource: fn('once'), End: true } } });
  const redriven = await start(stack, flaky, input);
  await finished(stack, redriven);
  await stack.client.send(new RedriveExecutionCommand({ executionArn: redriven }));
  executions.push(redriven);

  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: 'history-json' }));
  const worked = await machine(stack, 'worked', {
    StartAt: 'Work',
    States: { Work: { Type: 'Task', Resource: activityArn, HeartbeatSeconds: 60, End: true } },
  });
  const succeeded = await start(stack, worked, input);
  const failed = await start(stack, worked, input);
  for (const outcome of ['success', 'failure']) {
    const task = await stack.client.send(new GetActivityTaskCommand({ activityArn, workerName: 'worker 😀 "q" \\' }));
    if (outcome === 'success') await stack.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: input }));
    else
      await stack.client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: 'Worker.Failed', cause: NASTY.replace(/[\ud800\udc00]/g, '?') }));
  }
  executions.push(succeeded, failed);

  const loop = await machine(stack, 'loop', {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 600, Next: 'Inc' }], Default: 'Done' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', text: NASTY }, Next: 'Count' },
      Done: { Type: 'Succeed' },
    },
  });
  const long = await start(stack, loop, '{"n":0}');

  for (const arn of [...executions, long]) await finished(stack, arn);
  for (const arn of executions) await compareAll(t, stack, arn, [1000, 7]);
  await compareAll(t, stack, long, [1000, 333]);

  // Every stored event of these histories is composed from its text, none parsed: otherwise the
  // comparison above would compare the parsing path with itself.
  const types = new Set<string>();
  let composed = 0;
  for (const arn of [...executions, long]) {
    for (const e of await stack.engine.reads.store.readStreamRaw(streamOf(arn))) {
      types.add(e.type);
      if (historyEventJson(e.type, e.revision, e.data, true) === undefined || historyEventJson(e.type, e.revision, e.data, false) === undefined) {
        t.fail(`${arn}: event ${e.revision + 1n} (${e.type}) is not composable from its stored text: ${e.data.slice(0, 200)}`);
      } else composed++;
    }
  }
  t.log(`${composed} events composed, of ${types.size} types: ${[...types].sort().join(', ')}`);
  for (const type of [
    'ExecutionStarted',
    'ExecutionSucceeded',
    'ExecutionFailed',
    'ExecutionAborted',
    'ExecutionTimedOut',
    'ExecutionRedriven',
    'PassStateEntered',
    'ChoiceStateEntered',
    'WaitStateEntered',
    'ParallelStateStarted',
    'MapIterationStarted',
    'MapRunStarted',
    'LambdaFunctionFailed',
    'TaskStateExited',
    'ActivitySucceeded',
    'ActivityFailed',
    'FailStateEntered',
    'SucceedStateEntered',
  ]) {
    t.true(types.has(type), `the histories hold a ${type}`);
  }
});

test.serial('stored events in other layouts are parsed; pages stop at 16 MiB of stored data with the same next tokens', async (t) => {
  const { stack } = t.context;
  const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:foreign:run-1';
  const stream = streamOf(executionArn);
  const mib = 'x'.repeat(1024 * 1024);
  const foreign: EventData[] = [
    {
      type: 'ExecutionStarted',
      data: { previousEventId: 0, timestamp: 1733480000000, executionStartedEventDetails: { input: NASTY, inputDetails: { truncated: false } } },
    },
    { type: 'PassStateEntered', data: { timestamp: '1733480000001', previousEventId: 1, stateEnteredEventDetails: { name: 'A', input: '{}' } } },
    { type: 'PassStateExited', data: { timestamp: 1733480000002, stateExitedEventDetails: { name: 'A', output: NASTY } } },
    { type: 'PassStateEntered', data: { timestamp: 1733480000003, previousEventId: 3, type: 'Other', id: 99, stateEnteredEventDetails: { input: NASTY } } },
    {
      type: 'PassStateExited',
      data: { timestamp: 1733480000004, previousEventId: 4, list: [{ input: NASTY, output: 1 }, 2], stateExitedEventDetails: { output: '1' } },
    },
    {
      type: 'Odd',
      data: { timestamp: 1733480000005.5, previousEventId: 5, odd: { input: null, output: [NASTY], name: NASTY, '1': 'one' }, n: 12345678901234567890 },
    },
    // Twenty events of 1 MiB of data in the engine's layout: a page holds 16 of them (the store
    // stops before the event that would take it past 16 MiB).
    ...Array.from({ length: 20 }, (_, i) => ({
      type: 'PassStateEntered',
      data: {
        timestamp: 1733480001000 + i,
        previousEventId: 6 + i,
        stateEnteredEventDetails: { name: `Big${i}`, input: mib, inputDetails: { truncated: false } },
      },
    })),
  ];
  // Written around the hash chain (which would store them as canonical JSON): the texts stay as
  // JSON.stringify spelled them, as another writer's would.
  await stack.engine.options.store.appendToStream(stream, foreign, { expectedRevision: 'no_stream' });
  const raw = await stack.engine.reads.store.readStreamRaw(stream);
  t.deepEqual(
    raw.slice(0, 6).map((e) => historyEventJson(e.type, e.revision, e.data, false) === undefined),
    [false, true, true, true, true, false],
    'the first (its members in another order) and the sixth are composed; the others (a string timestamp, no previousEventId, members the answer names, an array without data) are parsed',
  );
  t.deepEqual(await comparePages(t, stack, executionArn, 1000, false, true), [6 + 16, 4]);
  t.deepEqual(await comparePages(t, stack, executionArn, 1000, true, false), [16, 10]);
  t.deepEqual(await comparePages(t, stack, executionArn, 22, false, false), [22, 4], 'a page of exactly maxResults that also fills the budget');
  t.deepEqual(await comparePages(t, stack, executionArn, 5, true, true), [5, 5, 5, 5, 5, 1]);
});
