import { applyInputPath, applyResultPath, evaluatePayloadTemplate, isStatesError, type EvaluationScope } from '@stepstream/asl';
import { pendingTasks, type DecisionEnv, type ExecutionInfo, type NewHistoryEvent, type PendingTask, type TaskSignal } from '@stepstream/domain';
import { runExpress } from '../express.js';
import { httpInvoke, type HttpExchange } from '../http-task.js';
import type { Integrations, TaskContext } from '../integrations.js';
import { compositeSignal, inspectComposite, isComposite, matches, mockedErrorFromTask, previewMap, substituteOf } from './composite.js';
import type { InspectionData, TestStateInput, TestStateResult, TestStatus } from './types.js';

export type { InspectionData, TestStateInput, TestStateResult, TestStatus } from './types.js';

/** The states a state can go to: its Next, its Choice rules' and Default, its catchers'. */
const targets = (s: Record<string, unknown>): string[] => {
  const out = new Set<string>();
  if (typeof s['Next'] === 'string') out.add(s['Next']);
  if (typeof s['Default'] === 'string') out.add(s['Default']);
  for (const c of [...((s['Choices'] as unknown[]) ?? []), ...((s['Catch'] as unknown[]) ?? [])]) {
    const next = (c as { Next?: unknown }).Next;
    if (typeof next === 'string') out.add(next);
  }
  return [...out];
};

/**
 * `retrierRetryCount`: "The number of retry attempts that have occurred for the state's Retry that
 * applies to the mocked error" (API reference, TestStateConfiguration). Only the first retrier
 * that matches an error decides, so taking the used attempts off every retrier's MaxAttempts
 * makes the decider's next decision the one AWS makes: retry while attempts are left, otherwise
 * go on to Catch or fail (recorded: MaxAttempts 5 with 4 used is RETRIABLE, with 5 used FAILED).
 */
const withRetriesUsed = (s: Record<string, unknown>, used: number | undefined): Record<string, unknown> =>
  used === undefined || !Array.isArray(s['Retry'])
    ? s
    : {
        ...s,
        Retry: (s['Retry'] as Record<string, unknown>[]).map((r) => ({
          ...r,
          MaxAttempts: Math.max(0, ((r['MaxAttempts'] as number | undefined) ?? 3) - used),
        })),
      };

const isHttpInvoke = (task: PendingTask) => task.kind === 'service' && task.resourceType === 'http' && (task.action ?? '').startsWith('invoke');

/** Error details of a failing event: the object among its data members that carries error or cause. */
const detailsOf = (e: NewHistoryEvent | undefined) =>
  e
    ? (Object.values(e.data).find((v) => typeof v === 'object' && v !== null && ('error' in v || 'cause' in v)) as
        { error?: string; cause?: string } | undefined)
    : undefined;

/**
 * TestState: runs one state on its own, as the engine would run it in an execution (the same
 * decider, in memory, nothing stored), and reports its output or error, the state it would go to
 * next, and whether an error was caught (CAUGHT_ERROR) or would be retried (RETRIABLE). Tasks call
 * their resources unless a mock answers for them; a mock on a Map or Parallel is the state's result
 * (its iterations or branches do not run). With DEBUG, `inspectionData` shows the data flow
 * (InputPath, Parameters, ResultSelector, ResultPath of a JSONPath state; Arguments of a JSONata
 * one), the result, the variables after Assign and which retrier or catcher handled an error; TRACE
 * adds an HTTP Task's request and response. A mocked Map also shows its items after ItemsPath,
 * ItemSelector and ItemBatcher, its MaxConcurrency and its tolerated failures.
 *
 * @example
 * ```ts
 * await testState({ state: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }], End: true },
 *   stateName: 'T', language: 'JSONPath', input: '{}', roleArn, inspectionLevel: 'DEBUG',
 *   mock: { errorOutput: { error: 'E' } }, retrierRetryCount: 2 }, deps);
 * // → { status: 'FAILED', error: 'E', inspectionData: { input: '{}', errorDetails: { retryIndex: 0 }, … } }
 * ```
 */
