import {
  applyInputPath,
  applyOutputPath,
  applyResultPath,
  evaluateChoiceRule,
  evaluateFieldExpression,
  evaluateJsonata,
  evaluateJsonataTemplate,
  evaluatePayloadTemplate,
  isJsonataText,
  isStatesError,
  parseTimestamp,
  QUERY_EVALUATION_ERROR,
  QueryEvaluationError,
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
import { assignJsonata, assignJsonPath, isJsonata, jsonataScopeOf, scopeOf, valueOf, type Assigned } from './dataflow.js';
import { decideRetry, errorOutput, findCatcher, type Failure } from './error-policy.js';
import type { Entered, Frame } from './frame.js';
import type { Frames } from './frames.js';
import { Variables } from './variables.js';
import { HISTORY_EVENT_LIMIT, type InnerRestart, type RestartPoint, type EnteredRecord, type SuspendedFrame, type Suspension } from './model.js';

export type StateOutcome =
  | { readonly kind: 'next'; readonly stateName: string; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'end'; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'suspended' };

export const SUSPENDED: StateOutcome = { kind: 'suspended' };

export const recordOf = (e: Entered): EnteredRecord => ({
  name: e.name,
  input: json(e.rawInput),
  enteredId: e.enteredId,
  enteredAfter: e.enteredAfter,
  enteredAt: e.enteredAt,
  retryCount: e.retryCount,
  retryCounts: e.retryCounts,
  attemptStartsAfter: e.attemptStartsAfter,
});

export const enteredOf = (r: EnteredRecord): Entered => ({ ...r, rawInput: JSON.parse(r.input) });

/** Pauses the frame in its current state until `on` happens. */
export const suspend = (f: Frame, e: Entered, on: Suspension): StateOutcome => {
  const own = f.frames.get(f.path);
  f.frames.set(f.path, {
    kind: 'suspended',
    state: e.name,
    entered: recordOf(e),
    on,
    ...(own?.kind === 'suspended' && own.ownHistory !== undefined ? { ownHistory: own.ownHistory } : {}),
    ...(f.vars.record() !== undefined ? { vars: f.vars.record()! } : {}),
  });
  return SUSPENDED;
};

export type FrameOutcome =
  | { readonly kind: 'succeeded'; readonly output: unknown; readonly lastEventId: number }
  | { readonly kind: 'failed'; readonly failure: Failure }
  | { readonly kind: 'suspended' };

type Transitioning = StateDefinition & { readonly Next?: string; readonly End?: boolean };

export interface ExitOptions {
  /** What the Exited event points to (default: the Entered event). */
  readonly previous?: number;
  /** A catcher's Next (or a Choice rule's), which wins over the state's own Next or End. */
  readonly next?: string;
  /** Variables the state assigns: recorded in the Exited event, visible from the next state on. */
  readonly assigned?: Assigned | undefined;
}

/** Writes the state's Exited event, applies its assignments and moves on. */
export const exitState = (f: Frame, e: Entered, state: Transitioning, output: unknown, options: ExitOptions = {}): StateOutcome => {
  const next = options.next ?? (state.End === true ? undefined : state.Next);
  const exitedType = stateEventTypes[state.Type].exited;
  if (!exitedType) throw new Error(`${state.Type} has no exit event`);
  const assigned = options.assigned;
  const exitedId = f.batch.push(exitedType, options.previous ?? e.enteredId, {
    stateExitedEventDetails: {
      name: e.name,
      output: payload(e.name, output),
      outputDetails: truncated,
      ...(assigned !== undefined ? { assignedVariables: assigned, assignedVariablesDetails: truncated } : {}),
    },
  });
  if (assigned !== undefined) f.vars.assign(assigned);
  return next === undefined ? { kind: 'end', output, exitedId } : { kind: 'next', stateName: next, output, exitedId };
};

/**
 * A state that completed normally: JSONata states evaluate `Output` (default: `defaultOutput`,
 * the result for Task/Parallel/Map, the input for the others) and `Assign` with `$states.result`;
 * JSONPath states pass the output their paths made and assign from the result.
 */
export const completeState = (
  f: Frame,
  e: Entered,
  state: Transitioning & { readonly Output?: unknown; readonly Assign?: Readonly<Record<string, unknown>> },
  r: {
    readonly result?: unknown;
    readonly jsonPathOutput: () => unknown;
    readonly previous?: number;
    readonly next?: string;
    readonly assign?: Readonly<Record<string, unknown>>;
    readonly output?: unknown;
  },
): StateOutcome => {
  const assign = 'assign' in r ? r.assign : state.Assign;
  if (isJsonata(f, state)) {
    const scope = jsonataScopeOf(f, e, 'result' in r ? { result: r.result } : {});
    const outputTemplate = 'output' in r ? r.output : state.Output;
    const output = outputTemplate !== undefined ? evaluateJsonataTemplate(outputTemplate, scope, 'Output') : 'result' in r ? r.result : e.rawInput;
    const assigned = assignJsonata(assign, scope);
    return exitState(f, e, state, output, { ...opt('previous', r.previous), ...opt('next', r.next), assigned });
  }
  const assigned = assignJsonPath(f, e, assign, 'result' in r ? r.result : e.rawInput);
  return exitState(f, e, state, r.jsonPathOutput(), { ...opt('previous', r.previous), ...opt('next', r.next), assigned });
};

const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [k]: v } as { [P in K]?: V }));

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
    const next: Entered = { ...e, retryCount: e.retryCount + 1, retryCounts: retry.counts, attemptStartsAfter: failure.failureEventId };
    return suspend(f, next, { kind: 'retry', dueAt: f.env.now + retry.delayMs });
  }
  const ownFailureId = giveUp();
  const catcher = findCatcher(state.Catch, failure);
  if (catcher) {
    const previous = ownFailureId ?? failure.failureEventId;
    const error = errorOutput(failure);
    // A catcher's Assign runs instead of the state's; in JSONata its Output (default: the Error Output) sees `$states.errorOutput`.
    if (isJsonata(f, state)) {
      const scope = jsonataScopeOf(f, e, { errorOutput: error });
      const output = catcher.Output !== undefined ? evaluateJsonataTemplate(catcher.Output, scope, 'Output') : error;
      return exitState(f, e, state, output, { previous, next: catcher.Next, assigned: assignJsonata(catcher.Assign, scope) });
    }
    const output = applyResultPath(catcher.ResultPath, e.rawInput, error);
    return exitState(f, e, state, output, { previous, next: catcher.Next, assigned: assignJsonPath(f, e, catcher.Assign, error) });
  }
  // A Task failing a Parallel branch is aborted after its failure event (recorded: TaskFailed(8) →
  // TaskStateAborted(9←8) → ParallelStateFailed(10←8)).
  if (state.Type === 'Task' && failure.fromTask === true && f.parent === 'parallel') f.batch.push('TaskStateAborted', failure.failureEventId);
  return { kind: 'failed', failure: ownFailureId === undefined ? failure : { ...failure, failureEventId: ownFailureId } };
};

