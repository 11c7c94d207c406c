import test from 'ava';
import { brief, env, fold, startWith as start, T0 } from './builders.js';
import { decideExecution, nextTimerAt, pendingTasks, replayExecution, type ExecutionCommand, type NewHistoryEvent } from '../src/index.js';

// Frames that pause below the top: Waits, retries and activity tasks inside Parallel branches and
// Map iterations. Given a history, when a command arrives at a time, then these events.

/** A history grown decision by decision. */
class History {
  events: NewHistoryEvent[];
  constructor(definition: object, input = '{}') {
    this.events = start(definition, input);
  }
  get state() {
    return fold(this.events);
  }
  /** Decides `command` at `now` and appends what it produced; returns the new events. */
  when(command: ExecutionCommand, now: number, random = () => 0.5): NewHistoryEvent[] {
    const produced = decideExecution(this.state, command, env(now, random));
    this.events = [...this.events, ...produced];
    return produced;
  }
  fire(now: number) {
    return this.when({ type: 'FireTimers' }, now);
  }
  get brief() {
    return brief(this.events);
  }
  get status() {
    return this.state.status;
  }
}

const output = (events: readonly NewHistoryEvent[]) => JSON.parse(events.at(-1)!.data.executionSucceededEventDetails!.output);
const wait = (seconds: number, next?: string) => ({ Type: 'Wait', Seconds: seconds, ...(next ? { Next: next } : { End: true }) });
const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:work';

test('a Wait inside a Parallel branch pauses the branch; the other branch finishes; the timer resumes it and the Parallel completes', (t) => {
  const h = new History({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'W', States: { W: wait(10, 'A'), A: { Type: 'Pass', Result: 'slow', End: true } } },
          { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'fast', End: true } } },
        ],
      },
    },
  });
  t.deepEqual(h.brief, [
    '1<0 ExecutionStarted',
    '2<0 ParallelStateEntered',
    '3<2 ParallelStateStarted',
    '4<3 WaitStateEntered',
    '5<3 PassStateEntered',
    '6<5 PassStateExited',
  ]);
  t.is(h.status, 'RUNNING');
  t.is(nextTimerAt(h.state), T0 + 10_000);
  t.deepEqual(Object.keys(h.state.frames).sort(), ['', '/0', '/1'], 'the Parallel, its paused branch and its finished one');
  t.deepEqual(h.fire(T0 + 9_999), [], 'nothing is due yet');
  const fired = h.fire(T0 + 10_000);
  t.deepEqual(brief(fired, 7), [
    '7<4 WaitStateExited',
    '8<7 PassStateEntered',
    '9<8 PassStateExited',
    '10<9 ParallelStateSucceeded',
    '11<9 ParallelStateExited',
    '12<11 ExecutionSucceeded',
  ]);
  t.deepEqual(output(fired), ['slow', 'fast'], 'outputs in branch order, whichever finished first');
  t.deepEqual(h.state.frames, {});
  t.deepEqual(replayExecution(h.events), { ok: true, decisions: 2 });
});

test('Waits in nested Parallels and in several branches fire at their own times', (t) => {
  const inner = {
    Type: 'Parallel',
    End: true,
    Branches: [
      { StartAt: 'W2', States: { W2: wait(20) } },
      { StartAt: 'W1', States: { W1: wait(5) } },
    ],
  };
  const h = new History({
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'Inner', States: { Inner: inner } },
          { StartAt: 'W3', States: { W3: wait(10) } },
        ],
      },
    },
  });
  t.is(nextTimerAt(h.state), T0 + 5_000);
  t.deepEqual(
    h.fire(T0 + 5_000).map((e) => e.type),
    ['WaitStateExited'],
  );
  t.is(nextTimerAt(h.state), T0 + 10_000);
  t.deepEqual(
    h.fire(T0 + 10_000).map((e) => e.type),
    ['WaitStateExited'],
  );
  const last = h.fire(T0 + 20_000);
  t.deepEqual(
    last.map((e) => e.type),
    ['WaitStateExited', 'ParallelStateSucceeded', 'ParallelStateExited', 'ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded'],
  );
  t.deepEqual(output(last), [[{}, {}], {}]);
  t.true(replayExecution(h.events).ok);
});

