import test from 'ava';
import {
  decideExecution,
  evolveExecution,
  importAwsHistory,
  initialExecutionState,
  nextTimerAt,
  pendingTasks,
  replayExecution,
  type AwsHistoryEvent,
  type ExecutionCommand,
  type ExecutionState,
  type NewHistoryEvent,
} from '../src/index.js';
import { env, makeInfo, T0 } from './builders.js';

// importAwsHistory: a history recorded elsewhere (here: one this engine ran, then reshaped as AWS
// records it — ids renumbered where branches interleave differently, timestamps of its own) is
// decided again command by command; the import folds and replays like any history.

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:f';
/** The execution as imported: marked so (a replay then takes the recording's timestamps). */
const importedInfo = (definition: object, input = '{}') => ({
  ...makeInfo(definition, input),
  imported: { from: 'aws' as const, executionArn: 'arn:aws:states:eu-west-1:210987654321:execution:sm:run', stateMachineArn: '' },
});

/** Runs `definition` to its end the way the runtime would: each task started then answered (`answer`), timers fired when due, plus `late` ms. */
const run = (definition: object, answer: (input: string, attempt: number) => { ok: boolean; output?: string }, late = 0) => {
  const events: NewHistoryEvent[] = [];
  let state: ExecutionState = initialExecutionState;
  let now = T0;
  const attempts = new Map<string, number>();
  const apply = (command: ExecutionCommand) => {
    const decided = decideExecution(state, command, env(now));
    for (const e of decided) state = evolveExecution(state, e);
    events.push(...decided);
  };
  apply({ type: 'StartExecution', info: makeInfo(definition) });
  for (let i = 0; i < 200 && state.status === 'RUNNING'; i++) {
    const task = pendingTasks(state)[0];
    now += 7;
    if (task && task.startedAt === undefined) apply({ type: 'TaskUpdate', taskId: task.id, signal: { type: 'started' } });
    else if (task) {
      const n = (attempts.get(task.state) ?? 0) + 1;
      attempts.set(task.state, n);
      const a = answer(task.input, n);
      apply({
        type: 'TaskUpdate',
        taskId: task.id,
        signal: a.ok ? { type: 'succeeded', output: a.output ?? task.input } : { type: 'failed', error: 'Boom', cause: `attempt ${String(n)}` },
      });
    } else {
      now = Math.max(now, (nextTimerAt(state) ?? now) + late);
      apply({ type: 'FireTimers' });
    }
  }
  return { events, state };
};

/** The history as GetExecutionHistory gives it: ids, AWS's member names, no metadata. */
const asRecorded = (events: readonly NewHistoryEvent[]): AwsHistoryEvent[] =>
  events.map((e, i) => {
    const { timestamp, previousEventId, ...details } = e.data;
    return { id: i + 1, type: e.type, timestamp, previousEventId, ...details };
  });

/**
 * The recording with the events that follow `parentId` in separate chains (a Parallel's branches
 * started in one decision) interleaved round-robin, as AWS may record them, ids renumbered.
 */
const interleaved = (recorded: readonly AwsHistoryEvent[], parentId: number): AwsHistoryEvent[] => {
  const chainOf = new Map<number, number>();
  const chains: AwsHistoryEvent[][] = [];
  const rest: AwsHistoryEvent[] = [];
  let end = recorded.length;
  for (const e of recorded) {
    if (e.id <= parentId) continue;
    const before = e.previousEventId ?? 0;
    const chain = before === parentId ? chains.push([]) - 1 : chainOf.get(before);
    if (chain === undefined || e.id > end) {
      end = Math.min(end, e.id - 1);
      rest.push(e);
      continue;
    }
    chainOf.set(e.id, chain);
    chains[chain]!.push(e);
  }
  const merged: AwsHistoryEvent[] = [];
  for (let i = 0; merged.length < chains.flat().length; i++) for (const c of chains) if (c[i]) merged.push(c[i]!);
  const order = [...recorded.filter((e) => e.id <= parentId), ...merged, ...rest];
  const newId = new Map(order.map((e, i) => [e.id, i + 1]));
  return order.map((e) => ({ ...e, id: newId.get(e.id)!, previousEventId: newId.get(e.previousEventId ?? 0) ?? 0 }));
};