const runPass = (f: Frame, e: Entered, s: PassState): StateOutcome => {
  if (isJsonata(f, s)) return completeState(f, e, s, { jsonPathOutput: () => e.rawInput });
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const result =
    s.Parameters !== undefined ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective }) : s.Result !== undefined ? s.Result : effective;
  payload(e.name, result);
  return completeState(f, e, s, {
    result,
    jsonPathOutput: () => {
      const merged = applyResultPath(s.ResultPath, e.rawInput, result);
      return applyOutputPath(s.OutputPath, merged, { ...scope, input: merged });
    },
  });
};

const expectBoolean = (text: string, v: unknown, location: string): boolean => {
  if (typeof v === 'boolean') return v;
  throw new QueryEvaluationError(
    `The JSONata expression '${text.slice(2, -2).trim()}' specified for the field '${location}' returned an unexpected result type. Expected 'boolean', but was '${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}' for value: ${json(v)}`,
    location,
  );
};

const runChoice = (f: Frame, e: Entered, s: ChoiceState): StateOutcome => {
  // A matched rule's Assign (and, in JSONata, its Output) replace the state's; Default uses the state's.
  if (isJsonata(f, s)) {
    const scope = jsonataScopeOf(f, e);
    const matched = s.Choices.find((rule) => {
      const condition = rule['Condition'];
      return isJsonataText(condition) ? expectBoolean(condition, evaluateJsonata(condition, scope, 'Condition'), 'Condition') : condition === true;
    });
    const next = matched ? (matched['Next'] as string) : s.Default;
    if (next === undefined) throw new StatesError('States.NoChoiceMatched', 'No Matches!');
    return completeState(f, e, s as Transitioning & typeof s, {
      jsonPathOutput: () => e.rawInput,
      next,
      ...(matched ? { assign: matched['Assign'] as Readonly<Record<string, unknown>> | undefined, output: matched['Output'] ?? s.Output } : {}),
    });
  }
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const inner = { ...scope, input: effective };
  const matched = s.Choices.find((rule) => evaluateChoiceRule(rule, inner));
  const next = matched ? (matched['Next'] as string) : s.Default;
  if (next === undefined) throw new StatesError('States.NoChoiceMatched', 'No Matches!');
  return completeState(f, e, s as Transitioning & typeof s, {
    result: effective,
    jsonPathOutput: () => applyOutputPath(s.OutputPath, effective, inner),
    next,
    ...(matched ? { assign: matched['Assign'] as Readonly<Record<string, unknown>> | undefined } : {}),
  });
};

