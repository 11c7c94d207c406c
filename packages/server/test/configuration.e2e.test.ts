import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeActivityCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  InvalidEncryptionConfiguration,
  StartExecutionCommand,
  UpdateStateMachineCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { finished, ROLE, stackTests } from './harness.js';

// Configuration members of state machines through SDK v3: encryptionConfiguration (stored,
// validated, returned) and the computed variableReferences.

const test = stackTests();

const pass = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const CMK = { type: 'CUSTOMER_MANAGED_KMS_KEY' as const, kmsKeyId: 'alias/stepstream-test', kmsDataKeyReusePeriodSeconds: 120 };

test('encryptionConfiguration: AWS_OWNED_KEY by default; a customer managed key is kept through create, update, version and execution', async (t) => {
  const { stack } = t.context;
  const plain = await stack.client.send(new CreateStateMachineCommand({ name: 'enc-default', definition: pass, roleArn: ROLE }));
  t.deepEqual((await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: plain.stateMachineArn }))).encryptionConfiguration, {
    type: 'AWS_OWNED_KEY',
  });

  const { stateMachineArn, stateMachineVersionArn } = await stack.client.send(
    new CreateStateMachineCommand({ name: 'enc-cmk', definition: pass, roleArn: ROLE, encryptionConfiguration: CMK, publish: true }),
  );
  t.deepEqual((await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn }))).encryptionConfiguration, CMK);
  t.deepEqual((await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineVersionArn }))).encryptionConfiguration, CMK);
  // The same create again is idempotent; with another key it is a different machine.
  t.is(
    (await stack.client.send(new CreateStateMachineCommand({ name: 'enc-cmk', definition: pass, roleArn: ROLE, encryptionConfiguration: CMK })))
      .stateMachineArn,
    stateMachineArn,
  );

  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn }));
  await finished(stack, executionArn!);
  t.deepEqual((await stack.client.send(new DescribeStateMachineForExecutionCommand({ executionArn }))).encryptionConfiguration, CMK);

  const updated = await stack.client.send(new UpdateStateMachineCommand({ stateMachineArn, encryptionConfiguration: { type: 'AWS_OWNED_KEY' } }));
  t.truthy(updated.revisionId, 'changing only the encryption is an update with a new revision');
  const after = await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
  t.deepEqual(after.encryptionConfiguration, { type: 'AWS_OWNED_KEY' });
  t.is(after.revisionId, updated.revisionId);
});

test('encryptionConfiguration errors: a customer managed key without kmsKeyId, a reuse period out of 60–900, no type; nothing is created', async (t) => {
  const { stack } = t.context;
  await t.throwsAsync(
    stack.client.send(
      new CreateStateMachineCommand({ name: 'enc-bad', definition: pass, roleArn: ROLE, encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY' } }),
    ),
    { instanceOf: InvalidEncryptionConfiguration, message: /kmsKeyId/ },
  );
  await t.throwsAsync(
    stack.client.send(
      new CreateStateMachineCommand({
        name: 'enc-bad',
        definition: pass,
        roleArn: ROLE,
        encryptionConfiguration: { ...CMK, kmsDataKeyReusePeriodSeconds: 30 },
      }),
    ),
    {
      instanceOf: ValidationException,
      message: /'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60/,
    },
  );
  await t.throwsAsync(
    stack.client.send(new CreateStateMachineCommand({ name: 'enc-bad', definition: pass, roleArn: ROLE, encryptionConfiguration: { kmsKeyId: 'k' } as never })),
    { instanceOf: ValidationException, message: /Value null at 'encryptionConfiguration.type' failed to satisfy constraint: Member must not be null/ },
  );
  await t.throwsAsync(stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:enc-bad' })), {
    name: 'StateMachineDoesNotExist',
  });
  await t.throwsAsync(stack.client.send(new CreateActivityCommand({ name: 'enc-activity', encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY' } })), {
    instanceOf: InvalidEncryptionConfiguration,
  });
  const { activityArn } = await stack.client.send(new CreateActivityCommand({ name: 'enc-activity', encryptionConfiguration: CMK }));
  t.deepEqual((await stack.client.send(new DescribeActivityCommand({ activityArn }))).encryptionConfiguration, CMK);
});

test('variableReferences: each state that reads variables, nested states by their own names; absent when no state reads one', async (t) => {
  const { stack } = t.context;
  const definition = JSON.stringify({
    StartAt: 'Setup',
    States: {
      Setup: { Type: 'Pass', Assign: { guess: 'g', answer: 'a', items: [1, 2] }, Next: 'Check' },
      Check: { Type: 'Choice', Choices: [{ Variable: '$guess', StringEqualsPath: '$answer', Next: 'Each' }], Default: 'Each' },
      Each: {
        Type: 'Map',
        ItemsPath: '$items',
        ItemProcessor: { StartAt: 'Use', States: { Use: { Type: 'Pass', Parameters: { 'g.$': '$guess', literal: '$answer' }, End: true } } },
        End: true,
      },
    },
  });
  const { stateMachineArn } = await stack.client.send(new CreateStateMachineCommand({ name: 'var-refs', definition, roleArn: ROLE }));
  const expected = { Check: ['answer', 'guess'], Each: ['items'], Use: ['guess'] };
  t.deepEqual((await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn }))).variableReferences, expected);
  const { executionArn } = await stack.client.send(new StartExecutionCommand({ stateMachineArn }));
  t.is((await finished(stack, executionArn!)).status, 'SUCCEEDED');
  t.deepEqual((await stack.client.send(new DescribeStateMachineForExecutionCommand({ executionArn }))).variableReferences, expected);
  const none = await stack.client.send(new CreateStateMachineCommand({ name: 'no-var-refs', definition: pass, roleArn: ROLE }));
  t.false('variableReferences' in (await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: none.stateMachineArn }))));
});
