import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { aliasCreated, machineCreated, machineDeleted, OTHER_SM, route, SM, T0, versionPublished } from './builders.js';
import { given } from './decider-spec.js';
import {
  aliasDecider,
  foldDecider,
  resourceNotFound,
  routesElsewhere,
  stateMachineDecider,
  type AliasCommand,
  type AliasRoute,
  type ApiError,
  type StateMachineCommand,
} from '../src/index.js';

// Given a state machine's stream / when an alias command / then the events it appends or the error.

const NOW = T0 + 1_000;
const withVersions = [machineCreated(), versionPublished(1), versionPublished(2)];
const create = (name: string, routingConfiguration: readonly AliasRoute[], description?: string): AliasCommand => ({
  type: 'CreateStateMachineAlias',
  name,
  ...(description !== undefined ? { description } : {}),
  routingConfiguration,
  now: NOW,
});
const tagOf = (r: E.Either<ApiError, unknown>) => (E.isLeft(r) ? [r.left._tag, r.left.message, r.left.reason] : 'accepted');

test('create: one StateMachineAliasCreated with the alias ARN, the routing as given and the command time; no description key when none was given', (t) => {
  t.deepEqual(
    given(aliasDecider, withVersions).when(create('prod', [route(1, 70), route(2, 30)])),
    E.right([
      {
        type: 'StateMachineAliasCreated',
        data: { aliasArn: `${SM}:prod`, name: 'prod', routingConfiguration: [route(1, 70), route(2, 30)], creationDate: NOW },
      },
    ]),
  );
  const described = given(aliasDecider, withVersions).when(create('prod', [route(1, 100)], 'live'));
  t.deepEqual(E.isRight(described) && Object.keys(described.right[0]!.data), ['aliasArn', 'name', 'description', 'routingConfiguration', 'creationDate']);
});

test('create: the same name, description and routing again appends nothing; a different routing or description is a ConflictException', (t) => {
  const history = [...withVersions, aliasCreated('prod', [route(1, 100)], 'live')];
  t.deepEqual(given(aliasDecider, history).when(create('prod', [route(1, 100)], 'live')), E.right([]));
  const conflict = [
    'ConflictException',
    'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
    undefined,
  ];
  t.deepEqual(tagOf(given(aliasDecider, history).when(create('prod', [route(2, 100)], 'live'))), conflict);
  t.deepEqual(tagOf(given(aliasDecider, history).when(create('prod', [route(1, 100)]))), conflict);
});

test('create: names that are invalid or all digits are InvalidName (digits name versions)', (t) => {
  t.deepEqual(tagOf(given(aliasDecider, withVersions).when(create('123', [route(1, 100)]))), ['InvalidName', "Invalid Name: '123'", undefined]);
  t.deepEqual(tagOf(given(aliasDecider, withVersions).when(create('a b', [route(1, 100)]))), ['InvalidName', "Invalid Name: 'a b'", undefined]);
});

test("create: routing rules in AWS's order and words, reason INVALID_ROUTING_CONFIGURATION", (t) => {
  const when = (routing: Parameters<typeof create>[1]) => tagOf(given(aliasDecider, withVersions).when(create('prod', routing)));
  t.deepEqual(when([{ stateMachineVersionArn: SM, weight: 100 }]), [
    'ValidationException',
    `Routing configuration must contain state machine version ARNs. Received: [${SM}]`,
    'INVALID_ROUTING_CONFIGURATION',
  ]);
  t.deepEqual(when([route(1, 50), route(1, 50)]), [
    'ValidationException',
    `Routing configuration must contain distinct state machine version ARNs. Received: [${SM}:1, ${SM}:1]`,
    'INVALID_ROUTING_CONFIGURATION',
  ]);
  t.deepEqual(when([route(1, 60), route(2, 30)]), [
    'ValidationException',
    'Sum of routing configuration weights must equal 100. Received: [60, 30]',
    'INVALID_ROUTING_CONFIGURATION',
  ]);
  t.deepEqual(when([route(1, 50), route(1, 50, OTHER_SM)]), [
    'ValidationException',
    `Routing configuration must contain versions of one state machine. Received: [${SM}:1, ${OTHER_SM}:1]`,
    'INVALID_ROUTING_CONFIGURATION',
  ]);
  // The shape is checked before the alias's existence: a conflicting name with a bad routing is a ValidationException.
  t.is(tagOf(given(aliasDecider, [...withVersions, aliasCreated('prod', [route(1, 100)])]).when(create('prod', [route(1, 99)])))[0], 'ValidationException');
});

test('create: a version that does not exist (never published, or its machine deleted) is ResourceNotFound naming the first such', (t) => {
  t.deepEqual(given(aliasDecider, withVersions).when(create('prod', [route(1, 50), route(3, 50)])), E.left(resourceNotFound(`${SM}:3`)));
  t.deepEqual(given(aliasDecider, [...withVersions, machineDeleted()]).when(create('prod', [route(1, 100)])), E.left(resourceNotFound(`${SM}:1`)));
});

