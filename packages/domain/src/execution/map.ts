import {
  applyInputPath,
  evaluateJsonataTemplate,
  evaluatePayloadTemplate,
  expectJsonataType,
  isJsonataText,
  queryPath,
  QueryEvaluationError,
  StatesError,
  type EvaluationScope,
} from '@stepstream/asl';
import type { MapState, StateMachineDefinition } from '@stepstream/asl/definition';
import { json, utf8Length } from './batch.js';
import { contextOf, isJsonata, jsonataScopeOf, scopeOf, shapeResult, valueOf } from './dataflow.js';
import type { Failure } from './error-policy.js';
import type { Entered, Frame } from './frame.js';
import {
  abortFrame,
  completeState,
  guard,
  handleStateFailure,
  RESUME,
  runFrame,
  varsOf,
  suspend,
  SUSPENDED,
  type FrameOutcome,
  type FrameStart,
  type StateOutcome,
  type StateRunners,
} from './interpreter.js';
import type { PendingTask, SuspendedFrame } from './model.js';
import {
  childRunRecords,
  numberAtPath,
  type MapRunAnswer,
  type MapRunResult,
  type MapRunSpec,
  itemReaderOf,
  itemReaderRequest,
  keyValueItems,
  resultWriterOf,
  resultWriterRequest,
  type ResultWriterRequest,
} from './map-data.js';
import { innerRestartOf, mapRunRestart } from './redrive.js';
import { transformedResults, writerConfigOf } from './result-writer.js';

const integerFromPath = (field: string, path: string, input: unknown, f: Frame, e: Entered, kind: 'integer' | 'float'): number =>
  numberAtPath(field, path, { ...scopeOf(f, e, input), input }, kind);

interface MapConfig {
  readonly items: readonly unknown[];
  readonly maxConcurrency: number;
  readonly distributed: boolean;
  readonly processor: StateMachineDefinition;
}

interface Tolerance {
  readonly toleratedCount: number | undefined;
  readonly toleratedPercentage: number | undefined;
}

/** A JSONata number field (MaxConcurrency, ToleratedFailure*): a literal or an expression. */
const jsonataNumber = (f: Frame, e: Entered, v: unknown, location: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = valueOf(v, jsonataScopeOf(f, e), location);
  if (isJsonataText(v)) expectJsonataType(v, n, 'number', location);
  return n as number;
};

/** The tolerated failures of a distributed Map: AWS reads them after MapStateStarted. */
const tolerance = (f: Frame, e: Entered, s: MapState, effective: unknown): Tolerance => {
  if (isJsonata(f, s)) {
    const toleratedPercentage = jsonataNumber(f, e, s['ToleratedFailurePercentage'], 'ToleratedFailurePercentage');
    if (toleratedPercentage !== undefined && (toleratedPercentage < 0 || toleratedPercentage > 100)) {
      throw new QueryEvaluationError('ToleratedFailurePercentage must be between 0 and 100.', 'ToleratedFailurePercentage');
    }
    return { toleratedCount: jsonataNumber(f, e, s['ToleratedFailureCount'], 'ToleratedFailureCount'), toleratedPercentage };
  }
  const toleratedCount =
    typeof s['ToleratedFailureCountPath'] === 'string'
      ? integerFromPath('ToleratedFailureCountPath', s['ToleratedFailureCountPath'], effective, f, e, 'integer')
      : typeof s['ToleratedFailureCount'] === 'number'
        ? (s['ToleratedFailureCount'] as number)
        : undefined;
  const toleratedPercentage =
    typeof s['ToleratedFailurePercentagePath'] === 'string'
      ? integerFromPath('ToleratedFailurePercentagePath', s['ToleratedFailurePercentagePath'], effective, f, e, 'float')
      : typeof s['ToleratedFailurePercentage'] === 'number'
        ? (s['ToleratedFailurePercentage'] as number)
        : undefined;
  if (toleratedPercentage !== undefined && (toleratedPercentage < 0 || toleratedPercentage > 100)) {
    throw new StatesError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100.');
  }
  return { toleratedCount, toleratedPercentage };
};