const runSucceed = (f: Frame, e: Entered, s: SucceedState): StateOutcome => {
  if (isJsonata(f, s)) return completeState(f, e, { ...s, End: true } as Transitioning & SucceedState, { jsonPathOutput: () => e.rawInput });
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const output = applyOutputPath(s.OutputPath, effective, { ...scope, input: effective });
  return exitState(f, e, { ...s, End: true } as Transitioning & SucceedState, output);
};

const runFail = (f: Frame, e: Entered, s: FailState): StateOutcome => {
  if (isJsonata(f, s)) {
    const scope = jsonataScopeOf(f, e);
    const text = (v: unknown, location: string): string | undefined => {
      if (v === undefined) return undefined;
      const value = valueOf(v, scope, location);
      return typeof value === 'string' ? value : json(value);
    };
    return { kind: 'failed', failure: { error: text(s.Error, 'Error'), cause: text(s.Cause, 'Cause'), failureEventId: e.enteredId } };
  }
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
    if (t === undefined)
      throw new StatesError(
        'States.Runtime',
        `The Timestamp parameter does not reference a valid ISO-8601 extended offset date-time format string: ${s.Timestamp}`,
      );
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

/** When a JSONata Wait ends: `Seconds` (a non-negative integer) or `Timestamp`, literal or `{% … %}`. */
const jsonataWaitDueAt = (f: Frame, e: Entered, s: WaitState): number => {
  const scope = jsonataScopeOf(f, e);
  if (s.Seconds !== undefined) {
    const v = valueOf(s.Seconds, scope, 'Seconds');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new QueryEvaluationError(`The Seconds field must be a non-negative integer, but was: ${json(v)}`, 'Seconds');
    }
    return e.enteredAt + v * 1000;
  }
  if (s.Timestamp !== undefined) {
    const v = valueOf(s.Timestamp, scope, 'Timestamp');
    const t = typeof v === 'string' ? parseIsoOffset(v) : undefined;
    if (t === undefined) {
      throw new QueryEvaluationError(
        `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${showValue(v)}`,
        'Timestamp',
      );
    }
    return t;
  }
  return e.enteredAt;
};

/** Completes a Wait (now, or when its timer fired). */
export const finishWait = (f: Frame, e: Entered, s: WaitState): StateOutcome => {
  if (isJsonata(f, s)) return completeState(f, e, s, { jsonPathOutput: () => e.rawInput });
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  return completeState(f, e, s, { result: effective, jsonPathOutput: () => applyOutputPath(s.OutputPath, effective, { ...scope, input: effective }) });
};

/**
 * How a state type runs: from its Entered event, or (`resume`) from where it paused in an earlier
 * decision. Wait is special-cased in `enterState`.
 */
export type StateRunner<S extends StateDefinition> = (f: Frame, e: Entered, s: S, resume?: SuspendedFrame) => StateOutcome;

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

/**
 * Runs a state's work; a StatesError thrown inside becomes a failure (data), pointing at its
 * Entered event. A JSONata state's query-evaluation error is first recorded as `EvaluationFailed`
 * (pointing where the Entered event points, as AWS records it), followed by `MapStateFailed` or
 * `ParallelStateFailed` for those states.
 */
