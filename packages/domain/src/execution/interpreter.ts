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
  ChoiceState,
  FailState,
  PassState,
  StateDefinition,
  StateMachineDefinition,
  SucceedState,
  WaitState,
} from '@stepstream/asl/definition';
import { stateEventTypes, type HistoryEventData, type HistoryEventType } from '../history.js';
import { contextObject } from './context-object.js';
import { HISTORY_EVENT_LIMIT, type DecisionEnv, type ExecutionInfo, type NewHistoryEvent } from './model.js';

/** Collects the events of one decision and hands out their ids. */
export class EventBatch {
  readonly events: NewHistoryEvent[] = [];
  constructor(private lastId: number, readonly now: number) {}
  get lastEventId() {
    return this.lastId;
  }
  push(type: HistoryEventType, previousEventId: number, details: Omit<HistoryEventData, 'timestamp' | 'previousEventId'>, metadata?: Record<string, unknown>): number {
    this.events.push({ type, data: { timestamp: this.now, previousEventId, ...details }, ...(metadata ? { metadata } : {}) });
    return ++this.lastId;
  }
}

const json = (v: unknown) => JSON.stringify(v === undefined ? null : v);

/** AWS's payload limit: 262,144 bytes of UTF-8 for any state input, result or output. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** UTF-8 length of a string, without encoding it. */
export const utf8Length = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

/** The JSON text of a state's output, or States.DataLimitExceeded when it is over the limit. */
const payload = (stateName: string, v: unknown): string => {
  const text = json(v);
  if (text.length > PAYLOAD_LIMIT_BYTES / 4 && utf8Length(text) > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
  return text;
};
const truncated = { truncated: false } as const;

/** What running a state came to. */
type StepResult =
  | { readonly kind: 'next'; readonly stateName: string; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'end'; readonly output: unknown; readonly exitedId: number }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'failed'; readonly error: string; readonly cause: string | undefined; readonly previousEventId: number }
  | { readonly kind: 'finished' };

interface StepContext {
  readonly info: ExecutionInfo;
  readonly definition: StateMachineDefinition;
  readonly parsedInput: unknown;
  readonly batch: EventBatch;
  readonly env: DecisionEnv;
}

interface Entered {
  readonly name: string;
  readonly rawInput: unknown;
  readonly enteredId: number;
  readonly enteredAt: number;
}

const scopeOf = (c: StepContext, e: Entered, input: unknown): EvaluationScope => ({
  input,
  context: contextObject(c.info, c.parsedInput, e.name, e.enteredAt),
  random: c.env.random,
  uuid: c.env.uuid,
});

const exit = (c: StepContext, e: Entered, state: StateDefinition & { Next?: string; End?: boolean }, output: unknown): StepResult => {
  const exitedType = stateEventTypes[state.Type].exited;
  if (!exitedType) throw new Error(`${state.Type} has no exit event`);
  const exitedId = c.batch.push(exitedType, e.enteredId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return state.End === true || state.Next === undefined
    ? { kind: 'end', output, exitedId }
    : { kind: 'next', stateName: state.Next, output, exitedId };
};

const runPass = (c: StepContext, e: Entered, s: PassState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const result =
    s.Parameters !== undefined
      ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective })
      : s.Result !== undefined
        ? s.Result
        : effective;
  payload(e.name, result);
  const merged = applyResultPath(s.ResultPath, e.rawInput, result);
  return exit(c, e, s, applyOutputPath(s.OutputPath, merged, { ...scope, input: merged }));
};

