import {
  applyInputPath,
  applyOutputPath,
  applyResultPath,
  evaluateChoiceRule,
  evaluateFieldExpression,
  evaluatePayloadTemplate,
  isStatesError,
  parseTimestamp,
  resolvePath,
  StatesError,
  type EvaluationScope,
} from '@stepstream/asl';
import type {
  Catcher,
  ChoiceState,
  Retrier,
  FailState,
  PassState,
  StateDefinition,
  StateMachineDefinition,
  SucceedState,
  WaitState,
} from '@stepstream/asl/definition';
import { stateEventTypes } from '../history.js';
import { EventBatch, json, payload, truncated } from './batch.js';
import { contextObject } from './context-object.js';
import { decideRetry, errorOutput, findCatcher, type Failure } from './error-policy.js';
import { HISTORY_EVENT_LIMIT, type DecisionEnv, type ExecutionInfo, type RetryPending } from './model.js';

export { EventBatch, PAYLOAD_LIMIT_BYTES, utf8Length } from './batch.js';

/** One level of running states: the top of the execution, a Parallel branch or a Map iteration. */
export interface Frame {
  readonly info: ExecutionInfo;
  readonly definition: StateMachineDefinition;
  readonly parsedInput: unknown;
  readonly batch: EventBatch;
  readonly env: DecisionEnv;
  /** Only the top frame can suspend (a Wait, a retry's back-off); children run within one decision. */
  readonly isRoot: boolean;
  /** Extra context (e.g. `Map.Item` for ItemSelector). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/** A state's run from its Entered event: what it was given and how it was entered. */
export interface Entered {
  readonly name: string;
  readonly rawInput: unknown;
  readonly enteredId: number;
  readonly enteredAt: number;
  /** Retries so far (`$$.State.RetryCount`) and each retrier's count. */
  readonly retryCount: number;
  readonly retryCounts: readonly number[];
  /** What this attempt's first event points to: the Entered event, or the last attempt's failure. */
  readonly attemptStartsAfter: number;
}

export type StateOutcome =
  | { readonly kind: 'next'; readonly stateName: string; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'end'; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'suspended' };

export type FrameOutcome =
  | { readonly kind: 'succeeded'; readonly output: unknown; readonly lastEventId: number }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'suspended' };

export const scopeOf = (f: Frame, e: Entered, input: unknown): EvaluationScope => {
  const base = contextObject(f.info, f.parsedInput, e.name, e.enteredAt);
  const context = e.retryCount > 0 || f.definition.States[e.name]?.Type === 'Task' ? { ...base, State: { ...base.State, RetryCount: e.retryCount } } : base;
  return { input, context: f.context ? { ...context, ...f.context } : context, random: f.env.random, uuid: f.env.uuid };
};

type Transitioning = StateDefinition & { readonly Next?: string; readonly End?: boolean };

/** Writes the state's Exited event and moves on. */
export const exitState = (f: Frame, e: Entered, state: Transitioning, output: unknown, previousEventId = e.enteredId, next = state.Next): StateOutcome => {
  const exitedType = stateEventTypes[state.Type].exited;
  if (!exitedType) throw new Error(`${state.Type} has no exit event`);
  const exitedId = f.batch.push(exitedType, previousEventId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return state.End === true || next === undefined ? { kind: 'end', output, exitedId } : { kind: 'next', stateName: next, output, exitedId };
};

/**
 * What a failed Task, Parallel or Map does next: retry (a durable back-off timer), catch (the
 * state exits with the Error Output placed by the catcher's ResultPath), or fail.
 * `giveUp` writes the state's own failure event (ParallelStateFailed, MapStateFailed) before a
 * catch or a final failure — never between retries, as AWS records it.
 */
export const handleStateFailure = (
  f: Frame,
  e: Entered,
  state: Transitioning & { readonly Retry?: readonly Retrier[]; readonly Catch?: readonly Catcher[] },
  failure: Failure,
  giveUp: () => number | undefined = () => undefined,
): StateOutcome => {
  const retry = decideRetry(state.Retry, e.retryCounts, failure, f.env.random);
  if (retry.retry) {
    if (!f.isRoot) {
      throw new StatesError('States.Runtime', 'Stepstream does not yet retry a state inside a Parallel branch or a Map iteration (a back-off needs a durable timer there).');
    }
    const pending: RetryPending = {
      kind: 'retry',
      stateName: e.name,
      enteredEventId: e.enteredId,
      enteredAt: e.enteredAt,
      input: json(e.rawInput),
      dueAt: f.env.now + retry.delayMs,
      retryCount: e.retryCount + 1,
      retryCounts: retry.counts,
      resumeAfterEventId: failure.failureEventId,
    };
    f.batch.annotateLast({ retry: pending });
    return { kind: 'suspended' };
  }
  const ownFailureId = giveUp();
  const catcher = findCatcher(state.Catch, failure);
  if (catcher) {
    const output = applyResultPath(catcher.ResultPath, e.rawInput, errorOutput(failure));
    return exitState(f, e, state, output, ownFailureId ?? failure.failureEventId, catcher.Next);
  }
  return { kind: 'failed', failure: ownFailureId === undefined ? failure : { ...failure, failureEventId: ownFailureId } };
};

const runPass = (f: Frame, e: Entered, s: PassState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const result =
    s.Parameters !== undefined ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective }) : s.Result !== undefined ? s.Result : effective;
  payload(e.name, result);
  const merged = applyResultPath(s.ResultPath, e.rawInput, result);
  return exitState(f, e, s, applyOutputPath(s.OutputPath, merged, { ...scope, input: merged }));
};