test('create: the 101st alias of a machine is a ServiceQuotaExceededException; the 100th is accepted', (t) => {
  const aliases = Array.from({ length: 99 }, (_, i) => aliasCreated(`a${i}`, [route(1, 100)]));
  t.true(E.isRight(given(aliasDecider, [...withVersions, ...aliases]).when(create('last', [route(1, 100)]))));
  t.deepEqual(tagOf(given(aliasDecider, [...withVersions, ...aliases, aliasCreated('a99', [route(1, 100)])]).when(create('last', [route(1, 100)]))), [
    'ServiceQuotaExceededException',
    `The maximum number of aliases (100) for ${SM} has been reached.`,
    undefined,
  ]);
});

test('update: only what is given, then the update date; a missing alias is ResourceNotFound; a new routing is checked as on create', (t) => {
  const history = [...withVersions, aliasCreated('prod', [route(1, 100)], 'live')];
  const update = (extra: object): AliasCommand => ({ type: 'UpdateStateMachineAlias', stateMachineAliasArn: `${SM}:prod`, ...extra, now: NOW });
  t.deepEqual(
    given(aliasDecider, history).when(update({ description: 'canary' })),
    E.right([{ type: 'StateMachineAliasUpdated', data: { aliasArn: `${SM}:prod`, description: 'canary', updateDate: NOW } }]),
  );
  t.deepEqual(
    given(aliasDecider, history).when(update({ routingConfiguration: [route(1, 90), route(2, 10)] })),
    E.right([{ type: 'StateMachineAliasUpdated', data: { aliasArn: `${SM}:prod`, routingConfiguration: [route(1, 90), route(2, 10)], updateDate: NOW } }]),
  );
  t.deepEqual(tagOf(given(aliasDecider, withVersions).when(update({ description: 'x' }))), [
    'ResourceNotFound',
    'Request references a resource that does not exist.',
    undefined,
  ]);
  t.is(tagOf(given(aliasDecider, history).when(update({ routingConfiguration: [route(1, 50)] })))[2], 'INVALID_ROUTING_CONFIGURATION');
  t.deepEqual(given(aliasDecider, history).when(update({ routingConfiguration: [route(7, 100)] })), E.left(resourceNotFound(`${SM}:7`)));
  // The routing in force after the update is the new one.
  const after = foldDecider(aliasDecider, [
    ...history,
    { type: 'StateMachineAliasUpdated', data: { aliasArn: `${SM}:prod`, routingConfiguration: [route(2, 100)], updateDate: NOW } },
  ]);
  t.deepEqual(after.aliases?.['prod'], {
    aliasArn: `${SM}:prod`,
    name: 'prod',
    description: 'live',
    routingConfiguration: [route(2, 100)],
    creationDate: T0 + 100,
    updateDate: NOW,
  });
});

test("update: a routing to another machine's versions is left to the caller, which can read that machine", (t) => {
  t.is(routesElsewhere(`${SM}:prod`, [route(1, 100, OTHER_SM)]), OTHER_SM);
  t.is(routesElsewhere(`${SM}:prod`, [route(1, 100)]), undefined);
  t.is(routesElsewhere(`${SM}:prod`, undefined), undefined);
  const history = [...withVersions, aliasCreated('prod', [route(1, 100)])];
  t.true(
    E.isRight(
      given(aliasDecider, history).when({
        type: 'UpdateStateMachineAlias',
        stateMachineAliasArn: `${SM}:prod`,
        routingConfiguration: [route(5, 100, OTHER_SM)],
        now: NOW,
      }),
    ),
  );
});

test('delete: StateMachineAliasDeleted with the name; a missing alias appends nothing (AWS answers 200)', (t) => {
  const history = [...withVersions, aliasCreated('prod', [route(1, 100)])];
  const del: AliasCommand = { type: 'DeleteStateMachineAlias', stateMachineAliasArn: `${SM}:prod`, now: NOW };
  t.deepEqual(
    given(aliasDecider, history).when(del),
    E.right([{ type: 'StateMachineAliasDeleted', data: { aliasArn: `${SM}:prod`, name: 'prod', deletionDate: NOW } }]),
  );
  t.deepEqual(given(aliasDecider, withVersions).when(del), E.right([]));
  t.is(
    foldDecider(aliasDecider, [...history, { type: 'StateMachineAliasDeleted', data: { aliasArn: `${SM}:prod`, name: 'prod', deletionDate: NOW } }]).aliases?.[
      'prod'
    ],
    undefined,
  );
});

test('deleting a version an alias routes to is a ConflictException naming the aliases; an unreferenced or missing version is not', (t) => {
  const deleteVersion = (n: number): StateMachineCommand => ({ type: 'DeleteStateMachineVersion', stateMachineVersionArn: `${SM}:${n}`, now: NOW });
  const refused = given(stateMachineDecider, [...withVersions, aliasCreated('prod', [route(1, 80), route(2, 20)]), aliasCreated('beta', [route(1, 100)])]).when(
    deleteVersion(1),
  );
  t.deepEqual(tagOf(refused), [
    'ConflictException',
    'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [prod, beta]',
    undefined,
  ]);
  t.deepEqual(
    given(stateMachineDecider, withVersions).when(deleteVersion(2)),
    E.right([{ type: 'StateMachineVersionDeleted', data: { versionArn: `${SM}:2`, version: 2, deletionDate: NOW } }]),
  );
  t.deepEqual(given(stateMachineDecider, withVersions).when(deleteVersion(9)), E.right([]));
});