/**
 * Reads everything a Map needs before it starts, failing as AWS does on bad values. A Distributed
 * Map with an ItemReader has no items yet: the runtime reads them (see `runDistributed`).
 */
const configure = (f: Frame, e: Entered, s: MapState, effective: unknown): MapConfig => {
  const processor = (s.ItemProcessor ?? s.Iterator)!;
  const distributed = (processor as { ProcessorConfig?: { Mode?: string } }).ProcessorConfig?.Mode === 'DISTRIBUTED';
  if (distributed && itemReaderOf(s)) {
    const maxConcurrency = isJsonata(f, s)
      ? (jsonataNumber(f, e, s.MaxConcurrency, 'MaxConcurrency') ?? 0)
      : s.MaxConcurrencyPath !== undefined
        ? integerFromPath('MaxConcurrencyPath', s.MaxConcurrencyPath, effective, f, e, 'integer')
        : typeof s.MaxConcurrency === 'number'
          ? s.MaxConcurrency
          : 0;
    return { items: [], maxConcurrency, distributed, processor };
  }
  if (isJsonata(f, s)) {
    let items: unknown = e.rawInput;
    if (s.Items !== undefined) {
      items = evaluateJsonataTemplate(s.Items, jsonataScopeOf(f, e), 'Items');
      if (isJsonataText(s.Items)) expectJsonataType(s.Items, items, 'array', 'Items');
    }
    if (!Array.isArray(items)) throw new QueryEvaluationError(`Map state input must be an array but was: ${json(items)}`, undefined);
    return { items, maxConcurrency: jsonataNumber(f, e, s.MaxConcurrency, 'MaxConcurrency') ?? 0, distributed, processor };
  }
  let items: unknown = effective;
  if (s.ItemsPath !== undefined) {
    const r = queryPath(s.ItemsPath, { ...scopeOf(f, e, effective), input: effective });
    if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${s.ItemsPath}' : ${r.reason}`);
    items = r.value;
  }
  // An object's members are iterated as key-value pairs (AWS Developer Guide, "ItemsPath").
  if (typeof items === 'object' && items !== null && !Array.isArray(items)) items = keyValueItems(items as Record<string, unknown>);
  if (!Array.isArray(items)) {
    throw new StatesError('States.Runtime', `Attempting to map over non-iterable node.`);
  }
  const maxConcurrency =
    s.MaxConcurrencyPath !== undefined
      ? integerFromPath('MaxConcurrencyPath', s.MaxConcurrencyPath, effective, f, e, 'integer')
      : typeof s.MaxConcurrency === 'number'
        ? s.MaxConcurrency
        : 0;
  return { items, maxConcurrency, distributed, processor };
};

/**
 * Map. Inline: `MapStateStarted{length}`, per item `MapIterationStarted{index, name}` → the
 * iteration's states → `MapIterationSucceeded`, then `MapStateSucceeded` and `MapStateExited`
 * (both pointing to the last `MapIterationSucceeded`); with no concurrency limit every
 * `MapIterationStarted` comes first, each pointing to `MapStateStarted`; with a limit, a new
 * iteration starts when one finishes, after the last state event of the one before. A failing
 * iteration writes `MapIterationFailed`, aborts the iterations still running (`XStateAborted`,
 * `MapIterationAborted`) and fails the Map with its error (`MapStateFailed` points to the failing
 * event). Distributed: `MapRunStarted{mapRunArn}` → `MapRunSucceeded|MapRunFailed`, iterations are
 * child runs with histories of their own, with ToleratedFailureCount/Percentage.
 *
 * Iterations run one after the other within a decision, each until it ends or pauses; a paused
 * one is the frame `<path>/<index>` and the Map resumes them in later decisions.
 */
