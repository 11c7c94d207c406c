import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  InvalidArn,
  ListTagsForResourceCommand,
  ResourceNotFound,
  TagResourceCommand,
  TooManyTags,
  UntagResourceCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { ROLE, type Stack, stackTests } from './harness.js';

// TagResource, UntagResource and ListTagsForResource through SDK v3, on state machines and activities.

const test = stackTests();

const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const list = async (stack: Stack, resourceArn: string) => (await stack.client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

test('tags set at creation, added (duplicates collapse, the last value wins), removed, on state machines and activities', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(
    new CreateStateMachineCommand({ name: 'tagged', definition, roleArn: ROLE, tags: [{ key: 'team', value: 'core' }] }),
  );
  t.deepEqual(await list(stack, stateMachineArn!), [{ key: 'team', value: 'core' }]);
  await stack.client.send(
    new TagResourceCommand({
      resourceArn: stateMachineArn,
      tags: [
        { key: 'env', value: 'dev' },
        { key: 'env', value: 'prod' },
        { key: 'empty', value: '' },
      ],
    }),
  );
  t.deepEqual(await list(stack, stateMachineArn!), [
    { key: 'team', value: 'core' },
    { key: 'env', value: 'prod' },
    { key: 'empty', value: '' },
  ]);
  await stack.client.send(new UntagResourceCommand({ resourceArn: stateMachineArn, tagKeys: ['team', 'absent'] }));
  t.deepEqual(await list(stack, stateMachineArn!), [
    { key: 'env', value: 'prod' },
    { key: 'empty', value: '' },
  ]);

  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: 'tagged-activity', tags: [{ key: 'a', value: '1' }] }));
  await stack.client.send(new TagResourceCommand({ resourceArn: activityArn, tags: [{ key: 'b', value: '2' }] }));
  t.deepEqual(await list(stack, activityArn!), [
    { key: 'a', value: '1' },
    { key: 'b', value: '2' },
  ]);
});

test('limits and errors: 50 tags, AWS’s characters and reserved prefix, versions and missing resources, other resource types', async (t) => {
  const { stack } = t.context;
  const { stateMachineArn } = await stack.client.send(new CreateStateMachineCommand({ name: 'limits', definition, roleArn: ROLE }));
  const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
  await stack.client.send(new TagResourceCommand({ resourceArn: stateMachineArn, tags: fifty }));
  const tooMany = await t.throwsAsync(stack.client.send(new TagResourceCommand({ resourceArn: stateMachineArn, tags: [{ key: 'one-more', value: 'x' }] })), {
    instanceOf: TooManyTags,
  });
  t.is(tooMany?.resourceName, stateMachineArn);
  t.is((await list(stack, stateMachineArn!))!.length, 50, 'nothing was added');
  await t.throwsAsync(stack.client.send(new TagResourceCommand({ resourceArn: stateMachineArn, tags: [{ key: 'aws:reserved', value: 'x' }] })), {
    instanceOf: ValidationException,
  });
  await t.throwsAsync(stack.client.send(new TagResourceCommand({ resourceArn: stateMachineArn, tags: [{ key: 'bad#char', value: 'x' }] })), {
    instanceOf: ValidationException,
  });
  const version = await t.throwsAsync(stack.client.send(new ListTagsForResourceCommand({ resourceArn: `${stateMachineArn}:1` })), {
    instanceOf: ResourceNotFound,
  });
  t.is(version?.message, `Resource not found: '${stateMachineArn}:1'`);
  await t.throwsAsync(stack.client.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn!.replace('limits', 'missing') })), {
    instanceOf: ResourceNotFound,
  });
  await t.throwsAsync(stack.client.send(new TagResourceCommand({ resourceArn: 'arn:aws:states:us-east-1:123456789012:execution:limits:x', tags: [] })), {
    instanceOf: InvalidArn,
  });
});
