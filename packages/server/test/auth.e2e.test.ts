import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand, type SFNServiceException } from '@aws-sdk/client-sfn';
import type { Engine } from '@stepstream/runtime';
import { SignatureV4 } from '@smithy/signature-v4';
import anyTest, { type TestFn } from 'ava';
import AWS from 'aws-sdk';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { NodeSha256 } from '../src/auth/sigv4.js';
import { parseCredentials, type RunningServer } from '../src/index.js';
import { startStack } from './harness.js';

// Signature Version 4 on (docs/security.md), through the clients of record over real HTTP: the
// right keys work with SDK v3, SDK v2 and the AWS CLI; a wrong secret, a tampered body, an expired
// signature, an unknown key and an unsigned request are refused with AWS's errors; a read-only key
// reads and is refused a write; a throttled operation answers ThrottlingException at the
// configured rate, and the SDK's retries get through.

const ROLE = 'arn:aws:iam::123456789012:role/stepstream-test';
const WRITER = { accessKeyId: 'AKIASTEPSTREAMTEST01', secretAccessKey: 'writer-secret-0123456789abcdef' };
const AUDITOR = { accessKeyId: 'AKIASTEPSTREAMAUDIT1', secretAccessKey: 'auditor-secret-0123456789abcdef' };
const KEYS = parseCredentials(JSON.stringify({ keys: [WRITER, { ...AUDITOR, readOnly: true }] }), '123456789012');
const definition = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });

interface Context {
  api: RunningServer;
  engine: Engine;
  close: () => Promise<void>;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  // ListActivities throttled hard, to see it: 3 requests at once, 2 a second after.
  const stack = await startStack(
    {},
    { guard: { keys: KEYS, region: 'us-east-1', account: '123456789012', quotas: { ListActivities: { bucket: 3, refillPerSecond: 2 } } } },
  );
  t.context = { api: stack.api, engine: stack.engine, close: () => stack.close() };
});
test.after.always(async (t) => t.context.close?.());

const v3 = (url: string, credentials: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, unknown> = {}) =>
  new SFNClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1, ...extra });

const refusal = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    const err = e as SFNServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  return undefined;
};

test('SDK v3 and SDK v2 with the right keys work; the state machine one made is the other one sees', async (t) => {
  const { api } = t.context;
  const created = await v3(api.url, WRITER).send(new CreateStateMachineCommand({ name: 'signed', definition, roleArn: ROLE }));
  const started = await v3(api.url, WRITER).send(new StartExecutionCommand({ stateMachineArn: created.stateMachineArn! }));
  t.regex(started.executionArn!, /:execution:signed:/);
  const v2 = new AWS.StepFunctions({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: new AWS.Credentials(WRITER.accessKeyId, WRITER.secretAccessKey),
    maxRetries: 0,
  });
  const listed = await v2.listStateMachines({}).promise();
  t.true(listed.stateMachines.some((m) => m.name === 'signed'));
  const wrong = new AWS.StepFunctions({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: new AWS.Credentials(WRITER.accessKeyId, 'not-the-secret-0123456789'),
    maxRetries: 0,
  });
  const error = await t.throwsAsync(wrong.listStateMachines({}).promise());
  t.is((error as AWS.AWSError).code, 'InvalidSignatureException');
  t.is((error as AWS.AWSError).statusCode, 400);
  const unknown = new AWS.StepFunctions({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: new AWS.Credentials('AKIANOBODYKNOWSTHIS', 'x'.repeat(20)),
    maxRetries: 0,
  });
  t.is(((await t.throwsAsync(unknown.listStateMachines({}).promise())) as AWS.AWSError).code, 'UnrecognizedClientException');
  const late = new AWS.StepFunctions({
    endpoint: api.url,
    region: 'us-east-1',
    credentials: new AWS.Credentials(WRITER.accessKeyId, WRITER.secretAccessKey),
    maxRetries: 0,
    systemClockOffset: -6 * 60 * 1000,
    correctClockSkew: false,
  });
  const expired = (await t.throwsAsync(late.listStateMachines({}).promise())) as AWS.AWSError;
  t.is(expired.code, 'InvalidSignatureException');
  t.regex(expired.message, /^Signature expired: /);
});

