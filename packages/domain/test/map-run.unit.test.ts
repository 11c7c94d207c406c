import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { T0 } from './builders.js';
import { given } from './decider-spec.js';
import { foldDecider, mapRunDecider, validationException, type MapRunEvent, type UpdateMapRunCommand } from '../src/index.js';

// Given a Map Run's updates / when UpdateMapRun / then MapRunUpdated or the error.

const MAP_RUN = 'arn:aws:states:us-east-1:123456789012:mapRun:sm/map:0f1e2d3c';
const update = (u: UpdateMapRunCommand['update'], running = true): UpdateMapRunCommand => ({
  type: 'UpdateMapRun',
  mapRunArn: MAP_RUN,
  update: u,
  running,
  now: T0,
});

test('a running Map Run: one MapRunUpdated with the ARN, the fields given (in the order given) and the update date', (t) => {
  const decided = given(mapRunDecider, []).when(update({ toleratedFailureCount: 3, maxConcurrency: 2 }));
  t.deepEqual(decided, E.right([{ type: 'MapRunUpdated', data: { mapRunArn: MAP_RUN, toleratedFailureCount: 3, maxConcurrency: 2, updateDate: T0 } }]));
  t.deepEqual(E.isRight(decided) && Object.keys(decided.right[0]!.data), ['mapRunArn', 'toleratedFailureCount', 'maxConcurrency', 'updateDate']);
});

test('a Map Run that has ended: ValidationException, reason CANNOT_UPDATE_COMPLETED_MAP_RUN', (t) => {
  t.deepEqual(
    given(mapRunDecider, []).when(update({ maxConcurrency: 1 }, false)),
    E.left(validationException('Map Run is not running and cannot be updated', 'CANNOT_UPDATE_COMPLETED_MAP_RUN')),
  );
});

test('fold: each setting as last set; a later update leaves the others alone', (t) => {
  const updated = (u: object, at: number): MapRunEvent => ({ type: 'MapRunUpdated', data: { mapRunArn: MAP_RUN, ...u, updateDate: at } });
  t.deepEqual(foldDecider(mapRunDecider, []), {});
  t.deepEqual(
    foldDecider(mapRunDecider, [
      updated({ maxConcurrency: 5, toleratedFailurePercentage: 10 }, T0),
      updated({ maxConcurrency: 0, toleratedFailureCount: 2 }, T0 + 1),
    ]),
    { maxConcurrency: 0, toleratedFailurePercentage: 10, toleratedFailureCount: 2 },
  );
});