export const runMap =
  (runners: StateRunners) =>
  (f: Frame, e: Entered, s: MapState, resume?: SuspendedFrame): StateOutcome => {
    const jsonata = isJsonata(f, s);
    const scope = scopeOf(f, e, e.rawInput);
    const effective = jsonata ? e.rawInput : applyInputPath(s.InputPath, e.rawInput, scope);
    const config = configure(f, e, s, effective);
    const { items, processor } = config;
    const selector = s.ItemSelector ?? s.Parameters;
    const itemInputOf =
      (from: readonly unknown[]) =>
      (index: number): unknown => {
        if (selector === undefined) return from[index];
        const context = { ...contextOf(f, e), Map: { Item: { Index: index, Value: from[index] } } };
        return jsonata
          ? evaluateJsonataTemplate(selector, jsonataScopeOf(f, e, { context }), 'ItemSelector')
          : evaluatePayloadTemplate(selector, { ...scope, input: effective, context });
      };
    const itemInput = itemInputOf(items);
    const on = resume?.on.kind === 'map' ? resume.on : undefined;
    // A Distributed Map waits on its Map Run as on a task (its child runs are executions of their own),
    // and before that, with an ItemReader, on the runtime reading its items.
    const mapRun = resume?.on.kind === 'task' && resume.on.task.kind === 'mapRun' ? resume.on.task : undefined;
    const reading = resume?.on.kind === 'task' && resume.on.task.kind === 'itemReader' ? resume.on.task : undefined;
    // With an ItemReader the length is not known when the Map starts: AWS records 0.
    const startedId = on
      ? on.startedId
      : mapRun
        ? 0
        : reading
          ? reading.lastEventId
          : f.batch.push('MapStateStarted', e.attemptStartsAfter, { mapStateStartedEventDetails: { length: items.length } });
    const finish = (outputs: unknown, previousEventId: number) => {
      if (jsonata) return completeState(f, e, s, { result: outputs, previous: previousEventId, jsonPathOutput: () => outputs });
      return completeState(f, e, s, { ...shapeResult(s, e.rawInput, outputs, scope), previous: previousEventId });
    };
    if (config.distributed) {
      const tolerated = evaluated(f, e, () => tolerance(f, e, s, effective), startedId);
      if ('failed' in tolerated) return tolerated.failed;
      const reader = itemReaderOf(s);
      if (reader && !mapRun)
        return readItems(f, e, s, reader, effective, startedId, reading, (read) =>
          runDistributed(f, e, s, { ...config, items: read }, tolerated.value, itemInputOf(read), startedId, undefined, finish, effective),
        );
      return runDistributed(f, e, s, config, tolerated.value, itemInput, startedId, mapRun, finish, effective);
    }

    const name = e.name;
    const n = items.length;
    const limit = config.maxConcurrency > 0 ? Math.min(config.maxConcurrency, n) : n;
    const path = (i: number) => `${f.path}/${i}`;
    const runIteration = (i: number, start: FrameStart) =>
      runFrame(
        { ...f, definition: processor, path: path(i), parent: 'map', context: undefined, vars: varsOf(f.frames, path(i), start, f.vars) },
        runners,
        start,
      );
    const fromTop = (i: number, previousEventId: number): FrameStart => {
      const point = e.redrive?.resume[i];
      return point ? { restart: point, previousEventId } : { stateName: processor.StartAt, input: itemInput(i), previousEventId };
    };
    let next = on ? on.next : 0;
    let lastSucceededId = on ? on.lastSucceededId : startedId;
    let lastStateEvent = startedId;
    let failed: { index: number; failure: Failure } | undefined;
    const settle = (i: number, r: FrameOutcome) => {
      if (r.kind === 'failed') failed = { index: i, failure: r.failure };
      else if (r.kind === 'succeeded') {
        lastStateEvent = f.batch.lastEventId;
        lastSucceededId = f.batch.push('MapIterationSucceeded', lastStateEvent, { mapIterationSucceededEventDetails: { index: i, name } });
        f.frames.set(path(i), { kind: 'finished', ok: true, output: json(r.output) });
      }
    };
    const paused = () => {
      let count = 0;
      for (let i = 0; i < next; i++) if (f.frames.get(path(i))?.kind === 'suspended') count++;
      return count;
    };
    if (on) {
      for (let i = 0; i < next && !failed; i++) if (f.frames.get(path(i))?.kind === 'suspended') settle(i, runIteration(i, RESUME));
    } else {
      // A redrive keeps the iterations that succeeded; the others run again, from where they stopped.
      for (const [i, output] of Object.entries(e.redrive?.done ?? {})) f.frames.set(path(Number(i)), { kind: 'finished', ok: true, output });
      const first = Array.from({ length: n }, (_, i) => i)
        .filter((i) => e.redrive?.done[i] === undefined)
        .slice(0, limit);
      const started = first.map((i) => f.batch.push('MapIterationStarted', startedId, { mapIterationStartedEventDetails: { index: i, name } }));
      next = first.length > 0 ? first.at(-1)! + 1 : n;
      first.forEach((i, k) => {
        if (!failed) settle(i, runIteration(i, fromTop(i, started[k]!)));
      });
    }
    // Free slots take the next items, each started after the last state event before it.
    let running = failed ? 0 : paused();
    while (!failed && next < n && running < limit) {
      const i = next++;
      if (f.frames.get(path(i))?.kind === 'finished') continue;
      const started = f.batch.push('MapIterationStarted', lastStateEvent, { mapIterationStartedEventDetails: { index: i, name } });
      const r = runIteration(i, fromTop(i, started));
      settle(i, r);
      if (r.kind === 'suspended') running++;
    }
    if (failed) {
      const { index } = failed;
      const { restart, ...rest } = failed.failure;
      const failure: Failure = { ...rest, inner: innerRestartOf(f.frames, f.path, { index, restart }) };
      f.batch.push('MapIterationFailed', failure.failureEventId, { mapIterationFailedEventDetails: { index, name } });
      for (let i = 0; i < next; i++) {
        if (i === index || f.frames.get(path(i))?.kind !== 'suspended') continue;
        abortFrame(f, path(i), processor, f.batch);
        f.batch.push('MapIterationAborted', f.batch.lastEventId, { mapIterationAbortedEventDetails: { index: i, name } });
      }
      f.frames.deleteBelow(f.path);
      return handleStateFailure(f, e, s, failure, () => f.batch.push('MapStateFailed', failure.failureEventId));
    }
    if (running > 0 || next < n) return suspend(f, e, { kind: 'map', startedId, next, lastSucceededId });
    const outputs = Array.from({ length: n }, (_, i) => JSON.parse((f.frames.get(path(i)) as { output: string }).output) as unknown);
    f.frames.deleteBelow(f.path);
    f.batch.push('MapStateSucceeded', lastSucceededId);
    return finish(outputs, lastSucceededId);
  };

