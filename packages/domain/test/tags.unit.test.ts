import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { machineCreated, machineDeleted, SM, T0 } from './builders.js';
import { given } from './decider-spec.js';
import {
  foldDecider,
  MAX_TAGS,
  resourceNotFound,
  tagsDecider,
  tagsProblem,
  tooManyTags,
  tooManyTagsOnCreate,
  validationException,
  type Tag,
  type TaggableEvent,
  type TagsCommand,
} from '../src/index.js';

// Given a resource's stream / when TagResource or UntagResource / then the events or the error.

const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:act';
const tag = (resourceArn: string, tags: readonly Tag[]): TagsCommand => ({ type: 'TagResource', resourceArn, tags });
const untag = (resourceArn: string, tagKeys: readonly string[]): TagsCommand => ({ type: 'UntagResource', resourceArn, tagKeys });
const activityCreated: TaggableEvent = {
  type: 'ActivityCreated',
  data: { activityArn: ACTIVITY, name: 'act', creationDate: T0, tags: [{ key: 'a', value: '1' }] },
};
const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: String(i) }));

test('tag: one ResourceTagged; keys given twice collapse, the last value winning, in the order first given', (t) => {
  t.deepEqual(
    given(tagsDecider, [machineCreated()]).when(
      tag(SM, [
        { key: 'team', value: 'a' },
        { key: 'env', value: 'dev' },
        { key: 'team', value: 'b' },
      ]),
    ),
    E.right([
      {
        type: 'ResourceTagged',
        data: {
          resourceArn: SM,
          tags: [
            { key: 'team', value: 'b' },
            { key: 'env', value: 'dev' },
          ],
        },
      },
    ]),
  );
});

test('tag: a resource that does not exist (never created, or deleted) is ResourceNotFound; an invalid tag is a ValidationException first', (t) => {
  t.deepEqual(given(tagsDecider, []).when(tag(SM, [{ key: 'a', value: '1' }])), E.left(resourceNotFound(SM)));
  t.deepEqual(given(tagsDecider, [machineCreated(), machineDeleted()]).when(tag(SM, [{ key: 'a', value: '1' }])), E.left(resourceNotFound(SM)));
  t.deepEqual(
    given(tagsDecider, []).when(tag(SM, [{ key: 'aws:x', value: '1' }])),
    E.left(validationException("Tag keys may not start with the reserved prefix aws: ('aws:x')")),
  );
  t.deepEqual(tagsProblem([{ key: '', value: 'v' }]), validationException("Tag keys are 1 to 128 characters long: ''"));
  t.deepEqual(tagsProblem([{ key: 'ok', value: 'fine' }]), undefined);
});

test('tag: at most 50 distinct keys with those already there; overwriting an existing key does not count twice', (t) => {
  const full = [machineCreated(SM, many(MAX_TAGS - 1))];
  t.true(E.isRight(given(tagsDecider, full).when(tag(SM, [{ key: 'new', value: 'x' }]))));
  t.deepEqual(given(tagsDecider, full).when(tag(SM, many(2, 'more'))), E.left(tooManyTags(SM)));
  t.true(E.isRight(given(tagsDecider, [machineCreated(SM, many(MAX_TAGS))]).when(tag(SM, [{ key: 'k0', value: 'again' }]))));
});

test('untag: one ResourceUntagged with the keys as given (missing keys too); a missing resource is ResourceNotFound', (t) => {
  t.deepEqual(
    given(tagsDecider, [activityCreated]).when(untag(ACTIVITY, ['a', 'zz'])),
    E.right([{ type: 'ResourceUntagged', data: { resourceArn: ACTIVITY, tagKeys: ['a', 'zz'] } }]),
  );
  t.deepEqual(given(tagsDecider, []).when(untag(ACTIVITY, ['a'])), E.left(resourceNotFound(ACTIVITY)));
});

test('fold: creation tags, then tagged and untagged in order; deleting the resource drops them; re-creating starts afresh', (t) => {
  const tags = (events: readonly TaggableEvent[]) => {
    const s = foldDecider(tagsDecider, events);
    return [s.exists, [...s.tags]];
  };
  const history: TaggableEvent[] = [
    machineCreated(SM, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ]),
    {
      type: 'ResourceTagged',
      data: {
        resourceArn: SM,
        tags: [
          { key: 'c', value: '3' },
          { key: 'a', value: 'x' },
        ],
      },
    },
    { type: 'ResourceUntagged', data: { resourceArn: SM, tagKeys: ['b'] } },
  ];
  t.deepEqual(tags(history), [
    true,
    [
      ['a', 'x'],
      ['c', '3'],
    ],
  ]);
  t.deepEqual(tags([...history, machineDeleted()]), [false, []]);
  t.deepEqual(tags([...history, machineDeleted(), machineCreated()]), [true, []]);
  t.deepEqual(tags([activityCreated, { type: 'ActivityDeleted', data: { activityArn: ACTIVITY, deletionDate: T0 } }]), [false, []]);
});

test('create with tags: more than 50 distinct keys is TooManyTags; a key given twice counts once', (t) => {
  t.deepEqual(tooManyTagsOnCreate(SM, many(MAX_TAGS + 1)), tooManyTags(SM));
  t.is(tooManyTagsOnCreate(SM, [...many(MAX_TAGS), { key: 'k0', value: 'dup' }]), undefined);
});
