import test from 'ava';
import { brief, env, fold, startWith as start, T0 } from './builders.js';
import { decideExecution, evolveExecution, nextTimerAt, pendingTasks, replayExecution, type NewHistoryEvent } from '../src/index.js';

// Parallel, Map, Retry and Catch: given a history, when a command arrives, then these events.

const output = (events: readonly NewHistoryEvent[]) => JSON.parse(events.at(-1)!.data.executionSucceededEventDetails!.output);

const failBranch = { StartAt: 'B', States: { B: { Type: 'Fail', Error: 'FailureType', Cause: 'Cause description' } } };

test('Parallel: Started, branches in order, Succeeded and Exited pointing to the last branch event; outputs in branch order', (t) => {
  const events = start({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'A', States: { A: { Type: 'Pass', Result: 'a', End: true } } },
          { StartAt: 'B1', States: { B1: { Type: 'Pass', Next: 'B2' }, B2: { Type: 'Pass', Result: 'b', End: true } } },
        ],
        ResultSelector: { 'first.$': '$[0]', 'second.$': '$[1]' },
      },
    },
  });
  t.deepEqual(brief(events), [
    '1<0 ExecutionStarted',
    '2<0 ParallelStateEntered',
    '3<2 ParallelStateStarted',
    '4<3 PassStateEntered',
    '5<4 PassStateExited',
    '6<3 PassStateEntered',
    '7<6 PassStateExited',
    '8<7 PassStateEntered',
    '9<8 PassStateExited',
    '10<9 ParallelStateSucceeded',
    '11<9 ParallelStateExited',
    '12<11 ExecutionSucceeded',
  ]);
  t.deepEqual(output(events), { first: 'a', second: 'b' });
});

test('Parallel failure: the branch’s own error; ParallelStateFailed points to the failure event; Catch exits with the Error Output', (t) => {
  const failed = start({ StartAt: 'P', States: { P: { Type: 'Parallel', End: true, Branches: [failBranch] } } });
  t.deepEqual(brief(failed), [
    '1<0 ExecutionStarted',
    '2<0 ParallelStateEntered',
    '3<2 ParallelStateStarted',
    '4<3 FailStateEntered',
    '5<4 ParallelStateFailed',
    '6<5 ExecutionFailed',
  ]);
  t.deepEqual(failed[5]!.data.executionFailedEventDetails, { error: 'FailureType', cause: 'Cause description' });
  const caught = start(
    {
      StartAt: 'P',
      States: {
        P: { Type: 'Parallel', Next: 'Done', Branches: [failBranch], Catch: [{ ErrorEquals: ['FailureType'], ResultPath: '$.err', Next: 'Caught' }] },
        Caught: { Type: 'Pass', End: true },
        Done: { Type: 'Succeed' },
      },
    },
    '{"keep":1}',
  );
  t.deepEqual(brief(caught).slice(4), [
    '5<4 ParallelStateFailed',
    '6<5 ParallelStateExited',
    '7<6 PassStateEntered',
    '8<7 PassStateExited',
    '9<8 ExecutionSucceeded',
  ]);
  t.deepEqual(output(caught), { keep: 1, err: { Error: 'FailureType', Cause: 'Cause description' } });
});

