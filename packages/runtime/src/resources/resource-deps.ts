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
import type { StateMachineCache, StreamFold } from './state-machine-cache.js';

/** What the use cases of state machines, versions, aliases, tags and activities need from the engine. */
export interface ResourceDeps {
  /** The store; every append to a state machine's stream drops that machine from `machines`. */
  readonly store: EventStore;
  readonly scope: ArnScope;
  readonly clock: () => number;
  readonly uuid: () => string;
  /** Folded state machines, kept between reads (see {@link StateMachineCache}). */
  readonly machines: StateMachineCache;
  /** Records a write the caller is answered for: the next Describe or List waits until the read models show it. */
  readonly acknowledge: (position: Position | undefined) => void;
}

/** The fold of a state machine's stream, from the cache when it holds it (reads of versions and aliases too). */
export const foldCached = (deps: Pick<ResourceDeps, 'store' | 'machines'>, stream: string): Promise<StateMachineState> =>
  deps.machines.get(stream, async () => foldDecider(stateMachineDecider, decodeStateMachineEvents(await deps.store.readStream(stream))));

/**
 * Runs a command of a resource's decider on its stream: read, decode the events the decider knows
 * (once, at read), fold, decide, append with the revision read. `answer` says what the caller gets
 * from the state after the events (an idempotent create answers the existing resource's date).
 *
 * @example
 * runDecider(deps, stream, stateMachineDecider, decodeStateMachineEvents, command, (after) => publishVersionAnswer(after, command), meta)
 */
export const runDecider = <State, Command, Event extends EventData, Err, R>(
  deps: Pick<ResourceDeps, 'store'>,
  stream: string,
  decider: Decider<State, Command, Event, Err>,
  decode: (events: readonly RecordedEvent[]) => readonly Event[],
  command: Command,
  answer: (after: State) => R,
  meta: CallMetadata,
): Promise<CommandOutcome<E.Either<Err, R>>> =>
  handleCommand<E.Either<Err, R>>(
    deps.store,
    stream,
    (events) => {
      const state = foldDecider(decider, decode(events));
      const decided = decider.decide(state, command);
      if (E.isLeft(decided)) return { events: [], result: decided };
      return { events: decided.right, result: E.right(answer(foldDecider(decider, decided.right, state))) };
    },
    { metadata: { ...meta } },
  );

/**
 * The command runner of a decider over a state machine's stream (the machine's own decider, or
 * its aliases'): as {@link runDecider}, but from the fold the last command on the stream kept
 * (`machines.foldOf`): it reads only the events after that fold's revision, folds them on, decides
 * and appends at the revision it now knows. A writer that raced it (another node) makes the append
 * fail; it then reads what came after again. The fold it keeps is of events as stored, never of
 * events as decided (the next command reads its own appended events back, a short read).
 *
 * @example
 * const runAliasCommand = onStateMachineStream(aliasDecider);
 * runAliasCommand(deps, stream, { type: 'DeleteStateMachineAlias', stateMachineAliasArn, now }, () => ({}), meta)
 */
export const onStateMachineStream =
  <Command>(decider: Decider<StateMachineState, Command, StateMachineEvent, ApiError>) =>
  <R>(
    deps: Pick<ResourceDeps, 'store' | 'machines'>,
    stream: string,
    command: Command,
    answer: (after: StateMachineState) => R,
    meta: CallMetadata,
  ): Promise<CommandOutcome<E.Either<ApiError, R>>> => {
    let kept: StreamFold | undefined;
    return handleCommand<E.Either<ApiError, R>>(
      deps.store,
      stream,
      (events, revision) => {
        const state = foldDecider(decider, decodeStateMachineEvents(events), kept?.state ?? decider.initialState());
        if (revision !== 'no_stream') deps.machines.keepFold(stream, { revision, state });
        const decided = decider.decide(state, command);
        if (E.isLeft(decided)) return { events: [], result: decided };
        return { events: decided.right, result: E.right(answer(foldDecider(decider, decided.right, state))) };
      },
      {
        metadata: { ...meta },
        after: () => {
          kept = deps.machines.foldOf(stream);
          return kept?.revision;
        },
      },
    );
  };

/** Runs a state machine command on its stream (see {@link onStateMachineStream}). */
export const runStateMachineCommand = onStateMachineStream<StateMachineCommand>(stateMachineDecider);