/** The label of a Map Run's ARN (`…:mapRun:<machine>/<label>:<id>`). */
const labelOf = (mapRunArn: string): string => {
  const resource = mapRunArn.slice(mapRunArn.indexOf(':mapRun:') + ':mapRun:'.length);
  const path = resource.slice(0, resource.lastIndexOf(':'));
  return path.slice(path.indexOf('/') + 1);
};

/**
 * The inputs of a distributed Map's child runs: one per item, or with an `ItemBatcher` one per
 * batch, `{"Items": [...], "BatchInput": …}`, cut at `MaxItemsPerBatch` items and at
 * `MaxInputBytesPerBatch` bytes of JSON (AWS Developer Guide, "ItemBatcher (Map)").
 */
const childInputs = (s: MapState, count: number, itemInput: (i: number) => unknown): unknown[] => {
  const batcher = s['ItemBatcher'] as ItemBatcher | undefined;
  const all = Array.from({ length: count }, (_, i) => itemInput(i));
  return batcher ? batchItems(all, batcher) : all;
};

export interface ItemBatcher {
  readonly MaxItemsPerBatch?: number;
  readonly MaxInputBytesPerBatch?: number;
  readonly BatchInput?: unknown;
}

/** Items cut into ItemBatcher batches, `{"Items": [...], "BatchInput": …}`. */
export const batchItems = (all: readonly unknown[], batcher: ItemBatcher): unknown[] => {
  const maxItems = batcher.MaxItemsPerBatch ?? Number.POSITIVE_INFINITY;
  const maxBytes = batcher.MaxInputBytesPerBatch ?? 262_144;
  const wrap = (items: unknown[]) => (batcher.BatchInput === undefined ? { Items: items } : { BatchInput: batcher.BatchInput, Items: items });
  const batches: unknown[][] = [];
  let current: unknown[] = [];
  for (const item of all) {
    const candidate = [...current, item];
    if (current.length > 0 && (candidate.length > maxItems || utf8Length(JSON.stringify(wrap(candidate))) > maxBytes)) {
      batches.push(current);
      current = [item];
    } else current = candidate;
  }
  if (current.length > 0) batches.push(current);
  return batches.map(wrap);
};

