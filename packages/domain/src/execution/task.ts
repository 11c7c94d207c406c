import { applyInputPath, evaluateJsonataTemplate, evaluatePayloadTemplate, queryPath, QueryEvaluationError, StatesError } from '@stepstream/asl';
import type { TaskState } from '@stepstream/asl/definition';
import { payload, truncated } from './batch.js';
import { contextOf, isJsonata, jsonataScopeOf, scopeOf, shapeResult, valueOf } from './dataflow.js';
import type { Entered, Frame } from './frame.js';
import { completeState, handleStateFailure, suspend, SUSPENDED, type StateOutcome } from './interpreter.js';
import { frameDueAt, type PendingTask, type SuspendedFrame } from './model.js';

/** TimeoutSecondsPath / HeartbeatSecondsPath: a positive integer from the input. */
const secondsFromPath = (path: string, input: unknown, f: Frame, e: Entered): number => {
  const r = queryPath(path, { ...scopeOf(f, e, input), input });
  if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
  if (typeof r.value !== 'number' || !Number.isInteger(r.value) || r.value <= 0) {
    throw new StatesError('States.Runtime', `The value at ${path} is not a positive integer: ${JSON.stringify(r.value)}`);
  }
  return r.value;
};

const numberOrUndefined = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** `arn:aws:states:<region>:<account>:activity:<name>` */
export const isActivityArn = (resource: string): boolean => /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[^:]+$/.test(resource);

/**
 * Task: the resource dispatch seam. The decider evaluates what AWS evaluates before calling the
 * resource (InputPath, Parameters, TimeoutSeconds(Path), HeartbeatSeconds(Path)), then:
 * - an activity ARN schedules an activity task (`ActivityScheduled`) and the frame pauses until the
 *   runtime reports the task started, succeeded or failed, or its timeout or heartbeat runs out;
 * - any other resource fails with a States.Runtime error naming it, until the integrations of
 *   issue 6 (Lambda, HTTP, nested executions, mocks) exist.
 */
export const runTask = (f: Frame, e: Entered, s: TaskState, resume?: SuspendedFrame): StateOutcome => {
  if (resume?.on.kind === 'task') return continueTask(f, e, s, resume, resume.on.task);
  let timeoutSeconds: number | undefined;
  let heartbeatSeconds: number | undefined;
  let parameters: unknown;
  // A callback task's token names the task about to be scheduled (the next event of the batch).
  const callback = classifyResource(s.Resource);
  const taskId = `${f.path}#${f.batch.lastEventId + 1}`;
  const token = callback?.kind === 'service' && callback.pattern === 'waitForTaskToken' ? (f.env.taskToken ? f.env.taskToken(taskId) : taskId) : undefined;
  const context = token !== undefined ? { ...contextOf(f, e), Task: { Token: token } } : undefined;
  if (isJsonata(f, s)) {
    const scope = jsonataScopeOf(f, e, context ? { context } : {});
    const seconds = (v: unknown, location: string): number | undefined => {
      if (v === undefined) return undefined;
      const n = valueOf(v, scope, location);
      if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0)
        throw new QueryEvaluationError(`The ${location} field must be a positive integer, but was: ${JSON.stringify(n)}`, location);
      return n;
    };
    timeoutSeconds = seconds(s.TimeoutSeconds, 'TimeoutSeconds');
    heartbeatSeconds = seconds(s.HeartbeatSeconds, 'HeartbeatSeconds');
    parameters = s.Arguments !== undefined ? evaluateJsonataTemplate(s.Arguments, scope, 'Arguments') : e.rawInput;
  } else {
    const base = scopeOf(f, e, e.rawInput);
    const scope = context ? { ...base, context } : base;
    const effective = applyInputPath(s.InputPath, e.rawInput, scope);
    timeoutSeconds = s.TimeoutSecondsPath !== undefined ? secondsFromPath(s.TimeoutSecondsPath, effective, f, e) : numberOrUndefined(s.TimeoutSeconds);
    heartbeatSeconds = s.HeartbeatSecondsPath !== undefined ? secondsFromPath(s.HeartbeatSecondsPath, effective, f, e) : numberOrUndefined(s.HeartbeatSeconds);
    parameters = s.Parameters !== undefined ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective }) : effective;
  }
  const integration = classifyResource(s.Resource);
  if (integration === undefined) {
    throw new StatesError('States.Runtime', `The resource '${s.Resource}' is not an activity, a Lambda function or a service integration ARN.`);
  }
  if (integration.kind === 'activity' && f.env.activityExists && !f.env.activityExists(s.Resource)) {
    // rec: TaskStateEntered → ExecutionFailed, no Activity* event.
    throw new StatesError('States.Runtime', `The activity ${s.Resource} does not exist.`);
  }
  const input = payload(e.name, parameters);
  const limits = {
    ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
  };
  let scheduledId: number;
  if (integration.kind === 'activity') {
    scheduledId = f.batch.push('ActivityScheduled', e.attemptStartsAfter, {
      activityScheduledEventDetails: { resource: s.Resource, input, inputDetails: truncated, ...limits },
    });
  } else if (integration.kind === 'lambda') {
    scheduledId = f.batch.push('LambdaFunctionScheduled', e.attemptStartsAfter, {
      lambdaFunctionScheduledEventDetails: {
        resource: s.Resource,
        input,
        inputDetails: truncated,
        ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
      },
    });
  } else {
    scheduledId = f.batch.push('TaskScheduled', e.attemptStartsAfter, {
      taskScheduledEventDetails: {
        resourceType: integration.resourceType,
        resource: integration.action,
        region: regionOf(f.info.executionArn),
        parameters: input,
        ...limits,
      },
    });
  }
  const task: PendingTask = {
    id: `${f.path}#${scheduledId}`,
    kind: integration.kind,
    resource: s.Resource,
    state: e.name,
    ...(integration.kind === 'service' ? { resourceType: integration.resourceType, action: integration.action, pattern: integration.pattern } : {}),
    input,
    scheduledAt: f.env.now,
    lastEventId: scheduledId,
    ...(timeoutSeconds !== undefined ? { timeoutAt: f.env.now + timeoutSeconds * 1000 } : {}),
    ...(heartbeatSeconds !== undefined ? { heartbeatSeconds } : {}),
  };
  return suspend(f, e, { kind: 'task', task });
};