const runChoice = (c: StepContext, e: Entered, s: ChoiceState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const inner = { ...scope, input: effective };
  const matched = s.Choices.find((rule) => evaluateChoiceRule(rule, inner));
  const next = matched ? (matched['Next'] as string) : s.Default;
  if (next === undefined) {
    throw new StatesError('States.NoChoiceMatched', `No Matches!`);
  }
  const output = applyOutputPath(s.OutputPath, effective, inner);
  const exitedId = c.batch.push('ChoiceStateExited', e.enteredId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return { kind: 'next', stateName: next, output, exitedId };
};

const runSucceed = (c: StepContext, e: Entered, s: SucceedState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const output = applyOutputPath(s.OutputPath, effective, { ...scope, input: effective });
  const exitedId = c.batch.push('SucceedStateExited', e.enteredId, { stateExitedEventDetails: { name: e.name, output: payload(e.name, output), outputDetails: truncated } });
  return { kind: 'end', output, exitedId };
};

const runFail = (c: StepContext, e: Entered, s: FailState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  // ErrorPath/CausePath take a path or an intrinsic function (States.Format in AWS's own examples).
  const fromPath = (path: string | undefined, field: 'ErrorPath' | 'CausePath'): string | undefined => {
    if (path === undefined) return undefined;
    const v = evaluateFieldExpression(path, scope, field);
    return typeof v === 'string' ? v : json(v);
  };
  const error = s.Error ?? fromPath(s.ErrorPath, 'ErrorPath');
  const cause = s.Cause ?? fromPath(s.CausePath, 'CausePath');
  c.batch.push('ExecutionFailed', e.enteredId, {
    executionFailedEventDetails: { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) },
  });
  return { kind: 'finished' };
};

/** RFC 3339 with `T` and a `Z` or an offset, fractions of any length (AWS accepts `.000000Z`), as epoch ms. */
export const parseIsoOffset = (text: string): number | undefined => {
  const instant = parseTimestamp(text);
  return instant === undefined ? undefined : instant.seconds * 1000 + Math.floor(instant.nanos / 1_000_000);
};

const showValue = (v: unknown) => (typeof v === 'string' ? v : json(v));