export const testState = async (
  t: TestStateInput,
  deps: { readonly integrations: Integrations; readonly env: () => DecisionEnv; readonly clock: () => number },
): Promise<TestStateResult> => {
  const name = t.stateName;
  const now = deps.clock();
  const execution: Omit<ExecutionInfo, 'definition'> = {
    executionArn: `arn:aws:states:us-east-1:123456789012:express:TestState:${name.replace(/[^A-Za-z0-9_-]/g, '_')}:test`,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:TestState',
    stateMachineName: 'TestState',
    name: 'test',
    roleArn: t.roleArn,
    stateMachineType: 'EXPRESS',
    input: t.input,
    startDate: now,
  };
  // A mocked Map or Parallel becomes a Task answered by the mock; a Map still reads its items and
  // settings first, and an error there is the state's error instead of the mock.
  const composite = isComposite(t);
  const preview = composite && t.state['Type'] === 'Map' ? previewMap(t, t.context ?? contextOf(execution, name), deps.env()) : undefined;
  const fromTask = composite && preview?.failure === undefined && t.mock !== undefined && 'errorOutput' in t.mock && mockedErrorFromTask(t);
  const state = withRetriesUsed(composite ? substituteOf(t.state, fromTask) : t.state, t.retrierRetryCount);
  // The state in a machine of its own: each state it can go to is a Pass that ends there.
  const stubs = Object.fromEntries(
    targets(t.state)
      .filter((n) => n !== name)
      .map((n) => [n, { Type: 'Pass', End: true }]),
  );
  const variables = t.variables ?? {};
  const assign = Object.keys(variables).length > 0 ? { __TestStateVariables: { Type: 'Pass', Assign: variables, Next: name } } : {};
  const machine = {
    ...(t.language === 'JSONata' ? { QueryLanguage: 'JSONata' } : {}),
    StartAt: Object.keys(assign).length > 0 ? '__TestStateVariables' : name,
    States: { ...assign, [name]: state, ...stubs },
  };
  const info: ExecutionInfo = { ...execution, definition: JSON.stringify(machine) };
  // A mock answers every task of the state; without one the engine's integrations run, an HTTP
  // Task's exchange recorded for TRACE.
  const exchanges: HttpExchange[] = [];
  const mock = t.mock;
  const integrations = mock
    ? ({
        run: async (): Promise<TaskSignal> =>
          composite
            ? compositeSignal(t, preview)
            : 'errorOutput' in mock
              ? {
                  type: 'failed',
                  ...(mock.errorOutput.error !== undefined ? { error: mock.errorOutput.error } : {}),
                  ...(mock.errorOutput.cause !== undefined ? { cause: mock.errorOutput.cause } : {}),
                }
              : { type: 'succeeded', output: mock.result ?? 'null' },
      } as unknown as Integrations)
    : t.inspectionLevel === 'TRACE'
      ? ({
          run: (task: PendingTask, ctx: TaskContext): Promise<TaskSignal> =>
            isHttpInvoke(task) ? httpInvoke(task.input, deps.integrations.connections, 60_000, (x) => exchanges.push(x)) : deps.integrations.run(task, ctx),
        } as unknown as Integrations)
      : deps.integrations;
  // A given context object is `$$` as it is (recorded: `context: "{}"` makes `$$` `{}`); its
  // Task.Token is the token a `.waitForTaskToken` task passes on.
  const token = (t.context?.['Task'] as { Token?: unknown } | undefined)?.Token;
  const env = (): DecisionEnv => ({
    ...deps.env(),
    ...(t.context !== undefined ? { context: t.context } : {}),
    ...(typeof token === 'string' ? { taskToken: () => token } : {}),
  });
  // Stop at the first retry back-off: TestState reports RETRIABLE instead of waiting.
  let retriable = false;
  const run = await runExpress(info, {
    integrations,
    env,
    clock: deps.clock,
    stopWhen: (s) => {
      const entry = s.frames[''];
      if (entry?.kind === 'suspended' && entry.on.kind === 'retry' && pendingTasks(s).length === 0) {
        retriable = true;
        return true;
      }
      return false;
    },
  });
  const events = run.events;
  const exited = events.find((e) => e.data.stateExitedEventDetails?.name === name);
  const entered = events.filter((e) => e.data.stateEnteredEventDetails !== undefined).map((e) => e.data.stateEnteredEventDetails!.name);
  const nextState = entered.find((n, i) => i > 0 && n !== name && n !== '__TestStateVariables');
  const failure = [...events].reverse().find((e) => /(Failed|TimedOut)$/.test(e.type) && !e.type.startsWith('Execution') && !e.type.endsWith('StateFailed'));
  const failureDetails = detailsOf(failure) ?? (retriable ? detailsOf([...events].reverse().find((e) => e.type === 'FailStateEntered')) : undefined);
  const status: TestStatus = retriable ? 'RETRIABLE' : exited ? (failure ? 'CAUGHT_ERROR' : 'SUCCEEDED') : 'FAILED';
  const errorDetails =
    failure || retriable
      ? handlerOf(t, status, failureDetails?.error, composite ? fromTask : failure ? /^(Task|Lambda|Activity)/.test(failure.type) : false)
      : undefined;
  const inspectionData =
    t.inspectionLevel === 'INFO'
      ? undefined
      : composite
        ? inspectComposite(t, status, preview, commonInspection(t, exited, status, errorDetails, exchanges))
        : inspect(t, events, exited, status, errorDetails, exchanges);
  const common = {
    ...(failureDetails?.error !== undefined && status !== 'SUCCEEDED' ? { error: failureDetails.error } : {}),
    ...(failureDetails?.cause !== undefined && status !== 'SUCCEEDED' ? { cause: failureDetails.cause } : {}),
    ...(inspectionData ? { inspectionData } : {}),
  };
  switch (status) {
    case 'RETRIABLE':
      return { status, ...common };
    case 'CAUGHT_ERROR':
    case 'SUCCEEDED':
      return { status, output: exited!.data.stateExitedEventDetails!.output, ...(nextState ? { nextState } : {}), ...common };
    case 'FAILED': {
      const s = run.state;
      // A failure of the state itself (not of its task): the execution's error and cause.
      const own = failureDetails ?? { ...(s.error !== undefined ? { error: s.error } : {}), ...(s.cause !== undefined ? { cause: s.cause } : {}) };
      return {
        status,
        ...(own.error !== undefined ? { error: own.error } : {}),
        ...(own.cause !== undefined ? { cause: own.cause } : {}),
        ...(inspectionData ? { inspectionData } : {}),
      };
    }
  }
};