const regionOf = (executionArn: string) => executionArn.split(':')[3] ?? '';

type Integration =
  | { readonly kind: 'activity' }
  | { readonly kind: 'lambda' }
  | { readonly kind: 'service'; readonly resourceType: string; readonly action: string; readonly pattern: NonNullable<PendingTask['pattern']> };

/**
 * What a Task's Resource names: an activity, a Lambda function (`arn:aws:lambda:…:function:NAME`)
 * or a service integration (`arn:aws:states:::lambda:invoke`, `…:states:startExecution.sync:2`,
 * `…:aws-sdk:s3:getObject`, with `.sync`, `.sync:2` or `.waitForTaskToken`).
 */
export const classifyResource = (resource: string): Integration | undefined => {
  if (isActivityArn(resource)) return { kind: 'activity' };
  if (/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+(:[^:]+)?$/.test(resource)) return { kind: 'lambda' };
  const m = /^arn:aws[a-z-]*:states:[a-z0-9-]*:(?:\d{12})?:(aws-sdk:[A-Za-z0-9-]+|[a-z0-9-]+):([A-Za-z0-9.:-]+)$/.exec(resource);
  if (!m) return undefined;
  const [, resourceType, actionWithPattern] = m as unknown as [string, string, string];
  const pattern = actionWithPattern.endsWith('.sync:2')
    ? 'sync:2'
    : actionWithPattern.endsWith('.sync')
      ? 'sync'
      : actionWithPattern.endsWith('.waitForTaskToken')
        ? 'waitForTaskToken'
        : 'request-response';
  return { kind: 'service', resourceType, action: actionWithPattern, pattern };
};

/** The events of one task kind. */
const EVENTS = {
  activity: {
    started: 'ActivityStarted',
    succeeded: 'ActivitySucceeded',
    failed: 'ActivityFailed',
    timedOut: 'ActivityTimedOut',
    submitted: undefined,
    key: 'activity',
  },
  lambda: {
    started: 'LambdaFunctionStarted',
    succeeded: 'LambdaFunctionSucceeded',
    failed: 'LambdaFunctionFailed',
    timedOut: 'LambdaFunctionTimedOut',
    submitted: undefined,
    key: 'lambdaFunction',
  },
  service: { started: 'TaskStarted', succeeded: 'TaskSucceeded', failed: 'TaskFailed', timedOut: 'TaskTimedOut', submitted: 'TaskSubmitted', key: 'task' },
} as const;