test('a retry inside a Map iteration waits out its back-off, then the attempt runs again after the failure event', (t) => {
  // The first attempt fails on a missing field; the retry cannot fix that, so after MaxAttempts the Map fails.
  const h = new History(
    {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'P',
            States: {
              P: {
                Type: 'Parallel',
                End: true,
                Branches: [
                  {
                    StartAt: 'C',
                    States: {
                      C: { Type: 'Choice', Choices: [{ Variable: '$.missing', IsPresent: false, Next: 'X' }], Default: 'OK' },
                      X: { Type: 'Fail', Error: 'Missing' },
                      OK: { Type: 'Pass', End: true },
                    },
                  },
                ],
                Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, MaxAttempts: 1 }],
              },
            },
          },
        },
      },
    },
    '[{"missing":1},{"other":2}]',
  );
  // Item 0 succeeds; item 1 fails inside its branch and waits 2 s to retry.
  t.is(h.status, 'RUNNING');
  const paused = h.state.frames['/1'];
  t.like(paused, { kind: 'suspended', state: 'P', on: { kind: 'retry', dueAt: T0 + 2_000 } });
  const failureId = h.events.map((e) => e.type).lastIndexOf('FailStateEntered') + 1;
  const retried = h.fire(T0 + 2_000);
  t.is(retried[0]!.type, 'ParallelStateStarted');
  t.is(retried[0]!.data.previousEventId, failureId, 'the attempt starts right after the failure the back-off followed');
  t.is(h.status, 'FAILED');
  t.true(retried.some((e) => e.type === 'MapIterationFailed'));
  t.true(replayExecution(h.events).ok);
});

test('inline Map with MaxConcurrency 1 and a Wait: the next iteration starts only when the one before finishes, in a later decision', (t) => {
  const h = new History(
    {
      StartAt: 'M',
      States: {
        M: { Type: 'Map', End: true, MaxConcurrency: 1, ItemProcessor: { StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$.s', End: true } } } },
      },
    },
    '[{"s":3},{"s":0},{"s":4}]',
  );
  t.deepEqual(h.brief, ['1<0 ExecutionStarted', '2<0 MapStateEntered', '3<2 MapStateStarted', '4<3 MapIterationStarted', '5<4 WaitStateEntered']);
  const second = h.fire(T0 + 3_000);
  t.deepEqual(brief(second, 6), [
    '6<5 WaitStateExited',
    '7<6 MapIterationSucceeded',
    '8<6 MapIterationStarted',
    '9<8 WaitStateEntered',
    '10<9 WaitStateExited',
    '11<10 MapIterationSucceeded',
    '12<10 MapIterationStarted',
    '13<12 WaitStateEntered',
  ]);
  t.deepEqual(
    second.filter((e) => e.type === 'MapIterationStarted').map((e) => e.data.mapIterationStartedEventDetails!.index),
    [1, 2],
  );
  t.is(nextTimerAt(h.state), T0 + 3_000 + 4_000, 'the third item waits from when it started');
  const last = h.fire(T0 + 7_000);
  t.deepEqual(brief(last, 14), [
    '14<13 WaitStateExited',
    '15<14 MapIterationSucceeded',
    '16<15 MapStateSucceeded',
    '17<15 MapStateExited',
    '18<17 ExecutionSucceeded',
  ]);
  t.deepEqual(output(last), [{ s: 3 }, { s: 0 }, { s: 4 }]);
  t.true(replayExecution(h.events).ok);
});

test('a branch failing while another waits: the waiting state is aborted, then ParallelStateFailed; a Catch moves on', (t) => {
  const definition = (withCatch: boolean) => ({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'W', States: { W: wait(10) } },
          { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'branch 2' } } },
        ],
        ...(withCatch ? { Catch: [{ ErrorEquals: ['Boom'], Next: 'Done' }], Next: 'Done' } : { End: true }),
      },
      ...(withCatch ? { Done: { Type: 'Pass', End: true } } : {}),
    },
  });
  const failed = new History(definition(false));
  t.deepEqual(failed.brief, [
    '1<0 ExecutionStarted',
    '2<0 ParallelStateEntered',
    '3<2 ParallelStateStarted',
    '4<3 WaitStateEntered',
    '5<3 FailStateEntered',
    '6<4 WaitStateAborted',
    '7<5 ParallelStateFailed',
    '8<7 ExecutionFailed',
  ]);
  t.deepEqual(failed.events.at(-1)!.data.executionFailedEventDetails, { error: 'Boom', cause: 'branch 2' });
  t.deepEqual(failed.state.frames, {});
  const caught = new History(definition(true));
  t.is(caught.status, 'SUCCEEDED');
  t.deepEqual(caught.brief.slice(5), [
    '6<4 WaitStateAborted',
    '7<5 ParallelStateFailed',
    '8<7 ParallelStateExited',
    '9<8 PassStateEntered',
    '10<9 PassStateExited',
    '11<10 ExecutionSucceeded',
  ]);
});