test('Retry: the back-off is a durable timer; the next attempt starts after the failure with no Failed event between; exhausted retries fail', (t) => {
  const machine = {
    StartAt: 'P',
    States: {
      P: { Type: 'Parallel', End: true, Branches: [failBranch], Retry: [{ ErrorEquals: ['FailureType'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 3 }] },
    },
  };
  const first = start(machine);
  t.deepEqual(brief(first), ['1<0 ExecutionStarted', '2<0 ParallelStateEntered', '3<2 ParallelStateStarted', '4<3 FailStateEntered']);
  let state = fold(first);
  t.is(nextTimerAt(state), T0 + 2000, 'first back-off: IntervalSeconds');
  t.deepEqual(decideExecution(state, { type: 'FireTimers' }, env(T0 + 1999)), []);
  const second = decideExecution(state, { type: 'FireTimers' }, env(T0 + 2000));
  t.deepEqual(brief(second, 5), ['5<4 ParallelStateStarted', '6<5 FailStateEntered']);
  state = second.reduce(evolveExecution, state);
  t.is(nextTimerAt(state), T0 + 2000 + 6000, 'second back-off: IntervalSeconds × BackoffRate');
  const third = decideExecution(state, { type: 'FireTimers' }, env(T0 + 8000));
  t.deepEqual(brief(third, 7), ['7<6 ParallelStateStarted', '8<7 FailStateEntered', '9<8 ParallelStateFailed', '10<9 ExecutionFailed']);
  t.deepEqual(replayExecution([...first, ...second, ...third]), { ok: true, decisions: 3 });
});

test('Retry: MaxDelaySeconds caps the back-off and FULL jitter draws from the injected randomness', (t) => {
  const machine = (jitter: object) => ({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [failBranch],
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 100, MaxDelaySeconds: 10, ...jitter }],
      },
    },
  });
  t.is(nextTimerAt(fold(start(machine({})))), T0 + 10_000);
  const jittered = start(
    machine({ JitterStrategy: 'FULL' }),
    '{}',
    env(T0, () => 0.25),
  );
  t.is(nextTimerAt(fold(jittered)), T0 + 2500);
  t.deepEqual((jittered[0]!.metadata as { trigger: { randoms: number[] } }).trigger.randoms, [0.25], 'the draw is recorded for replay');
  t.true(replayExecution(jittered).ok);
});

test('States.ALL catches user errors but never States.Runtime', (t) => {
  const machine = {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', InputPath: '$.missing', End: true } } }],
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'C' }],
      },
      C: { Type: 'Succeed' },
    },
  };
  const events = start(machine);
  t.is(events.at(-1)!.type, 'ExecutionFailed');
  t.is(events.at(-1)!.data.executionFailedEventDetails!.error, 'States.Runtime');
});

test('inline Map with MaxConcurrency 1: each iteration starts after the last state event of the one before', (t) => {
  const events = start(
    {
      StartAt: 'M',
      States: { M: { Type: 'Map', MaxConcurrency: 1, ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, End: true } },
    },
    '[10, 20]',
  );
  t.deepEqual(brief(events), [
    '1<0 ExecutionStarted',
    '2<0 MapStateEntered',
    '3<2 MapStateStarted',
    '4<3 MapIterationStarted',
    '5<4 PassStateEntered',
    '6<5 PassStateExited',
    '7<6 MapIterationSucceeded',
    '8<6 MapIterationStarted',
    '9<8 PassStateEntered',
    '10<9 PassStateExited',
    '11<10 MapIterationSucceeded',
    '12<11 MapStateSucceeded',
    '13<11 MapStateExited',
    '14<13 ExecutionSucceeded',
  ]);
  t.deepEqual(events[2]!.data.mapStateStartedEventDetails, { length: 2 });
  t.deepEqual(events[7]!.data.mapIterationStartedEventDetails, { index: 1, name: 'M' });
  t.deepEqual(output(events), [10, 20]);
});

test('inline Map without a limit starts every iteration first; ItemSelector sees $$.Map.Item', (t) => {
  const events = start(
    {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemSelector: { 'i.$': '$$.Map.Item.Index', 'v.$': '$$.Map.Item.Value', 'all.$': '$.tag' },
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    },
    '{"items":["a","b"],"tag":"t"}',
  );
  t.deepEqual(
    events.slice(3, 5).map((e) => `${e.type}<${e.data.previousEventId}`),
    ['MapIterationStarted<3', 'MapIterationStarted<3'],
  );
  t.deepEqual(output(events), [
    { i: 0, v: 'a', all: 't' },
    { i: 1, v: 'b', all: 't' },
  ]);
});

