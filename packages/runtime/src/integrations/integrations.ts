import type { ParentTask, PendingTask, TaskSignal } from '@stepstream/domain';
import { randomUUID } from 'node:crypto';
import type { AwsServices } from '../aws/aws-services.js';
import { httpInvoke, type HttpConnections } from './http-task.js';
import { functionName, type LambdaFunctions, type LambdaOutcome } from './lambda.js';

/** Where a task runs: its execution and the execution's region and account. */
export interface TaskContext {
  readonly executionArn: string;
  readonly region: string;
  readonly account: string;
}

/**
 * What runs a pending task and answers with the signal that completes it: the one part of
 * {@link Integrations} a run of the decider calls. TestState builds its own (a mock's answer, or
 * the engine's integrations with an HTTP Task's exchange recorded).
 *
 * @example
 * ```ts
 * const mocked: TaskRunner = { run: async () => ({ type: 'succeeded', output: '{"ok":true}' }) };
 * ```
 */
export interface TaskRunner {
  run(task: PendingTask, ctx: TaskContext): Promise<TaskSignal>;
}

const httpDate = (ms: number) => new Date(ms).toUTCString();

/**
 * The response of Lambda's Invoke API as Step Functions' `lambda:invoke` returns it: the function's
 * `Payload`, `StatusCode`, `ExecutedVersion`, and the SDK's HTTP metadata (headers as the Java SDK
 * reports them, both as lists and as single values). Content-Length is the byte length of the
 * response body as the function's runtime serialised it.
 */
