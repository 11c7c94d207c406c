import * as E from 'fp-ts/lib/Either.js';
import { decideExecution } from './decide.js';
import { stableJson } from './stable-json.js';
import { evolveExecution } from './evolve.js';
import { beginsDecision, decodeHistoryEvent, executionStartedMetadata, type RecordedHistoryEvent, type StoredHistoryEvent } from './stored-event.js';
import { initialExecutionState, type ExecutionCommand, type ExecutionInfo, type NewHistoryEvent, type ParentTask, type TaskSignal } from './model.js';

export type ReplayResult = { readonly ok: true; readonly decisions: number } | { readonly ok: false; readonly eventId: number; readonly reason: string };

/** What a replay compares: type, data, and the metadata keys the decider writes (the runtime may add others). */
const canonical = (e: StoredHistoryEvent | NewHistoryEvent, keys: readonly string[]) =>
  stableJson({ type: e.type, data: e.data, metadata: Object.fromEntries(keys.map((k) => [k, e.metadata?.[k]])) });

/** The command that produced the batch starting at `event`, rebuilt from what it recorded. */
const commandOf = (event: StoredHistoryEvent): ExecutionCommand | undefined => {
  const trigger = (event.metadata?.['trigger'] as { type?: string } | undefined)?.type;
  if (trigger === 'StartExecution') {
    const m = executionStartedMetadata(event.metadata);
    const d = event.data.executionStartedEventDetails!;
    const info: ExecutionInfo = {
      executionArn: m.executionArn,
      stateMachineArn: m.stateMachineArn,
      stateMachineName: m.stateMachineArn.split(':')[6] ?? '',
      name: m.name,
      roleArn: d.roleArn,
      definition: m.definition,
      stateMachineType: m.stateMachineType,
      input: d.input,
      startDate: event.data.timestamp,
      ...(m.traceHeader !== undefined ? { traceHeader: m.traceHeader } : {}),
      ...(m.parent !== undefined ? { parent: m.parent } : {}),
      ...(m.testCase !== undefined ? { testCase: m.testCase } : {}),
      ...(d.stateMachineVersionArn !== undefined ? { stateMachineVersionArn: d.stateMachineVersionArn } : {}),
      ...(d.stateMachineAliasArn !== undefined ? { stateMachineAliasArn: d.stateMachineAliasArn } : {}),
      ...(m.imported !== undefined ? { imported: m.imported } : {}),
      ...(m.mocks !== undefined ? { mocks: m.mocks } : {}),
      ...(m.time !== undefined ? { time: m.time } : {}),
    };
    return { type: 'StartExecution', info };
  }
  if (trigger === 'RedriveExecution') {
    const parent = event.metadata?.['parent'] as ParentTask | undefined;
    return { type: 'RedriveExecution', ...(parent !== undefined ? { parent } : {}) };
  }
  if (trigger === 'FireTimers') {
    const heartbeats = (event.metadata?.['trigger'] as { heartbeats?: Record<string, number> }).heartbeats;
    return { type: 'FireTimers', ...(heartbeats !== undefined ? { heartbeats } : {}) };
  }
  if (trigger === 'TaskUpdate') {
    const taskId = (event.metadata?.['trigger'] as { taskId?: string }).taskId ?? '';
    const d = event.data;
    const failed = (x: { error?: string; cause?: string } = {}): ExecutionCommand => ({
      type: 'TaskUpdate',
      taskId,
      signal: { type: 'failed', ...(x.error !== undefined ? { error: x.error } : {}), ...(x.cause !== undefined ? { cause: x.cause } : {}) },
    });
    switch (event.type) {
      case 'ActivityStarted': {
        const workerName = d.activityStartedEventDetails?.workerName;
        return { type: 'TaskUpdate', taskId, signal: { type: 'started', ...(workerName !== undefined ? { workerName } : {}) } };
      }
      case 'LambdaFunctionStarted':
      case 'TaskStarted':
        return { type: 'TaskUpdate', taskId, signal: { type: 'started' } };
      case 'TaskSubmitted':
        return { type: 'TaskUpdate', taskId, signal: { type: 'submitted', output: d.taskSubmittedEventDetails!.output } };
      case 'ActivitySucceeded':
      case 'LambdaFunctionSucceeded':
      case 'TaskSucceeded': {
        const output = (d.activitySucceededEventDetails ?? d.lambdaFunctionSucceededEventDetails ?? d.taskSucceededEventDetails)!.output;
        return { type: 'TaskUpdate', taskId, signal: { type: 'succeeded', output } };
      }
      case 'ActivityFailed':
        return failed(d.activityFailedEventDetails);
      case 'LambdaFunctionFailed':
        return failed(d.lambdaFunctionFailedEventDetails);
      case 'TaskFailed':
        return failed(d.taskFailedEventDetails);
      default: {
        const signal = (event.metadata?.['trigger'] as { signal?: TaskSignal }).signal;
        return signal ? { type: 'TaskUpdate', taskId, signal } : undefined;
      }
    }
  }
  if (trigger === 'StopExecution') {
    const d = event.data.executionAbortedEventDetails ?? {};
    return { type: 'StopExecution', ...(d.error !== undefined ? { error: d.error } : {}), ...(d.cause !== undefined ? { cause: d.cause } : {}) };
  }
  return undefined;
};