test('a Map iteration failing while others wait: XStateAborted and MapIterationAborted for each, then MapStateFailed', (t) => {
  const h = new History(
    {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            StartAt: 'W',
            States: {
              W: { Type: 'Wait', SecondsPath: '$.s', Next: 'C' },
              C: { Type: 'Choice', Choices: [{ Variable: '$.bad', IsPresent: true, Next: 'F' }], Default: 'OK' },
              F: { Type: 'Fail', Error: 'Bad' },
              OK: { Type: 'Succeed' },
            },
          },
        },
      },
    },
    '[{"s":5},{"s":1,"bad":true},{"s":9}]',
  );
  t.is(h.status, 'RUNNING');
  const fired = h.fire(T0 + 1_000);
  t.deepEqual(
    fired.map((e) => e.type),
    [
      'WaitStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'FailStateEntered',
      'MapIterationFailed',
      'WaitStateAborted',
      'MapIterationAborted',
      'WaitStateAborted',
      'MapIterationAborted',
      'MapStateFailed',
      'ExecutionFailed',
    ],
  );
  t.deepEqual(
    fired.filter((e) => e.type === 'MapIterationAborted').map((e) => e.data.mapIterationAbortedEventDetails),
    [
      { index: 0, name: 'M' },
      { index: 2, name: 'M' },
    ],
  );
  t.is(h.status, 'FAILED');
  t.is(nextTimerAt(h.state), undefined);
  t.true(replayExecution(h.events).ok);
});

