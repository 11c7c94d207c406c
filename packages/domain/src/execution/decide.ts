import { parseDefinition, type StateDefinition, type StateMachineDefinition } from '@stepstream/asl/definition';
import {
  ENGINE_VERSION,
  frameDueAt,
  initialExecutionState,
  type DecisionEnv,
  type ExecutionCommand,
  type ExecutionState,
  type NewHistoryEvent,
  type SuspendedFrame,
} from './model.js';
import { evolveExecution, type FramesDelta } from './evolve.js';
import { DECISION_BUDGET, EventBatch } from './batch.js';
import { Frames } from './frames.js';
import { RESUME } from './interpreter.js';
import { restartOfExecution } from './redrive.js';
import { runExecution } from './run.js';
import type { ExecutionStartedMetadata } from '../history.js';

/** Definitions are parsed once per text: a pure function, memoised (bounded by count and by characters: a definition may be 1 MiB). */
const parsed = new Map<string, StateMachineDefinition>();
let parsedChars = 0;
export const definitionOf = (text: string): StateMachineDefinition => {
  let d = parsed.get(text);
  if (!d) {
    const r = parseDefinition(text);
    if (!r.ok) throw new Error('A stored definition no longer validates; it was validated when the state machine was written');
    d = r.definition;
    if (parsed.size > 500 || parsedChars + text.length > 32 * 1024 * 1024) {
      parsed.clear();
      parsedChars = 0;
    }
    parsed.set(text, d);
    parsedChars += text.length;
  }
  return d;
};

/** Every state of a definition with its name, its Parallel branches' and Map processors' (at any depth) included. */
export function* everyState(definition: StateMachineDefinition): Generator<readonly [string, StateDefinition]> {
  for (const [name, state] of Object.entries(definition.States)) {
    yield [name, state];
    const inner = state.Type === 'Parallel' ? state.Branches : state.Type === 'Map' ? [state.ItemProcessor ?? state.Iterator] : [];
    for (const machine of inner) if (machine !== undefined) yield* everyState(machine);
  }
}

/**
 * The execution decider: given the fold of the history so far and a command, the events to
 * append. Pure: time, ids and randomness come in `env`, so the same history and command always
 * give the same events (the replay check in the tests relies on it).
 */
export const decideExecution = (state: ExecutionState, command: ExecutionCommand, env: DecisionEnv): NewHistoryEvent[] => {
  // An import's events were decided by `importAwsHistory`, decision by decision, triggers recorded: a new stream takes them as they are.
  if (command.type === 'ImportExecution') return state.status === undefined && command.events[0]?.type === 'ExecutionStarted' ? [...command.events] : [];
  // Record the ids and random numbers the decision drew, so a replay can feed them back.
  const uuids: string[] = [];
  const randoms: number[] = [];
  const activities: Record<string, boolean> = {};
  const tokens: string[] = [];
  const lookup = env.activityExists;
  const sign = env.taskToken;
  const recording: DecisionEnv = {
    now: env.now,
    // Only TestState sets it, and TestState stores nothing to replay.
    ...(env.context !== undefined ? { context: env.context } : {}),
    ...(lookup
      ? {
          activityExists: (arn: string) => {
            const exists = lookup(arn);
            activities[arn] = exists;
            return exists;
          },
        }
      : {}),
    ...(sign
      ? {
          taskToken: (taskId: string) => {
            const token = sign(taskId);
            tokens.push(token);
            return token;
          },
        }
      : {}),
    uuid: () => {
      const u = env.uuid();
      uuids.push(u);
      return u;
    },
    random: () => {
      const r = env.random();
      randoms.push(r);
      return r;
    },
  };
  const events = decide(state, recording, command);
  const [first, ...rest] = events;
  if (!first) return events;
  // The first event of each decision records what triggered it (`metadata.trigger`), so a replay
  // knows which command to feed back and where each decision's batch begins.
  const trigger = {
    type: command.type,
    ...(command.type === 'TaskUpdate' ? { taskId: command.taskId } : {}),
    // A task answer whose first event does not carry it (a Map Run's results) is kept for replay.
    ...(command.type === 'TaskUpdate' && !TASK_EVENTS.has(first.type) ? { signal: command.signal } : {}),
    ...(command.type === 'FireTimers' && command.heartbeats !== undefined ? { heartbeats: command.heartbeats } : {}),
    ...(uuids.length > 0 ? { uuids } : {}),
    ...(randoms.length > 0 ? { randoms } : {}),
    ...(Object.keys(activities).length > 0 ? { activities } : {}),
    ...(tokens.length > 0 ? { tokens } : {}),
  };
  return [{ ...first, metadata: { ...(first.metadata ?? {}), trigger } }, ...rest];
};

