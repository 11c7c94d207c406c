import * as E from 'fp-ts/lib/Either.js';
import type { ActivityEvent } from './activity.js';
import type { MapRunEvent } from './map-run.js';
import type { StateMachineEvent } from './state-machine.js';
import type { ResourceTagged, ResourceUntagged, TaggableEvent } from './tags.js';

/**
 * An event of a resource's stream (a state machine's, an activity's, a Map Run's) as any store
 * returns it: the type is whatever was written. The eventstore's `RecordedEvent` is one.
 */
export interface RecordedResourceEvent {
  readonly type: string;
  readonly data: unknown;
}

/**
 * A stored event whose type the union being decoded does not know: another aggregate's event in a
 * shared stream (a `ResourceTagged` in a state machine's stream, for the state machine's fold), or
 * a type a newer version wrote.
 */
export interface UnknownResourceEventType {
  readonly _tag: 'UnknownResourceEventType';
  readonly type: string;
}

/** The names of a union's event types, one key each: a type added to the union does not compile until it is listed. */
type EventTypes<Event extends { readonly type: string }> = Readonly<Record<Event['type'], true>>;

const stateMachineEventTypes: EventTypes<StateMachineEvent> = {
  StateMachineCreated: true,
  StateMachineUpdated: true,
  StateMachineDeleted: true,
  StateMachineVersionPublished: true,
  StateMachineVersionDeleted: true,
  StateMachineAliasCreated: true,
  StateMachineAliasUpdated: true,
  StateMachineAliasDeleted: true,
};
/** Every event type of a state machine's stream (what a projection of state machines subscribes to). */
export const STATE_MACHINE_EVENT_TYPES = Object.keys(stateMachineEventTypes) as readonly StateMachineEvent['type'][];
const activityEventTypes: EventTypes<ActivityEvent> = { ActivityCreated: true, ActivityDeleted: true };
const tagEventTypes: EventTypes<ResourceTagged | ResourceUntagged> = { ResourceTagged: true, ResourceUntagged: true };
const taggableEventTypes: EventTypes<TaggableEvent> = { ...stateMachineEventTypes, ...activityEventTypes, ...tagEventTypes };
const mapRunEventTypes: EventTypes<MapRunEvent> = { MapRunUpdated: true };

/** One event's decoder: the typed event, or the report of a type the union does not know. */
type Decode<Event> = (event: RecordedResourceEvent) => E.Either<UnknownResourceEventType, Event>;

/**
 * The decoder of one union: its type guard is the list of its type names (own keys only, so
 * `toString` is no event type). The data is taken as the decider wrote it: no resource event's
 * shape has changed so far. When one does, its upcast to the current shape goes here, keyed by
 * type (STYLE.md §2: old shapes are upcast on read, never rewritten).
 */
const decoderOf =
  <Event extends { readonly type: string; readonly data: unknown }>(types: EventTypes<Event>): Decode<Event> =>
  (event) =>
    Object.hasOwn(types, event.type)
      ? // The type is one of the union's (checked just above); the data is the one its decider wrote for that type.
        E.right({ type: event.type, data: event.data } as Event)
      : E.left({ _tag: 'UnknownResourceEventType', type: event.type });

/** The events of a stream that `decode` knows, in order; the others are skipped (they leave a fold's state as it is). */
const knownOf =
  <Event>(decode: Decode<Event>) =>
  (events: readonly RecordedResourceEvent[]): Event[] =>
    events.flatMap((event) => {
      const decoded = decode(event);
      return E.isRight(decoded) ? [decoded.right] : [];
    });

/**
 * One event of a `stateMachine-…` stream as a {@link StateMachineEvent}, or the report of a type
 * it is not (tags, or a newer version's type).
 *
 * @example
 * decodeStateMachineEvent({ type: 'StateMachineDeleted', data }); // right({ type: 'StateMachineDeleted', data })
 * decodeStateMachineEvent({ type: 'ResourceTagged', data }); // left({ _tag: 'UnknownResourceEventType', type: 'ResourceTagged' })
 */
export const decodeStateMachineEvent: Decode<StateMachineEvent> = decoderOf(stateMachineEventTypes);
/**
 * The {@link StateMachineEvent}s of a `stateMachine-…` stream, decoded once at read: what
 * `stateMachineDecider` and `aliasDecider` fold. Other types are skipped.
 *
 * @example
 * foldDecider(stateMachineDecider, decodeStateMachineEvents(await store.readStream(stream)))
 */
export const decodeStateMachineEvents = knownOf(decodeStateMachineEvent);

/** One event of an `activity-…` stream as an {@link ActivityEvent}, or the report of a type it is not. */
export const decodeActivityEvent: Decode<ActivityEvent> = decoderOf(activityEventTypes);
/** The {@link ActivityEvent}s of an `activity-…` stream, decoded once at read (others skipped): what `activityDecider` folds. */
export const decodeActivityEvents = knownOf(decodeActivityEvent);

/** One event of a taggable stream (a state machine's or an activity's) as a {@link TaggableEvent}, or the report of a type it is not. */
export const decodeTaggableEvent: Decode<TaggableEvent> = decoderOf(taggableEventTypes);
/** The {@link TaggableEvent}s of a state machine's or an activity's stream, decoded once at read (others skipped): what `tagsDecider` folds. */
export const decodeTaggableEvents = knownOf(decodeTaggableEvent);

/** One event of a `mapRun-…` stream as a {@link MapRunEvent}, or the report of a type it is not. */
export const decodeMapRunEvent: Decode<MapRunEvent> = decoderOf(mapRunEventTypes);
/**
 * The {@link MapRunEvent}s of a `mapRun-…` stream, decoded once at read (others skipped): what
 * `mapRunDecider` folds.
 *
 * @example
 * foldDecider(mapRunDecider, decodeMapRunEvents(await store.readStream(mapRunStream(mapRunArn))))
 */
export const decodeMapRunEvents = knownOf(decodeMapRunEvent);