test('a wrong secret, an unknown key, an expired or future signature, another region are refused with AWS errors', async (t) => {
  const { api } = t.context;
  const list = (client: SFNClient) => refusal(client.send(new ListStateMachinesCommand({})));
  t.like(await list(v3(api.url, { accessKeyId: WRITER.accessKeyId, secretAccessKey: 'not-the-secret-0123456789' })), {
    name: 'InvalidSignatureException',
    status: 400,
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  });
  t.like(await list(v3(api.url, { accessKeyId: 'AKIANOBODYKNOWSTHIS', secretAccessKey: WRITER.secretAccessKey })), {
    name: 'UnrecognizedClientException',
    status: 400,
    message: 'The security token included in the request is invalid.',
  });
  const expired = await list(v3(api.url, WRITER, { systemClockOffset: -6 * 60 * 1000 }));
  t.is(expired?.name, 'InvalidSignatureException');
  t.regex(expired?.message ?? '', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  const future = await list(v3(api.url, WRITER, { systemClockOffset: 6 * 60 * 1000 }));
  t.regex(future?.message ?? '', /^Signature not yet current: /);
  t.like(await list(new SFNClient({ endpoint: api.url, region: 'eu-west-1', credentials: WRITER, maxAttempts: 1 })), { name: 'InvalidSignatureException' });
  // Within the 5 minutes, a skewed clock is fine.
  t.true(Array.isArray((await v3(api.url, WRITER, { systemClockOffset: -4 * 60 * 1000 }).send(new ListStateMachinesCommand({}))).stateMachines));
});

/** A request signed as the SDK signs it, sent with `fetch`; `tamper` changes it after signing. */
const signedFetch = async (
  url: string,
  body: string,
  tamper: (r: { headers: Record<string, string>; body: string }) => void = () => {},
  target = 'AWSStepFunctions.ListStateMachines',
) => {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials: WRITER, region: 'us-east-1', service: 'states', sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    query: {},
    headers: { host: u.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body,
  });
  const request = { headers: { ...(signed.headers as Record<string, string>) }, body };
  tamper(request);
  const { host: _host, ...headers } = request.headers;
  const res = await fetch(url, { method: 'POST', headers, body: request.body });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { __type: string; message: string } };
};

test('a signed request goes through untouched; with its body or a signed header changed, or no signature, it is refused', async (t) => {
  const { api } = t.context;
  t.is((await signedFetch(api.url, '{}')).status, 200);
  const tampered = await signedFetch(api.url, '{"maxResults": 1}', (r) => (r.body = '{"maxResults": 2}'));
  t.deepEqual([tampered.status, tampered.body.__type], [400, 'InvalidSignatureException']);
  const retargeted = await signedFetch(api.url, '{}', (r) => (r.headers['x-amz-target'] = 'AWSStepFunctions.ListActivities'));
  t.deepEqual([retargeted.status, retargeted.body.__type], [400, 'InvalidSignatureException']);
  const unsigned = await signedFetch(api.url, '{}', (r) => delete r.headers['authorization']);
  t.deepEqual([unsigned.status, unsigned.body.__type, unsigned.body.message], [400, 'MissingAuthenticationTokenException', 'Missing Authentication Token']);
  const malformed = await signedFetch(api.url, '{}', (r) => (r.headers['authorization'] = 'AWS4-HMAC-SHA256 Credential=x'));
  t.deepEqual([malformed.status, malformed.body.__type], [400, 'IncompleteSignatureException']);
  t.regex(malformed.body.message, /requires 'Signature' parameter/);
});

test('a read-only key reads; a write is AccessDeniedException and changes nothing', async (t) => {
  const { api } = t.context;
  const auditor = v3(api.url, AUDITOR);
  t.true(Array.isArray((await auditor.send(new ListStateMachinesCommand({}))).stateMachines));
  const denied = await refusal(auditor.send(new CreateStateMachineCommand({ name: 'audited', definition, roleArn: ROLE })));
  t.is(denied?.name, 'AccessDeniedException');
  t.regex(denied?.message ?? '', /is not authorized to perform: states:CreateStateMachine/);
  const after = await v3(api.url, WRITER).send(new ListStateMachinesCommand({}));
  t.false(after.stateMachines!.some((m) => m.name === 'audited'));
});