test('an activity Task: ActivityScheduled with the Parameters input; started, succeeded, then the result goes through ResultSelector and ResultPath', (t) => {
  const h = new History(
    {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ACTIVITY,
          Parameters: { 'n.$': '$.n' },
          TimeoutSeconds: 300,
          HeartbeatSeconds: 60,
          ResultSelector: { 'sum.$': '$.sum' },
          ResultPath: '$.r',
          End: true,
        },
      },
    },
    '{"n":41}',
  );
  t.deepEqual(h.brief, ['1<0 ExecutionStarted', '2<0 TaskStateEntered', '3<2 ActivityScheduled']);
  t.deepEqual(h.events[2]!.data.activityScheduledEventDetails, {
    resource: ACTIVITY,
    input: '{"n":41}',
    inputDetails: { truncated: false },
    timeoutInSeconds: 300,
    heartbeatInSeconds: 60,
  });
  const [task] = pendingTasks(h.state);
  t.like(task, { id: '#3', resource: ACTIVITY, input: '{"n":41}', timeoutAt: T0 + 300_000 });
  t.is(nextTimerAt(h.state), T0 + 300_000, 'before it starts, only TimeoutSeconds runs');
  t.deepEqual(h.when({ type: 'TaskUpdate', taskId: 'nope', signal: { type: 'started' } }, T0 + 1), [], 'an unknown task changes nothing');
  const started = h.when({ type: 'TaskUpdate', taskId: task!.id, signal: { type: 'started', workerName: 'w1' } }, T0 + 1_000);
  t.deepEqual(brief(started, 4), ['4<3 ActivityStarted']);
  t.deepEqual(started[0]!.data.activityStartedEventDetails, { workerName: 'w1' });
  t.is(nextTimerAt(h.state), T0 + 61_000, 'the heartbeat clock starts with the task');
  const done = h.when({ type: 'TaskUpdate', taskId: task!.id, signal: { type: 'succeeded', output: '{"sum":42,"extra":true}' } }, T0 + 2_000);
  t.deepEqual(brief(done, 5), ['5<4 ActivitySucceeded', '6<5 TaskStateExited', '7<6 ExecutionSucceeded']);
  t.deepEqual(output(done), { n: 41, r: { sum: 42 } });
  t.deepEqual(pendingTasks(h.state), []);
  t.deepEqual(replayExecution(h.events), { ok: true, decisions: 3 });
});

test('an activity failure is retried after its back-off and then caught; the Error Output carries the worker’s error and cause', (t) => {
  const h = new History({
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: ACTIVITY,
        Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.err', Next: 'Handled' }],
        End: true,
      },
      Handled: { Type: 'Pass', End: true },
    },
  });
  const first = pendingTasks(h.state)[0]!;
  const failed = h.when({ type: 'TaskUpdate', taskId: first.id, signal: { type: 'failed', error: 'Flaky', cause: 'try again' } }, T0 + 100);
  t.deepEqual(brief(failed, 4), ['4<3 ActivityFailed']);
  t.is(nextTimerAt(h.state), T0 + 1_100);
  t.deepEqual(brief(h.fire(T0 + 1_100), 5), ['5<4 ActivityScheduled']);
  const second = pendingTasks(h.state)[0]!;
  t.not(second.id, first.id, 'each attempt is a new task');
  const caught = h.when({ type: 'TaskUpdate', taskId: second.id, signal: { type: 'failed', error: 'Flaky', cause: 'still' } }, T0 + 2_000);
  t.deepEqual(brief(caught, 6), ['6<5 ActivityFailed', '7<6 TaskStateExited', '8<7 PassStateEntered', '9<8 PassStateExited', '10<9 ExecutionSucceeded']);
  t.deepEqual(output(caught), { err: { Error: 'Flaky', Cause: 'still' } });
  t.true(replayExecution(h.events).ok);
});

test('activity timeouts: TimeoutSeconds from scheduling, HeartbeatSeconds from the start or the last heartbeat; both are States.Timeout with no cause', (t) => {
  const machine = { StartAt: 'T', States: { T: { Type: 'Task', Resource: ACTIVITY, TimeoutSeconds: 100, HeartbeatSeconds: 10, End: true } } };
  const timedOut = new History(machine);
  t.deepEqual(
    timedOut.fire(T0 + 100_000).map((e) => e.type),
    ['ActivityTimedOut', 'ExecutionFailed'],
  );
  t.deepEqual(timedOut.events[3]!.data.activityTimedOutEventDetails, { error: 'States.Timeout' });
  t.deepEqual(timedOut.events[4]!.data.executionFailedEventDetails, { error: 'States.Timeout' });

  const beating = new History(machine);
  const id = pendingTasks(beating.state)[0]!.id;
  beating.when({ type: 'TaskUpdate', taskId: id, signal: { type: 'started' } }, T0 + 1_000);
  t.is(nextTimerAt(beating.state, { [id]: T0 + 8_000 }), T0 + 18_000, 'a heartbeat pushes the deadline');
  t.deepEqual(beating.when({ type: 'FireTimers', heartbeats: { [id]: T0 + 8_000 } }, T0 + 12_000), [], 'the heartbeat at +8 s keeps it alive at +12 s');
  const silent = beating.when({ type: 'FireTimers', heartbeats: { [id]: T0 + 8_000 } }, T0 + 18_000);
  t.deepEqual(
    silent.map((e) => e.type),
    ['ActivityTimedOut', 'ExecutionFailed'],
  );
  t.deepEqual((silent[0]!.metadata as { trigger: unknown }).trigger, { type: 'FireTimers', heartbeats: { [id]: T0 + 8_000 } });
  t.deepEqual(replayExecution(beating.events), { ok: true, decisions: 3 });
});