/**
 * Feeds a stored history back through the decider, decision by decision, and checks that it
 * reproduces every event exactly: the proof that the decider is deterministic and that the
 * history holds everything a decision depends on.
 */
export const replayExecution = (stored: readonly RecordedHistoryEvent[]): ReplayResult => {
  const events: StoredHistoryEvent[] = [];
  for (const [i, e] of stored.entries()) {
    const decoded = decodeHistoryEvent(e);
    if (E.isLeft(decoded)) return { ok: false, eventId: i + 1, reason: `event ${i + 1} has the type ${decoded.left.type}, which this version does not know` };
    events.push(decoded.right);
  }
  // An imported history keeps the recording's timestamps (several per decision): a replay compares all but them.
  const imported = events[0]?.metadata?.['imported'] !== undefined;
  let state = initialExecutionState;
  let i = 0;
  let decisions = 0;
  while (i < events.length) {
    const first = events[i]!;
    if ((first.metadata?.['trigger'] as { type?: string } | undefined)?.type === 'ForkExecution') {
      // A fork's first decision copied its source's events: they are what the source's decisions
      // wrote, taken as given (the source's own replay checks them); the fork's decisions follow.
      if (i !== 0) return { ok: false, eventId: i + 1, reason: `event ${i + 1} (${first.type}) records a fork, which only a history's first event can` };
      let end = i + 1;
      while (end < events.length && !beginsDecision(events[end])) end++;
      for (const e of events.slice(i, end)) state = evolveExecution(state, e);
      i = end;
      decisions++;
      continue;
    }
    const command = commandOf(first);
    if (!command) return { ok: false, eventId: i + 1, reason: `event ${i + 1} (${first.type}) starts no recorded decision` };
    const recorded = (first.metadata?.['trigger'] ?? {}) as {
      uuids?: string[];
      randoms?: number[];
      activities?: Record<string, boolean>;
      tokens?: string[];
      now?: number;
    };
    const activities = recorded.activities;
    const tokens = [...(recorded.tokens ?? [])];
    const uuids = [...(recorded.uuids ?? [])];
    const randoms = [...(recorded.randoms ?? [])];
    const produced = decideExecution(state, command, {
      now: recorded.now ?? first.data.timestamp,
      ...(activities ? { activityExists: (arn: string) => activities[arn] ?? true } : {}),
      ...(recorded.tokens ? { taskToken: () => tokens.shift() ?? '' } : {}),
      random: () => {
        const r = randoms.shift();
        if (r === undefined) throw new Error('replay: the decision draws more random numbers than it recorded');
        return r;
      },
      uuid: () => {
        const u = uuids.shift();
        if (u === undefined) throw new Error('replay: the decision draws more ids than it recorded');
        return u;
      },
    });
    if (produced.length === 0) return { ok: false, eventId: i + 1, reason: `the decider produced nothing for ${command.type}` };
    for (const [k, decided] of produced.entries()) {
      const stored = events[i + k];
      if (!stored) return { ok: false, eventId: i + k + 1, reason: `the decider produced ${decided.type} beyond the end of the history` };
      const timed = imported ? { ...decided, data: { ...decided.data, timestamp: stored.data.timestamp } } : decided;
      // The instant a decision was made at, when it is not its first event's timestamp, is part of its trigger.
      const p =
        k === 0 && recorded.now !== undefined
          ? { ...timed, metadata: { ...(timed.metadata ?? {}), trigger: { ...(timed.metadata?.['trigger'] as object), now: recorded.now } } }
          : timed;
      const keys = Object.keys(p.metadata ?? {});
      if (canonical(stored, keys) !== canonical(p, keys)) {
        return { ok: false, eventId: i + k + 1, reason: `stored ${canonical(stored, keys)} but the decider produced ${canonical(p, keys)}` };
      }
    }
    for (const e of events.slice(i, i + produced.length)) state = evolveExecution(state, e);
    i += produced.length;
    decisions++;
  }
  return { ok: true, decisions };
};