const runChoice = (f: Frame, e: Entered, s: ChoiceState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const inner = { ...scope, input: effective };
  const matched = s.Choices.find((rule) => evaluateChoiceRule(rule, inner));
  const next = matched ? (matched['Next'] as string) : s.Default;
  if (next === undefined) throw new StatesError('States.NoChoiceMatched', 'No Matches!');
  const output = applyOutputPath(s.OutputPath, effective, inner);
  const exitedId = f.batch.push('ChoiceStateExited', e.enteredId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return { kind: 'next', stateName: next, output, exitedId };
};

const runSucceed = (f: Frame, e: Entered, s: SucceedState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const output = applyOutputPath(s.OutputPath, effective, { ...scope, input: effective });
  const exitedId = f.batch.push('SucceedStateExited', e.enteredId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return { kind: 'end', output, exitedId };
};

const runFail = (f: Frame, e: Entered, s: FailState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  // ErrorPath/CausePath take a path or an intrinsic function (States.Format in AWS's own examples).
  const fromPath = (path: string | undefined, field: 'ErrorPath' | 'CausePath'): string | undefined => {
    if (path === undefined) return undefined;
    const v = evaluateFieldExpression(path, scope, field);
    return typeof v === 'string' ? v : json(v);
  };
  const error = s.Error ?? fromPath(s.ErrorPath, 'ErrorPath');
  const cause = s.Cause ?? fromPath(s.CausePath, 'CausePath');
  return { kind: 'failed', failure: { error, cause, failureEventId: e.enteredId } };
};

/** RFC 3339 with `T` and a `Z` or an offset, fractions of any length (AWS accepts `.000000Z`), as epoch ms. */
export const parseIsoOffset = (text: string): number | undefined => {
  const instant = parseTimestamp(text);
  return instant === undefined ? undefined : instant.seconds * 1000 + Math.floor(instant.nanos / 1_000_000);
};

const showValue = (v: unknown) => (typeof v === 'string' ? v : json(v));

/** When a Wait state ends, per its one timing field. */
export const waitDueAt = (s: WaitState, effective: unknown, scope: EvaluationScope, enteredAt: number): number => {
  if (typeof s.Seconds === 'number') return enteredAt + s.Seconds * 1000;
  if (typeof s.Timestamp === 'string') {
    const t = parseIsoOffset(s.Timestamp);
    if (t === undefined) throw new StatesError('States.Runtime', `The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: ${s.Timestamp}`);
    return t;
  }
  if (s.SecondsPath !== undefined) {
    const r = resolvePath(s.SecondsPath, { ...scope, input: effective });
    if (!r.found) throw new StatesError('States.Runtime', `The SecondsPath parameter does not reference an input value: ${s.SecondsPath}`);
    const v = r.value;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new StatesError('States.Runtime', `The SecondsPath parameter cannot be parsed as a long value: ${s.SecondsPath} == ${showValue(v)}`);
    }
    if (v < 0) throw new StatesError('States.Runtime', `The SecondsPath parameter references a negative value: ${s.SecondsPath} == ${v}`);
    return enteredAt + v * 1000;
  }
  if (s.TimestampPath !== undefined) {
    const r = resolvePath(s.TimestampPath, { ...scope, input: effective });
    if (!r.found) throw new StatesError('States.Runtime', `The TimestampPath parameter does not reference an input value: ${s.TimestampPath}`);
    const t = typeof r.value === 'string' ? parseIsoOffset(r.value) : undefined;
    if (t === undefined) {
      throw new StatesError(
        'States.Runtime',
        `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${s.TimestampPath} == ${showValue(r.value)}`,
      );
    }
    return t;
  }
  return enteredAt;
};

/** Completes a Wait (now, or when its timer fired). */
export const finishWait = (f: Frame, e: Entered, s: WaitState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  return exitState(f, e, s, applyOutputPath(s.OutputPath, effective, { ...scope, input: effective }));
};

/** How a state type runs; Wait is special-cased in `enterState` (its Entered event carries the timer). */
export type StateRunner<S extends StateDefinition> = (f: Frame, e: Entered, s: S) => StateOutcome;

export interface StateRunners {
  readonly Pass: StateRunner<PassState>;
  readonly Choice: StateRunner<ChoiceState>;
  readonly Succeed: StateRunner<SucceedState>;
  readonly Fail: StateRunner<FailState>;
  readonly Task: StateRunner<Extract<StateDefinition, { Type: 'Task' }>>;
  readonly Parallel: StateRunner<Extract<StateDefinition, { Type: 'Parallel' }>>;
  readonly Map: StateRunner<Extract<StateDefinition, { Type: 'Map' }>>;
}

export const basicRunners = { Pass: runPass, Choice: runChoice, Succeed: runSucceed, Fail: runFail } as const;

const runtimeCause = (e: Entered, cause: string) =>
  cause.startsWith('An error occurred while executing the state')
    ? cause
    : `An error occurred while executing the state '${e.name}' (entered at the event id #${e.enteredId}). ${cause}`;

/** Runs a state's work; a StatesError thrown inside becomes a failure (data), pointing at its Entered event. */
export const guard = (e: Entered, run: () => StateOutcome, failureEventId = e.enteredId): StateOutcome => {
  try {
    return run();
  } catch (err) {
    if (!isStatesError(err)) throw err;
    const cause = err.error === 'States.Runtime' || err.error === 'States.QueryEvaluationError' ? runtimeCause(e, err.cause) : err.cause;
    return { kind: 'failed', failure: { error: err.error, cause, failureEventId } };
  }
};

/** Thrown when the history reaches AWS's 25,000-event cap; the top frame turns it into ExecutionFailed. */
export class HistoryCapReached extends Error {}

export interface FrameStart {
  readonly stateName: string;
  readonly input: unknown;
  readonly previousEventId: number;
  /** Resume a state whose timer fired (a Wait's end, a retry's back-off) instead of entering one. */
  readonly resume?: { readonly entered: Entered; readonly kind: 'wait' | 'retry' };
}

/**
 * Runs states of a frame from `start` until the frame ends, fails or (top frame only) waits. A
 * chain of states that need no waiting is decided at once: one decision, one append.
 */
export const runFrame = (f: Frame, runners: StateRunners, start: FrameStart): FrameOutcome => {
  let stateName = start.stateName;
  let input = start.input;
  let previousEventId = start.previousEventId;
  let resume = start.resume;
  for (;;) {
    if (f.batch.lastEventId >= HISTORY_EVENT_LIMIT - 1) throw new HistoryCapReached();
    const state = f.definition.States[stateName];
    if (!state) throw new Error(`No state ${stateName}: the definition was validated at create`);
    let outcome: StateOutcome;
    if (resume) {
      const { entered, kind } = resume;
      resume = undefined;
      outcome =
        kind === 'wait'
          ? guard(entered, () => finishWait(f, entered, state as WaitState))
          : guard(entered, () => runWork(f, runners, entered, state));
    } else {
      outcome = enterState(f, runners, stateName, state, input, previousEventId);
    }
    switch (outcome.kind) {
      case 'next':
        stateName = outcome.stateName;
        input = outcome.output;
        previousEventId = outcome.exitedId;
        continue;
      case 'end':
        return { kind: 'succeeded', output: outcome.output, lastEventId: outcome.exitedId };
      case 'failed':
        return { kind: 'failed', failure: outcome.failure };
      case 'suspended':
        return { kind: 'suspended' };
    }
  }
};

const runWork = (f: Frame, runners: StateRunners, e: Entered, state: StateDefinition): StateOutcome => {
  const runner = (runners as unknown as Record<string, StateRunner<StateDefinition>>)[state.Type];
  if (!runner) throw new Error(`No runner for ${state.Type}`);
  return runner(f, e, state);
};

const enterState = (f: Frame, runners: StateRunners, name: string, state: StateDefinition, input: unknown, previousEventId: number): StateOutcome => {
  const enteredAt = f.env.now;
  const details = { stateEnteredEventDetails: { name, input: json(input), inputDetails: truncated } };
  const e: Entered = { name, rawInput: input, enteredId: f.batch.lastEventId + 1, enteredAt, retryCount: 0, retryCounts: [], attemptStartsAfter: f.batch.lastEventId + 1 };
  const enteredType = stateEventTypes[state.Type].entered;
  if ((state.QueryLanguage ?? f.definition.QueryLanguage) === 'JSONata') {
    // JSONata arrives with issue 5: fail clearly rather than misread the state.
    f.batch.push(enteredType, previousEventId, details);
    return guard(e, () => {
      throw new StatesError('States.Runtime', 'Stepstream does not evaluate JSONata states yet.');
    });
  }
  if (state.Type !== 'Wait') {
    f.batch.push(enteredType, previousEventId, details);
    return guard(e, () => runWork(f, runners, e, state));
  }
  // A Wait's Entered event carries its due time; a bad SecondsPath fails right after it.
  let dueAt: number | undefined;
  const probe = guard(e, () => {
    const scope = scopeOf(f, e, input);
    dueAt = waitDueAt(state, applyInputPath(state.InputPath, input, scope), scope, enteredAt);
    return { kind: 'suspended' };
  });
  const waits = dueAt !== undefined && dueAt > f.env.now;
  f.batch.push(enteredType, previousEventId, details, waits ? { dueAt } : undefined);
  if (probe.kind === 'failed') return probe;
  if (!waits) return guard(e, () => finishWait(f, e, state));
  if (!f.isRoot) {
    return guard(e, () => {
      throw new StatesError('States.Runtime', 'Stepstream does not yet wait inside a Parallel branch or a Map iteration (the wait needs a durable timer there).');
    });
  }
  return { kind: 'suspended' };
};
