import {
  applyInputPath,
  applyResultPath,
  evaluateJsonataTemplate,
  evaluatePayloadTemplate,
  expectJsonataType,
  isJsonataText,
  isStatesError,
  queryPath,
  QueryEvaluationError,
  StatesError,
  type EvaluationScope,
  type JsonataScope,
} from '@stepstream/asl';
import type { StateDefinition } from '@stepstream/asl/definition';
import { pendingTasks, type DecisionEnv, type ExecutionInfo, type NewHistoryEvent, type PendingTask, type TaskSignal } from '@stepstream/domain';
import { runExpress } from './express.js';
import { httpInvoke, type HttpExchange } from './http-task.js';
import type { Integrations, TaskContext } from './integrations.js';

export type TestStatus = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

/** AWS's `InspectionData` (the members Stepstream fills in); JSON values are JSON texts. */
export interface InspectionData {
  readonly input?: string;
  readonly afterInputPath?: string;
  readonly afterParameters?: string;
  readonly afterArguments?: string;
  readonly result?: string;
  readonly afterResultSelector?: string;
  readonly afterResultPath?: string;
  readonly variables?: string;
  readonly request?: { readonly protocol: string; readonly method: string; readonly url: string; readonly headers: string; readonly body: string };
  readonly response?: { readonly protocol: string; readonly statusCode: string; readonly statusMessage: string; readonly headers: string; readonly body: string };
  readonly errorDetails?: { readonly catchIndex?: number; readonly retryIndex?: number; readonly retryBackoffIntervalSeconds?: number };
  /** A JSONPath Map's items after ItemsPath (JSON text). */
  readonly afterItemsPath?: string;
  /** A Map's iteration inputs after ItemSelector (JSON text of the array). */
  readonly afterItemSelector?: string;
  /** A Map's batches after ItemBatcher (JSON text of the array). */
  readonly afterItemBatcher?: string;
  readonly maxConcurrency?: number;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
}

export interface TestStateResult {
  readonly status: TestStatus;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly nextState?: string;
  readonly inspectionData?: InspectionData;
}

export interface TestStateInput {
  /** The state under test, and the machine's top-level query language. */
  readonly state: StateDefinition & Record<string, unknown>;
  readonly stateName: string;
  readonly language: 'JSONPath' | 'JSONata';
  readonly input: string;
  readonly roleArn: string;
  readonly inspectionLevel: 'INFO' | 'DEBUG' | 'TRACE';
  /** A mocked task answer instead of calling the resource. */
  readonly mock?: { readonly result?: string } | { readonly errorOutput: { readonly error?: string; readonly cause?: string } };
  readonly variables?: Readonly<Record<string, unknown>>;
  /** The request's `context`: the state sees exactly this object as `$$` / `$states.context`. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** `stateConfiguration.retrierRetryCount`: the retries the matching retrier has already made. */
  readonly retrierRetryCount?: number;
  /** Whether TRACE shows what an HTTP Task's connection adds to the request. */
  readonly revealSecrets?: boolean;
  /** `stateConfiguration.mapIterationFailureCount`: how many of a mocked Map result's iterations failed. */
  readonly mapIterationFailureCount?: number;
  /** `stateConfiguration.errorCausedByState`: the state inside a mocked Map or Parallel that raised the mocked error. */
  readonly errorCausedByState?: string;
}

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
    : { ...s, Retry: (s['Retry'] as Record<string, unknown>[]).map((r) => ({ ...r, MaxAttempts: Math.max(0, ((r['MaxAttempts'] as number | undefined) ?? 3) - used) })) };

/** Retry/Catch matching as the decider does it: `States.ALL` is everything but `States.Runtime`; `States.TaskFailed` a task's errors but `States.Timeout`. */
const matches = (equals: unknown, error: string | undefined, fromTask: boolean): boolean =>
  Array.isArray(equals) &&
  error !== 'States.Runtime' &&
  ((error !== undefined && equals.includes(error)) || equals.includes('States.ALL') || (fromTask && error !== 'States.Timeout' && equals.includes('States.TaskFailed')));

const isHttpInvoke = (task: PendingTask) => task.kind === 'service' && task.resourceType === 'http' && (task.action ?? '').startsWith('invoke');

/** Error details of a failing event: the object among its data members that carries error or cause. */
const detailsOf = (e: NewHistoryEvent | undefined) =>
  e ? (Object.values(e.data).find((v) => typeof v === 'object' && v !== null && ('error' in v || 'cause' in v)) as { error?: string; cause?: string } | undefined) : undefined;