export const guard = (f: Frame, e: Entered, run: () => StateOutcome, failureEventId: number | (() => number) = e.enteredId): StateOutcome => {
  try {
    return run();
  } catch (err) {
    if (!isStatesError(err)) throw err;
    const cause = err.error === 'States.Runtime' || err.error === QUERY_EVALUATION_ERROR ? runtimeCause(e, err.cause) : err.cause;
    const state = f.definition.States[e.name];
    if (err.error === QUERY_EVALUATION_ERROR && state && isJsonata(f, state)) {
      const location = err instanceof QueryEvaluationError ? err.location : undefined;
      // AWS points a Wait's at its Entered event (its time is evaluated once entered), every other state's where the Entered event points.
      const id = f.batch.push('EvaluationFailed', state.Type === 'Wait' && (f.info.engineVersion ?? 0) >= 4 ? e.enteredId : e.enteredAfter, {
        evaluationFailedEventDetails: { error: err.error, cause, ...(location !== undefined ? { location } : {}), state: e.name },
      });
      const own = state.Type === 'Map' ? f.batch.push('MapStateFailed', id) : state.Type === 'Parallel' ? f.batch.push('ParallelStateFailed', id) : id;
      return { kind: 'failed', failure: { error: err.error, cause, failureEventId: own } };
    }
    return { kind: 'failed', failure: { error: err.error, cause, failureEventId: typeof failureEventId === 'number' ? failureEventId : failureEventId() } };
  }
};

/** Thrown when the history reaches AWS's 25,000-event cap; the top frame turns it into ExecutionFailed. */
export class HistoryCapReached extends Error {}

export type FrameStart =
  | { readonly stateName: string; readonly input: unknown; readonly previousEventId: number }
  /** Start again where a redrive point says (the frame's variables come from it too: see `varsOf`). */
  | { readonly restart: RestartPoint; readonly previousEventId: number }
  /** Resume the frame from its entry in the frames table. */
  | { readonly resume: true };

export const RESUME: FrameStart = { resume: true };

/**
 * Runs states of a frame from `start` until the frame ends, fails or pauses. A chain of states
 * that need no waiting is decided at once: one decision, one append.
 */
export const runFrame = (f: Frame, runners: StateRunners, start: FrameStart): FrameOutcome => {
  let outcome: StateOutcome;
  // The state the frame is in and the input it was entered with: where a redrive starts again.
  let current: { readonly state: string; readonly input: () => string };
  // From engine version 5 a frame's first state waits for the next slice too once the decision's
  // budget is spent: an inline Map whose iterations are one state each (or a Parallel of one-state
  // branches) used to decide every iteration in one go — 100,000 of them held the thread 5.5 s.
  const sliceStarts = (f.info.engineVersion ?? 0) >= 5 && f.batch.spent;
  if ('resume' in start && f.frames.get(f.path)?.kind === 'suspended' && (f.frames.get(f.path) as SuspendedFrame).on.kind === 'continue') {
    // The last decision spent its budget between two states: enter the next one now.
    if (sliceStarts) return { kind: 'suspended' };
    const entry = f.frames.get(f.path) as SuspendedFrame & { readonly on: { readonly kind: 'continue'; readonly previousEventId: number } };
    current = { state: entry.state, input: () => entry.entered.input };
    outcome = enterState(f, runners, entry.state, JSON.parse(entry.entered.input), entry.on.previousEventId);
  } else if ('resume' in start) {
    const entry = f.frames.get(f.path);
    if (entry?.kind !== 'suspended') throw new Error(`No paused frame at '${f.path}'`);
    const state = stateOf(f, entry.state);
    const e = enteredOf(entry.entered);
    current = { state: entry.state, input: () => entry.entered.input };
    // A resumed state's failure (a task's result that its ResultPath cannot place) points at its latest event, as AWS records it.
    outcome = guard(f, e, () => resumeState(f, runners, e, state, entry), (f.info.engineVersion ?? 0) >= 4 ? () => f.batch.lastEventId : e.enteredId);
    if (outcome.kind !== 'suspended') leaveState(f, state);
  } else if ('restart' in start) {
    const input: unknown = JSON.parse(start.restart.input);
    current = { state: start.restart.state, input: () => start.restart.input };
    outcome = enterState(f, runners, start.restart.state, input, start.previousEventId, start.restart.inner);
  } else {
    if (sliceStarts) return pauseBetweenStates(f, start.stateName, start.input, start.previousEventId);
    current = { state: start.stateName, input: () => json(start.input) };
    outcome = enterState(f, runners, start.stateName, start.input, start.previousEventId);
  }
  for (;;) {
    switch (outcome.kind) {
      case 'next': {
        const { stateName, output } = outcome;
        if (f.batch.spent) return pauseBetweenStates(f, stateName, output, outcome.exitedId);
        current = { state: stateName, input: () => json(output) };
        outcome = enterState(f, runners, outcome.stateName, outcome.output, outcome.exitedId);
        continue;
      }
      case 'end':
        return { kind: 'succeeded', output: outcome.output, lastEventId: outcome.exitedId };
      case 'failed': {
        const { inner, restart: _, ...failure } = outcome.failure;
        const vars = f.vars.record();
        const restart: RestartPoint = {
          state: current.state,
          input: current.input(),
          ...(vars !== undefined ? { vars } : {}),
          ...(inner !== undefined ? { inner } : {}),
        };
        return { kind: 'failed', failure: { ...failure, restart } };
      }
      case 'suspended':
        return { kind: 'suspended' };
    }
  }
};

