import test from 'ava';
import { brief, env, fold, startWith, T0 } from './builders.js';
import { DECISION_BUDGET, decideExecution, nextTimerAt, replayExecution, type NewHistoryEvent } from '../src/index.js';

// Given a history, when a command arrives, then these events: the decider's contract, per state type.

test('Pass → Succeed: Entered/Exited pairs, the first Entered points to 0, ExecutionSucceeded to the last Exited', (t) => {
  const events = startWith({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }, '{"k":1}');
  t.deepEqual(brief(events), [
    '1<0 ExecutionStarted',
    '2<0 PassStateEntered',
    '3<2 PassStateExited',
    '4<3 SucceedStateEntered',
    '5<4 SucceedStateExited',
    '6<5 ExecutionSucceeded',
  ]);
  t.is(events[5]!.data.executionSucceededEventDetails!.output, '{"k":1}');
  t.true(events.every((e) => e.data.timestamp === T0));
  t.deepEqual(events[0]!.metadata?.['trigger'], { type: 'StartExecution' });
  t.is(fold(events).status, 'SUCCEEDED');
});

test('Pass: InputPath → Parameters → ResultPath into the raw input → OutputPath', (t) => {
  const events = startWith(
    {
      StartAt: 'A',
      States: { A: { Type: 'Pass', InputPath: '$.in', Parameters: { 'v.$': '$.v', fixed: 1 }, ResultPath: '$.out', OutputPath: '$.out', End: true } },
    },
    '{"in":{"v":"x"},"other":true}',
  );
  t.is(events[2]!.data.stateExitedEventDetails!.output, '{"v":"x","fixed":1}');
});

test('Choice: the first matching rule wins, Default otherwise, States.NoChoiceMatched when neither', (t) => {
  const machine = (withDefault: boolean) => ({
    StartAt: 'C',
    States: {
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.n', NumericLessThan: 0, Next: 'Neg' },
          { Variable: '$.n', NumericGreaterThanEquals: 0, Next: 'NonNeg' },
        ],
        ...(withDefault ? { Default: 'Other' } : {}),
      },
      Neg: { Type: 'Pass', Result: 'neg', End: true },
      NonNeg: { Type: 'Pass', Result: 'nonneg', End: true },
      ...(withDefault ? { Other: { Type: 'Pass', Result: 'other', End: true } } : {}),
    },
  });
  const out = (events: NewHistoryEvent[]) => events.at(-1)!.data.executionSucceededEventDetails?.output;
  t.is(out(startWith(machine(true), '{"n":-1}')), '"neg"');
  t.is(out(startWith(machine(true), '{"n":5}')), '"nonneg"');
  t.is(out(startWith(machine(true), '{"n":"five"}')), '"other"');
  const failed = startWith(machine(false), '{"n":"five"}');
  t.deepEqual(brief(failed), ['1<0 ExecutionStarted', '2<0 ChoiceStateEntered', '3<2 ExecutionFailed']);
  t.is(failed[2]!.data.executionFailedEventDetails!.error, 'States.NoChoiceMatched');
});

test('Fail: no exit event; ExecutionFailed points to FailStateEntered; no Error/Cause gives {}', (t) => {
  const withBoth = startWith({ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'E', Cause: 'C' } } });
  t.deepEqual(brief(withBoth), ['1<0 ExecutionStarted', '2<0 FailStateEntered', '3<2 ExecutionFailed']);
  t.deepEqual(withBoth[2]!.data.executionFailedEventDetails, { error: 'E', cause: 'C' });
  const bare = startWith({ StartAt: 'F', States: { F: { Type: 'Fail' } } });
  t.deepEqual(bare[2]!.data.executionFailedEventDetails, {});
  const fromPaths = startWith({ StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.e', CausePath: '$.c' } } }, '{"e":"PathError","c":"path cause"}');
  t.deepEqual(fromPaths[2]!.data.executionFailedEventDetails, { error: 'PathError', cause: 'path cause' });
});

