import type { VirtualClock } from '../virtual-time.js';
import {
  decideExecution,
  evolveExecution,
  foldExecution,
  nextTimerAt,
  pendingTasks,
  type DecisionEnv,
  type ExecutionCommand,
  type ExecutionInfo,
  type ExecutionState,
  mapRunResult,
  type MapRunAnswer,
  type MapRunResult,
  type MapRunSpec,
  type NewHistoryEvent,
} from '@stepstream/domain';
import { MapRunData } from '../map-runs/map-data.js';
import type { TaskContext, TaskRunner } from '../integrations/integrations.js';

/** The most recent events an Express run keeps in memory. */
const EXPRESS_EVENTS_KEPT = 10_000;

/** AWS: an Express execution runs for at most 5 minutes. */
export const EXPRESS_MAX_MS = 5 * 60 * 1000;

export interface ExpressRun {
  readonly state: ExecutionState;
  readonly events: readonly NewHistoryEvent[];
  readonly startedAt: number;
  readonly endedAt: number;
}

/**
 * Runs an Express execution in memory, as AWS does: nothing is written to the event store (AWS
 * keeps no history for Express executions), so a StartSyncExecution is answered from one process
 * with no durable step in between (at most once). The same decider runs it: Waits sleep, Lambda,
 * HTTP and nested calls go through the integrations, a Distributed Map's child runs are Express
 * runs too, and after 5 minutes (or the definition's TimeoutSeconds) it times out.
 */
export const runExpress = async (
  info: ExecutionInfo,
  deps: {
    readonly integrations: TaskRunner;
    readonly env: () => DecisionEnv;
    readonly clock: () => number;
    /** Virtual time (src/virtual-time.ts): a wait moves the clock to its end instead of sleeping. */
    readonly virtualTime?: VirtualClock;
    /** Stops the run early (TestState stops at a retry back-off). */
    readonly stopWhen?: (state: ExecutionState) => boolean;
    /** A Distributed Map's ItemReader and ResultWriter (map-runs/map-data.ts); none: readers fail, saying how to configure S3. */
    readonly mapData?: Pick<MapRunData, 'read' | 'write'>;
  },
): Promise<ExpressRun> => {
  const startedAt = info.startDate;
  const deadline = startedAt + EXPRESS_MAX_MS;
  let state = foldExecution([]);
  const events: NewHistoryEvent[] = [];
  const apply = (command: ExecutionCommand, at?: number) => {
    const env = deps.env();
    const decided = decideExecution(state, command, at === undefined ? env : { ...env, now: at });
    for (const e of decided) state = evolveExecution(state, e);
    // Express has no history cap: keep the recent events only (what TestState reads), not a whole
    // 5-minute run — one decision may make hundreds of thousands (a loop, an inline Map), so no spread.
    for (const e of decided.length > EXPRESS_EVENTS_KEPT ? decided.slice(-EXPRESS_EVENTS_KEPT) : decided) events.push(e);
    if (events.length > EXPRESS_EVENTS_KEPT) events.splice(0, events.length - EXPRESS_EVENTS_KEPT);
  };
  // The 5-minute limit is the execution's timeout unless its definition sets a shorter one.
  apply({ type: 'StartExecution', info: { ...info, timeoutAt: deadline } }, startedAt);
  const [, , , region = '', account = ''] = info.executionArn.split(':');
  const ctx: TaskContext = { executionArn: info.executionArn, region, account };
  while (state.status === 'RUNNING') {
    if (deps.stopWhen?.(state)) break;
    const tasks = pendingTasks(state).filter((t) => !t.submitted);
    if (tasks.length > 0) {
      await Promise.all(
        tasks.map(async (task) => {
          if (task.kind === 'mapRun') {
            const spec = JSON.parse(task.input) as MapRunSpec;
            const results = await runChildren(spec, info, deps);
            const written = spec.writer?.bucket !== undefined ? await (deps.mapData ?? new MapRunData(undefined)).write(spec, results) : {};
            const answer: MapRunAnswer = { results, ...written };
            apply({ type: 'TaskUpdate', taskId: task.id, signal: { type: 'succeeded', output: JSON.stringify(answer) } });
            return;
          }
          if (task.kind === 'itemReader') {
            apply({ type: 'TaskUpdate', taskId: task.id, signal: await (deps.mapData ?? new MapRunData(undefined)).read(task) });
            return;
          }
          if (task.startedAt === undefined) apply({ type: 'TaskUpdate', taskId: task.id, signal: { type: 'started' } });
          const answer = await deps.integrations.run(task, ctx);
          apply({ type: 'TaskUpdate', taskId: task.id, signal: answer });
        }),
      );
      continue;
    }
    const at = nextTimerAt(state);
    if (at === undefined) {
      apply({
        type: 'StopExecution',
        error: 'States.Runtime',
        cause: 'The Express execution waits for something only a worker or a callback can give, which Express workflows do not support.',
      });
      break;
    }
    const wait = at - deps.clock();
    // A wait sleeps; a decision that spent its budget yields to the event loop before the next slice,
    // so a looping Express execution never holds the process (it ends at its 5-minute timeout).
    if (wait > 0 && deps.virtualTime === undefined) await new Promise((r) => setTimeout(r, wait));
    else {
      deps.virtualTime?.advanceTo(at);
      await new Promise((r) => setImmediate(r));
    }
    apply({ type: 'FireTimers' });
  }
  return { state, events, startedAt, endedAt: state.stopDate ?? deps.clock() };
};

/** A Distributed Map inside an Express execution: its child runs are Express runs, MaxConcurrency at a time. */
const runChildren = async (spec: MapRunSpec, parent: ExecutionInfo, deps: Parameters<typeof runExpress>[1]): Promise<MapRunResult[]> => {
  const results: MapRunResult[] = new Array(spec.inputs.length);
  const limit = spec.maxConcurrency > 0 ? spec.maxConcurrency : spec.inputs.length;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= spec.inputs.length) return;
      const now = deps.clock();
      const run = await runExpress(
        {
          ...parent,
          executionArn: `${parent.executionArn}/${i}`,
          stateMachineArn: spec.stateMachineArn,
          name: `${parent.name}-${i}`,
          definition: spec.definition,
          input: JSON.stringify(spec.inputs[i] ?? null),
          startDate: now,
        },
        deps,
      );
      results[i] = mapRunResult(run.state);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, spec.inputs.length)) }, worker));
  return results;
};