/**
 * The decision has written its budget: the frame pauses before entering `stateName` (a `continue`
 * entry, due at once), so the runtime appends this slice and decides the next one. The history is
 * the same as one decision would have written, but for the timestamps of the later slices.
 */
const pauseBetweenStates = (f: Frame, stateName: string, input: unknown, previousEventId: number): FrameOutcome => {
  const own = f.frames.get(f.path);
  const vars = f.vars.record();
  f.frames.set(f.path, {
    kind: 'suspended',
    state: stateName,
    entered: {
      name: stateName,
      input: json(input),
      enteredId: previousEventId + 1,
      enteredAfter: previousEventId,
      enteredAt: f.env.now,
      retryCount: 0,
      retryCounts: [],
      attemptStartsAfter: previousEventId + 1,
    },
    on: { kind: 'continue', previousEventId },
    ...(own?.kind === 'suspended' && own.ownHistory !== undefined ? { ownHistory: own.ownHistory } : {}),
    ...(vars !== undefined ? { vars } : {}),
  });
  return { kind: 'suspended' };
};

/** A frame's variables: those its paused entry kept, or those its redrive point recorded, over the enclosing scope. */
export const varsOf = (frames: Frames, path: string, start: FrameStart | undefined, outer: Variables | undefined): Variables => {
  if (start && 'restart' in start) return Variables.of(start.restart.vars, outer);
  const entry = frames.get(path);
  return Variables.of(entry?.kind === 'suspended' ? entry.vars : undefined, outer);
};

const stateOf = (f: Frame, name: string): StateDefinition => {
  // Own states only: a name such as `__proto__` or `constructor` is no state (an inherited property is not one).
  const state = Object.hasOwn(f.definition.States, name) ? f.definition.States[name] : undefined;
  if (!state) throw new Error(`No state ${name}: the definition was validated at create`);
  return state;
};

/** A frame that moves on from a state keeps no entry, and neither do the branches or iterations the state ran. */
const leaveState = (f: Frame, state: StateDefinition): void => {
  f.frames.delete(f.path);
  if (state.Type === 'Parallel' || state.Type === 'Map') f.frames.deleteBelow(f.path);
};

const timersFire = (f: Frame, dueAt: number) => f.signal.type === 'timers' && dueAt <= f.env.now;

const resumeState = (f: Frame, runners: StateRunners, e: Entered, state: StateDefinition, entry: SuspendedFrame): StateOutcome => {
  switch (entry.on.kind) {
    case 'wait':
      return timersFire(f, entry.on.dueAt) ? finishWait(f, e, state as WaitState) : SUSPENDED;
    case 'retry':
      return timersFire(f, entry.on.dueAt) ? runWork(f, runners, e, state) : SUSPENDED;
    default:
      return runWork(f, runners, e, state, entry);
  }
};

const runWork = (f: Frame, runners: StateRunners, e: Entered, state: StateDefinition, resume?: SuspendedFrame): StateOutcome => {
  const runner = (runners as unknown as Record<string, StateRunner<StateDefinition>>)[state.Type];
  if (!runner) throw new Error(`No runner for ${state.Type}`);
  return runner(f, e, state, resume);
};

