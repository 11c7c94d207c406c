import { contextObject } from './context-object.js';
import type { ExecutionState, FrameTable, PendingTask, SuspendedFrame } from './model.js';

/**
 * The state of an execution after one event of its history, as a person debugging it wants to
 * see it (`stepstream inspect`, `Stepstream.InspectExecution`): a view of the fold
 * ({@link ExecutionState}), which is what the engine decides from. Dates are epoch seconds with
 * milliseconds, as AWS's JSON answers write them;
 * inputs, outputs and variables are the JSON texts the history holds, parsed.
 */
export interface Inspection {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  /** The event the state is shown after (1 is ExecutionStarted), and the last event of the history. */
  readonly eventId: number;
  readonly lastEventId: number;
  readonly event: { readonly id: number; readonly type: string; readonly timestamp: number };
  /**
   * The paused frames (active states, timers, tasks) change at the end of each decision, which
   * may write several events: they are shown as of this event, which is `eventId` when it ends its
   * decision and else the event before that decision began.
   */
  readonly framesAsOfEventId: number;
  readonly status: string;
  /** A fork's source: the execution and the last of its events the fork's history copies. */
  readonly forkedFrom?: { readonly executionArn: string; readonly eventId: number };
  /** Imported from a recorded history (`stepstream import`): the execution as AWS named it. */
  readonly imported?: { readonly from: 'aws'; readonly executionArn: string; readonly stateMachineArn: string };
  readonly startDate: number;
  readonly stopDate?: number;
  readonly redriveCount: number;
  readonly input: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** The states the execution is in, one per frame (the execution, a Parallel branch, a Map iteration). */
  readonly activeStates: readonly ActiveState[];
  /** Branches or iterations that have finished while their siblings run on, with their output. */
  readonly finishedFrames: readonly { readonly path: string; readonly ok: boolean; readonly output: unknown }[];
  /**
   * What fires on the clock: Wait ends, retry back-offs, task timeouts and the execution's own
   * timeout. A heartbeat's deadline moves with each SendTaskHeartbeat, which the history does not
   * record: a task shows its `heartbeatSeconds` instead.
   */
  readonly timers: readonly Timer[];
  /** Tasks scheduled and not finished. */
  readonly tasks: readonly InspectedTask[];
  /** Distributed Map runs under way. */
  readonly mapRuns: readonly { readonly path: string; readonly state: string; readonly mapRunArn: string; readonly total?: number }[];
}

export interface ActiveState {
  /** `""` for the execution's own frame; `"<parent>/<i>"` for branch or iteration i of the state the parent frame is in. */
  readonly path: string;
  /** Where the frame is, in words: `execution`, or `branch 1 of Fan` / `iteration 3 of Each` and so on up. */
  readonly frame: string;
  readonly state: string;
  /** The state's input as it was entered. */
  readonly input: unknown;
  readonly enteredEventId: number;
  readonly enteredDate: number;
  /** `$$.State.RetryCount` of the current attempt, and each retrier's count. */
  readonly retryCount: number;
  readonly retryCounts: readonly number[];
  /** What the state waits for: `wait`, `retry`, `task`, `parallel`, `map`, or `continue` (the next decision goes on at once). */
  readonly waitingFor: SuspendedFrame['on']['kind'];
  /** The frame's own variables (JSONata `Assign`), by name. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The context object (`$$`) the state sees. */
  readonly context: unknown;
}

export interface Timer {
  readonly path: string;
  readonly state: string;
  readonly kind: 'wait' | 'retry' | 'task-timeout' | 'execution-timeout';
  readonly dueDate: number;
}

export interface InspectedTask {
  readonly path: string;
  readonly state: string;
  /** The task's id in the execution (`<frame path>#<scheduling event id>`). */
  readonly taskId: string;
  readonly kind: PendingTask['kind'];
  readonly resource: string;
  readonly pattern?: string;
  readonly input: unknown;
  readonly scheduledDate: number;
  readonly startedDate?: number;
  readonly workerName?: string;
  /** A `.sync` or callback task whose start was answered: now its result is awaited. */
  readonly submitted?: boolean;
  readonly heartbeatSeconds?: number;
}

/** The event the inspection is at, and whether it is the last of its decision. */
export interface InspectedEvent {
  readonly id: number;
  readonly type: string;
  readonly timestamp: number;
  /** The id of the event after which the paused frames are as folded (see {@link Inspection.framesAsOfEventId}). */
  readonly framesAsOfEventId: number;
}

/** JSON text parsed; text that is not JSON (it should not happen) is shown as it is. */
const parsed = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
};

/** `execution`, or `branch 2 of Fan in iteration 0 of Each`: where a frame is, from the frames above it. */
const frameName = (frames: FrameTable, path: string): string => {
  if (path === '') return 'execution';
  const cut = path.lastIndexOf('/');
  const parentPath = path.slice(0, cut);
  const index = path.slice(cut + 1);
  const parent = frames[parentPath];
  const what = parent?.kind === 'suspended' && parent.on.kind === 'parallel' ? 'branch' : 'iteration';
  const of = parent?.kind === 'suspended' ? ` of ${parent.state}` : '';
  return parentPath === '' ? `${what} ${index}${of}` : `${what} ${index}${of} in ${frameName(frames, parentPath)}`;
};

