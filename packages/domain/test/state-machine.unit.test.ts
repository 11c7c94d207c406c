import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { aliasCreated, machineCreated, machineDeleted, route, SM, T0, versionPublished } from './builders.js';
import { given } from './decider-spec.js';
import {
  conflict,
  createStateMachineAnswer,
  foldDecider,
  invalidName,
  MAX_VERSIONS,
  publishVersionAnswer,
  serviceQuotaExceeded,
  stateMachineAlreadyExists,
  stateMachineDecider,
  stateMachineDoesNotExist,
  tooManyTags,
  updateStateMachineAnswer,
  type ApiError,
  type CreateStateMachineCommand,
  type StateMachineCommand,
  type StateMachineEvent,
  type UpdateStateMachineCommand,
} from '../src/index.js';

// Given a state machine's stream / when a state machine command / then the events it appends or
// the error; and what the runtime answers, read from the state after those events.

const NOW = T0 + 1_000;
const DEFINITION = '{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}';
const OTHER_DEFINITION = '{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}';
const ROLE = 'arn:aws:iam::123456789012:role/r';

/** CreateStateMachine of `sm` with the configuration `machineCreated()` records, unless overridden. */
const create = (over: Partial<Omit<CreateStateMachineCommand, 'type'>> = {}): CreateStateMachineCommand => ({
  type: 'CreateStateMachine',
  stateMachineArn: SM,
  name: 'sm',
  definition: DEFINITION,
  roleArn: ROLE,
  stateMachineType: 'STANDARD',
  loggingConfiguration: { level: 'OFF' },
  tracingConfiguration: { enabled: false },
  now: NOW,
  ...over,
});
const update = (over: Partial<Omit<UpdateStateMachineCommand, 'type'>> = {}): UpdateStateMachineCommand => ({
  type: 'UpdateStateMachine',
  stateMachineArn: SM,
  now: NOW,
  newRevisionId: 'rev-2',
  ...over,
});
const publish = (over: { revisionId?: string; description?: string } = {}): StateMachineCommand => ({
  type: 'PublishStateMachineVersion',
  stateMachineArn: SM,
  ...over,
  now: NOW,
});
const deleteVersion = (n: number): StateMachineCommand => ({ type: 'DeleteStateMachineVersion', stateMachineVersionArn: `${SM}:${n}`, now: NOW });
const updated = (revisionId: string, definition = OTHER_DEFINITION, at = T0 + 50): StateMachineEvent => ({
  type: 'StateMachineUpdated',
  data: { stateMachineArn: SM, updateDate: at, revisionId, definition },
});

/** The events a command decides, or the refusal. */
const decided = (r: E.Either<ApiError, readonly StateMachineEvent[]>) => (E.isRight(r) ? r.right : []);
/** The state after `history` and what `command` decided on it (the command must be accepted). */
const after = (history: readonly StateMachineEvent[], command: StateMachineCommand) =>
  foldDecider(stateMachineDecider, [...history, ...decided(given(stateMachineDecider, history).when(command))]);

test('create: one StateMachineCreated with the configuration and the command time; no encryption or tags key when none was given', (t) => {
  t.deepEqual(
    given(stateMachineDecider, []).when(create()),
    E.right([
      {
        type: 'StateMachineCreated',
        data: {
          stateMachineArn: SM,
          name: 'sm',
          definition: DEFINITION,
          roleArn: ROLE,
          stateMachineType: 'STANDARD',
          creationDate: NOW,
          loggingConfiguration: { level: 'OFF' },
          tracingConfiguration: { enabled: false },
        },
      },
    ]),
  );
  const tagged = given(stateMachineDecider, []).when(create({ tags: [{ key: 'team', value: 'a' }], encryptionConfiguration: { type: 'AWS_OWNED_KEY' } }));
  t.deepEqual(decided(tagged)[0]?.data, {
    ...machineCreated(SM, [{ key: 'team', value: 'a' }]).data,
    creationDate: NOW,
    encryptionConfiguration: { type: 'AWS_OWNED_KEY' },
  });
  t.deepEqual(createStateMachineAnswer(after([], create()), create()), { stateMachineArn: SM, creationDate: NOW });
});