// ------------------------------------------------------------------ mocked Map and Parallel states

/**
 * A mock answers for a whole Map or Parallel state: "A JSON string containing the mocked result of
 * the state invocation" (API reference, MockInput). Its iterations or branches do not run; the
 * mocked result is the state's result, and the state's own result processing, Retry and Catch apply
 * to it (recorded: a Parallel's mocked `[{…}, {…}]` goes through ResultPath `$.parallelResult`; a
 * JSONata Map's `Output: "{% $states %}"` is `{input, context, result}` with the mock as `result`).
 * To run exactly that through the decider, the state under test becomes a Task whose only answer
 * is the mock, keeping every field that acts on the state's input, result or error.
 */
const SUBSTITUTE_RESOURCE = 'arn:aws:states:::teststate:mockedResult';
const SUBSTITUTE_FIELDS = ['Comment', 'QueryLanguage', 'InputPath', 'OutputPath', 'ResultPath', 'ResultSelector', 'Output', 'Assign', 'Retry', 'Catch', 'Next', 'End'];
/** An error name nothing raises: what `States.TaskFailed` becomes in the substitute when the mocked error did not come from a Task. */
const NOT_FROM_A_TASK = 'TestState.ErrorNotRaisedByATask';

const isComposite = (t: TestStateInput): boolean => t.mock !== undefined && (t.state['Type'] === 'Map' || t.state['Type'] === 'Parallel');

/** The state's own QueryLanguage wins over the machine's. */
const isJsonataState = (t: TestStateInput): boolean => (t.state['QueryLanguage'] ?? t.language) === 'JSONata';

/** Every state inside a Map's item processor or a Parallel's branches, at any depth, by name: its type. */
const innerStateTypes = (s: Record<string, unknown>): ReadonlyMap<string, string> => {
  const types = new Map<string, string>();
  const visit = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> } | undefined)?.States ?? {};
    for (const [name, inner] of Object.entries(states)) {
      types.set(name, String(inner['Type']));
      visit(inner['ItemProcessor'] ?? inner['Iterator']);
      for (const b of (inner['Branches'] as unknown[] | undefined) ?? []) visit(b);
    }
  };
  visit(s['ItemProcessor'] ?? s['Iterator']);
  for (const b of (s['Branches'] as unknown[] | undefined) ?? []) visit(b);
  return types;
};

/**
 * `errorCausedByState`: "The name of the state from which an error originates when an error is
 * mocked for a Map or Parallel state" (API reference, TestStateConfiguration). The error and cause
 * stay the mocked ones (recorded: errorCausedByState `HandleItem` with a mocked `MockException` is
 * FAILED with `MockException` and its cause); what the origin decides is whether the error counts as
 * a Task's failure, which `States.TaskFailed` in Retry/Catch matches, as the engine does for an
 * error that reaches a Map or Parallel from a Task inside it.
 */
const mockedErrorFromTask = (t: TestStateInput): boolean =>
  t.errorCausedByState !== undefined && innerStateTypes(t.state).get(t.errorCausedByState) === 'Task';

/** The Task that stands for a mocked Map or Parallel (a Parallel's Parameters/Arguments are evaluated on its input as AWS does before the branches). */
const substituteOf = (s: Record<string, unknown>, fromTask: boolean): Record<string, unknown> => {
  const kept = Object.fromEntries(
    Object.entries(s).filter(([k]) => SUBSTITUTE_FIELDS.includes(k) || (s['Type'] === 'Parallel' && (k === 'Parameters' || k === 'Arguments'))),
  );
  const handlers = (list: unknown) =>
    (list as Record<string, unknown>[]).map((h) => ({
      ...h,
      ErrorEquals: (h['ErrorEquals'] as string[]).map((n) => (n === 'States.TaskFailed' && !fromTask ? NOT_FROM_A_TASK : n)),
    }));
  return {
    ...kept,
    Type: 'Task',
    Resource: SUBSTITUTE_RESOURCE,
    ...(Array.isArray(s['Retry']) ? { Retry: handlers(s['Retry']) } : {}),
    ...(Array.isArray(s['Catch']) ? { Catch: handlers(s['Catch']) } : {}),
  };
};