test('Wait in the future: the decision stops at WaitStateEntered with a durable timer; FireTimers before it is due does nothing', (t) => {
  const machine = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 10, Next: 'P' }, P: { Type: 'Pass', End: true } } };
  const started = startWith(machine, '{"a":1}');
  t.deepEqual(brief(started), ['1<0 ExecutionStarted', '2<0 WaitStateEntered']);
  const paused = (started[1]!.metadata?.['frames'] as { set: Record<string, { on: unknown; state: string }> }).set[''];
  t.deepEqual([paused?.state, paused?.on], ['W', { kind: 'wait', dueAt: T0 + 10_000 }]);
  const state = fold(started);
  t.is(state.status, 'RUNNING');
  t.is(nextTimerAt(state), T0 + 10_000);
  t.deepEqual(decideExecution(state, { type: 'FireTimers' }, env(T0 + 9_999)), []);
  const fired = decideExecution(state, { type: 'FireTimers' }, env(T0 + 10_000));
  t.deepEqual(brief(fired, 3), ['3<2 WaitStateExited', '4<3 PassStateEntered', '5<4 PassStateExited', '6<5 ExecutionSucceeded']);
  t.deepEqual(fired[0]!.metadata?.['trigger'], { type: 'FireTimers' });
  t.is(fold(fired, state).status, 'SUCCEEDED');
});

test('Wait already due (Seconds 0, a past Timestamp) runs through in the same decision', (t) => {
  for (const wait of [{ Seconds: 0 }, { Timestamp: '2020-01-01T00:00:00Z' }, { TimestampPath: '$.at' }]) {
    const events = startWith({ StartAt: 'W', States: { W: { Type: 'Wait', ...wait, End: true } } }, '{"at":"2024-01-01T00:00:00.000000Z"}');
    t.deepEqual(
      events.map((e) => e.type),
      ['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'ExecutionSucceeded'],
    );
    t.is(events[1]!.metadata, undefined);
  }
});

test('Wait with a bad SecondsPath or TimestampPath fails with States.Runtime and AWS’s cause', (t) => {
  const secs = startWith(
    { StartAt: 'WaitState', States: { WaitState: { Type: 'Wait', SecondsPath: '$.input.waitSeconds', End: true } } },
    '{"input":{"waitSeconds":1.5}}',
  );
  t.deepEqual(brief(secs), ['1<0 ExecutionStarted', '2<0 WaitStateEntered', '3<2 ExecutionFailed']);
  t.deepEqual(secs[2]!.data.executionFailedEventDetails, {
    error: 'States.Runtime',
    cause:
      "An error occurred while executing the state 'WaitState' (entered at the event id #2). The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5",
  });
  const ts = startWith({ StartAt: 'S', States: { S: { Type: 'Wait', TimestampPath: '$.start_at', End: true } } }, '{"start_at":"2024-01-01T00:00:00.000000"}');
  t.is(
    ts[2]!.data.executionFailedEventDetails!.cause,
    "An error occurred while executing the state 'S' (entered at the event id #2). The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.start_at == 2024-01-01T00:00:00.000000",
  );
});

test('StopExecution: ExecutionAborted pointing to 0; nothing once closed; the Wait’s timer is gone', (t) => {
  const state = fold(startWith({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }));
  const stopped = decideExecution(state, { type: 'StopExecution', error: 'E' }, env(T0 + 5));
  t.deepEqual(brief(stopped, 3), ['3<0 ExecutionAborted']);
  t.deepEqual(stopped[0]!.data.executionAbortedEventDetails, { error: 'E' });
  const after = fold(stopped, state);
  t.is(after.status, 'ABORTED');
  t.is(nextTimerAt(after), undefined);
  t.deepEqual(decideExecution(after, { type: 'StopExecution' }, env()), []);
  t.deepEqual(decideExecution(after, { type: 'FireTimers' }, env(T0 + 60_000)), []);
});

test('TimeoutSeconds: the execution times out with States.Timeout at startDate + TimeoutSeconds', (t) => {
  const state = fold(startWith({ TimeoutSeconds: 5, StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } }));
  t.is(nextTimerAt(state), T0 + 5000);
  const fired = decideExecution(state, { type: 'FireTimers' }, env(T0 + 5000));
  t.deepEqual(
    fired.map((e) => e.type),
    ['ExecutionTimedOut'],
  );
  t.deepEqual(fired[0]!.data.executionTimedOutEventDetails, { error: 'States.Timeout' });
  t.is(fold(fired, state).status, 'TIMED_OUT');
});