/**
 * `inspectionData.errorDetails`: the retrier that matched the error (`retryIndex`, also when its
 * attempts are used up — recorded), the back-off before the retry when there is one, and the
 * catcher that caught it. The back-off is `IntervalSeconds × BackoffRate^used`, at most
 * MaxDelaySeconds (recorded: 1 s, rate 2, 4 used → 16).
 */
const handlerOf = (t: TestStateInput, status: TestStatus, error: string | undefined, fromTask: boolean): InspectionData['errorDetails'] => {
  const retriers = (t.state['Retry'] as Record<string, unknown>[] | undefined) ?? [];
  const catchers = (t.state['Catch'] as Record<string, unknown>[] | undefined) ?? [];
  const retryIndex = retriers.findIndex((r) => matches(r['ErrorEquals'], error, fromTask));
  const catchIndex = status === 'CAUGHT_ERROR' ? catchers.findIndex((c) => matches(c['ErrorEquals'], error, fromTask)) : -1;
  let backoff: number | undefined;
  if (status === 'RETRIABLE' && retryIndex >= 0) {
    const r = retriers[retryIndex]!;
    backoff = ((r['IntervalSeconds'] as number | undefined) ?? 1) * Math.pow((r['BackoffRate'] as number | undefined) ?? 2, t.retrierRetryCount ?? 0);
    if (typeof r['MaxDelaySeconds'] === 'number') backoff = Math.min(backoff, r['MaxDelaySeconds']);
  }
  const d = {
    ...(catchIndex >= 0 ? { catchIndex } : {}),
    ...(retryIndex >= 0 ? { retryIndex } : {}),
    ...(backoff !== undefined ? { retryBackoffIntervalSeconds: backoff } : {}),
  };
  return Object.keys(d).length > 0 ? d : undefined;
};

/** Headers as one string, `[Name: value, …]`. */
const headerText = (h: Readonly<Record<string, string>>) =>
  `[${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}]`;

/**
 * TRACE's view of an HTTP Task's exchange. "For HTTP Tasks, a secret includes the data that an
 * EventBridge connection adds to modify the HTTP request headers, query parameters, and body. Step
 * Functions doesn't omit any information included in the state definition or the HTTP response"
 * (API reference, TestState `revealSecrets`): what the connection added is left out unless revealed.
 */
const traceOf = (x: HttpExchange, reveal: boolean): Pick<InspectionData, 'request' | 'response'> => {
  const url = new URL(x.request.url);
  const headers = { ...x.request.headers };
  if (!reveal) {
    for (const h of x.secretHeaders) delete headers[h];
    for (const q of x.secretQueryParameters) url.searchParams.delete(q);
  }
  return {
    request: {
      protocol: url.protocol.replace(/:$/, ''),
      method: x.request.method,
      url: url.toString(),
      headers: headerText(headers),
      body: x.request.body ?? '',
    },
    ...(x.response
      ? {
          response: {
            protocol: 'HTTP/1.1',
            statusCode: String(x.response.statusCode),
            statusMessage: x.response.statusMessage,
            headers: headerText(x.response.headers),
            body: x.response.body,
          },
        }
      : {}),
  };
};