type MapInspection = Pick<InspectionData, 'afterInputPath' | 'afterItemsPath' | 'afterItemSelector' | 'afterItemBatcher' | 'maxConcurrency' | 'toleratedFailureCount' | 'toleratedFailurePercentage'>;

/** What a mocked Map still evaluates before its iterations would start: its items and its settings, or the error they raise. */
interface MapPreview {
  readonly data: MapInspection;
  readonly itemCount?: number;
  readonly tolerance: { readonly count?: number; readonly percentage?: number };
  readonly failure?: { readonly error: string; readonly cause: string };
}

/** A JSONPath number field read through its `…Path` variant (`MaxConcurrencyPath`, `ToleratedFailureCountPath`…); a numeric string counts as its number. */
const numberAt = (field: string, path: string, scope: EvaluationScope, kind: 'integer' | 'float'): number => {
  const r = queryPath(path, scope);
  if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
  const v = typeof r.value === 'string' && r.value.trim() !== '' && Number.isFinite(Number(r.value)) ? Number(r.value) : r.value;
  if (typeof v !== 'number' || (kind === 'integer' && !Number.isInteger(v))) {
    throw new StatesError('States.Runtime', `The ${field} field refers to value "${typeof r.value === 'string' ? r.value : JSON.stringify(r.value)}" which is not a valid ${kind}: ${path}`);
  }
  return v;
};

/** ItemBatcher: `{Items, BatchInput?}` batches of at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes (AWS Developer Guide, "ItemBatcher (Map)"). */
const batchesOf = (items: readonly unknown[], batcher: Record<string, unknown>): unknown[] => {
  const maxItems = typeof batcher['MaxItemsPerBatch'] === 'number' ? batcher['MaxItemsPerBatch'] : Number.POSITIVE_INFINITY;
  const maxBytes = typeof batcher['MaxInputBytesPerBatch'] === 'number' ? batcher['MaxInputBytesPerBatch'] : 262_144;
  const wrap = (batch: unknown[]) => (batcher['BatchInput'] === undefined ? { Items: batch } : { BatchInput: batcher['BatchInput'], Items: batch });
  const batches: unknown[][] = [];
  let current: unknown[] = [];
  for (const item of items) {
    const candidate = [...current, item];
    if (current.length > 0 && (candidate.length > maxItems || Buffer.byteLength(JSON.stringify(wrap(candidate))) > maxBytes)) {
      batches.push(current);
      current = [item];
    } else current = candidate;
  }
  if (current.length > 0) batches.push(current);
  return batches.map(wrap);
};

/**
 * A mocked Map's input processing and settings, evaluated as the decider's Map does: InputPath,
 * ItemsPath (JSONPath) or Items (JSONata), ItemSelector, ItemBatcher, MaxConcurrency and the
 * tolerated failures. AWS evaluates these even with a mock (recorded: ItemsPath `$$` on an object
 * fails FAILED `States.Runtime` "Reference path "$" must point to array." with `afterInputPath` in
 * the inspection data). A Map with an ItemReader reads nothing here (its items would come from the
 * reader; recorded: such a Map with an object input and a mock SUCCEEDS).
 */