/**
 * Whether `failed` of `total` iterations exceed the tolerated failures that are set: over the
 * count, over the percentage, or with both set over both.
 */
export const exceedsTolerance = (
  failed: number,
  total: number,
  tolerance: { readonly count?: number | undefined; readonly percentage?: number | undefined },
): boolean => {
  const { count, percentage } = tolerance;
  const overCount = count !== undefined && failed > count;
  const overPercentage = percentage !== undefined && total > 0 && (failed / total) * 100 > percentage;
  return count !== undefined && percentage !== undefined ? overCount && overPercentage : overCount || overPercentage;
};

/** Evaluates what a Map needs before it goes on; a States error fails the state as {@link guard} does (pointing to `failureEventId`). */
const evaluated = <T>(f: Frame, e: Entered, compute: () => T, failureEventId: number): { readonly value: T } | { readonly failed: StateOutcome } => {
  let value: T | undefined;
  const outcome = guard(
    f,
    e,
    () => {
      value = compute();
      return SUSPENDED;
    },
    failureEventId,
  );
  return outcome.kind === 'failed' ? { failed: outcome } : { value: value as T };
};

/** Pauses the Map on work the runtime performs (reading its items, running its Map Run): a task named after the event it follows. */
const pauseOn = (f: Frame, e: Entered, kind: 'itemReader' | 'mapRun', resource: string, input: unknown, after: number): StateOutcome =>
  suspend(f, e, {
    kind: 'task',
    task: { id: `${f.path}#${after}`, kind, resource, state: e.name, input: JSON.stringify(input), scheduledAt: f.env.now, lastEventId: after },
  });

/** A new Map Run's ARN: `…:mapRun:<machine>/<label>:<uuid>`, the label the Map's `Label` or a UUID. */
const newMapRunArn = (f: Frame, s: MapState): { readonly mapRunArn: string; readonly label: string } => {
  const label = typeof s['Label'] === 'string' ? (s['Label'] as string) : f.env.uuid();
  return { label, mapRunArn: `${f.info.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${label}:${f.env.uuid()}` };
};

/**
 * A Distributed Map's ItemReader. The Map pauses on a task of kind `itemReader` whose input is
 * the reader's request (Parameters or Arguments evaluated, MaxItems resolved); the runtime reads
 * the items and answers with them, and the Map Run starts over them (`run`). A failed read
 * starts the Map Run and fails it at once, as AWS records it: `MapStateStarted{length: 0} →
 * MapRunStarted → MapRunFailed{States.ItemReaderFailed} → MapStateFailed`. The read writes no
 * event of its own; the items live on in the Map Run task's input (the frames table), so a replay
 * never reads S3 again.
 */