const parallel = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: ['a', 'b'].map((n) => ({
        StartAt: `Prep ${n}`,
        States: {
          [`Prep ${n}`]: { Type: 'Pass', Result: { branch: n }, Next: `Call ${n}` },
          [`Call ${n}`]: { Type: 'Task', Resource: FN, End: true },
        },
      })),
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

test('a Parallel whose branches AWS recorded interleaved imports: ids mapped, recorded ids and timestamps kept, the import replays', (t) => {
  const { events, state } = run(parallel, () => ({ ok: true }));
  t.is(state.status, 'SUCCEEDED');
  const started = events.findIndex((e) => e.type === 'ParallelStateStarted') + 1;
  const recorded = interleaved(asRecorded(events), started).map((e) => ({ ...e, timestamp: e.timestamp! + e.id }));
  t.notDeepEqual(
    recorded.map((e) => e.type),
    events.map((e) => e.type),
  );
  const imported = importAwsHistory(importedInfo(parallel), recorded);
  if (!imported.ok) return t.fail(imported.divergence.reason);
  t.is(imported.events.length, events.length);
  t.deepEqual(imported.pointers, []);
  // Each event knows the recording's id where it differs, and has the recording's timestamp.
  const byId = new Map(recorded.map((r) => [r.id, r]));
  for (const [i, e] of imported.events.entries()) {
    const awsId = (e.metadata?.['awsEventId'] as number | undefined) ?? i + 1;
    t.is(byId.get(awsId)!.type, e.type);
    t.is(byId.get(awsId)!.timestamp, e.data.timestamp);
  }
  t.true(imported.events.some((e) => e.metadata?.['awsEventId'] !== undefined));
  t.deepEqual(replayExecution(imported.events), { ok: true, decisions: imported.decisions });
});

test('a recording that differs from what Stepstream decides is refused at that event, naming both', (t) => {
  const { events } = run(parallel, () => ({ ok: true }));
  const recorded = asRecorded(events).map((e) =>
    e.type === 'PassStateExited' && (e['stateExitedEventDetails'] as { name: string }).name === 'Prep b'
      ? { ...e, stateExitedEventDetails: { ...(e['stateExitedEventDetails'] as object), output: '{"branch":"c"}' } }
      : e,
  );
  const imported = importAwsHistory(importedInfo(parallel), recorded);
  if (imported.ok) return t.fail('imported');
  const changed = recorded.find((e) => (e['stateExitedEventDetails'] as { output?: string } | undefined)?.output === '{"branch":"c"}')!;
  t.is(imported.divergence.eventId, changed.id);
  t.regex(imported.divergence.reason, /the recording has .*"branch\\":\\"c\\".* where Stepstream writes .*"branch\\":\\"b\\"/);
  // A recording that ends while the execution runs is not an execution that ended.
  const firstStarted = events.findIndex((e) => e.type === 'LambdaFunctionStarted');
  const cut = importAwsHistory(importedInfo(parallel), asRecorded(events).slice(0, firstStarted + 1));
  t.false(cut.ok);
  if (!cut.ok) t.regex(cut.divergence.reason, /ends while the execution runs/);
});

const waitAndRetry = {
  StartAt: 'Nap',
  States: {
    Nap: { Type: 'Wait', Seconds: 3600, Next: 'Call' },
    Call: {
      Type: 'Task',
      Resource: FN,
      Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 2, BackoffRate: 3, MaxAttempts: 3, JitterStrategy: 'FULL' }],
      End: true,
    },
  },
};