const previewMap = (t: TestStateInput, context: Readonly<Record<string, unknown>>, env: DecisionEnv): MapPreview => {
  const s = t.state;
  const input = JSON.parse(t.input) as unknown;
  const variables = (t.variables ?? {}) as Record<string, unknown>;
  const data: { -readonly [K in keyof MapInspection]: MapInspection[K] } = {};
  const itemContext = (index: number, value: unknown) => ({ ...context, Map: { Item: { Index: index, Value: value } } });
  try {
    let items: unknown[] | undefined;
    let select: (item: unknown, index: number) => unknown;
    let maxConcurrency: number;
    let count: number | undefined;
    let percentage: number | undefined;
    if (isJsonataState(t)) {
      const scope = (ctx: Readonly<Record<string, unknown>> = context): JsonataScope => ({ states: { input, context: ctx }, variables, now: env.now, random: env.random, uuid: env.uuid });
      const numberField = (field: string): number | undefined => {
        const v = s[field];
        if (v === undefined) return undefined;
        const n = evaluateJsonataTemplate(v, scope(), field);
        if (isJsonataText(v)) expectJsonataType(v, n, 'number', field);
        return n as number;
      };
      if (s['ItemReader'] === undefined) {
        const value = s['Items'] !== undefined ? evaluateJsonataTemplate(s['Items'], scope(), 'Items') : input;
        if (isJsonataText(s['Items'])) expectJsonataType(s['Items'], value, 'array', 'Items');
        if (!Array.isArray(value)) throw new QueryEvaluationError(`Map state input must be an array but was: ${JSON.stringify(value)}`, undefined);
        items = value;
      }
      select = (item, index) => evaluateJsonataTemplate(s['ItemSelector'], scope(itemContext(index, item)), 'ItemSelector');
      maxConcurrency = numberField('MaxConcurrency') ?? 0;
      count = numberField('ToleratedFailureCount');
      percentage = numberField('ToleratedFailurePercentage');
    } else {
      const scope: EvaluationScope = { input, context, variables };
      const effective = applyInputPath(s['InputPath'] as string | null | undefined, input, scope);
      const at: EvaluationScope = { ...scope, input: effective };
      data.afterInputPath = JSON.stringify(effective);
      if (s['ItemReader'] === undefined) {
        const path = typeof s['ItemsPath'] === 'string' ? s['ItemsPath'] : '$';
        const r = queryPath(path, at);
        if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
        // A context path is named from its object (recorded: ItemsPath `$$` is "Reference path "$" …").
        if (!Array.isArray(r.value)) throw new StatesError('States.Runtime', `Reference path "${path.startsWith('$$') ? path.slice(1) : path}" must point to array.`);
        items = r.value;
        data.afterItemsPath = JSON.stringify(items);
      }
      const selector = s['ItemSelector'] ?? s['Parameters'];
      select = (item, index) => evaluatePayloadTemplate(selector, { ...at, context: itemContext(index, item) });
      const numberField = (field: string, kind: 'integer' | 'float'): number | undefined =>
        typeof s[`${field}Path`] === 'string' ? numberAt(`${field}Path`, s[`${field}Path`] as string, at, kind) : typeof s[field] === 'number' ? (s[field] as number) : undefined;
      maxConcurrency = numberField('MaxConcurrency', 'integer') ?? 0;
      count = numberField('ToleratedFailureCount', 'integer');
      percentage = numberField('ToleratedFailurePercentage', 'float');
    }
    if (percentage !== undefined && (percentage < 0 || percentage > 100)) throw new StatesError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100.');
    if (items !== undefined) {
      const hasSelector = s['ItemSelector'] !== undefined || (!isJsonataState(t) && s['Parameters'] !== undefined);
      const selected = hasSelector ? items.map(select) : items;
      if (hasSelector) data.afterItemSelector = JSON.stringify(selected);
      if (typeof s['ItemBatcher'] === 'object' && s['ItemBatcher'] !== null) data.afterItemBatcher = JSON.stringify(batchesOf(selected, s['ItemBatcher'] as Record<string, unknown>));
    }
    // Recorded: `maxConcurrency` is always there (0 when unset), the tolerated failures only when set.
    data.maxConcurrency = maxConcurrency;
    if (count !== undefined) data.toleratedFailureCount = count;
    if (percentage !== undefined) data.toleratedFailurePercentage = percentage;
    return { data, ...(items !== undefined ? { itemCount: items.length } : {}), tolerance: { ...(count !== undefined ? { count } : {}), ...(percentage !== undefined ? { percentage } : {}) } };
  } catch (e) {
    if (!isStatesError(e)) throw e;
    return { data, tolerance: {}, failure: { error: e.error, cause: e.cause } };
  }
};

/**
 * `mapIterationFailureCount`: "The number of Map state iterations that failed during the Map state
 * invocation" (API reference). Counted against the Map's ToleratedFailureCount / Percentage as the
 * engine counts a Map Run's failed children (over the count, over the percentage of all iterations;
 * with both set, over both). Recorded against AWS (LocalStack `test_state_configuration`): 2 of 3
 * failed with ToleratedFailureCount 1 fails `States.ExceedToleratedFailureThreshold`, "The specified
 * tolerated failure threshold was exceeded", which Retry and Catch then handle; with no tolerated
 * failures set, the same 2 of 3 SUCCEED with the mocked result.
 */
const exceedsTolerance = (failed: number, total: number, tolerance: MapPreview['tolerance']): boolean => {
  const { count, percentage } = tolerance;
  if (failed === 0 || (count === undefined && percentage === undefined)) return false;
  const overCount = count !== undefined && failed > count;
  const overPercentage = percentage !== undefined && total > 0 && (failed / total) * 100 > percentage;
  return count !== undefined && percentage !== undefined ? overCount && overPercentage : overCount || overPercentage;
};