const passChoiceLoop = {
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Next: 'C' },
    C: { Type: 'Choice', Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }], Default: 'A' },
    Done: { Type: 'Succeed' },
  },
};

test('a loop with no waits is decided in budgeted slices and ends at the 25,000-event cap with States.Runtime, as AWS does', (t) => {
  const history = startWith(passChoiceLoop);
  t.true(history.length <= DECISION_BUDGET.events + 1, `the first slice holds ${history.length} events`);
  let state = fold(history);
  let decisions = 1;
  while (state.status === 'RUNNING') {
    // Paused between two states: due at once, nothing written about it in the history.
    t.is(nextTimerAt(state), 0);
    const slice = decideExecution(state, { type: 'FireTimers' }, env());
    if (slice.length === 0 || slice.length > DECISION_BUDGET.events + 1) return t.fail(`a slice of ${slice.length} events`);
    history.push(...slice);
    state = fold(slice, state);
    decisions++;
  }
  t.true(decisions >= 12);
  t.is(history.length, 25_000);
  // The slices join up as one decision would have written them: each Entered follows the event before it.
  t.true(history.every((e, i) => !e.type.endsWith('StateEntered') || e.data.previousEventId === (i === 1 ? 0 : i)));
  const last = history.at(-1)!;
  t.is(last.type, 'ExecutionFailed');
  t.is(last.data.previousEventId, 24_999);
  t.deepEqual(last.data.executionFailedEventDetails, { error: 'States.Runtime', cause: 'The execution reached the maximum number of history events (25000).' });
  t.deepEqual(replayExecution(history), { ok: true, decisions });
});

test('a decision over large payloads yields once it has written its budget of characters', (t) => {
  const input = JSON.stringify({ blob: 'x'.repeat(100 * 1024) });
  let events = startWith(passChoiceLoop, input);
  let state = fold(events);
  for (let slice = 0; slice < 3; slice++) {
    const chars = events.reduce((n, e) => n + (e.data.stateEnteredEventDetails?.input.length ?? 0) + (e.data.stateExitedEventDetails?.output.length ?? 0), 0);
    t.true(chars <= DECISION_BUDGET.payloadChars + 2 * input.length, `slice ${slice}: ${chars} characters`);
    t.true(events.length < 200, `slice ${slice}: ${events.length} events`);
    t.is(state.status, 'RUNNING');
    events = decideExecution(state, { type: 'FireTimers' }, env());
    state = fold(events, state);
  }
});

test('a pause between two slices inside a Parallel branch resumes the branch; stopping it aborts nothing that was not entered', (t) => {
  const machine = { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [passChoiceLoop], End: true } } };
  const first = startWith(machine);
  const state = fold(first);
  const paused = Object.entries(state.frames).find(([, e]) => e.kind === 'suspended' && e.on.kind === 'continue');
  t.truthy(paused, 'the branch frame paused between two states');
  t.is(paused?.[0], '/0');
  const next = decideExecution(state, { type: 'FireTimers' }, env());
  t.is(next[0]!.data.previousEventId, first.length, 'the next slice starts right after the last event of the first');
  const stopped = decideExecution(fold(next, state), { type: 'StopExecution' }, env());
  t.deepEqual(
    stopped.map((e) => e.type),
    ['ExecutionAborted'],
  );
});

test('replay reproduces a history decision by decision, and catches a tampered event', (t) => {
  const machine = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, Next: 'P' }, P: { Type: 'Pass', Result: { r: 1 }, End: true } } };
  const first = startWith(machine, '{"x":1}');
  const second = decideExecution(fold(first), { type: 'FireTimers' }, env(T0 + 1000));
  const history = [...first, ...second];
  t.deepEqual(replayExecution(history), { ok: true, decisions: 2 });
  const tampered = history.map((e, i) =>
    i === 4 ? { ...e, data: { ...e.data, stateExitedEventDetails: { ...e.data.stateExitedEventDetails!, output: '{"r":2}' } } } : e,
  );
  const result = replayExecution(tampered);
  t.false(result.ok);
  t.is(result.ok ? 0 : result.eventId, 5);
});