test('create: the same configuration again appends nothing and answers the first creation date; role and tags are ignored', (t) => {
  const history = [machineCreated()];
  t.deepEqual(given(stateMachineDecider, history).when(create()), E.right([]));
  t.deepEqual(
    given(stateMachineDecider, history).when(create({ roleArn: 'arn:aws:iam::123456789012:role/other', tags: [{ key: 'k', value: 'v' }] })),
    E.right([]),
  );
  // No encryptionConfiguration and AWS_OWNED_KEY are the same configuration.
  t.deepEqual(given(stateMachineDecider, history).when(create({ encryptionConfiguration: { type: 'AWS_OWNED_KEY' } })), E.right([]));
  t.deepEqual(createStateMachineAnswer(after(history, create()), create()), { stateMachineArn: SM, creationDate: T0 });
});

test('create: the name of a machine with another definition, type, logging, tracing or encryption is StateMachineAlreadyExists', (t) => {
  const history = [machineCreated()];
  const exists = E.left(stateMachineAlreadyExists(SM));
  t.deepEqual(given(stateMachineDecider, history).when(create({ definition: OTHER_DEFINITION })), exists);
  // Byte for byte: the same JSON reformatted is another definition.
  t.deepEqual(given(stateMachineDecider, history).when(create({ definition: JSON.stringify(JSON.parse(DEFINITION), null, 1) })), exists);
  t.deepEqual(given(stateMachineDecider, history).when(create({ stateMachineType: 'EXPRESS' })), exists);
  t.deepEqual(given(stateMachineDecider, history).when(create({ loggingConfiguration: { level: 'ALL' } })), exists);
  t.deepEqual(given(stateMachineDecider, history).when(create({ tracingConfiguration: { enabled: true } })), exists);
  t.deepEqual(given(stateMachineDecider, history).when(create({ encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: 'k' } })), exists);
  // After a delete the name is free again.
  t.is(decided(given(stateMachineDecider, [...history, machineDeleted()]).when(create({ definition: OTHER_DEFINITION })))[0]?.type, 'StateMachineCreated');
});

test('create: invalid tags, more than 50 tags and an invalid name are refused before the stream is looked at', (t) => {
  const many = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  t.deepEqual(given(stateMachineDecider, []).when(create({ tags: many })), E.left(tooManyTags(SM)));
  t.deepEqual(given(stateMachineDecider, [machineCreated()]).when(create({ name: 'has space' })), E.left(invalidName('has space')));
  const badTag = given(stateMachineDecider, []).when(create({ tags: [{ key: '', value: 'v' }] }));
  t.is(E.isLeft(badTag) && badTag.left._tag, 'ValidationException');
});

test('create with publish: StateMachineCreated then version 1 of the INITIAL revision, with the version description, in one decision', (t) => {
  const command = create({ publish: true, versionDescription: 'first' });
  const events = decided(given(stateMachineDecider, []).when(command));
  t.deepEqual(
    events.map((e) => e.type),
    ['StateMachineCreated', 'StateMachineVersionPublished'],
  );
  t.deepEqual(events[1]?.data, {
    stateMachineArn: SM,
    versionArn: `${SM}:1`,
    version: 1,
    revisionId: 'INITIAL',
    description: 'first',
    creationDate: NOW,
    definition: DEFINITION,
    roleArn: ROLE,
    stateMachineType: 'STANDARD',
    loggingConfiguration: { level: 'OFF' },
    tracingConfiguration: { enabled: false },
  });
  t.deepEqual(createStateMachineAnswer(after([], command), command), { stateMachineArn: SM, creationDate: NOW, stateMachineVersionArn: `${SM}:1` });
  // An idempotent create with publish answers the version its revision already has, and writes nothing.
  const published = [machineCreated(), versionPublished(1)];
  t.deepEqual(given(stateMachineDecider, published).when(command), E.right([]));
  t.deepEqual(createStateMachineAnswer(after(published, command), command), { stateMachineArn: SM, creationDate: T0, stateMachineVersionArn: `${SM}:1` });
  // A refused create publishes nothing.
  t.deepEqual(
    given(stateMachineDecider, [machineCreated()]).when(create({ definition: OTHER_DEFINITION, publish: true })),
    E.left(stateMachineAlreadyExists(SM)),
  );
});