test('an activity failing a Parallel branch: TaskStateAborted after ActivityFailed, the other branch’s task aborted, ParallelStateFailed points to the failure', (t) => {
  const task = (next?: string) => ({ Type: 'Task', Resource: ACTIVITY, ...(next ? { Next: next } : { End: true }) });
  const h = new History({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'A', States: { A: task() } },
          { StartAt: 'B', States: { B: task() } },
        ],
      },
    },
  });
  const tasks = pendingTasks(h.state);
  t.deepEqual(
    tasks.map((x) => x.id),
    ['/0#5', '/1#7'],
  );
  const failed = h.when({ type: 'TaskUpdate', taskId: '/1#7', signal: { type: 'failed', error: 'E' } }, T0 + 1);
  t.deepEqual(brief(failed, 8), ['8<7 ActivityFailed', '9<8 TaskStateAborted', '10<5 TaskStateAborted', '11<8 ParallelStateFailed', '12<11 ExecutionFailed']);
  t.deepEqual(pendingTasks(h.state), []);
  t.true(replayExecution(h.events).ok);
});

test('StopExecution while frames are paused ends everything: no timer, no task left', (t) => {
  const h = new History({
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'W', States: { W: wait(10) } },
          { StartAt: 'T', States: { T: { Type: 'Task', Resource: ACTIVITY, End: true } } },
        ],
      },
    },
  });
  t.is(pendingTasks(h.state).length, 1);
  t.deepEqual(
    h.when({ type: 'StopExecution' }, T0 + 5).map((e) => e.type),
    ['ExecutionAborted'],
  );
  t.is(nextTimerAt(h.state), undefined);
  t.deepEqual(pendingTasks(h.state), []);
  t.deepEqual(h.fire(T0 + 10_000), []);
});

test('service integrations and function ARNs are scheduled for the runtime; a Resource that names nothing fails clearly', (t) => {
  const sqs = new History({
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken', Parameters: { 'token.$': '$$.Task.Token' }, End: true } },
  });
  t.deepEqual(
    sqs.events.map((e) => e.type),
    ['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled'],
  );
  t.like(sqs.events[2]!.data.taskScheduledEventDetails, { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', region: 'us-east-1' });
  t.like(pendingTasks(sqs.state)[0], { kind: 'service', pattern: 'waitForTaskToken', state: 'T' });
  t.is(JSON.parse(sqs.events[2]!.data.taskScheduledEventDetails!.parameters).token, '#3', 'without a signer the token is the task id');
  const fn = new History({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:f', End: true } } });
  t.deepEqual(
    fn.events.map((e) => e.type),
    ['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled'],
  );
  const events = start({ StartAt: 'T', States: { T: { Type: 'Task', Resource: 'arn:aws:sqs:us-east-1:123456789012:queue', End: true } } });
  t.deepEqual(
    events.map((e) => e.type),
    ['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed'],
  );
  t.regex(events[2]!.data.executionFailedEventDetails!.cause!, /arn:aws:sqs:us-east-1:123456789012:queue/);
});
