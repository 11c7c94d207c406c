import { scopeOf } from '../locate.js';
import { describeDiagnostics, parseDefinition } from '@stepstream/asl/definition';
import {
  beginsDecision,
  decodeHistoryEvent,
  executionAlreadyExists,
  executionArn as makeExecutionArn,
  executionDoesNotExist,
  everyState,
  executionStream,
  foldExecution,
  invalidDefinition,
  invalidExecutionInput,
  invalidName,
  isValidName,
  validationException,
  type ApiError,
  type ExecutionInfo,
  type MockedResult,
  type RecordedHistoryEvent,
  type StoredHistoryEvent,
} from '@stepstream/domain';
import type { EventStore } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateExecution } from '../locate.js';
import type { ExecutionUseCaseDeps } from './use-case-deps.js';

export interface ForkExecutionInput {
  /** The source execution. */
  readonly executionArn: string;
  /** The last event of the source the fork's history copies: the end of one of its decisions. */
  readonly eventId: number;
  /** The fork's name (default: a new UUID). */
  readonly name?: string;
  /** A definition for the fork to go on with (default: the source's): the states it is in at `eventId` must be in it. */
  readonly definition?: string;
  /** A new input (JSON text) for the state the execution's own frame is in at `eventId`: what it goes on with (a Wait's output, a retried attempt's input). */
  readonly input?: string;
  /** Variables (a JSON object's text) set over the execution's own at `eventId`. */
  readonly variables?: string;
  /**
   * Task results for the fork (a JSON object's text): by state name, `{"Return": …}` or
   * `{"Throw": {"Error", "Cause"}}`, or a list of them for successive invocations (the last
   * repeating). Those states' tasks are answered with them instead of being performed.
   */
  readonly mocks?: string;
  /** `virtual`: the fork runs on its own virtual clock (its timers fire as soon as it has nothing else to do); `real`: on the engine's. Default: the source's. */
  readonly time?: 'virtual' | 'real';
}