test('Map failure: MapIterationFailed and MapStateFailed point to the failing event; the Map’s error is the iteration’s', (t) => {
  const events = start({ StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: failBranch, End: true } } }, '[1]');
  t.deepEqual(brief(events).slice(2), [
    '3<2 MapStateStarted',
    '4<3 MapIterationStarted',
    '5<4 FailStateEntered',
    '6<5 MapIterationFailed',
    '7<5 MapStateFailed',
    '8<7 ExecutionFailed',
  ]);
  t.is(events.at(-1)!.data.executionFailedEventDetails!.error, 'FailureType');
});

/** Answers a paused Distributed Map's Map Run with each child run's result. */
const finishMapRun = (events: NewHistoryEvent[], results: { ok: boolean; output: unknown }[]) => {
  const state = fold(events);
  const [task] = pendingTasks(state);
  const answer = results.map((r) => ({ ok: r.ok, output: JSON.stringify(r.output) }));
  return [
    ...events,
    ...decideExecution(state, { type: 'TaskUpdate', taskId: task!.id, signal: { type: 'succeeded', output: JSON.stringify(answer) } }, env(T0 + 1000)),
  ];
};

test('distributed Map: MapRunStarted with a map run ARN, child runs as executions of their own, tolerated failures', (t) => {
  const machine = (tolerated: object) => ({
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ...tolerated,
        End: true,
        Label: 'Items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'C',
          States: {
            C: { Type: 'Choice', Choices: [{ Variable: '$', NumericEquals: 2, Next: 'F' }], Default: 'OK' },
            F: { Type: 'Fail', Error: 'Two' },
            OK: { Type: 'Pass', End: true },
          },
        },
      },
    },
  });
  const started = start(machine({ ToleratedFailureCount: 1 }), '[1, 2, 3]');
  t.deepEqual(
    started.map((e) => e.type),
    ['ExecutionStarted', 'MapStateEntered', 'MapStateStarted', 'MapRunStarted'],
  );
  t.regex(started[3]!.data.mapRunStartedEventDetails!.mapRunArn, /^arn:aws:states:us-east-1:123456789012:mapRun:sm\/Items:[0-9a-f-]{36}$/);
  const [task] = pendingTasks(fold(started));
  t.is(task!.kind, 'mapRun');
  const spec = JSON.parse(task!.input);
  t.deepEqual(spec.inputs, [1, 2, 3]);
  t.is(spec.stateMachineArn, 'arn:aws:states:us-east-1:123456789012:stateMachine:sm/Items');
  t.false('ProcessorConfig' in JSON.parse(spec.definition), 'a child run’s definition is the ItemProcessor as a machine');
  const results = [
    { ok: true, output: 1 },
    { ok: false, output: { Error: 'Two', Cause: null } },
    { ok: true, output: 3 },
  ];
  const tolerant = finishMapRun(started, results);
  t.deepEqual(
    tolerant.slice(4).map((e) => e.type),
    ['MapRunSucceeded', 'MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded'],
  );
  t.deepEqual(output(tolerant), [1, { Error: 'Two', Cause: null }, 3]);
  t.true(replayExecution(tolerant).ok, 'the map run ARN’s ids and the Map Run’s results are recorded for replay');
  const strict = finishMapRun(start(machine({}), '[1, 2, 3]'), results);
  t.deepEqual(
    strict.slice(3).map((e) => e.type),
    ['MapRunStarted', 'MapRunFailed', 'MapStateFailed', 'ExecutionFailed'],
  );
  t.is(strict.at(-1)!.data.executionFailedEventDetails!.error, 'States.ExceedToleratedFailureThreshold');
});

test('distributed Map with an ItemBatcher: one child run per batch of {BatchInput, Items}', (t) => {
  const events = start(
    {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          End: true,
          ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { tag: 'b' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        },
      },
    },
    '[1, 2, 3, 4, 5]',
  );
  t.deepEqual(JSON.parse(pendingTasks(fold(events))[0]!.input).inputs, [
    { BatchInput: { tag: 'b' }, Items: [1, 2] },
    { BatchInput: { tag: 'b' }, Items: [3, 4] },
    { BatchInput: { tag: 'b' }, Items: [5] },
  ]);
});
