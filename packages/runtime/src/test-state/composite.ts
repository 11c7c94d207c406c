/**
 * TestState's mocked Map and Parallel states: the state stands as a Task whose only answer is the
 * mock, after a Map's input side (items, selector, batcher, concurrency, tolerated failures) has
 * been evaluated as the decider's Map evaluates it — a Distributed Map's items parsed from
 * `mapItemReaderData` when it has an ItemReader.
 *
 * @module
 */
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
import { batchItems, exceedsTolerance, numberAtPath, resolveReaderConfig, type DecisionEnv, type ItemBatcher, type TaskSignal } from '@stepstream/domain';
import { ITEM_READER_FAILED, parseItems, type ItemReaderOutcome } from '../map-runs/item-reader.js';
import { mockedSignal } from './task-runner.js';
import type { InspectionData, TestStateInput, TestStatus } from './types.js';

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
const SUBSTITUTE_FIELDS = [
  'Comment',
  'QueryLanguage',
  'InputPath',
  'OutputPath',
  'ResultPath',
  'ResultSelector',
  'Output',
  'Assign',
  'Retry',
  'Catch',
  'Next',
  'End',
];
/** An error name nothing raises: what `States.TaskFailed` becomes in the substitute when the mocked error did not come from a Task. */
const NOT_FROM_A_TASK = 'TestState.ErrorNotRaisedByATask';

export const isComposite = (t: TestStateInput): boolean => t.mock !== undefined && (t.state['Type'] === 'Map' || t.state['Type'] === 'Parallel');

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
export const mockedErrorFromTask = (t: TestStateInput): boolean =>
  t.errorCausedByState !== undefined && innerStateTypes(t.state).get(t.errorCausedByState) === 'Task';