/** A fork's mocks, checked: an object of state names to a mocked result or a list of them, each `Return` or `Throw`. */
const forkMocks = (text: string): E.Either<ApiError, Record<string, MockedResult[]>> => {
  const bad = (why: string) =>
    E.left(
      validationException(
        `Invalid mocks: ${why}: give a JSON object of state names to {"Return": value} or {"Throw": {"Error": "…", "Cause": "…"}}, or a list of them`,
      ),
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return bad((e as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('not a JSON object');
  const mocks: Record<string, MockedResult[]> = {};
  for (const [state, given] of Object.entries(parsed)) {
    const list: unknown[] = Array.isArray(given) ? given : [given];
    if (list.length === 0) return bad(`"${state}" has an empty list`);
    for (const r of list) {
      const o = r as Record<string, unknown> | null;
      const ok =
        typeof o === 'object' &&
        o !== null &&
        !Array.isArray(o) &&
        Object.hasOwn(o, 'Return') !== Object.hasOwn(o, 'Throw') &&
        (!Object.hasOwn(o, 'Throw') || (typeof o['Throw'] === 'object' && o['Throw'] !== null && !Array.isArray(o['Throw'])));
      if (!ok) return bad(`"${state}" has ${JSON.stringify(r)?.slice(0, 80) ?? 'undefined'}, which is neither`);
    }
    mocks[state] = list as MockedResult[];
  }
  return E.right(mocks);
};

export interface ForkExecutionDeps extends ExecutionUseCaseDeps {
  readonly store: EventStore;
  readonly uuid: () => string;
  readonly scope: { readonly partition: string; readonly region: string; readonly account: string };
}

/** The input and variables a fork is given, checked: JSON, an object of variables, and a paused state of the execution's own to give them to. */
const forkOverrides = (input: ForkExecutionInput, paused: boolean): E.Either<ApiError, { input?: string; variables?: Record<string, string> } | undefined> => {
  if (input.input === undefined && input.variables === undefined) return E.right(undefined);
  if (!paused)
    return E.left(
      validationException(
        'Invalid fork: at that event the execution is in no state of its own (it had not entered one yet): fork at a later event to give an input or variables',
      ),
    );
  const parse = (text: string): E.Either<string, unknown> => {
    try {
      return E.right(JSON.parse(text) as unknown);
    } catch (e) {
      return E.left((e as Error).message);
    }
  };
  let newInput: string | undefined;
  if (input.input !== undefined) {
    const parsed = parse(input.input);
    if (E.isLeft(parsed)) return E.left(invalidExecutionInput(parsed.left));
    newInput = JSON.stringify(parsed.right);
  }
  let variables: Record<string, string> | undefined;
  if (input.variables !== undefined) {
    const parsed = parse(input.variables);
    if (E.isLeft(parsed) || typeof parsed.right !== 'object' || parsed.right === null || Array.isArray(parsed.right))
      return E.left(validationException('Invalid variables: a JSON object of variable names and their values, e.g. {"retries": 3}'));
    variables = Object.fromEntries(Object.entries(parsed.right).map(([k, v]) => [k, JSON.stringify(v)]));
  }
  return E.right({ ...(newInput !== undefined ? { input: newInput } : {}), ...(variables !== undefined ? { variables } : {}) });
};

/**
 * `Stepstream.ForkExecution`, `stepstream fork`: a new execution of the same state machine whose
 * history begins with the source's events 1..`eventId` and goes on live from there (the decider's
 * `ForkExecution`): its timers are armed and its pending tasks dispatched, as after a restart. The
 * source is only read. `eventId` must end one of the source's decisions (the engine pauses between
 * decisions only) while the source was running; the message names the nearest ones otherwise.
 */
export const forkExecution = async (
  deps: ForkExecutionDeps,
  input: ForkExecutionInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> => {
  const located = locateExecution(input.executionArn);
  if (E.isLeft(located)) return located;
  const { eventId } = input;
  if (!Number.isSafeInteger(eventId) || eventId < 1)
    return E.left(validationException(`Invalid eventId: ${String(eventId)}: an event id is a whole number from 1`));
  // The events up to the one after eventId (to see whether eventId ends its decision).
  const stored = (await deps.store.readStream(located.right.stream, { maxCount: eventId + 1 })) as unknown as RecordedHistoryEvent[];
  if (stored.length === 0) return E.left(executionDoesNotExist(input.executionArn));
  if (stored.length < eventId)
    return E.left(validationException(`Invalid eventId: ${String(eventId)}: the history of ${input.executionArn} has ${String(stored.length)} events`));
  if (stored.length > eventId && !beginsDecision(stored[eventId])) {
    let before = eventId;
    while (before > 0 && !beginsDecision(stored[before - 1])) before--;
    return E.left(
      validationException(
        `Invalid eventId: ${String(eventId)} is inside a decision of ${input.executionArn}, which began after event ${String(before - 1)}: fork at an event that ends a decision (stepstream inspect shows them: framesAsOfEventId)`,
      ),
    );
  }
  const prefix = stored.slice(0, eventId);
  const state = foldExecution(prefix);
  if (state.info === undefined) return E.left(executionDoesNotExist(input.executionArn));
  if (state.status !== 'RUNNING')
    return E.left(
      validationException(
        `Invalid eventId: ${String(eventId)}: ${input.executionArn} had ended (${String(state.status)}) at that event: fork at an event before its end`,
      ),
    );
  const events: StoredHistoryEvent[] = [];
  for (const e of prefix) {
    const decoded = decodeHistoryEvent(e);
    if (E.isLeft(decoded)) return E.left(validationException(`event ${events.length + 1} has the type ${decoded.left.type}, which this version does not know`));
    events.push(decoded.right);
  }
  const definition = input.definition ?? state.info.definition;
  if (input.definition !== undefined) {
    const parsed = parseDefinition(input.definition);
    if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
    // Every state the fork is in at eventId must be in the new definition, or it could not go on.
    const names = new Set([...everyState(parsed.definition)].map(([name]) => name));
    const missing = [...new Set(Object.values(state.frames).flatMap((f) => (f.kind === 'suspended' && !names.has(f.state) ? [f.state] : [])))];
    if (missing.length > 0)
      return E.left(
        invalidDefinition(`the fork is in ${missing.map((m) => `"${m}"`).join(', ')} at event ${String(eventId)}, which the new definition does not have`),
      );
  }
  const overrides = forkOverrides(input, state.frames['']?.kind === 'suspended');
  if (E.isLeft(overrides)) return overrides;
  const mocks = input.mocks === undefined ? undefined : forkMocks(input.mocks);
  if (mocks !== undefined && E.isLeft(mocks)) return mocks;
  const name = input.name ?? deps.uuid();
  if (!isValidName(name)) return E.left(invalidName(name));
  const source = state.info;
  const scope = scopeOf(deps.scope, source.stateMachineArn);
  const executionArn = makeExecutionArn(scope, source.stateMachineName, name);
  const stream = executionStream(scope.account, scope.region, source.stateMachineName, name);
  const { parent: _parent, timeoutAt: _timeoutAt, imported: _imported, mocks: sourceMocks, time: sourceTime, ...rest } = source;
  // The source's mocks and clock carry over unless given; a fork of an imported execution runs here.
  const forkMocksGiven = mocks !== undefined ? mocks.right : sourceMocks;
  const time = input.time === undefined ? sourceTime : input.time === 'virtual' ? 'virtual' : undefined;
  const info: ExecutionInfo = {
    ...rest,
    executionArn,
    name,
    definition,
    forkedFrom: { executionArn: source.executionArn, eventId },
    ...(forkMocksGiven !== undefined ? { mocks: forkMocksGiven } : {}),
    ...(time !== undefined ? { time } : {}),
  };
  return deps.queue.run(stream, async () => {
    const now = deps.clock();
    const forked = await deps.commands.start(stream, info, now, meta, {
      type: 'ForkExecution',
      info,
      events,
      ...(overrides.right !== undefined ? { overrides: overrides.right } : {}),
    });
    if (!forked) return E.left(executionAlreadyExists(executionArn));
    deps.acknowledge(forked.position);
    return E.right({ executionArn, startDate: source.startDate });
  });
};