/** Epoch milliseconds as AWS's JSON answers write dates: epoch seconds with a fraction. */
const seconds = (ms: number): number => ms / 1000;

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The inspection of `state`, the fold of an execution's history up to `at`. `lastEventId` is the
 * number of events in the whole history. `undefined` when the fold holds no execution (no events).
 *
 * @example
 * const state = foldExecution(history.slice(0, 12));
 * inspectState(state, { id: 12, type: 'WaitStateEntered', timestamp, framesAsOfEventId: 12 }, history.length)?.timers;
 * // [{ path: '', state: 'Pause', kind: 'wait', dueDate: … }]
 */
export const inspectState = (state: ExecutionState, at: InspectedEvent, lastEventId: number): Inspection | undefined => {
  const info = state.info;
  if (info === undefined || state.status === undefined) return undefined;
  const input = parsed(info.input);
  const activeStates: ActiveState[] = [];
  const finishedFrames: { path: string; ok: boolean; output: unknown }[] = [];
  const timers: Timer[] = [];
  const tasks: InspectedTask[] = [];
  const mapRuns: { path: string; state: string; mapRunArn: string; total?: number }[] = [];
  for (const [path, entry] of Object.entries(state.frames)) {
    if (entry.kind === 'finished') {
      finishedFrames.push({ path, ok: entry.ok, output: parsed(entry.output) });
      continue;
    }
    const { entered, on } = entry;
    const context = contextObject(info, input, entry.state, entered.enteredAt);
    activeStates.push({
      path,
      frame: frameName(state.frames, path),
      state: entry.state,
      input: parsed(entered.input),
      enteredEventId: entered.enteredId,
      enteredDate: seconds(entered.enteredAt),
      retryCount: entered.retryCount,
      retryCounts: entered.retryCounts,
      waitingFor: on.kind,
      variables: Object.fromEntries(Object.entries(entry.vars ?? {}).map(([name, text]) => [name, parsed(text)])),
      context: on.kind === 'task' ? { ...context, State: { ...context.State, RetryCount: entered.retryCount } } : context,
    });
    if (on.kind === 'wait' || on.kind === 'retry') timers.push({ path, state: entry.state, kind: on.kind, dueDate: seconds(on.dueAt) });
    if (on.kind === 'task') {
      const task = on.task;
      tasks.push({
        path,
        state: entry.state,
        taskId: task.id,
        kind: task.kind,
        resource: task.resource,
        ...(task.pattern !== undefined ? { pattern: task.pattern } : {}),
        input: parsed(task.input),
        scheduledDate: seconds(task.scheduledAt),
        ...(task.startedAt !== undefined ? { startedDate: seconds(task.startedAt) } : {}),
        ...(task.workerName !== undefined ? { workerName: task.workerName } : {}),
        ...(task.submitted === true ? { submitted: true } : {}),
        ...(task.heartbeatSeconds !== undefined ? { heartbeatSeconds: task.heartbeatSeconds } : {}),
      });
      if (task.timeoutAt !== undefined) timers.push({ path, state: entry.state, kind: 'task-timeout', dueDate: seconds(task.timeoutAt) });
    }
    if (on.kind === 'map' && on.run !== undefined) {
      mapRuns.push({ path, state: entry.state, mapRunArn: on.run.mapRunArn, ...(on.total !== undefined ? { total: on.total } : {}) });
    }
  }
  if (state.status === 'RUNNING' && info.timeoutAt !== undefined)
    timers.push({ path: '', state: '', kind: 'execution-timeout', dueDate: seconds(info.timeoutAt) });
  timers.sort((a, b) => a.dueDate - b.dueDate || byPath(a, b));
  return {
    executionArn: info.executionArn,
    stateMachineArn: info.stateMachineArn,
    name: info.name,
    eventId: at.id,
    lastEventId,
    event: { id: at.id, type: at.type, timestamp: seconds(at.timestamp) },
    framesAsOfEventId: at.framesAsOfEventId,
    status: state.status,
    ...(info.forkedFrom !== undefined ? { forkedFrom: info.forkedFrom } : {}),
    ...(info.imported !== undefined ? { imported: info.imported } : {}),
    startDate: seconds(info.startDate),
    ...(state.stopDate !== undefined ? { stopDate: seconds(state.stopDate) } : {}),
    redriveCount: info.redriveCount ?? 0,
    input,
    ...(state.output !== undefined ? { output: parsed(state.output) } : {}),
    ...(state.error !== undefined ? { error: state.error } : {}),
    ...(state.cause !== undefined ? { cause: state.cause } : {}),
    activeStates: activeStates.sort(byPath),
    finishedFrames: finishedFrames.sort(byPath),
    timers,
    tasks: tasks.sort(byPath),
    mapRuns: mapRuns.sort(byPath),
  };
};