/**
 * Whether a task's due timer is its heartbeat rather than its TimeoutSeconds: the heartbeat
 * deadline (the last beat, or the start, plus HeartbeatSeconds — as `frameDueAt` computes it) has
 * passed and comes before the timeout.
 */
const heartbeatExpired = (task: PendingTask, heartbeats: Readonly<Record<string, number>> | undefined, now: number): boolean => {
  if (task.heartbeatSeconds === undefined || task.startedAt === undefined) return false;
  const beat = Math.max(task.startedAt, heartbeats?.[task.id] ?? 0) + task.heartbeatSeconds * 1000;
  return beat <= now && (task.timeoutAt === undefined || beat < task.timeoutAt);
};

/** A paused task: what the runtime reported for it, or its timers. */
const continueTask = (f: Frame, e: Entered, s: TaskState, entry: SuspendedFrame, task: PendingTask): StateOutcome => {
  const signal = f.signal;
  const names = EVENTS[task.kind as Exclude<PendingTask['kind'], 'mapRun' | 'itemReader'>];
  // Task* events name the integration (`resourceType`, `resource`); the others carry only their own fields.
  const named = task.kind === 'service' ? { resourceType: task.resourceType!, resource: task.action! } : {};
  const details = (event: 'started' | 'succeeded' | 'failed' | 'timedOut' | 'submitted', fields: Record<string, unknown>) => {
    const suffix = { started: 'Started', succeeded: 'Succeeded', failed: 'Failed', timedOut: 'TimedOut', submitted: 'Submitted' }[event];
    const body = { ...named, ...fields };
    // LambdaFunctionStarted has no details member (AWS).
    return task.kind === 'lambda' && event === 'started' ? {} : { [`${names.key}${suffix}EventDetails`]: body };
  };
  const fail = (error: string | undefined, cause: string | undefined, failureEventId: number, heartbeatTimeout = false) =>
    handleStateFailure(f, e, s, { error, cause, failureEventId, fromTask: true, ...(heartbeatTimeout ? { heartbeatTimeout } : {}) });
  if (signal.type === 'task' && signal.taskId === task.id) {
    const sig = signal.signal;
    switch (sig.type) {
      case 'started': {
        if (task.startedAt !== undefined) return SUSPENDED;
        const id = f.batch.push(names.started, task.lastEventId, details('started', sig.workerName !== undefined ? { workerName: sig.workerName } : {}));
        return suspend(f, e, {
          kind: 'task',
          task: { ...task, lastEventId: id, startedAt: f.env.now, ...(sig.workerName !== undefined ? { workerName: sig.workerName } : {}) },
        });
      }
      case 'submitted': {
        if (!names.submitted || task.submitted) return SUSPENDED;
        const id = f.batch.push(names.submitted, task.lastEventId, details('submitted', { output: sig.output, outputDetails: truncated }));
        return suspend(f, e, { kind: 'task', task: { ...task, lastEventId: id, submitted: true, submittedOutput: sig.output } });
      }
      case 'succeeded': {
        const id = f.batch.push(names.succeeded, task.lastEventId, details('succeeded', { output: sig.output, outputDetails: truncated }));
        const raw = JSON.parse(sig.output) as unknown;
        if (isJsonata(f, s)) return completeState(f, e, s, { result: raw, previous: id, jsonPathOutput: () => raw });
        const scope = scopeOf(f, e, e.rawInput);
        return completeState(f, e, s, { ...shapeResult(s, e.rawInput, raw, scope), previous: id });
      }
      case 'failed': {
        const id = f.batch.push(
          names.failed,
          task.lastEventId,
          details('failed', { ...(sig.error !== undefined ? { error: sig.error } : {}), ...(sig.cause !== undefined ? { cause: sig.cause } : {}) }),
        );
        return fail(sig.error, sig.cause, id);
      }
    }
  }
  if (signal.type === 'timers') {
    const due = frameDueAt(entry, signal.heartbeats);
    if (due !== undefined && due <= f.env.now) {
      // Heartbeat and timeout expiry both report States.Timeout with no cause (recorded); a
      // heartbeat expiry is also what States.HeartbeatTimeout matches (engine version 3 and later:
      // older histories replay as they were decided).
      const id = f.batch.push(names.timedOut, task.lastEventId, details('timedOut', { error: 'States.Timeout' }));
      return fail('States.Timeout', undefined, id, (f.info.engineVersion ?? 0) >= 3 && heartbeatExpired(task, signal.heartbeats, f.env.now));
    }
  }
  return SUSPENDED;
};