test('update: one StateMachineUpdated with the new revision and only the fields given; the answer is its date and revision', (t) => {
  const command = update({ definition: OTHER_DEFINITION });
  t.deepEqual(
    given(stateMachineDecider, [machineCreated()]).when(command),
    E.right([{ type: 'StateMachineUpdated', data: { stateMachineArn: SM, updateDate: NOW, revisionId: 'rev-2', definition: OTHER_DEFINITION } }]),
  );
  t.deepEqual(updateStateMachineAnswer(after([machineCreated()], command), command), { updateDate: NOW, revisionId: 'rev-2' });
  t.is(after([machineCreated()], command).current?.definition, OTHER_DEFINITION);
  t.deepEqual(given(stateMachineDecider, []).when(command), E.left(stateMachineDoesNotExist(SM)));
  t.deepEqual(given(stateMachineDecider, [machineCreated(), machineDeleted()]).when(command), E.left(stateMachineDoesNotExist(SM)));
});

test('update: parameters that change nothing append nothing and answer the current revision (the creation date and none before any update)', (t) => {
  const same = update({ definition: DEFINITION, roleArn: ROLE, loggingConfiguration: { level: 'OFF' }, encryptionConfiguration: { type: 'AWS_OWNED_KEY' } });
  t.deepEqual(given(stateMachineDecider, [machineCreated()]).when(same), E.right([]));
  t.deepEqual(updateStateMachineAnswer(after([machineCreated()], same), same), { updateDate: T0, revisionId: undefined });
  const history = [machineCreated(), updated('rev-1')];
  const again = update({ definition: OTHER_DEFINITION });
  t.deepEqual(given(stateMachineDecider, history).when(again), E.right([]));
  t.deepEqual(updateStateMachineAnswer(after(history, again), again), { updateDate: T0 + 50, revisionId: 'rev-1' });
});

test('update with publish: the new revision is published as the next version; an unchanged revision answers its existing version', (t) => {
  const history = [machineCreated(), versionPublished(1)];
  const command = update({ definition: OTHER_DEFINITION, publish: true, versionDescription: 'second' });
  const events = decided(given(stateMachineDecider, history).when(command));
  t.deepEqual(
    events.map((e) => e.type),
    ['StateMachineUpdated', 'StateMachineVersionPublished'],
  );
  t.like(events[1]?.data, { versionArn: `${SM}:2`, version: 2, revisionId: 'rev-2', description: 'second', definition: OTHER_DEFINITION, creationDate: NOW });
  t.deepEqual(updateStateMachineAnswer(after(history, command), command), { updateDate: NOW, revisionId: 'rev-2', stateMachineVersionArn: `${SM}:2` });
  const unchanged = update({ definition: DEFINITION, publish: true });
  t.deepEqual(given(stateMachineDecider, history).when(unchanged), E.right([]));
  t.deepEqual(updateStateMachineAnswer(after(history, unchanged), unchanged), { updateDate: T0, revisionId: undefined, stateMachineVersionArn: `${SM}:1` });
  // Unchanged but never published: the publish alone is written.
  t.deepEqual(
    decided(given(stateMachineDecider, [machineCreated()]).when(unchanged)).map((e) => e.type),
    ['StateMachineVersionPublished'],
  );
});

test('publish: a revisionId other than the current one is a ConflictException naming both; a missing machine is StateMachineDoesNotExist', (t) => {
  t.deepEqual(
    given(stateMachineDecider, [machineCreated()]).when(publish({ revisionId: 'stale' })),
    E.left(conflict('Failed to publish the State Machine version for revision stale. The current State Machine revision is INITIAL.')),
  );
  t.deepEqual(
    given(stateMachineDecider, [machineCreated(), updated('rev-1')]).when(publish({ revisionId: 'INITIAL' })),
    E.left(conflict('Failed to publish the State Machine version for revision INITIAL. The current State Machine revision is rev-1.')),
  );
  t.is(
    decided(given(stateMachineDecider, [machineCreated(), updated('rev-1')]).when(publish({ revisionId: 'rev-1' })))[0]?.type,
    'StateMachineVersionPublished',
  );
  t.deepEqual(given(stateMachineDecider, []).when(publish()), E.left(stateMachineDoesNotExist(SM)));
});