const enterState = (f: Frame, runners: StateRunners, name: string, input: unknown, previousEventId: number, redrive?: InnerRestart): StateOutcome => {
  // The 25,000-event cap is a Standard execution's; an Express one keeps no history and has none (AWS).
  if (f.batch.lastEventId >= HISTORY_EVENT_LIMIT - 1 && f.info.stateMachineType !== 'EXPRESS') throw new HistoryCapReached();
  const state = stateOf(f, name);
  const outcome = enterStateWork(f, runners, name, state, input, previousEventId, redrive);
  if (outcome.kind !== 'suspended') leaveState(f, state);
  return outcome;
};

const enterStateWork = (
  f: Frame,
  runners: StateRunners,
  name: string,
  state: StateDefinition,
  input: unknown,
  previousEventId: number,
  redrive: InnerRestart | undefined,
): StateOutcome => {
  const enteredAt = f.env.now;
  const details = { stateEnteredEventDetails: { name, input: json(input), inputDetails: truncated } };
  const id = f.batch.lastEventId + 1;
  const e: Entered = {
    name,
    rawInput: input,
    enteredId: id,
    enteredAfter: previousEventId,
    enteredAt,
    retryCount: 0,
    retryCounts: [],
    attemptStartsAfter: id,
    ...(redrive !== undefined ? { redrive } : {}),
  };
  f.batch.push(stateEventTypes[state.Type].entered, previousEventId, details);
  if (state.Type !== 'Wait') return guard(f, e, () => runWork(f, runners, e, state));
  return guard(f, e, () => {
    let dueAt: number;
    if (isJsonata(f, state)) dueAt = jsonataWaitDueAt(f, e, state);
    else {
      const scope = scopeOf(f, e, input);
      dueAt = waitDueAt(state, applyInputPath(state.InputPath, input, scope), scope, enteredAt);
    }
    return dueAt > f.env.now ? suspend(f, e, { kind: 'wait', dueAt }) : finishWait(f, e, state);
  });
};

/**
 * Aborts a paused frame: its branches or iterations first, then its current state
 * (`XStateAborted`; an iteration also gets `MapIterationAborted`), removing their entries. Events
 * go to `batch` (a Distributed Map's child run writes to its own history).
 */
export const abortFrame = (f: Frame, path: string, definition: StateMachineDefinition, batch: EventBatch): void => {
  const entry = f.frames.get(path);
  if (entry?.kind !== 'suspended') {
    f.frames.delete(path);
    return;
  }
  const state = definition.States[entry.state];
  if (!state) throw new Error(`No state ${entry.state} at '${path}'`);
  const on = entry.on;
  let previous = entry.entered.enteredId;
  if (on.kind === 'parallel' && state.Type === 'Parallel') {
    state.Branches.forEach((branch, i) => abortFrame(f, `${path}/${i}`, branch, batch));
    previous = batch.lastEventId;
  } else if (on.kind === 'map' && state.Type === 'Map') {
    const processor = (state.ItemProcessor ?? state.Iterator)!;
    for (let i = 0; i < on.next; i++) {
      const child = f.frames.get(`${path}/${i}`);
      if (child?.kind !== 'suspended') continue;
      if (on.run) {
        abortFrame(f, `${path}/${i}`, processor, new EventBatch(child.ownHistory ?? 0, batch.now));
      } else {
        abortFrame(f, `${path}/${i}`, processor, batch);
        batch.push('MapIterationAborted', batch.lastEventId, { mapIterationAbortedEventDetails: { index: i, name: entry.state } });
      }
    }
    if (on.run) batch.push('MapRunAborted', on.run.startedId);
    previous = batch.lastEventId;
  } else if (on.kind === 'continue') {
    // Paused between two states: nothing was entered, so nothing is aborted.
    f.frames.deleteBelow(path);
    f.frames.delete(path);
    return;
  } else if (on.kind === 'task') previous = on.task.lastEventId;
  else if (on.kind === 'retry') previous = entry.entered.attemptStartsAfter;
  const aborted = stateEventTypes[state.Type].aborted;
  if (aborted) batch.push(aborted, previous);
  f.frames.deleteBelow(path);
  f.frames.delete(path);
};
