import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { env, fold, startWith, T0 } from './builders.js';
import {
  decideExecution,
  decodeHistoryEvent,
  evolveExecution,
  foldExecution,
  isHistoryEventType,
  replayExecution,
  type RecordedHistoryEvent,
  type StoredHistoryEvent,
} from '../src/index.js';

// The edge of the fold: a stored `type: string` is decoded once; a type a newer version wrote is
// reported and keeps its place in the stream, and nothing of its data is read.

const waitTen = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 10, End: true } } };

/** An event a newer version might write, whose data would stop the execution if it were read as ExecutionFailed's. */
const future = (previousEventId: number, metadata?: Readonly<Record<string, unknown>>): RecordedHistoryEvent => ({
  type: 'ExecutionPaused',
  data: { timestamp: T0 + 1_000, previousEventId, executionFailedEventDetails: { error: 'Garbage', cause: 'read as another type' } },
  ...(metadata ? { metadata } : {}),
});

test('decodeHistoryEvent: a known type comes back typed, with its data and metadata', (t) => {
  const [started] = startWith(waitTen);
  const decoded = decodeHistoryEvent(started!);
  t.true(E.isRight(decoded));
  if (E.isRight(decoded)) {
    t.is(decoded.right.type, 'ExecutionStarted');
    t.is(decoded.right.data, started!.data);
    t.is(decoded.right.metadata, started!.metadata);
  }
});

test('decodeHistoryEvent: an unknown type is reported with its name, never cast into the union', (t) => {
  t.deepEqual(decodeHistoryEvent(future(2)), E.left({ _tag: 'UnknownHistoryEventType', type: 'ExecutionPaused' }));
  // Keys of Object.prototype are not event types.
  t.deepEqual(decodeHistoryEvent({ type: 'toString', data: {} }), E.left({ _tag: 'UnknownHistoryEventType', type: 'toString' }));
  t.deepEqual(decodeHistoryEvent({ type: 'taskstateentered', data: {} }), E.left({ _tag: 'UnknownHistoryEventType', type: 'taskstateentered' }));
  t.false(isHistoryEventType('constructor'));
  t.true(isHistoryEventType('MapIterationAborted'));
});

test('foldExecution: an unknown event keeps its place (ids line up) and changes nothing else', (t) => {
  const events = startWith(waitTen);
  const known = foldExecution(events);
  t.is(known.status, 'RUNNING');
  const withFuture = foldExecution([...events, future(events.length)]);
  t.is(withFuture.lastEventId, known.lastEventId + 1);
  t.deepEqual({ ...withFuture, lastEventId: known.lastEventId }, known);
  t.is(withFuture.error, undefined);
});

test('foldExecution: the decider goes on after an unknown event, numbering from after it', (t) => {
  const events = startWith(waitTen);
  const state = foldExecution([...events, future(events.length)]);
  const fired = decideExecution(state, { type: 'FireTimers' }, env(T0 + 10_000));
  t.deepEqual(
    fired.map((e) => e.type),
    ['WaitStateExited', 'ExecutionSucceeded'],
  );
  // WaitStateExited is event 4 (after the unknown event 3) and points to WaitStateEntered (2).
  t.is(fired[0]!.data.previousEventId, 2);
  t.is(fired[1]!.data.previousEventId, state.lastEventId + 1);
  t.is(fold(fired, state).status, 'SUCCEEDED');
});

test('foldExecution: an unknown event that ends a decision still carries its frames delta (our metadata)', (t) => {
  const events = startWith(waitTen);
  const known = foldExecution(events);
  const state = foldExecution([...events, future(events.length, { frames: { del: [''] } })]);
  t.true(Object.keys(known.frames).length > 0);
  t.deepEqual(state.frames, {});
  t.is(state.status, 'RUNNING');
});

test('foldExecution continues from a kept state: folding in pages equals folding at once', (t) => {
  const events = startWith(waitTen);
  const fired = decideExecution(foldExecution(events), { type: 'FireTimers' }, env(T0 + 10_000));
  const all: RecordedHistoryEvent[] = [...events, ...fired];
  t.deepEqual(foldExecution(all.slice(2), foldExecution(all.slice(0, 2))), foldExecution(all));
  t.deepEqual(foldExecution(all), fold([...events, ...fired]));
});

test('evolveExecution: a stored record cast past the decoder is skipped as the fold skips it, not a crash', (t) => {
  const events = startWith(waitTen);
  const state = foldExecution(events);
  const cast = future(events.length) as unknown as StoredHistoryEvent;
  t.deepEqual(evolveExecution(state, cast), foldExecution([future(events.length)], state));
});

test('replayExecution: a history holding an unknown type is reported at that event', (t) => {
  const events = startWith(waitTen);
  t.deepEqual(replayExecution(events), { ok: true, decisions: 1 });
  t.deepEqual(replayExecution([...events, future(events.length)]), {
    ok: false,
    eventId: events.length + 1,
    reason: `event ${events.length + 1} has the type ExecutionPaused, which this version does not know`,
  });
});
