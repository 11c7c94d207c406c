import {
  decodeStateMachineEvents,
  foldDecider,
  stateMachineDecider,
  type ApiError,
  type ArnScope,
  type Decider,
  type StateMachineCommand,
  type StateMachineEvent,
  type StateMachineState,
} from '@stepstream/domain';
import type { EventData, EventStore, Position, RecordedEvent } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata, type CommandOutcome } from '../command.js';
import type { StateMachineCache } from './state-machine-cache.js';
import type { StreamFold, StreamFolds } from './stream-folds.js';

/** What the use cases of state machines, versions, aliases, tags and activities need from the engine. */
export interface ResourceDeps {
  /** The store; every append to a state machine's stream drops that machine from `machines`. */
  readonly store: EventStore;
  readonly scope: ArnScope;
  readonly clock: () => number;
  readonly uuid: () => string;
  /** Folded state machines, kept between reads (see {@link StateMachineCache}). */
  readonly machines: StateMachineCache;
  /** Folds of resource streams kept between commands and reads (see {@link StreamFolds}). */
  readonly folds: StreamFolds;
  /** Records a write the caller is answered for: the next Describe or List waits until the read models show it. */
  readonly acknowledge: (position: Position | undefined) => void;
}

/** The fold of a state machine's stream, from the cache when it holds it (reads of versions and aliases too). */
export const foldCached = (deps: Pick<ResourceDeps, 'store' | 'machines' | 'folds'>, stream: string): Promise<StateMachineState> =>
  deps.machines.get(stream, () => foldStream(deps, stream, stateMachineDecider, decodeStateMachineEvents));

/**
 * The state of `stream` by `decider`: from the fold kept for it ({@link StreamFolds}), on the
 * events after that fold's revision, read now; the new fold is kept.
 *
 * @example
 * const { tags } = await foldStream(deps, stream, tagsDecider, decodeTaggableEvents);
 */
export const foldStream = async <State, Event>(
  deps: Pick<ResourceDeps, 'store' | 'folds'>,
  stream: string,
  decider: Pick<Decider<State, unknown, Event, unknown>, 'initialState' | 'evolve'>,
  decode: (events: readonly RecordedEvent[]) => readonly Event[],
): Promise<State> => {
  const kept = deps.folds.get(decider.evolve, stream);
  const events = await deps.store.readStream(stream, kept ? { fromRevision: kept.revision + 1n } : undefined);
  const state = foldDecider(decider, decode(events), kept?.state ?? decider.initialState());
  const last = events.at(-1)?.revision;
  if (last !== undefined) deps.folds.keep(decider.evolve, stream, { revision: last, state });
  return state;
};

/**
 * Runs a command of a resource's decider on its stream: from the fold the last command or read of
 * the stream kept ({@link StreamFolds}), it reads only the events after that fold's revision
 * (decoding the events the decider knows, once), folds them on, decides, and appends at the
 * revision it now knows. A writer that raced it (another node) makes the append fail; it then
 * reads what came after again. The fold it keeps is of events as stored, never of events as
 * decided (the next command reads its own appended events back, a short read). `answer` says
 * what the caller gets from the state after the events (an idempotent create answers the existing
 * resource's date).
 *
 * @example
 * runDecider(deps, stream, aliasDecider, decodeStateMachineEvents, command, () => ({}), meta)
 */
export const runDecider = <State, Command, Event extends EventData, Err, R>(
  deps: Pick<ResourceDeps, 'store' | 'folds'>,
  stream: string,
  decider: Decider<State, Command, Event, Err>,
  decode: (events: readonly RecordedEvent[]) => readonly Event[],
  command: Command,
  answer: (after: State) => R,
  meta: CallMetadata,
): Promise<CommandOutcome<E.Either<Err, R>>> => {
  let kept: StreamFold<State> | undefined;
  return handleCommand<E.Either<Err, R>>(
    deps.store,
    stream,
    (events, revision) => {
      const state = foldDecider(decider, decode(events), kept?.state ?? decider.initialState());
      if (revision !== 'no_stream') deps.folds.keep(decider.evolve, stream, { revision, state });
      const decided = decider.decide(state, command);
      if (E.isLeft(decided)) return { events: [], result: decided };
      return { events: decided.right, result: E.right(answer(foldDecider(decider, decided.right, state))) };
    },
    {
      metadata: { ...meta },
      after: () => {
        kept = deps.folds.get(decider.evolve, stream);
        return kept?.revision;
      },
    },
  );
};

/** Runs a command of `decider` (the machine's own, or its aliases') on a state machine's stream (see {@link runDecider}). */
export const onStateMachineStream =
  <Command>(decider: Decider<StateMachineState, Command, StateMachineEvent, ApiError>) =>
  <R>(
    deps: Pick<ResourceDeps, 'store' | 'folds'>,
    stream: string,
    command: Command,
    answer: (after: StateMachineState) => R,
    meta: CallMetadata,
  ): Promise<CommandOutcome<E.Either<ApiError, R>>> =>
    runDecider(deps, stream, decider, decodeStateMachineEvents, command, answer, meta);

/** Runs a state machine command on its stream (see {@link runDecider}). */
export const runStateMachineCommand = onStateMachineStream<StateMachineCommand>(stateMachineDecider);
