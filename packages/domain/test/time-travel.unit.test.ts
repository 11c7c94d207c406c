import test from 'ava';
import { env, fold, makeInfo, startWith as start, T0 } from './builders.js';
import {
  decideExecution,
  evolveExecution,
  initialExecutionState,
  inspectState,
  replayExecution,
  type ExecutionInfo,
  type NewHistoryEvent,
  type RecordedHistoryEvent,
  type StoredHistoryEvent,
} from '../src/index.js';

// The pure parts of time travel: what an inspection shows of a fold, and what ForkExecution writes.

const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:work';

/** Assigns `x`, then a Parallel: one branch waits 60 s, one finishes, one waits on an activity. */
const fan = {
  QueryLanguage: 'JSONata',
  StartAt: 'Prep',
  States: {
    Prep: { Type: 'Pass', Assign: { x: 7 }, Output: { n: 1 }, Next: 'Fan' },
    Fan: {
      Type: 'Parallel',
      End: true,
      Branches: [
        { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 60, End: true } } },
        { StartAt: 'Quick', States: { Quick: { Type: 'Pass', Output: 'q', End: true } } },
        { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: ACTIVITY, TimeoutSeconds: 300, End: true } } },
      ],
    },
  },
};

/** The history as a store hands it back (ids, revisions), for replay. */
const recorded = (events: readonly NewHistoryEvent[]) =>
  events.map((e, i) => ({ ...e, metadata: e.metadata ?? {}, revision: BigInt(i) })) as unknown as RecordedHistoryEvent[];

test('inspectState: one active state per paused frame with its input and variables, the finished branch, timers in due order, the task', (t) => {
  const events = start(fan);
  const state = fold(events);
  const last = events.at(-1)!;
  const i = inspectState(state, { id: events.length, type: last.type, timestamp: last.data.timestamp, framesAsOfEventId: events.length }, events.length)!;
  t.is(i.status, 'RUNNING');
  t.deepEqual(
    i.activeStates.map((a) => [a.path, a.frame, a.state, a.waitingFor]),
    [
      ['', 'execution', 'Fan', 'parallel'],
      ['/0', 'branch 0 of Fan', 'Nap', 'wait'],
      ['/2', 'branch 2 of Fan', 'Work', 'task'],
    ],
  );
  t.deepEqual(i.activeStates[0]!.variables, { x: 7 });
  t.deepEqual(i.activeStates[1]!.input, { n: 1 });
  t.deepEqual(i.finishedFrames, [{ path: '/1', ok: true, output: 'q' }]);
  t.deepEqual(
    i.timers.map((x) => [x.kind, x.state, x.dueDate]),
    [
      ['wait', 'Nap', (T0 + 60_000) / 1000],
      ['task-timeout', 'Work', (T0 + 300_000) / 1000],
    ],
  );
  t.like(i.tasks[0], { path: '/2', state: 'Work', kind: 'activity', resource: ACTIVITY, scheduledDate: T0 / 1000 });
  t.is(inspectState(initialExecutionState, { id: 0, type: '', timestamp: 0, framesAsOfEventId: 0 }, 0), undefined, 'no execution, no inspection');
});

const forkInfo = (source: ExecutionInfo): ExecutionInfo => ({
  ...source,
  executionArn: source.executionArn.replace(/:[^:]+$/, ':fork-1'),
  name: 'fork-1',
  forkedFrom: { executionArn: source.executionArn, eventId: 0 },
});

test("ForkExecution writes the source's events under the fork's identity: its ARN, name, source and trigger; no hashes, no parent; the fold is the source's", (t) => {
  const source = start(fan);
  const info = { ...forkInfo(makeInfo(fan)), forkedFrom: { executionArn: makeInfo(fan).executionArn, eventId: source.length } };
  const withParent = source.map((e, i) =>
    i === 0
      ? { ...e, metadata: { ...e.metadata, parent: { executionArn: 'arn:parent', taskId: '#3', pattern: 'sync' }, $hash: 'ab', $previousHash: '00' } }
      : e,
  );
  const forked = decideExecution(
    initialExecutionState,
    { type: 'ForkExecution', info, events: withParent as unknown as StoredHistoryEvent[] },
    env(T0 + 5_000),
  );
  t.deepEqual(
    forked.map((e) => [e.type, e.data]),
    source.map((e) => [e.type, e.data]),
    'the same types and data, timestamps included',
  );
  const first = forked[0]!.metadata!;
  t.like(first, { executionArn: info.executionArn, name: 'fork-1', forkedFrom: info.forkedFrom, trigger: { type: 'ForkExecution' } });
  t.false('parent' in first || '$hash' in first || '$previousHash' in first);
  t.true(
    forked.slice(1).every((e) => e.metadata?.['trigger'] === undefined),
    'one decision: the later triggers are dropped',
  );
  const state = forked.reduce(evolveExecution, initialExecutionState);
  t.deepEqual(state.frames, fold(source).frames);
  t.is(state.info?.executionArn, info.executionArn);
  t.deepEqual(state.info?.forkedFrom, info.forkedFrom);
  // The fork goes on live: the activity answered, the branch waits on; the timer ends the Parallel.
  const answered = decideExecution(state, { type: 'TaskUpdate', taskId: '/2#10', signal: { type: 'succeeded', output: '"done"' } }, env(T0 + 6_000));
  const timed = decideExecution(answered.reduce(evolveExecution, state), { type: 'FireTimers' }, env(T0 + 61_000));
  t.is(timed.at(-1)?.type, 'ExecutionSucceeded');
  t.deepEqual(JSON.parse(timed.at(-1)!.data.executionSucceededEventDetails!.output!), [{ n: 1 }, 'q', 'done']);
  t.deepEqual(replayExecution(recorded([...forked, ...answered, ...timed])), { ok: true, decisions: 3 }, 'replay takes the copied events as given');
});

test('ForkExecution with overrides: the execution frame goes on with the new input and variables; nothing else changes', (t) => {
  const source = start(fan);
  const info = { ...forkInfo(makeInfo(fan)), forkedFrom: { executionArn: makeInfo(fan).executionArn, eventId: source.length } };
  const forked = decideExecution(
    initialExecutionState,
    { type: 'ForkExecution', info, events: source as unknown as StoredHistoryEvent[], overrides: { input: '{"n":9}', variables: { y: '"new"' } } },
    env(T0 + 5_000),
  );
  const top = forked.reduce(evolveExecution, initialExecutionState).frames[''];
  t.is(top?.kind, 'suspended');
  if (top?.kind !== 'suspended') return;
  t.is(top.entered.input, '{"n":9}');
  t.deepEqual(top.vars, { x: '7', y: '"new"' });
  t.deepEqual(
    forked.slice(0, -1),
    decideExecution(initialExecutionState, { type: 'ForkExecution', info, events: source as unknown as StoredHistoryEvent[] }, env(T0 + 5_000)).slice(0, -1),
  );
});