test('publish: idempotent per revision; a new revision takes the next number, never a deleted one', (t) => {
  const history = [machineCreated(), versionPublished(1)];
  t.deepEqual(given(stateMachineDecider, history).when(publish({ description: 'again' })), E.right([]));
  t.deepEqual(publishVersionAnswer(after(history, publish()), { stateMachineArn: SM }), { stateMachineVersionArn: `${SM}:1`, creationDate: T0 + 1 });
  const deletedThenChanged = [
    ...history,
    versionPublished(2),
    { type: 'StateMachineVersionDeleted', data: { versionArn: `${SM}:2`, version: 2, deletionDate: T0 + 3 } } as const,
    updated('rev-3'),
  ];
  const events = decided(given(stateMachineDecider, deletedThenChanged).when(publish()));
  t.like(events[0]?.data, { versionArn: `${SM}:3`, version: 3, revisionId: 'rev-3', creationDate: NOW });
  t.false(events[0]?.data !== undefined && 'description' in events[0].data);
  t.deepEqual(publishVersionAnswer(after(deletedThenChanged, publish()), { stateMachineArn: SM }), { stateMachineVersionArn: `${SM}:3`, creationDate: NOW });
});

test(`publish: at ${MAX_VERSIONS} versions a new revision is a ServiceQuotaExceededException; one fewer publishes the ${MAX_VERSIONS}th`, (t) => {
  const versions = (n: number) => Array.from({ length: n }, (_, i) => versionPublished(i + 1));
  const full = [machineCreated(), ...versions(MAX_VERSIONS), updated('rev-new')];
  t.deepEqual(
    given(stateMachineDecider, full).when(publish()),
    E.left(serviceQuotaExceeded(`The maximum number of versions (${MAX_VERSIONS}) for ${SM} has been reached.`)),
  );
  // The quota counts versions that are there, not numbers used.
  t.like(decided(given(stateMachineDecider, [machineCreated(), ...versions(MAX_VERSIONS - 1), updated('rev-new')]).when(publish()))[0]?.data, {
    version: MAX_VERSIONS,
  });
  t.deepEqual(
    given(stateMachineDecider, full).when(update({ definition: DEFINITION, publish: true })),
    E.left(serviceQuotaExceeded(`The maximum number of versions (${MAX_VERSIONS}) for ${SM} has been reached.`)),
  );
});

test('delete version: refused while an alias routes to it (ConflictException naming the aliases); a missing version appends nothing', (t) => {
  const withVersions = [machineCreated(), versionPublished(1), versionPublished(2)];
  t.deepEqual(
    given(stateMachineDecider, [...withVersions, aliasCreated('prod', [route(1, 100)])]).when(deleteVersion(1)),
    E.left(conflict('Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [prod]')),
  );
  t.deepEqual(
    given(stateMachineDecider, withVersions).when(deleteVersion(2)),
    E.right([{ type: 'StateMachineVersionDeleted', data: { versionArn: `${SM}:2`, version: 2, deletionDate: NOW } }]),
  );
  t.deepEqual(given(stateMachineDecider, withVersions).when(deleteVersion(7)), E.right([]));
  t.deepEqual(given(stateMachineDecider, []).when(deleteVersion(1)), E.right([]));
  t.deepEqual(Object.keys(after(withVersions, deleteVersion(2)).versions ?? {}), ['1']);
});

test('delete: StateMachineDeleted of an existing machine, which folds to nothing; a missing or deleted machine appends nothing', (t) => {
  const del: StateMachineCommand = { type: 'DeleteStateMachine', stateMachineArn: SM, now: NOW };
  t.deepEqual(
    given(stateMachineDecider, [machineCreated(), versionPublished(1)]).when(del),
    E.right([{ type: 'StateMachineDeleted', data: { stateMachineArn: SM, deletionDate: NOW } }]),
  );
  t.deepEqual(after([machineCreated(), versionPublished(1)], del), {});
  t.deepEqual(given(stateMachineDecider, []).when(del), E.right([]));
  t.deepEqual(given(stateMachineDecider, [machineCreated(), machineDeleted()]).when(del), E.right([]));
});
