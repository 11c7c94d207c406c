import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import AWS from 'aws-sdk';
import { ROLE, stackTests } from './harness.js';

const test = stackTests();

const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'echo.$': '$.x' }, End: true } } });

test('the classic SDK v2 (AWS.StepFunctions) creates, starts, describes and reads history', async (t) => {
  const { stack } = t.context;
  const sfn = new AWS.StepFunctions({ endpoint: stack.api.url, region: 'us-east-1', credentials: new AWS.Credentials('a', 'b'), maxRetries: 0 });
  const { stateMachineArn } = await sfn.createStateMachine({ name: 'v2-machine', definition, roleArn: ROLE }).promise();
  const { executionArn } = await sfn.startExecution({ stateMachineArn, input: '{"x": [1, 2]}' }).promise();
  const d = await sfn.describeExecution({ executionArn }).promise();
  t.is(d.status, 'SUCCEEDED');
  t.deepEqual(JSON.parse(d.output!), { echo: [1, 2] });
  t.true(d.startDate instanceof Date);
  const h = await sfn.getExecutionHistory({ executionArn }).promise();
  t.deepEqual(
    h.events.map((e) => e.type),
    ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
  );
  const error = await t.throwsAsync(sfn.describeStateMachine({ stateMachineArn: `${stateMachineArn}x` }).promise());
  t.is((error as AWS.AWSError).code, 'StateMachineDoesNotExist');
  t.is((error as AWS.AWSError).statusCode, 400);
});

const AWS_CLI = '/usr/bin/aws';
const cliTest = existsSync(AWS_CLI) ? test : test.skip;
if (!existsSync(AWS_CLI)) console.log(`SKIP AWS CLI test: ${AWS_CLI} is not installed (Debian package awscli; .ci/run installs it)`);

cliTest('the AWS CLI v2 lists, describes and reports errors', async (t) => {
  const { stack } = t.context;
  const run = (...args: string[]) =>
    promisify(execFile)(AWS_CLI, ['stepfunctions', ...args, '--endpoint-url', stack.api.url, '--region', 'us-east-1', '--output', 'json'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b', AWS_PAGER: '' },
    });
  const created = JSON.parse((await run('create-state-machine', '--name', 'cli-machine', '--definition', definition, '--role-arn', ROLE)).stdout);
  t.regex(created.stateMachineArn, /:stateMachine:cli-machine$/);
  const started = JSON.parse((await run('start-execution', '--state-machine-arn', created.stateMachineArn, '--input', '{"x":"cli"}')).stdout);
  const described = JSON.parse((await run('describe-execution', '--execution-arn', started.executionArn)).stdout);
  t.is(described.status, 'SUCCEEDED');
  t.is(described.output, '{"echo":"cli"}');
  const listed = JSON.parse((await run('list-state-machines')).stdout);
  t.true(listed.stateMachines.some((m: { name: string }) => m.name === 'cli-machine'));
  const error = await t.throwsAsync(run('describe-state-machine', '--state-machine-arn', `${created.stateMachineArn}-nope`));
  t.regex(String((error as { stderr?: string }).stderr), /StateMachineDoesNotExist/);
});
