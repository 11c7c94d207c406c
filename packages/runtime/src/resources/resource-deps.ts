import { foldStateMachine, type ActivityEvent, type ArnScope, type StateMachineEvent, type StateMachineState } from '@stepstream/domain';
import type { EventStore, Position, RecordedEvent } from '@stepstream/eventstore';
import type { StateMachineCache } from '../state-machine-cache.js';

/** What the use cases of state machines, versions, aliases, tags and activities need from the engine. */
export interface ResourceDeps {
  /** The store; every append to a state machine's stream drops that machine from `machines`. */
  readonly store: EventStore;
  readonly scope: ArnScope;
  readonly clock: () => number;
  readonly uuid: () => string;
  /** Folded state machines, kept between reads (see {@link StateMachineCache}). */
  readonly machines: StateMachineCache;
  /** Waits (bounded) until the read models show a write, so a following Describe/List sees it. */
  readonly readYourWrites: (position: Position | undefined) => Promise<void>;
}

/** A state machine stream's events as the domain types them (they are stored as the deciders made them). */
export const asStateMachineEvents = (events: readonly RecordedEvent[]) => events as unknown as StateMachineEvent[];
/** An activity stream's events as the domain types them. */
export const asActivityEvents = (events: readonly RecordedEvent[]) => events as unknown as ActivityEvent[];

/** The fold of a state machine's stream, from the cache when it holds it (reads of versions and aliases too). */
export const foldCached = (deps: Pick<ResourceDeps, 'store' | 'machines'>, stream: string): Promise<StateMachineState> =>
  deps.machines.get(stream, async () => foldStateMachine(asStateMachineEvents(await deps.store.readStream(stream))));