test('throttling: past its bucket an operation is ThrottlingException; the SDK retries it through', async (t) => {
  const { api } = t.context;
  const { ListActivitiesCommand } = await import('@aws-sdk/client-sfn');
  const once = v3(api.url, WRITER);
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push((await refusal(once.send(new ListActivitiesCommand({}))))?.name ?? 'ok');
  // A bucket of 3 refilled at 2/s: the first 3 pass at once, and within the next few ms no more.
  t.deepEqual(answers.slice(0, 3), ['ok', 'ok', 'ok']);
  t.true(answers.slice(3).includes('ThrottlingException'), answers.join(', '));
  // The SDK's standard retry (back-off) gets every call through.
  const retrying = v3(api.url, WRITER, { maxAttempts: 8 });
  const results = await Promise.all(Array.from({ length: 4 }, () => retrying.send(new ListActivitiesCommand({}))));
  t.is(results.length, 4);
  t.true(results.every((r) => Array.isArray(r.activities)));
  // Another operation is not throttled by it.
  t.true(Array.isArray((await once.send(new ListStateMachinesCommand({}))).stateMachines));
});

const AWS_CLI = '/usr/bin/aws';
const cliTest = existsSync(AWS_CLI) ? test : test.skip;
if (!existsSync(AWS_CLI)) console.log(`SKIP AWS CLI auth test: ${AWS_CLI} is not installed (Debian package awscli; .ci/run installs it)`);

cliTest("the AWS CLI with the right keys works; with a wrong secret or an unknown key it reports AWS's error", async (t) => {
  const { api } = t.context;
  const run = (secret: string) =>
    promisify(execFile)(AWS_CLI, ['stepfunctions', 'list-state-machines', '--endpoint-url', api.url, '--region', 'us-east-1', '--output', 'json'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: WRITER.accessKeyId, AWS_SECRET_ACCESS_KEY: secret, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
    });
  t.true(Array.isArray(JSON.parse((await run(WRITER.secretAccessKey)).stdout).stateMachines));
  const error = await t.throwsAsync(run('not-the-secret-0123456789'));
  t.regex(String((error as { stderr?: string }).stderr), /InvalidSignatureException/);
  const unknown = await t.throwsAsync(
    promisify(execFile)(AWS_CLI, ['stepfunctions', 'list-state-machines', '--endpoint-url', api.url, '--region', 'us-east-1', '--output', 'json'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'AKIANOBODYKNOWSTHIS', AWS_SECRET_ACCESS_KEY: WRITER.secretAccessKey, AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
    }),
  );
  t.regex(String((unknown as { stderr?: string }).stderr), /UnrecognizedClientException/);
});

test('the secret that signs task and page tokens is in no answer: not in histories, tokens, inspections or listings', async (t) => {
  const { api, engine } = t.context;
  const secret = engine.deployment().secret;
  const forms = [secret.toString('base64'), secret.toString('base64url'), secret.toString('hex')];
  const client = v3(api.url, WRITER);
  const { CreateActivityCommand, GetActivityTaskCommand, DescribeExecutionCommand, GetExecutionHistoryCommand } = await import('@aws-sdk/client-sfn');
  const activity = await client.send(new CreateActivityCommand({ name: 'secretive' }));
  const machine = await client.send(
    new CreateStateMachineCommand({
      name: 'secretive',
      roleArn: ROLE,
      definition: JSON.stringify({ StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: activity.activityArn, End: true } } }),
    }),
  );
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn! }));
  const answers: string[] = [];
  const task = await client.send(new GetActivityTaskCommand({ activityArn: activity.activityArn!, workerName: 'w' }));
  t.truthy(task.taskToken, 'a task token was handed out');
  answers.push(JSON.stringify(task));
  answers.push(JSON.stringify(await client.send(new DescribeExecutionCommand({ executionArn: executionArn! }))));
  answers.push(JSON.stringify(await client.send(new GetExecutionHistoryCommand({ executionArn: executionArn!, maxResults: 1 }))));
  answers.push(JSON.stringify(await client.send(new ListStateMachinesCommand({ maxResults: 1 }))));
  for (const [target, body] of [
    ['Stepstream.InspectExecution', { executionArn }],
    ['Stepstream.GetWholeHistory', { executionArn }],
    ['Stepstream.GetProofBundle', { executionArn }],
    ['Stepstream.ListActivityTasks', { activityArn: activity.activityArn }],
    ['Stepstream.GetCheckpoint', {}],
  ] as const) {
    answers.push((await signedFetch(api.url, JSON.stringify(body), () => {}, target)).text);
  }
  t.is(answers.length, 9);
  for (const answer of answers) for (const form of forms) t.false(answer.includes(form), `an answer holds the secret: ${answer.slice(0, 120)}`);
});
