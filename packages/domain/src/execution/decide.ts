import { parseDefinition, type StateMachineDefinition } from '@stepstream/asl/definition';
import { ENGINE_VERSION, type DecisionEnv, type ExecutionCommand, type ExecutionState, type NewHistoryEvent } from './model.js';
import { EventBatch, runStates } from './interpreter.js';
import type { ExecutionStartedMetadata } from '../history.js';

/** Definitions are parsed once per text: a pure function, memoised. */
const parsed = new Map<string, StateMachineDefinition>();
export const definitionOf = (text: string): StateMachineDefinition => {
  let d = parsed.get(text);
  if (!d) {
    const r = parseDefinition(text);
    if (!r.ok) throw new Error('A stored definition no longer validates; it was validated when the state machine was written');
    d = r.definition;
    if (parsed.size > 500) parsed.clear();
    parsed.set(text, d);
  }
  return d;
};

/**
 * The execution decider: given the fold of the history so far and a command, the events to
 * append. Pure: time, ids and randomness come in `env`, so the same history and command always
 * give the same events (the replay check in the tests relies on it).
 */
export const decideExecution = (state: ExecutionState, command: ExecutionCommand, env: DecisionEnv): NewHistoryEvent[] =>
  markTrigger(decide(state, command, env), command);

/**
 * The first event of each decision records what triggered it (`metadata.trigger`), so a replay
 * knows which command to feed back and where each decision's batch begins.
 */
const markTrigger = (events: NewHistoryEvent[], command: ExecutionCommand): NewHistoryEvent[] => {
  const [first, ...rest] = events;
  if (!first) return events;
  const trigger = { type: command.type };
  return [{ ...first, metadata: { ...(first.metadata ?? {}), trigger } }, ...rest];
};

const decide = (state: ExecutionState, command: ExecutionCommand, env: DecisionEnv): NewHistoryEvent[] => {
  const batch = new EventBatch(state.lastEventId, env.now);
  switch (command.type) {
    case 'StartExecution': {
      if (state.status !== undefined) return [];
      const info = command.info;
      const definition = definitionOf(info.definition);
      const metadata: ExecutionStartedMetadata = {
        executionArn: info.executionArn,
        stateMachineArn: info.stateMachineArn,
        name: info.name,
        definition: info.definition,
        stateMachineType: info.stateMachineType,
        ...(info.traceHeader !== undefined ? { traceHeader: info.traceHeader } : {}),
        ...(definition.TimeoutSeconds !== undefined ? { timeoutAt: info.startDate + definition.TimeoutSeconds * 1000 } : {}),
        engineVersion: ENGINE_VERSION,
      };
      batch.push(
        'ExecutionStarted',
        0,
        { executionStartedEventDetails: { input: info.input, inputDetails: { truncated: false }, roleArn: info.roleArn } },
        metadata as unknown as Record<string, unknown>,
      );
      const withTimeout = { ...info, ...(metadata.timeoutAt !== undefined ? { timeoutAt: metadata.timeoutAt } : {}) };
      runStates(withTimeout, definition, JSON.parse(info.input), batch, env, { stateName: definition.StartAt, input: JSON.parse(info.input), previousEventId: 0 });
      return batch.events;
    }
    case 'FireTimers': {
      if (state.status !== 'RUNNING' || !state.info) return [];
      const info = state.info;
      if (info.timeoutAt !== undefined && info.timeoutAt <= env.now) {
        batch.push('ExecutionTimedOut', state.lastEventId, { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        return batch.events;
      }
      const w = state.waiting;
      if (!w || w.dueAt > env.now) return [];
      const definition = definitionOf(info.definition);
      const input = JSON.parse(w.input);
      runStates(info, definition, JSON.parse(info.input), batch, env, {
        stateName: w.stateName,
        input,
        previousEventId: w.enteredEventId,
        resumeWait: { name: w.stateName, rawInput: input, enteredId: w.enteredEventId, enteredAt: w.enteredAt },
      });
      return batch.events;
    }
    case 'StopExecution': {
      if (state.status !== 'RUNNING') return [];
      batch.push('ExecutionAborted', 0, {
        executionAbortedEventDetails: {
          ...(command.error !== undefined ? { error: command.error } : {}),
          ...(command.cause !== undefined ? { cause: command.cause } : {}),
        },
      });
      return batch.events;
    }
  }
};
