import type { MapRunResult } from './map-data.js';
import { nextTimerAt, pendingTasks, type ExecutionInfo, type ExecutionState, type ParentTask, type PendingTask, type TaskSignal } from './model.js';

/**
 * What a decision on an execution asks the runtime to do, as data. The runtime's reactor performs
 * each one (src/executions/reactor.ts in the runtime) and talks back only through commands.
 *
 * - `DispatchTask`: a task the execution now waits on: offered to activity workers, performed by
 *   the engine (an integration, or its mock), or run as a Map Run.
 * - `WithdrawOffer`: an activity task was handed to a worker: it is no longer offered.
 * - `ForgetTask`: a task the execution no longer waits on (answered, timed out, stopped): its
 *   offer and its heartbeats are dropped.
 * - `ArmTimer`: the instant the execution must next be woken (a Wait, a back-off, a timeout, a
 *   heartbeat, the next slice of a long decision); none when `at` is undefined.
 * - `AnswerParent`: a `.sync` child ended: its parent's task gets this answer.
 * - `ReportToMapRun`: a Map Run's child ended: the Map Run records its result.
 */
export type ExecutionEffect =
  | { readonly type: 'DispatchTask'; readonly info: ExecutionInfo; readonly task: PendingTask }
  | { readonly type: 'WithdrawOffer'; readonly taskId: string }
  | { readonly type: 'ForgetTask'; readonly taskId: string }
  | { readonly type: 'ArmTimer'; readonly at: number | undefined }
  | { readonly type: 'AnswerParent'; readonly parent: ParentTask; readonly signal: TaskSignal }
  | { readonly type: 'ReportToMapRun'; readonly parent: ParentTask & { readonly index: number }; readonly result: MapRunResult };

/**
 * What a `.sync` child that ended answers its parent's task: the child's DescribeExecution (Input
 * and Output as JSON texts, or as JSON with `.sync:2`) on success, or `States.TaskFailed` with it
 * as the cause. Undefined while the child runs, or when it has no `.sync` parent.
 */
export const syncAnswer = (child: ExecutionState): { readonly parent: ParentTask; readonly signal: TaskSignal } | undefined => {
  const info = child.info;
  const parent = info?.parent;
  if (!info || !parent || child.status === 'RUNNING' || child.status === undefined) return undefined;
  if (parent.pattern !== 'sync' && parent.pattern !== 'sync:2') return undefined;
  const v2 = parent.pattern === 'sync:2';
  const json = (text: string | undefined) => (text === undefined ? undefined : v2 ? (JSON.parse(text) as unknown) : text);
  const describe = {
    ...(child.cause !== undefined ? { Cause: child.cause } : {}),
    ...(child.error !== undefined ? { Error: child.error } : {}),
    ExecutionArn: info.executionArn,
    Input: json(info.input),
    InputDetails: { Included: true },
    Name: info.name,
    ...(child.output !== undefined ? { Output: json(child.output), OutputDetails: { Included: true } } : {}),
    RedriveCount: 0,
    StartDate: info.startDate,
    StateMachineArn: info.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate,
  };
  const signal: TaskSignal =
    child.status === 'SUCCEEDED'
      ? { type: 'succeeded', output: JSON.stringify(describe) }
      : { type: 'failed', error: 'States.TaskFailed', cause: JSON.stringify(describe) };
  return { parent, signal };
};

/** What a Map Run records of a child that ended: its output, or its Error and Cause, and when and how it ended (for a ResultWriter). */
export const mapRunResult = (child: ExecutionState): MapRunResult => {
  const when = {
    ...(child.status !== undefined ? { status: child.status } : {}),
    ...(child.info ? { startDate: child.info.startDate } : {}),
    ...(child.stopDate !== undefined ? { stopDate: child.stopDate } : {}),
    ...(child.info?.redriveCount ? { redriveCount: child.info.redriveCount } : {}),
  };
  return child.status === 'SUCCEEDED'
    ? { ok: true, output: child.output ?? 'null', ...when }
    : { ok: false, output: JSON.stringify({ Error: child.error ?? null, Cause: child.cause ?? null }), ...when };
};

/** The `.sync` children a parent is waiting on (their ARNs, from the start calls' answers). */
export const syncChildren = (state: ExecutionState): string[] =>
  pendingTasks(state).flatMap((t) => {
    if (t.resourceType !== 'states' || (t.pattern !== 'sync' && t.pattern !== 'sync:2') || !t.submittedOutput) return [];
    const arn = (JSON.parse(t.submittedOutput) as { ExecutionArn?: unknown }).ExecutionArn;
    return typeof arn === 'string' ? [arn] : [];
  });

/** What an execution's end asks of its parent, if it has one and has just ended. */
const parentEffects = (state: ExecutionState): ExecutionEffect[] => {
  const parent = state.info?.parent;
  if (!parent || state.status === 'RUNNING' || state.status === undefined) return [];
  if (parent.pattern === 'mapRun')
    return parent.index === undefined ? [] : [{ type: 'ReportToMapRun', parent: { ...parent, index: parent.index }, result: mapRunResult(state) }];
  const answer = syncAnswer(state);
  return answer ? [{ type: 'AnswerParent', ...answer }] : [];
};

/**
 * The effects of a decision that took an execution from `before` to `after`: the tasks it now
 * waits on that it did not (all of them when `before` is the initial state: a start, or a resume
 * after a restart), offers taken, tasks no longer waited on, its parent's answer when it has just
 * ended, and its next timer. `heartbeats` are the last heartbeats the runtime has seen per task
 * (they write no event), which move a heartbeat timeout later.
 *
 * @example
 * executionEffects(waitingOnNothing, waitingOnOneTask, {})
 * // [{ type: 'DispatchTask', info, task }, { type: 'ArmTimer', at: task.timeoutAt }]
 */
export const executionEffects = (before: ExecutionState, after: ExecutionState, heartbeats: Readonly<Record<string, number>> = {}): ExecutionEffect[] => {
  const was = new Map(pendingTasks(before).map((t) => [t.id, t]));
  const now = pendingTasks(after);
  const waiting = new Set(now.map((t) => t.id));
  const effects: ExecutionEffect[] = [];
  for (const id of was.keys()) if (!waiting.has(id)) effects.push({ type: 'ForgetTask', taskId: id });
  for (const task of now) {
    const old = was.get(task.id);
    if (!old) {
      if (after.info) effects.push({ type: 'DispatchTask', info: after.info, task });
    } else if (old.startedAt === undefined && task.startedAt !== undefined) effects.push({ type: 'WithdrawOffer', taskId: task.id });
  }
  if (before.status === 'RUNNING' || before.status === undefined) effects.push(...parentEffects(after));
  effects.push({ type: 'ArmTimer', at: nextTimerAt(after, heartbeats) });
  return effects;
};