test('timers fire as the recording shows: a Wait AWS ended late, jittered back-offs AWS drew differently; the replay decides at the same instants', (t) => {
  // Two failures then a success; AWS ended the Wait 40 ms late.
  const { events, state } = run(waitAndRetry, (_input, n) => ({ ok: n >= 3, output: '{"done":true}' }), 40);
  t.is(state.status, 'SUCCEEDED');
  const recorded = asRecorded(events);
  // AWS's jitter drew other numbers: its retries started earlier than this engine's (random 0.5) would.
  const retried = recorded.filter((e) => e.type === 'LambdaFunctionScheduled').slice(1);
  t.is(retried.length, 2);
  const earlier = new Set(retried.map((e) => e.id));
  const shifted = recorded.map((e) => (e.id >= Math.min(...earlier) ? { ...e, timestamp: e.timestamp! - 300 } : e));
  const imported = importAwsHistory(importedInfo(waitAndRetry), shifted);
  if (!imported.ok) return t.fail(imported.divergence.reason);
  t.deepEqual(
    imported.events.map((e) => e.data.timestamp),
    shifted.map((e) => e.timestamp),
  );
  // The hour shows in the history; where the recording fired earlier than the engine would, the decision records when it decided.
  const exited = imported.events.find((e) => e.type === 'WaitStateExited')!;
  t.true(exited.data.timestamp - T0 >= 3600_000);
  t.true(imported.events.some((e) => (e.metadata?.['trigger'] as { now?: number } | undefined)?.now !== undefined));
  t.deepEqual(replayExecution(imported.events), { ok: true, decisions: imported.decisions });
});

test('normalised recordings: placeholders, `date` and the account 111111111111 match any value; ids the decision draws bind to the recorded ones', (t) => {
  const distributed = {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        End: true,
      },
    },
  };
  const info = importedInfo(distributed, '[1,2]');
  const first = decideExecution(initialExecutionState, { type: 'StartExecution', info }, env());
  const runArn = (first.find((e) => e.type === 'MapRunStarted')!.data.mapRunStartedEventDetails as { mapRunArn: string }).mapRunArn;
  const theirs = runArn
    .replace(/:[0-9a-f-]{36}$/, ':7a1b2c3d-0000-4000-8000-000000000042')
    .replace(/:[0-9a-f-]{36}\//, ':8b1b2c3d-0000-4000-8000-000000000001/');
  const recorded: AwsHistoryEvent[] = [
    {
      id: 1,
      previousEventId: 0,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: '[1,2]', inputDetails: { truncated: false }, roleArn: info.roleArn },
    },
    { id: 2, previousEventId: 0, type: 'MapStateEntered', stateEnteredEventDetails: { name: 'Each', input: '[1,2]', inputDetails: { truncated: false } } },
    { id: 3, previousEventId: 2, type: 'MapStateStarted', mapStateStartedEventDetails: { length: 2 } },
    { id: 4, previousEventId: 3, type: 'MapRunStarted', mapRunStartedEventDetails: { mapRunArn: theirs } },
    { id: 5, previousEventId: 4, type: 'MapRunSucceeded' },
    { id: 6, previousEventId: 5, type: 'MapStateSucceeded' },
    { id: 7, previousEventId: 4, type: 'MapStateExited', stateExitedEventDetails: { name: 'Each', output: '[1,2]', outputDetails: { truncated: false } } },
    { id: 8, previousEventId: 7, type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '[1,2]', outputDetails: { truncated: false } } },
  ];
  const imported = importAwsHistory(info, recorded);
  if (!imported.ok) return t.fail(imported.divergence.reason);
  // The Map Run's ARN is the recorded one, in every event and in the trigger a replay feeds back.
  t.is((imported.events[3]!.data.mapRunStartedEventDetails as { mapRunArn: string }).mapRunArn, theirs);
  t.deepEqual(replayExecution(imported.events), { ok: true, decisions: imported.decisions });
  // The same history as LocalStack's snapshots keep it.
  const normalised = recorded.map((e) =>
    e.type === 'MapRunStarted'
      ? {
          ...e,
          mapRunStartedEventDetails: {
            mapRunArn: 'arn:<partition>:states:<region>:111111111111:mapRun:<ArnPart_0idx>/<MapRunArnPart0_0idx>:<MapRunArnPart1_0idx>',
          },
        }
      : e,
  );
  t.false(importAwsHistory(info, normalised).ok);
  t.true(importAwsHistory(info, normalised, { normalised: {} }).ok);
});
