import { CreateStateMachineCommand, InvalidDefinition, ValidateStateMachineDefinitionCommand, ValidationException } from '@aws-sdk/client-sfn';
import { ROLE, type Stack, stackTests } from './harness.js';

// ValidateStateMachineDefinition through SDK v3: the validator of CreateStateMachine as diagnostics.

const test = stackTests();

const validate = (stack: Stack, input: { definition: string; type?: 'STANDARD' | 'EXPRESS'; maxResults?: number; severity?: 'ERROR' | 'WARNING' }) =>
  stack.client.send(new ValidateStateMachineDefinitionCommand(input));

test('a valid definition is OK with no diagnostics; an invalid one is FAIL listing every problem with code, message and location', async (t) => {
  const { stack } = t.context;
  const ok = await validate(stack, { definition: JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }) });
  t.is(ok.result, 'OK');
  t.deepEqual(ok.diagnostics, []);
  t.false(ok.truncated);

  const bad = await validate(stack, {
    definition: JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' }, B: { Type: 'Pass', End: true, InputPath: 'no-dollar' } } }),
  });
  t.is(bad.result, 'FAIL');
  t.true(bad.diagnostics!.length >= 2);
  t.true(
    bad.diagnostics!.some((d) => d.code === 'MISSING_TRANSITION_TARGET' && d.location === '/States/A/Next' && d.message === "Missing 'Next' target: Nowhere"),
  );
  t.true(bad.diagnostics!.every((d) => d.severity === 'ERROR'));

  const json = await validate(stack, { definition: '{not json' });
  t.is(json.result, 'FAIL');
  t.is(json.diagnostics![0]!.code, 'INVALID_JSON_DESCRIPTION');
});

test('maxResults cuts the list and says it is truncated; out of range is a ValidationException', async (t) => {
  const { stack } = t.context;
  const states = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`S${i}`, { Type: 'Pass', Next: `Missing${i}` }]));
  const cut = await validate(stack, { definition: JSON.stringify({ StartAt: 'S0', States: states }), maxResults: 2 });
  t.is(cut.result, 'FAIL');
  t.is(cut.diagnostics!.length, 2);
  t.true(cut.truncated);
  await t.throwsAsync(validate(stack, { definition: '{}', maxResults: 101 }), { instanceOf: ValidationException });
});

test('EXPRESS machines may not use .sync, .waitForTaskToken or activities: Validate says so, CreateStateMachine refuses', async (t) => {
  const { stack } = t.context;
  const definition = JSON.stringify({
    StartAt: 'Run',
    States: { Run: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync', Parameters: { StateMachineArn: 'x' }, End: true } },
  });
  t.is((await validate(stack, { definition })).result, 'OK');
  const express = await validate(stack, { definition, type: 'EXPRESS' });
  t.is(express.result, 'FAIL');
  t.deepEqual(express.diagnostics, [
    {
      severity: 'ERROR',
      code: 'SCHEMA_VALIDATION_FAILED',
      message: "Express state machine does not support '.sync' service integration",
      location: '/States/Run/Resource',
    },
  ]);
  const refused = await t.throwsAsync(stack.client.send(new CreateStateMachineCommand({ name: 'express-sync', definition, roleArn: ROLE, type: 'EXPRESS' })), {
    instanceOf: InvalidDefinition,
  });
  t.regex(refused!.message, /SCHEMA_VALIDATION_FAILED: Express state machine does not support '\.sync' service integration at \/States\/Run\/Resource/);
});
