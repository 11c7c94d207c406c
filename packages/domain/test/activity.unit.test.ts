import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { T0 } from './builders.js';
import { given } from './decider-spec.js';
import { activityDecider, invalidName, validationException, type ActivityCommand, type ActivityEvent } from '../src/index.js';

// Given an activity's stream / when CreateActivity or DeleteActivity / then the events or the error.

const ARN = 'arn:aws:states:us-east-1:123456789012:activity:act';
const create = (extra: Partial<Extract<ActivityCommand, { type: 'CreateActivity' }>> = {}): ActivityCommand => ({
  type: 'CreateActivity',
  activityArn: ARN,
  name: 'act',
  now: T0,
  ...extra,
});
const created: ActivityEvent = { type: 'ActivityCreated', data: { activityArn: ARN, name: 'act', creationDate: T0 - 5 } };

test('create: one ActivityCreated, its keys in the stored order; tags and encryption only when given', (t) => {
  t.deepEqual(given(activityDecider, []).when(create()), E.right([{ type: 'ActivityCreated', data: { activityArn: ARN, name: 'act', creationDate: T0 } }]));
  const full = given(activityDecider, []).when(create({ tags: [{ key: 'a', value: '1' }], encryptionConfiguration: { type: 'AWS_OWNED_KEY' } }));
  t.deepEqual(E.isRight(full) && Object.keys(full.right[0]!.data), ['activityArn', 'name', 'creationDate', 'tags', 'encryptionConfiguration']);
});

test('create: an existing activity appends nothing, whatever the tags (idempotent by name); after a delete it is created again', (t) => {
  t.deepEqual(given(activityDecider, [created]).when(create({ tags: [{ key: 'other', value: 'x' }] })), E.right([]));
  const deleted: ActivityEvent = { type: 'ActivityDeleted', data: { activityArn: ARN, deletionDate: T0 - 1 } };
  t.deepEqual(
    given(activityDecider, [created, deleted]).when(create()),
    E.right([{ type: 'ActivityCreated', data: { activityArn: ARN, name: 'act', creationDate: T0 } }]),
  );
});

test('create: an invalid name is InvalidName, then an invalid tag a ValidationException', (t) => {
  t.deepEqual(given(activityDecider, []).when(create({ name: 'a b', tags: [{ key: 'aws:x', value: '' }] })), E.left(invalidName('a b')));
  t.deepEqual(
    given(activityDecider, []).when(create({ tags: [{ key: 'aws:x', value: '' }] })),
    E.left(validationException("Tag keys may not start with the reserved prefix aws: ('aws:x')")),
  );
});

test('delete: ActivityDeleted when it exists; nothing when it does not (AWS answers 200)', (t) => {
  const del: ActivityCommand = { type: 'DeleteActivity', activityArn: ARN, now: T0 };
  t.deepEqual(given(activityDecider, [created]).when(del), E.right([{ type: 'ActivityDeleted', data: { activityArn: ARN, deletionDate: T0 } }]));
  t.deepEqual(given(activityDecider, []).when(del), E.right([]));
});