/** When a Wait state ends, per its one timing field. */
const waitDueAt = (s: WaitState, effective: unknown, scope: EvaluationScope, enteredAt: number): number => {
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

/** Enters a Wait: ends at once when it is already due, else records the timer and stops. */
const runWait = (c: StepContext, e: Entered, s: WaitState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const dueAt = waitDueAt(s, effective, scope, e.enteredAt);
  if (dueAt > c.env.now) return { kind: 'waiting', dueAt } as StepResult & { dueAt: number };
  return exit(c, e, s, applyOutputPath(s.OutputPath, effective, { ...scope, input: effective }));
};

/** Completes a Wait whose timer fired. */
export const finishWait = (c: StepContext, e: Entered, s: WaitState): StepResult => {
  const scope = scopeOf(c, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  return exit(c, e, s, applyOutputPath(s.OutputPath, effective, { ...scope, input: effective }));
};

const unsupported = (what: string) => (): StepResult => {
  throw new StatesError('States.Runtime', `Stepstream does not run ${what} states yet (issue 4).`);
};

const handlers: { readonly [K in StateDefinition['Type']]: (c: StepContext, e: Entered, s: Extract<StateDefinition, { Type: K }>) => StepResult } = {
  Pass: runPass,
  Choice: runChoice,
  Succeed: runSucceed,
  Fail: runFail,
  Wait: runWait,
  Task: unsupported('Task'),
  Parallel: unsupported('Parallel'),
  Map: unsupported('Map'),
};

const runtimeCause = (e: Entered, cause: string) =>
  cause.startsWith('An error occurred while executing the state')
    ? cause
    : `An error occurred while executing the state '${e.name}' (entered at the event id #${e.enteredId}). ${cause}`;

/** Runs one state from its Entered event on; errors become data. */
const step = (c: StepContext, e: Entered, run: () => StepResult): StepResult => {
  try {
    return run();
  } catch (err) {
    if (!isStatesError(err)) throw err;
    const cause = err.error === 'States.Runtime' || err.error === 'States.QueryEvaluationError' ? runtimeCause(e, err.cause) : err.cause;
    return { kind: 'failed', error: err.error, cause, previousEventId: e.enteredId };
  }
};

export interface RunStart {
  readonly stateName: string;
  readonly input: unknown;
  readonly previousEventId: number;
  /** Resume a Wait whose timer fired instead of entering a state. */
  readonly resumeWait?: Entered;
}

/**
 * Runs states from `start` until the execution waits or ends, appending their events to the
 * batch: a chain of states that need no waiting is one decision, and so one append.
 */
export const runStates = (
  info: ExecutionInfo,
  definition: StateMachineDefinition,
  parsedInput: unknown,
  batch: EventBatch,
  env: DecisionEnv,
  start: RunStart,
): void => {
  const c: StepContext = { info, definition, parsedInput, batch, env };
  let stateName = start.stateName;
  let input = start.input;
  let previousEventId = start.previousEventId;
  let resume = start.resumeWait;
  for (;;) {
    if (batch.lastEventId >= HISTORY_EVENT_LIMIT - 1) {
      batch.push('ExecutionFailed', batch.lastEventId, {
        executionFailedEventDetails: { error: 'States.Runtime', cause: `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).` },
      });
      return;
    }
    const state = definition.States[stateName];
    if (!state) throw new Error(`No state ${stateName}: the definition was validated at create`);
    let result: StepResult;
    if ((state.QueryLanguage ?? definition.QueryLanguage) === 'JSONata' && !resume) {
      // JSONata arrives with issue 5: fail the execution clearly rather than misread the state.
      const enteredId = batch.push(stateEventTypes[state.Type].entered, previousEventId, {
        stateEnteredEventDetails: { name: stateName, input: json(input), inputDetails: truncated },
      });
      batch.push('ExecutionFailed', enteredId, {
        executionFailedEventDetails: {
          error: 'States.Runtime',
          cause: `An error occurred while executing the state '${stateName}' (entered at the event id #${enteredId}). Stepstream does not evaluate JSONata states yet.`,
        },
      });
      return;
    }
    if (resume) {
      const e = resume;
      resume = undefined;
      result = step(c, e, () => finishWait(c, e, state as WaitState));
    } else {
      const enteredAt = env.now;
      const enteredType = stateEventTypes[state.Type].entered;
      const details = { stateEnteredEventDetails: { name: stateName, input: json(input), inputDetails: truncated } };
      // A Wait's Entered event carries its due time (computed before it is pushed, so a bad
      // SecondsPath fails right after the Entered event, as AWS records it).
      let enteredId = batch.lastEventId + 1;
      const e: Entered = { name: stateName, rawInput: input, enteredId, enteredAt };
      if (state.Type === 'Wait') {
        let dueAt: number | undefined;
        let failure: StepResult | undefined;
        const probe = step(c, e, () => {
          const scope = scopeOf(c, e, input);
          dueAt = waitDueAt(state, applyInputPath(state.InputPath, input, scope), scope, enteredAt);
          return { kind: 'finished' };
        });
        if (probe.kind === 'failed') failure = probe;
        enteredId = batch.push(enteredType, previousEventId, details, dueAt !== undefined && dueAt > env.now ? { dueAt } : undefined);
        result = failure ?? step(c, e, () => runWait(c, e, state));
      } else {
        enteredId = batch.push(enteredType, previousEventId, details);
        const handler = handlers[state.Type] as (c: StepContext, e: Entered, s: StateDefinition) => StepResult;
        result = step(c, e, () => handler(c, e, state));
      }
    }
    switch (result.kind) {
      case 'next':
        stateName = result.stateName;
        input = result.output;
        previousEventId = result.exitedId;
        continue;
      case 'end':
        batch.push('ExecutionSucceeded', result.exitedId, { executionSucceededEventDetails: { output: json(result.output), outputDetails: truncated } });
        return;
      case 'failed':
        batch.push('ExecutionFailed', result.previousEventId, { executionFailedEventDetails: { error: result.error, ...(result.cause !== undefined ? { cause: result.cause } : {}) } });
        return;
      case 'waiting':
      case 'finished':
        return;
    }
  }
};

export type { Entered, StepContext };