const readItems = (
  f: Frame,
  e: Entered,
  s: MapState,
  reader: Readonly<Record<string, unknown>>,
  effective: unknown,
  startedId: number,
  reading: PendingTask | undefined,
  run: (items: readonly unknown[]) => StateOutcome,
): StateOutcome => {
  const mapRunFailed = (error: string, cause: string): StateOutcome => {
    const { mapRunArn } = newMapRunArn(f, s);
    const runStartedId = f.batch.push('MapRunStarted', startedId, { mapRunStartedEventDetails: { mapRunArn } }, { mapRun: { total: 0, maxConcurrency: 0 } });
    const failureEventId = f.batch.push('MapRunFailed', runStartedId, { mapRunFailedEventDetails: { error, cause } });
    return handleStateFailure(f, e, s, { error, cause, failureEventId }, () => f.batch.push('MapStateFailed', failureEventId));
  };
  if (!reading) {
    const evaluatedRequest = evaluated(f, e, () => itemReaderRequest(f, e, s, reader, effective), startedId);
    if ('failed' in evaluatedRequest) return evaluatedRequest.failed;
    const request = evaluatedRequest.value;
    if ('failed' in request) return mapRunFailed('States.ItemReaderFailed', request.failed);
    return pauseOn(f, e, 'itemReader', request.resource, request, startedId);
  }
  const signal = f.signal;
  if (signal.type !== 'task' || signal.taskId !== reading.id) return SUSPENDED;
  const answer = signal.signal;
  if (answer.type === 'failed') return mapRunFailed(answer.error ?? 'States.ItemReaderFailed', answer.cause ?? '');
  if (answer.type !== 'succeeded') return SUSPENDED;
  const items = JSON.parse(answer.output) as unknown;
  if (!Array.isArray(items)) return mapRunFailed('States.ItemReaderFailed', 'Attempting to map over non-iterable node.');
  return run(items);
};

/**
 * Distributed Map: `MapRunStarted{mapRunArn}`, then the Map pauses on its Map Run (a task of kind
 * `mapRun`) while the runtime runs one child execution per item or ItemBatcher batch, at most
 * MaxConcurrency at a time. When the runtime reports every child's end, the tolerated failures
 * decide `MapRunSucceeded` or `MapRunFailed{States.ExceedToleratedFailureThreshold}`. With a
 * ResultWriter that names a bucket the runtime has written the results there, and the Map's
 * result is `{MapRunArn, ResultWriterDetails: {Bucket, Key}}`; a write that failed fails the Map
 * Run with `States.ResultWriterFailed`.
 */