export const invokeResult = (outcome: Extract<LambdaOutcome, { kind: 'ok' }>, now: number) => {
  const requestId = randomUUID();
  const trace = `Root=1-${Math.floor(now / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`;
  const length = String(Buffer.byteLength(outcome.body));
  const date = httpDate(now);
  return {
    ExecutedVersion: outcome.executedVersion,
    Payload: outcome.payload,
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'X-Amz-Executed-Version': [outcome.executedVersion],
        'x-amzn-Remapped-Content-Length': ['0'],
        Connection: ['keep-alive'],
        'x-amzn-RequestId': [requestId],
        'Content-Length': [length],
        Date: [date],
        'X-Amzn-Trace-Id': [trace],
        'Content-Type': ['application/json'],
      },
      HttpHeaders: {
        Connection: 'keep-alive',
        'Content-Length': length,
        'Content-Type': 'application/json',
        Date: date,
        'X-Amz-Executed-Version': outcome.executedVersion,
        'x-amzn-Remapped-Content-Length': '0',
        'x-amzn-RequestId': requestId,
        'X-Amzn-Trace-Id': trace,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
};

/** `invoke.waitForTaskToken` → `invoke`. */
export const baseAction = (action: string) => action.replace(/\.(sync(:2)?|waitForTaskToken)$/, '');

const notFoundCause = (message: string) =>
  `${message} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`;

/** How the engine starts a child execution for `states:startExecution`. */
export interface ChildExecutions {
  start(
    input: { readonly stateMachineArn: string; readonly name?: string; readonly input: string },
    parent: ParentTask,
  ): Promise<
    { readonly ok: true; readonly executionArn: string; readonly startDate: number } | { readonly ok: false; readonly tag: string; readonly message: string }
  >;
}

/** The HTTP metadata the Java SDK reports for a Step Functions API answer. */
const sfnHttpMetadata = (body: string, now: number) => {
  const requestId = randomUUID();
  const length = String(Buffer.byteLength(body));
  const date = httpDate(now);
  return {
    SdkHttpMetadata: {
      AllHttpHeaders: {
        'x-amzn-RequestId': [requestId],
        connection: ['keep-alive'],
        'Content-Length': [length],
        Date: [date],
        'Content-Type': ['application/x-amz-json-1.0'],
      },
      HttpHeaders: {
        connection: 'keep-alive',
        'Content-Length': length,
        'Content-Type': 'application/x-amz-json-1.0',
        Date: date,
        'x-amzn-RequestId': requestId,
      },
      HttpStatusCode: 200,
    },
    SdkResponseMetadata: { RequestId: requestId },
  };
};

/**
 * The integrations the engine performs itself (activities are performed by workers): Lambda
 * functions as a Resource, and `arn:aws:states:::lambda:invoke`. Each returns the signal that
 * completes the task.
 */
export class Integrations {
  constructor(
    readonly lambda: LambdaFunctions,
    private readonly clock: () => number = Date.now,
    private readonly children?: ChildExecutions,
    /** The HTTP Task connections (TestState calls `httpInvoke` with them to trace the exchange). */
    readonly connections: HttpConnections = {},
    /** The AWS services called at configured endpoints (`aws-sdk:*`, the optimized DynamoDB, SQS, SNS and EventBridge integrations). */
    private readonly services?: AwsServices,
  ) {}

  async run(task: PendingTask, ctx: TaskContext): Promise<TaskSignal> {
    if (task.kind === 'lambda') return this.legacyLambda(task, ctx);
    const action = baseAction(task.action ?? '');
    if (task.kind === 'service' && task.resourceType === 'lambda' && action === 'invoke') {
      const answer = await this.lambdaInvoke(task, ctx);
      // A callback task's call only submits it: the answer comes with the token (SendTaskSuccess).
      return task.pattern === 'waitForTaskToken' && answer.type === 'succeeded' ? { type: 'submitted', output: answer.output } : answer;
    }
    if (task.kind === 'service' && task.resourceType === 'states' && action === 'startExecution' && this.children)
      return this.startExecution(task, ctx, this.children);
    if (task.kind === 'service' && task.resourceType === 'http' && action === 'invoke') return httpInvoke(task.input, this.connections);
    if (this.services?.handles(task)) return this.services.call(task, ctx);
    return {
      type: 'failed',
      error: 'States.Runtime',
      cause: `Stepstream cannot call ${task.resource}: it runs activities, Lambda functions (a function ARN, arn:aws:states:::lambda:invoke), arn:aws:states:::states:startExecution and arn:aws:states:::http:invoke. Mock this state instead: start the server with STEPSTREAM_MOCK_CONFIG=FILE (Step Functions Local's mock format, with a test case that names the state '${task.state}') and start the execution on <stateMachineArn>#<TestCaseName>.`,
    };
  }

  /** `arn:aws:lambda:…:function:NAME` as the Resource: the state input (after Parameters) is the event, the function's result the output. */
  private async legacyLambda(task: PendingTask, ctx: TaskContext): Promise<TaskSignal> {
    const fn = functionName(task.resource)!;
    const outcome = await this.lambda.invoke({ ...fn, body: task.input, region: ctx.region, account: ctx.account });
    switch (outcome.kind) {
      case 'ok':
        return { type: 'succeeded', output: JSON.stringify(outcome.payload) };
      case 'error':
        return { type: 'failed', error: outcome.errorType, cause: outcome.body };
      case 'missing':
        return { type: 'failed', error: 'Lambda.ResourceNotFoundException', cause: notFoundCause(outcome.message) };
    }
  }

  /**
   * `arn:aws:states:::states:startExecution`: starts the child in this engine, linked to this task.
   * Request-response answers the start call at once; `.sync`, `.sync:2` and `.waitForTaskToken`
   * submit the task, which the child's end (or the token) completes.
   */
  private async startExecution(task: PendingTask, ctx: TaskContext, children: ChildExecutions): Promise<TaskSignal> {
    const p = JSON.parse(task.input) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
    if (typeof p.StateMachineArn !== 'string') {
      return { type: 'failed', error: 'States.Runtime', cause: 'The states:startExecution Parameters need a StateMachineArn (a string).' };
    }
    const input = p.Input === undefined ? '{}' : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input);
    const started = await children.start(
      { stateMachineArn: p.StateMachineArn, input, ...(typeof p.Name === 'string' ? { name: p.Name } : {}) },
      { executionArn: ctx.executionArn, taskId: task.id, pattern: task.pattern ?? 'request-response' },
    );
    if (!started.ok) {
      return {
        type: 'failed',
        error: `StepFunctions.${started.tag}Exception`,
        cause: `${started.message} (Service: AWSStepFunctions; Status Code: 400; Error Code: ${started.tag}; Request ID: ${randomUUID()}; Proxy: null)`,
      };
    }
    const body = JSON.stringify({ executionArn: started.executionArn, startDate: started.startDate / 1000 });
    const output = JSON.stringify({ ExecutionArn: started.executionArn, ...sfnHttpMetadata(body, this.clock()), StartDate: started.startDate });
    return task.pattern === 'request-response' ? { type: 'succeeded', output } : { type: 'submitted', output };
  }

  /** `arn:aws:states:::lambda:invoke` with `FunctionName`, `Payload` (default `{}`) and `Qualifier`. */
  private async lambdaInvoke(task: PendingTask, ctx: TaskContext): Promise<TaskSignal> {
    const parameters = JSON.parse(task.input) as { FunctionName?: unknown; Payload?: unknown; Qualifier?: unknown };
    const ref = typeof parameters.FunctionName === 'string' ? functionName(parameters.FunctionName) : undefined;
    if (!ref) {
      return {
        type: 'failed',
        error: 'Lambda.InvalidParameterValueException',
        cause: `FunctionName must be a function name or ARN, but was: ${JSON.stringify(parameters.FunctionName ?? null)}`,
      };
    }
    const qualifier = typeof parameters.Qualifier === 'string' ? parameters.Qualifier : ref.qualifier;
    // A string Payload is the request body itself (a JSON text); anything else is serialised; none is `{}`.
    const p = parameters.Payload;
    const body = p === undefined || p === null ? '{}' : typeof p === 'string' ? p : JSON.stringify(p);
    const outcome = await this.lambda.invoke({
      name: ref.name,
      ...(qualifier !== undefined ? { qualifier } : {}),
      body,
      region: ctx.region,
      account: ctx.account,
    });
    switch (outcome.kind) {
      case 'ok':
        return { type: 'succeeded', output: JSON.stringify(invokeResult(outcome, this.clock())) };
      case 'error':
        return { type: 'failed', error: outcome.errorType, cause: outcome.body };
      case 'missing':
        return { type: 'failed', error: 'Lambda.ResourceNotFoundException', cause: notFoundCause(outcome.message) };
    }
  }
}
