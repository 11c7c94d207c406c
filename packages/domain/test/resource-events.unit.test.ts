import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { aliasCreated, machineCreated, route, SM, T0, versionPublished } from './builders.js';
import {
  decodeActivityEvent,
  decodeActivityEvents,
  decodeMapRunEvent,
  decodeMapRunEvents,
  decodeStateMachineEvent,
  decodeStateMachineEvents,
  decodeTaggableEvent,
  decodeTaggableEvents,
  foldDecider,
  mapRunDecider,
  stateMachineDecider,
  tagsDecider,
  type RecordedResourceEvent,
} from '../src/index.js';

// Resource streams are decoded once, at read: a type the union knows comes back typed with its
// data as written; any other type (another aggregate's, a newer version's) is reported or
// skipped, never cast into the union.

const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:act';
const MAP_RUN = `arn:aws:states:us-east-1:123456789012:mapRun:sm/run:00000000-0000-4000-8000-000000000001`;

/** As a store returns it: metadata, revision and the like besides type and data. */
const stored = (e: { type: string; data: unknown }, revision = 0): RecordedResourceEvent & { metadata: object; revision: bigint } => ({
  ...e,
  metadata: { requestId: 'r' },
  revision: BigInt(revision),
});
const tagged = stored({ type: 'ResourceTagged', data: { resourceArn: SM, tags: [{ key: 'team', value: 'a' }] } });
/** A type a newer version might write into a state machine's stream, with data that would delete the machine if read as StateMachineDeleted's. */
const future = stored({ type: 'StateMachinePaused', data: { stateMachineArn: SM, deletionDate: T0 } });
const unknown = (type: string) => E.left({ _tag: 'UnknownResourceEventType', type });

test('decodeStateMachineEvent: each known type comes back typed with its data as written; tags and unknown types are reported by name', (t) => {
  for (const e of [machineCreated(), versionPublished(1), aliasCreated('prod', [route(1, 100)])]) {
    const decoded = decodeStateMachineEvent(stored(e));
    t.deepEqual(decoded, E.right({ type: e.type, data: e.data }));
    t.is(E.isRight(decoded) && decoded.right.data, e.data);
  }
  t.deepEqual(decodeStateMachineEvent(tagged), unknown('ResourceTagged'));
  t.deepEqual(decodeStateMachineEvent(future), unknown('StateMachinePaused'));
  // Own keys only: the prototype's names and other spellings are no event types.
  t.deepEqual(decodeStateMachineEvent(stored({ type: 'toString', data: {} })), unknown('toString'));
  t.deepEqual(decodeStateMachineEvent(stored({ type: 'statemachinedeleted', data: {} })), unknown('statemachinedeleted'));
});

test('decodeStateMachineEvents: a stream folds as its known events; an unknown one changes nothing', (t) => {
  const stream = [machineCreated(), tagged, future, versionPublished(1)].map((e, i) => stored(e, i));
  const decoded = decodeStateMachineEvents(stream);
  t.deepEqual(
    decoded.map((e) => e.type),
    ['StateMachineCreated', 'StateMachineVersionPublished'],
  );
  const state = foldDecider(stateMachineDecider, decoded);
  t.is(state.current?.name, 'sm');
  t.deepEqual(Object.keys(state.versions ?? {}), ['1']);
});

test('decodeActivityEvent(s): activity events pass; a state machine event or an unknown type does not become one', (t) => {
  const created = { type: 'ActivityCreated', data: { activityArn: ACTIVITY, name: 'act', creationDate: T0 } };
  t.deepEqual(decodeActivityEvent(stored(created)), E.right(created));
  t.deepEqual(decodeActivityEvent(stored(machineCreated())), unknown('StateMachineCreated'));
  t.deepEqual(decodeActivityEvent(stored({ type: 'ActivityPaused', data: {} })), unknown('ActivityPaused'));
  t.deepEqual(
    decodeActivityEvents([
      stored(created),
      stored({ type: 'ActivityPaused', data: {} }),
      stored({ type: 'ActivityDeleted', data: { activityArn: ACTIVITY, deletionDate: T0 } }),
    ]).map((e) => e.type),
    ['ActivityCreated', 'ActivityDeleted'],
  );
});

test('decodeTaggableEvent(s): state machine, activity and tag events pass; the tags of a stream with an unknown event fold as without it', (t) => {
  t.deepEqual(decodeTaggableEvent(tagged), E.right({ type: tagged.type, data: tagged.data }));
  t.is(E.isRight(decodeTaggableEvent(stored(machineCreated()))), true);
  t.is(E.isRight(decodeTaggableEvent(stored({ type: 'ActivityDeleted', data: { activityArn: ACTIVITY, deletionDate: T0 } }))), true);
  t.deepEqual(decodeTaggableEvent(stored({ type: 'ResourceRetagged', data: {} })), unknown('ResourceRetagged'));
  const state = foldDecider(tagsDecider, decodeTaggableEvents([stored(machineCreated()), tagged, future]));
  t.true(state.exists);
  t.deepEqual([...state.tags], [['team', 'a']]);
});

test('decodeMapRunEvent(s): MapRunUpdated passes; other types are skipped by the fold of a mapRun stream', (t) => {
  const update = { type: 'MapRunUpdated', data: { mapRunArn: MAP_RUN, maxConcurrency: 3, updateDate: T0 } };
  t.deepEqual(decodeMapRunEvent(stored(update)), E.right(update));
  t.deepEqual(decodeMapRunEvent(stored({ type: 'MapRunRedriven', data: { maxConcurrency: 99 } })), unknown('MapRunRedriven'));
  const events = decodeMapRunEvents([stored(update), stored({ type: 'MapRunRedriven', data: { mapRunArn: MAP_RUN, maxConcurrency: 99, updateDate: T0 } })]);
  t.deepEqual(foldDecider(mapRunDecider, events), { maxConcurrency: 3 });
});
