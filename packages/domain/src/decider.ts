import type * as E from 'fp-ts/lib/Either.js';

/**
 * An aggregate as a decider: where its state starts, how an event moves it, and what a command
 * decides on it — the events to append, or the error that refuses the command. Pure: time, ids
 * and anything read elsewhere arrive in the command.
 *
 * The shape follows Emmett's `Decider` (`initialState`, `evolve`, `decide`), with errors as tagged
 * values in an `Either` rather than exceptions. A runtime command handler reads the stream, folds
 * it with `evolve` from `initialState()`, calls `decide`, and appends what it returns with the
 * revision it read.
 *
 * Effect descriptions (arm a timer, dispatch a task, start a child, answer a parent) are not part
 * of this type yet: they come with the execution reactor (issue 12, point 4), which will extend
 * `decide`'s result rather than re-derive effects from state.
 *
 * @example
 * const state = foldDecider(aliasDecider, storedEvents);
 * const decided = aliasDecider.decide(state, { type: 'DeleteStateMachineAlias', stateMachineAliasArn, now });
 * // right([{ type: 'StateMachineAliasDeleted', data: { aliasArn, name, deletionDate: now } }]) or right([])
 */
export interface Decider<State, Command, Event, Error> {
  /** The state of a stream with no events. */
  readonly initialState: () => State;
  /** The state after one more event; events it does not know leave the state as it is. */
  readonly evolve: (state: State, event: Event) => State;
  /** The events a command appends (possibly none), or why it is refused. */
  readonly decide: (state: State, command: Command) => E.Either<Error, readonly Event[]>;
}

/**
 * The state a decider reaches over `events`, from `from` (its initial state unless given).
 *
 * @example
 * foldDecider(tagsDecider, [created, tagged]).tags // Map { 'team' => 'a' }
 */
export const foldDecider = <State, Event>(
  decider: Pick<Decider<State, never, Event, unknown>, 'initialState' | 'evolve'>,
  events: readonly Event[],
  from: State = decider.initialState(),
): State => events.reduce(decider.evolve, from);