/** The events a task answer starts with, from which a replay rebuilds the answer. */
const TASK_EVENTS = new Set([
  'ActivityStarted',
  'ActivitySucceeded',
  'ActivityFailed',
  'LambdaFunctionStarted',
  'LambdaFunctionSucceeded',
  'LambdaFunctionFailed',
  'TaskStarted',
  'TaskSubmitted',
  'TaskSucceeded',
  'TaskFailed',
]);

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/** Records what the decision changed in the paused frames on its last event (unless the execution ended). */
const withFrames = (events: NewHistoryEvent[], frames: Frames): NewHistoryEvent[] => {
  const last = events.at(-1);
  const delta = frames.delta();
  if (!delta || (last && TERMINAL.has(last.type))) return events;
  if (!last) throw new Error('A decision changed the paused frames without writing an event');
  return [...events.slice(0, -1), { ...last, metadata: { ...(last.metadata ?? {}), frames: delta } }];
};

/** Executions started by engine version 3 or later decide in budgeted slices; older ones as they were recorded. */
const budgetOf = (engineVersion: number | undefined) => ((engineVersion ?? 0) >= 3 ? DECISION_BUDGET : undefined);

const decide = (state: ExecutionState, env: DecisionEnv, command: ExecutionCommand): NewHistoryEvent[] => {
  const batch = new EventBatch(state.lastEventId, env.now, budgetOf(command.type === 'StartExecution' ? ENGINE_VERSION : state.info?.engineVersion));
  switch (command.type) {
    case 'StartExecution': {
      if (state.status !== undefined) return [];
      const info = command.info;
      const definition = definitionOf(info.definition);
      // The definition's TimeoutSeconds, or a limit the caller sets (Express: 5 minutes), whichever comes first.
      const limits = [definition.TimeoutSeconds !== undefined ? info.startDate + definition.TimeoutSeconds * 1000 : undefined, info.timeoutAt].filter(
        (x): x is number => x !== undefined,
      );
      const timeoutAt = limits.length > 0 ? Math.min(...limits) : undefined;
      const metadata: ExecutionStartedMetadata = {
        executionArn: info.executionArn,
        stateMachineArn: info.stateMachineArn,
        name: info.name,
        definition: info.definition,
        stateMachineType: info.stateMachineType,
        ...(info.traceHeader !== undefined ? { traceHeader: info.traceHeader } : {}),
        ...(info.parent !== undefined ? { parent: info.parent } : {}),
        ...(info.testCase !== undefined ? { testCase: info.testCase } : {}),
        ...(timeoutAt !== undefined ? { timeoutAt } : {}),
        engineVersion: ENGINE_VERSION,
        ...(info.imported !== undefined ? { imported: info.imported } : {}),
        ...(info.mocks !== undefined ? { mocks: info.mocks } : {}),
        ...(info.time !== undefined ? { time: info.time } : {}),
      };
      batch.push(
        'ExecutionStarted',
        0,
        {
          executionStartedEventDetails: {
            input: info.input,
            inputDetails: { truncated: false },
            roleArn: info.roleArn,
            ...(info.stateMachineAliasArn !== undefined ? { stateMachineAliasArn: info.stateMachineAliasArn } : {}),
            ...(info.stateMachineVersionArn !== undefined ? { stateMachineVersionArn: info.stateMachineVersionArn } : {}),
          },
        },
        metadata as unknown as Record<string, unknown>,
      );
      const withTimeout = { ...info, engineVersion: ENGINE_VERSION, ...(metadata.timeoutAt !== undefined ? { timeoutAt: metadata.timeoutAt } : {}) };
      const frames = new Frames({});
      runExecution(
        withTimeout,
        definition,
        batch,
        env,
        frames,
        { type: 'none' },
        { stateName: definition.StartAt, input: JSON.parse(info.input), previousEventId: 0 },
      );
      return withFrames(batch.events, frames);
    }
    case 'ForkExecution': {
      if (state.status !== undefined) return [];
      const { info } = command;
      // The fork's own identity on its first event; its timeout counts from now; it answers no parent.
      const seconds = definitionOf(info.definition).TimeoutSeconds;
      const copied: NewHistoryEvent[] = command.events.map((e, i) => {
        const { trigger: _trigger, $hash: _hash, $previousHash: _previous, ...kept } = (e.metadata ?? {}) as Record<string, unknown>;
        if (i > 0) return { type: e.type, data: e.data, metadata: kept };
        const { parent: _parent, timeoutAt: _timeoutAt, mocks: _mocks, time: _time, imported: _imported, ...started } = kept;
        const metadata = {
          ...started,
          executionArn: info.executionArn,
          name: info.name,
          definition: info.definition,
          forkedFrom: info.forkedFrom,
          // A fork runs here: its own mocks and clock, never an import's mark.
          ...(info.mocks !== undefined ? { mocks: info.mocks } : {}),
          ...(info.time !== undefined ? { time: info.time } : {}),
          ...(seconds !== undefined ? { timeoutAt: env.now + seconds * 1000 } : {}),
        };
        return { type: e.type, data: e.data, metadata };
      });
      const { overrides } = command;
      if (overrides === undefined || (overrides.input === undefined && overrides.variables === undefined)) return copied;
      // The overrides change the execution's own paused frame: one more `set` on the last event's delta.
      const top = command.events.reduce(evolveExecution, initialExecutionState).frames[''];
      if (top?.kind !== 'suspended') throw new Error('ForkExecution: the execution has no paused state of its own at the fork to give an input or variables');
      const changed: SuspendedFrame = {
        ...top,
        entered: overrides.input !== undefined ? { ...top.entered, input: overrides.input } : top.entered,
        ...(overrides.variables !== undefined ? { vars: { ...(top.vars ?? {}), ...overrides.variables } } : {}),
      };
      const last = copied.at(-1)!;
      const delta = (last.metadata?.['frames'] ?? {}) as FramesDelta;
      const frames: FramesDelta = { ...delta, set: { ...(delta.set ?? {}), '': changed } };
      return [...copied.slice(0, -1), { ...last, metadata: { ...(last.metadata ?? {}), frames } }];
    }
    case 'FireTimers': {
      if (state.status !== 'RUNNING' || !state.info) return [];
      const info = state.info;
      if (info.timeoutAt !== undefined && info.timeoutAt <= env.now) {
        batch.push('ExecutionTimedOut', state.lastEventId, { executionTimedOutEventDetails: { error: 'States.Timeout' } }, restartOf(state));
        return batch.events;
      }
      const heartbeats = command.heartbeats ?? {};
      const due = Object.values(state.frames).some((entry) => {
        const at = frameDueAt(entry, heartbeats);
        return at !== undefined && at <= env.now;
      });
      if (!due) return [];
      const frames = new Frames(state.frames);
      runExecution(info, definitionOf(info.definition), batch, env, frames, { type: 'timers', heartbeats }, RESUME);
      return withFrames(batch.events, frames);
    }
    case 'TaskUpdate': {
      if (state.status !== 'RUNNING' || !state.info) return [];
      const info = state.info;
      const known = Object.values(state.frames).some((e) => e.kind === 'suspended' && e.on.kind === 'task' && e.on.task.id === command.taskId);
      if (!known) return [];
      const frames = new Frames(state.frames);
      runExecution(info, definitionOf(info.definition), batch, env, frames, { type: 'task', taskId: command.taskId, signal: command.signal }, RESUME);
      return withFrames(batch.events, frames);
    }
    case 'StopExecution': {
      if (state.status !== 'RUNNING') return [];
      batch.push(
        'ExecutionAborted',
        0,
        {
          executionAbortedEventDetails: {
            ...(command.error !== undefined ? { error: command.error } : {}),
            ...(command.cause !== undefined ? { cause: command.cause } : {}),
          },
        },
        restartOf(state),
      );
      return batch.events;
    }
    case 'RedriveExecution': {
      if (!state.info || !state.restart || (state.status !== 'FAILED' && state.status !== 'ABORTED' && state.status !== 'TIMED_OUT')) return [];
      if (state.info.imported !== undefined) return []; // an imported execution does not run here: a fork does
      const redriveCount = (state.info.redriveCount ?? 0) + 1;
      const definition = definitionOf(state.info.definition);
      // The execution's TimeoutSeconds clock starts again (AWS).
      const timeoutAt = definition.TimeoutSeconds !== undefined ? env.now + definition.TimeoutSeconds * 1000 : undefined;
      const metadata = { ...(timeoutAt !== undefined ? { timeoutAt } : {}), ...(command.parent !== undefined ? { parent: command.parent } : {}) };
      const redrivenId = batch.push(
        'ExecutionRedriven',
        0,
        { executionRedrivenEventDetails: { redriveCount } },
        Object.keys(metadata).length > 0 ? metadata : undefined,
      );
      const { timeoutAt: _, ...rest } = state.info;
      const info = {
        ...rest,
        redriveCount,
        redriveDate: env.now,
        ...(timeoutAt !== undefined ? { timeoutAt } : {}),
        ...(command.parent !== undefined ? { parent: command.parent } : {}),
      };
      const frames = new Frames({});
      runExecution(info, definition, batch, env, frames, { type: 'none' }, { restart: state.restart, previousEventId: redrivenId });
      return withFrames(batch.events, frames);
    }
    case 'ImportExecution':
      return []; // decideExecution takes an import's events as they are
  }
};

/** Where a redrive would start: the state a paused execution is in, and what its branches or iterations had done. */
const restartOf = (state: ExecutionState): Record<string, unknown> | undefined => {
  const restart = restartOfExecution(state.frames);
  return restart ? { restart } : undefined;
};