/**
 * The answer that stands for a mocked Map or Parallel: the error of a Map's items or settings
 * (`States.Runtime`, which nothing retries or catches, or `States.QueryEvaluationError`, which Retry
 * and Catch handle), the mocked error, the exceeded failure threshold, or the mocked result.
 */
const compositeSignal = (t: TestStateInput, preview: MapPreview | undefined): TaskSignal => {
  const mock = t.mock!;
  if (preview?.failure) return { type: 'failed', ...preview.failure };
  if ('errorOutput' in mock) {
    return { type: 'failed', ...(mock.errorOutput.error !== undefined ? { error: mock.errorOutput.error } : {}), ...(mock.errorOutput.cause !== undefined ? { cause: mock.errorOutput.cause } : {}) };
  }
  const output = mock.result ?? 'null';
  if (preview && t.mapIterationFailureCount !== undefined) {
    const result = JSON.parse(output) as unknown;
    const total = Array.isArray(result) ? result.length : (preview.itemCount ?? 0);
    if (exceedsTolerance(t.mapIterationFailureCount, total, preview.tolerance)) {
      return { type: 'failed', error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' };
    }
  }
  return { type: 'succeeded', output };
};

/**
 * DEBUG of a mocked Map or Parallel, member for member as recorded against AWS (LocalStack
 * `test_state_configuration`, `test_test_state_scenarios`, `test_test_state_mock_scenarios`,
 * `test_state_context_object` snapshots): a JSONPath Parallel shows `input`, `afterResultSelector`
 * (also without a ResultSelector) and `afterResultPath`, no `afterInputPath` and no `result`; a
 * JSONata Parallel only `input`; a Map adds `afterInputPath`, `afterItemsPath` (JSONPath),
 * `afterItemSelector`, `afterItemBatcher`, `maxConcurrency` and the tolerated failures it sets.
 */
const inspectComposite = (t: TestStateInput, status: TestStatus, preview: MapPreview | undefined, common: InspectionData): InspectionData => {
  const s = t.state;
  const data: { -readonly [K in keyof InspectionData]: InspectionData[K] } = { input: t.input, ...(preview?.data ?? {}), ...common };
  const mocked = t.mock && 'result' in t.mock ? t.mock.result : undefined;
  if (isJsonataState(t) || status !== 'SUCCEEDED' || mocked === undefined) return data;
  try {
    const input = JSON.parse(t.input) as unknown;
    const result = JSON.parse(mocked) as unknown;
    const scope: EvaluationScope = { input: result, context: t.context ?? {}, variables: (t.variables ?? {}) as Record<string, unknown> };
    const selected = s['ResultSelector'] !== undefined ? evaluatePayloadTemplate(s['ResultSelector'], scope) : result;
    data.afterResultSelector = JSON.stringify(selected);
    data.afterResultPath = JSON.stringify(applyResultPath(s['ResultPath'] as string | null | undefined, input, selected));
  } catch (e) {
    if (!isStatesError(e)) throw e;
  }
  return data;
};

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
  const stubs = Object.fromEntries(targets(t.state).filter((n) => n !== name).map((n) => [n, { Type: 'Pass', End: true }]));
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
            ? { type: 'failed', ...(mock.errorOutput.error !== undefined ? { error: mock.errorOutput.error } : {}), ...(mock.errorOutput.cause !== undefined ? { cause: mock.errorOutput.cause } : {}) }
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
  const errorDetails = failure || retriable ? handlerOf(t, status, failureDetails?.error, composite ? fromTask : failure ? /^(Task|Lambda|Activity)/.test(failure.type) : false) : undefined;
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
const headerText = (h: Readonly<Record<string, string>>) => `[${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join(', ')}]`;

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
    request: { protocol: url.protocol.replace(/:$/, ''), method: x.request.method, url: url.toString(), headers: headerText(headers), body: x.request.body ?? '' },
    ...(x.response
      ? { response: { protocol: 'HTTP/1.1', statusCode: String(x.response.statusCode), statusMessage: x.response.statusMessage, headers: headerText(x.response.headers), body: x.response.body } }
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
    else if (s['Parameters'] !== undefined) data.afterParameters = JSON.stringify(evaluatePayloadTemplate(s['Parameters'], { ...scope, input: afterInputPath }));
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