/** The Task that stands for a mocked Map or Parallel (a Parallel's Parameters/Arguments are evaluated on its input as AWS does before the branches). */
export const substituteOf = (s: Record<string, unknown>, fromTask: boolean): Record<string, unknown> => {
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

type MapInspection = Pick<
  InspectionData,
  | 'afterInputPath'
  | 'afterItemsPath'
  | 'afterItemsPointer'
  | 'afterItemSelector'
  | 'afterItemBatcher'
  | 'maxConcurrency'
  | 'toleratedFailureCount'
  | 'toleratedFailurePercentage'
>;

/** What a mocked Map still evaluates before its iterations would start: its items and its settings, or the error they raise. */
interface MapPreview {
  readonly data: MapInspection;
  readonly itemCount?: number;
  readonly tolerance: { readonly count?: number; readonly percentage?: number };
  readonly failure?: { readonly error: string; readonly cause: string };
}

/** What a JSONata Map's expressions see: `$states.input`, `$states.context` (an item's, for ItemSelector) and the variables. */
const jsonataScopeOf = (t: TestStateInput, input: unknown, context: Readonly<Record<string, unknown>>, env: DecisionEnv): JsonataScope => ({
  states: { input, context },
  variables: (t.variables ?? {}) as Record<string, unknown>,
  now: env.now,
  random: env.random,
  uuid: env.uuid,
});

/** What a JSONPath Map's paths see: `$` is the effective input (after InputPath), `$$` the context. */
const effectiveScopeOf = (t: TestStateInput, input: unknown, context: Readonly<Record<string, unknown>>): EvaluationScope => {
  const scope: EvaluationScope = { input, context, variables: (t.variables ?? {}) as Record<string, unknown> };
  return { ...scope, input: applyInputPath(t.state['InputPath'] as string | null | undefined, input, scope) };
};

const readerOf = (t: TestStateInput): Record<string, unknown> | undefined => {
  const reader = t.state['ItemReader'];
  return typeof reader === 'object' && reader !== null && !Array.isArray(reader) ? (reader as Record<string, unknown>) : undefined;
};

/**
 * `mapItemReaderData`: "The data read by ItemReader in Distributed Map states as found in its
 * original source" (API reference, TestStateConfiguration). A Map with an ItemReader reads its items
 * from this text (its UTF-8 bytes) instead of S3, parsed as the engine parses an object read from S3
 * ({@link parseItems}: the ReaderConfig's InputType — JSON when none, JSONL, CSV with its headers and
 * delimiter — its ItemsPointer, and MaxItems, which is resolved first as the decider resolves it:
 * literal, `MaxItemsPath` on the effective input, or a JSONata expression). What cannot be read is
 * `States.ItemReaderFailed` with the parser's cause, as in an execution; a path or expression that
 * fails is that field's error. Undefined (nothing read) without `mapItemReaderData` or an ItemReader,
 * as before; a Map without an ItemReader ignores `mapItemReaderData` (AWS's answer to that is not known).
 * Asynchronous (Parquet decodes asynchronously), so it runs before the synchronous {@link previewMap}.
 */
export const readMapItemReaderData = async (
  t: TestStateInput,
  context: Readonly<Record<string, unknown>>,
  env: DecisionEnv,
): Promise<ItemReaderOutcome | undefined> => {
  const reader = readerOf(t);
  if (t.state['Type'] !== 'Map' || reader === undefined || t.mapItemReaderData === undefined) return undefined;
  const input = JSON.parse(t.input) as unknown;
  let resolved: ReturnType<typeof resolveReaderConfig>;
  try {
    resolved = resolveReaderConfig(
      reader,
      isJsonataState(t) ? { jsonata: () => jsonataScopeOf(t, input, context, env) } : { jsonPath: () => effectiveScopeOf(t, input, context) },
    );
  } catch (e) {
    if (!isStatesError(e)) throw e;
    return { ok: false, error: e.error, cause: e.cause };
  }
  if ('failed' in resolved) return { ok: false, error: ITEM_READER_FAILED, cause: resolved.failed };
  return parseItems(new TextEncoder().encode(t.mapItemReaderData), resolved.readerConfig);
};

/**
 * `afterItemsPointer`: "The effective input after the ItemsPointer filter is applied in a Map state"
 * (API reference, InspectionData). Given only when the ReaderConfig has an ItemsPointer and the data
 * is read as JSON (the only InputType an ItemsPointer applies to): the items it points to, after
 * MaxItems. In JSONPath and JSONata states alike — the Developer Guide's "only applicable to JSON
 * inputs (not JSONata)" is read as being about the data read, not the query language; not recorded.
 */
const hasItemsPointer = (t: TestStateInput): boolean => {
  const config = readerOf(t)?.['ReaderConfig'] as Record<string, unknown> | undefined;
  return config?.['ItemsPointer'] !== undefined && (config['InputType'] ?? 'JSON') === 'JSON';
};

/**
 * A mocked Map's input processing and settings, evaluated as the decider's Map does: InputPath,
 * ItemsPath (JSONPath) or Items (JSONata), ItemSelector, ItemBatcher, MaxConcurrency and the
 * tolerated failures. AWS evaluates these even with a mock (recorded: ItemsPath `$$` on an object
 * fails FAILED `States.Runtime` "Reference path "$" must point to array." with `afterInputPath` in
 * the inspection data). A Map with an ItemReader reads nothing here (its items would come from the
 * reader; recorded: such a Map with an object input and a mock SUCCEEDS) unless `read` holds what
 * {@link readMapItemReaderData} read: then ItemSelector and ItemBatcher apply to those items, and
 * a read that failed is the Map's error — after its settings, as the decider reads after them.
 */
export const previewMap = (t: TestStateInput, context: Readonly<Record<string, unknown>>, env: DecisionEnv, read?: ItemReaderOutcome): MapPreview => {
  const s = t.state;
  const input = JSON.parse(t.input) as unknown;
  const data: { -readonly [K in keyof MapInspection]: MapInspection[K] } = {};
  const itemContext = (index: number, value: unknown) => ({ ...context, Map: { Item: { Index: index, Value: value } } });
  try {
    let items: unknown[] | undefined;
    let select: (item: unknown, index: number) => unknown;
    let maxConcurrency: number;
    let count: number | undefined;
    let percentage: number | undefined;
    if (isJsonataState(t)) {
      const scope = (ctx: Readonly<Record<string, unknown>> = context): JsonataScope => jsonataScopeOf(t, input, ctx, env);
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
      const at = effectiveScopeOf(t, input, context);
      data.afterInputPath = JSON.stringify(at.input);
      if (s['ItemReader'] === undefined) {
        const path = typeof s['ItemsPath'] === 'string' ? s['ItemsPath'] : '$';
        const r = queryPath(path, at);
        if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
        // A context path is named from its object (recorded: ItemsPath `$$` is "Reference path "$" …").
        if (!Array.isArray(r.value))
          throw new StatesError('States.Runtime', `Reference path "${path.startsWith('$$') ? path.slice(1) : path}" must point to array.`);
        items = r.value;
        data.afterItemsPath = JSON.stringify(items);
      }
      const selector = s['ItemSelector'] ?? s['Parameters'];
      select = (item, index) => evaluatePayloadTemplate(selector, { ...at, context: itemContext(index, item) });
      const numberField = (field: string, kind: 'integer' | 'float'): number | undefined =>
        typeof s[`${field}Path`] === 'string'
          ? numberAtPath(`${field}Path`, s[`${field}Path`] as string, at, kind)
          : typeof s[field] === 'number'
            ? (s[field] as number)
            : undefined;
      maxConcurrency = numberField('MaxConcurrency', 'integer') ?? 0;
      count = numberField('ToleratedFailureCount', 'integer');
      percentage = numberField('ToleratedFailurePercentage', 'float');
    }
    if (percentage !== undefined && (percentage < 0 || percentage > 100))
      throw new StatesError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100.');
    if (read !== undefined) {
      if (!read.ok) throw new StatesError(read.error, read.cause);
      items = read.items;
      if (hasItemsPointer(t)) data.afterItemsPointer = JSON.stringify(items);
    }
    if (items !== undefined) {
      const hasSelector = s['ItemSelector'] !== undefined || (!isJsonataState(t) && s['Parameters'] !== undefined);
      const selected = hasSelector ? items.map(select) : items;
      if (hasSelector) data.afterItemSelector = JSON.stringify(selected);
      if (typeof s['ItemBatcher'] === 'object' && s['ItemBatcher'] !== null)
        data.afterItemBatcher = JSON.stringify(batchItems(selected, s['ItemBatcher'] as ItemBatcher));
    }
    // Recorded: `maxConcurrency` is always there (0 when unset), the tolerated failures only when set.
    data.maxConcurrency = maxConcurrency;
    if (count !== undefined) data.toleratedFailureCount = count;
    if (percentage !== undefined) data.toleratedFailurePercentage = percentage;
    return {
      data,
      ...(items !== undefined ? { itemCount: items.length } : {}),
      tolerance: { ...(count !== undefined ? { count } : {}), ...(percentage !== undefined ? { percentage } : {}) },
    };
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
const exceedsSetTolerance = (failed: number, total: number, tolerance: MapPreview['tolerance']): boolean =>
  failed > 0 && (tolerance.count !== undefined || tolerance.percentage !== undefined) && exceedsTolerance(failed, total, tolerance);

/**
 * The answer that stands for a mocked Map or Parallel: the error of a Map's items or settings
 * (`States.Runtime`, which nothing retries or catches, or `States.QueryEvaluationError`, which Retry
 * and Catch handle), the mocked error, the exceeded failure threshold, or the mocked result.
 * `mock` is the request's (`t.mock`), which the caller has found there.
 */
export const compositeSignal = (mock: NonNullable<TestStateInput['mock']>, t: TestStateInput, preview: MapPreview | undefined): TaskSignal => {
  if (preview?.failure) return { type: 'failed', ...preview.failure };
  const mocked = mockedSignal(mock);
  if (mocked.type === 'succeeded' && preview && t.mapIterationFailureCount !== undefined) {
    const result = JSON.parse(mocked.output) as unknown;
    const total = Array.isArray(result) ? result.length : (preview.itemCount ?? 0);
    if (exceedsSetTolerance(t.mapIterationFailureCount, total, preview.tolerance)) {
      return { type: 'failed', error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' };
    }
  }
  return mocked;
};

/**
 * DEBUG of a mocked Map or Parallel, member for member as recorded against AWS (LocalStack
 * `test_state_configuration`, `test_test_state_scenarios`, `test_test_state_mock_scenarios`,
 * `test_state_context_object` snapshots): a JSONPath Parallel shows `input`, `afterResultSelector`
 * (also without a ResultSelector) and `afterResultPath`, no `afterInputPath` and no `result`; a
 * JSONata Parallel only `input`; a Map adds `afterInputPath`, `afterItemsPath` (JSONPath),
 * `afterItemSelector`, `afterItemBatcher`, `maxConcurrency` and the tolerated failures it sets,
 * and a Distributed Map reading `mapItemReaderData` with an ItemsPointer `afterItemsPointer`.
 */
export const inspectComposite = (t: TestStateInput, status: TestStatus, preview: MapPreview | undefined, common: InspectionData): InspectionData => {
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