/** The inspection members of every state: the variables after the state, the handler of its error, an HTTP Task's exchange at TRACE. */
const commonInspection = (
  t: TestStateInput,
  exited: NewHistoryEvent | undefined,
  status: TestStatus,
  errorDetails: InspectionData['errorDetails'],
  exchanges: readonly HttpExchange[],
): InspectionData => {
  const assigned = exited?.data.stateExitedEventDetails?.assignedVariables ?? {};
  const allVariables = { ...(t.variables ?? {}), ...Object.fromEntries(Object.entries(assigned).map(([k, v]) => [k, JSON.parse(v) as unknown])) };
  return {
    ...(status !== 'RETRIABLE' && status !== 'FAILED' && Object.keys(allVariables).length > 0 ? { variables: JSON.stringify(allVariables) } : {}),
    ...(errorDetails ? { errorDetails } : {}),
    ...(t.inspectionLevel === 'TRACE' && exchanges[0] ? traceOf(exchanges[0], t.revealSecrets === true) : {}),
  };
};

/** The context object AWS gives a state when the request brings none (for what a mocked Map reads before its iterations). */
const contextOf = (info: Omit<ExecutionInfo, 'definition'>, stateName: string): Record<string, unknown> => {
  const at = new Date(info.startDate).toISOString();
  return {
    Execution: { Id: info.executionArn, Input: JSON.parse(info.input) as unknown, Name: info.name, RoleArn: info.roleArn, StartTime: at },
    StateMachine: { Id: info.stateMachineArn, Name: info.stateMachineName },
    State: { Name: stateName, EnteredTime: at, RetryCount: 0 },
  };
};

/** DEBUG's data-flow steps: from the decider's own events where it records them, else recomputed with the same functions the decider uses. */
const inspect = (
  t: TestStateInput,
  events: readonly NewHistoryEvent[],
  exited: NewHistoryEvent | undefined,
  status: TestStatus,
  errorDetails: InspectionData['errorDetails'],
  exchanges: readonly HttpExchange[],
): InspectionData => {
  const s = t.state;
  const input = JSON.parse(t.input) as unknown;
  const scheduled = events.find((e) => e.data.taskScheduledEventDetails !== undefined)?.data.taskScheduledEventDetails?.parameters;
  const succeeded = events.find((e) => e.type === 'TaskSucceeded')?.data.taskSucceededEventDetails?.output;
  const mocked = t.mock && 'result' in t.mock ? t.mock.result : undefined;
  const rawResult = succeeded ?? mocked ?? (s['Type'] === 'Pass' && s['Result'] !== undefined ? JSON.stringify(s['Result']) : undefined);
  const common = commonInspection(t, exited, status, errorDetails, exchanges);
  if (t.language === 'JSONata' || s['QueryLanguage'] === 'JSONata') {
    return {
      input: t.input,
      ...(scheduled !== undefined ? { afterArguments: scheduled } : {}),
      ...(rawResult !== undefined && status !== 'RETRIABLE' && status !== 'FAILED' ? { result: rawResult } : {}),
      ...common,
    };
  }
  const data: { -readonly [K in keyof InspectionData]: InspectionData[K] } = { input: t.input, ...common };
  try {
    const scope: EvaluationScope = { input, context: t.context ?? {}, variables: (t.variables ?? {}) as Record<string, unknown> };
    const afterInputPath = applyInputPath(s['InputPath'] as string | null | undefined, input, scope);
    data.afterInputPath = JSON.stringify(afterInputPath);
    if (scheduled !== undefined) data.afterParameters = scheduled;
    else if (s['Parameters'] !== undefined)
      data.afterParameters = JSON.stringify(evaluatePayloadTemplate(s['Parameters'], { ...scope, input: afterInputPath }));
    if (rawResult !== undefined && status !== 'RETRIABLE' && status !== 'FAILED') {
      const result = JSON.parse(rawResult) as unknown;
      data.result = rawResult;
      const selected = s['ResultSelector'] !== undefined ? evaluatePayloadTemplate(s['ResultSelector'], { ...scope, input: result }) : result;
      if (s['ResultSelector'] !== undefined) data.afterResultSelector = JSON.stringify(selected);
      if (status === 'SUCCEEDED') data.afterResultPath = JSON.stringify(applyResultPath(s['ResultPath'] as string | null | undefined, input, selected));
    }
  } catch (e) {
    if (!isStatesError(e)) throw e;
  }
  return data;
};

export type { TaskContext };