const runDistributed = (
  f: Frame,
  e: Entered,
  s: MapState,
  config: MapConfig,
  initialTolerance: Tolerance,
  itemInput: (i: number) => unknown,
  startedId: number,
  mapRun: PendingTask | undefined,
  finish: (outputs: unknown, previousEventId: number) => StateOutcome,
  effective: unknown,
): StateOutcome => {
  let tolerated = initialTolerance;
  if (!mapRun) {
    const writerBlock = resultWriterOf(s);
    const writerRequest = writerBlock ? evaluated(f, e, () => resultWriterRequest(f, e, s, writerBlock, effective), startedId) : undefined;
    if (writerRequest && 'failed' in writerRequest) return writerRequest.failed;
    const writer: ResultWriterRequest | undefined = writerRequest?.value;
    // A redrive reuses the Map Run that did not succeed (`MapRunRedriven`); otherwise a new one starts.
    const again = e.redrive?.mapRun;
    const fresh = again ? undefined : newMapRunArn(f, s);
    const label = again ? labelOf(again.mapRunArn) : fresh!.label;
    const mapRunArn = again ? again.mapRunArn : fresh!.mapRunArn;
    // The Map Run's configuration rides in the event's metadata, for DescribeMapRun.
    const inputs = childInputs(s, config.items.length, itemInput);
    const configuration = {
      mapRun: {
        total: inputs.length,
        maxConcurrency: config.maxConcurrency,
        ...(tolerated.toleratedCount !== undefined ? { toleratedFailureCount: tolerated.toleratedCount } : {}),
        ...(tolerated.toleratedPercentage !== undefined ? { toleratedFailurePercentage: tolerated.toleratedPercentage } : {}),
      },
    };
    const runStartedId = again
      ? f.batch.push('MapRunRedriven', startedId, { mapRunRedrivenEventDetails: { mapRunArn, redriveCount: again.redriveCount + 1 } }, configuration)
      : f.batch.push('MapRunStarted', startedId, { mapRunStartedEventDetails: { mapRunArn } }, configuration);
    const processor = { ...(config.processor as unknown as Record<string, unknown>) };
    delete processor['ProcessorConfig'];
    // Child runs inherit the machine's query language (AWS).
    if (f.language === 'JSONata' && processor['QueryLanguage'] === undefined) processor['QueryLanguage'] = 'JSONata';
    const spec: MapRunSpec = {
      mapRunArn,
      stateMachineArn: `${f.info.stateMachineArn}/${label}`,
      definition: JSON.stringify(processor),
      inputs,
      maxConcurrency: config.maxConcurrency,
      ...(again ? { redriveCount: again.redriveCount + 1 } : {}),
      ...(writer ? { writer } : {}),
    };
    return pauseOn(f, e, 'mapRun', mapRunArn, spec, runStartedId);
  }
  const signal = f.signal;
  if (signal.type !== 'task' || signal.taskId !== mapRun.id || signal.signal.type !== 'succeeded') return SUSPENDED;
  // The answer is the children's results, with the tolerance an UpdateMapRun set, if any.
  const answer = JSON.parse(signal.signal.output) as MapRunResult[] | MapRunAnswer;
  const results = Array.isArray(answer) ? answer : answer.results;
  if (!Array.isArray(answer) && answer.tolerance) tolerated = { ...tolerated, ...answer.tolerance };
  const failed = results.filter((r) => !r.ok).length;
  const n = results.length;
  const runStartedId = mapRun.lastEventId;
  const runFailed = (error: string, cause: string): StateOutcome => {
    const failure: Failure = {
      error,
      cause,
      failureEventId: f.batch.push('MapRunFailed', runStartedId, { mapRunFailedEventDetails: { error, cause } }),
      inner: mapRunRestart(mapRun),
    };
    return handleStateFailure(f, e, s, failure, () => f.batch.push('MapStateFailed', failure.failureEventId));
  };
  if (!Array.isArray(answer) && answer.writeFailed) return runFailed('States.ResultWriterFailed', answer.writeFailed.cause);
  // With no tolerance set, any failure fails the run.
  const untolerant = tolerated.toleratedCount === undefined && tolerated.toleratedPercentage === undefined;
  const exceeded = failed > 0 && (untolerant || exceedsTolerance(failed, n, { count: tolerated.toleratedCount, percentage: tolerated.toleratedPercentage }));
  if (exceeded) return runFailed('States.ExceedToleratedFailureThreshold', 'The specified tolerated failure threshold was exceeded');
  const succeededId = f.batch.push('MapRunSucceeded', runStartedId);
  f.batch.push('MapStateSucceeded', succeededId);
  const spec = JSON.parse(mapRun.input) as MapRunSpec;
  const written = Array.isArray(answer) ? undefined : answer.written;
  // A ResultWriter with only a WriterConfig: the transformed results are the Map's result.
  const preview = spec.writer && spec.writer.bucket === undefined ? spec.writer : undefined;
  const outputs = written
    ? { MapRunArn: spec.mapRunArn, ResultWriterDetails: { Bucket: written.bucket, Key: written.key } }
    : preview
      ? transformedResults(childRunRecords(spec, results), writerConfigOf(preview.writerConfig, false))
      : results.map((r) => JSON.parse(r.output) as unknown);
  // AWS's MapStateExited pointed at MapRunSucceeded until mid-2024 and at MapRunStarted since (its recordings show both).
  return finish(outputs, (f.info.engineVersion ?? 0) >= 4 ? runStartedId : succeededId);
};
