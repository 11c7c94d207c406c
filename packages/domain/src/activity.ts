import * as E from 'fp-ts/lib/Either.js';
import { invalidName, type ApiError } from './api-errors.js';
import type { Decider } from './decider.js';
import { isValidName } from './names.js';
import { tagsProblem, type Tag } from './tag-rules.js';

/** The resource events of an `activity-…` stream. */
export interface ActivityCreated {
  readonly type: 'ActivityCreated';
  readonly data: {
    readonly activityArn: string;
    readonly name: string;
    readonly creationDate: number;
    readonly tags?: readonly { readonly key: string; readonly value: string }[];
    readonly encryptionConfiguration?: Readonly<Record<string, unknown>>;
  };
}
export interface ActivityDeleted {
  readonly type: 'ActivityDeleted';
  readonly data: { readonly activityArn: string; readonly deletionDate: number };
}
export type ActivityEvent = ActivityCreated | ActivityDeleted;

export interface ActivityState {
  /** Undefined before creation and after deletion. */
  readonly current?: ActivityCreated['data'];
}

export const evolveActivity = (s: ActivityState, e: ActivityEvent): ActivityState => {
  switch (e.type) {
    case 'ActivityCreated':
      return { current: e.data };
    case 'ActivityDeleted':
      return {};
    default:
      return s;
  }
};

/** The stream of an activity: `activity-<account>:<region>:<name>`. */
export const activityStream = (account: string, region: string, name: string) => `activity-${account}:${region}:${name}`;

/**
 * CreateActivity is idempotent by name: an existing activity is returned as it is (AWS ignores
 * different tags, recorded), so only a new one writes an event.
 */
export const decideCreateActivity = (
  s: ActivityState,
  c: ActivityCreated['data'],
): { readonly events: ActivityEvent[]; readonly activityArn: string; readonly creationDate: number } =>
  s.current
    ? { events: [], activityArn: s.current.activityArn, creationDate: s.current.creationDate }
    : { events: [{ type: 'ActivityCreated', data: c }], activityArn: c.activityArn, creationDate: c.creationDate };

/** Deleting a missing activity succeeds and writes nothing (AWS answers 200). */
export const decideDeleteActivity = (s: ActivityState, activityArn: string, now: number): ActivityEvent[] =>
  s.current ? [{ type: 'ActivityDeleted', data: { activityArn, deletionDate: now } }] : [];

/** The commands of an activity's stream; `now` is the time the command was received. */
export type ActivityCommand =
  | {
      readonly type: 'CreateActivity';
      readonly activityArn: string;
      readonly name: string;
      readonly tags?: readonly Tag[];
      readonly encryptionConfiguration?: Readonly<Record<string, unknown>>;
      readonly now: number;
    }
  | { readonly type: 'DeleteActivity'; readonly activityArn: string; readonly now: number };

/**
 * Decides an activity command: CreateActivity checks the name, then the tags, then is idempotent
 * by name ({@link decideCreateActivity}); DeleteActivity of a missing activity writes nothing.
 *
 * @example
 * decideActivity({}, { type: 'CreateActivity', activityArn, name: 'act', now })
 * // right([{ type: 'ActivityCreated', data: { activityArn, name: 'act', creationDate: now } }])
 */
export const decideActivity = (s: ActivityState, c: ActivityCommand): E.Either<ApiError, ActivityEvent[]> => {
  switch (c.type) {
    case 'CreateActivity': {
      if (!isValidName(c.name)) return E.left(invalidName(c.name));
      const invalid = tagsProblem(c.tags ?? []);
      if (invalid) return E.left(invalid);
      const data: ActivityCreated['data'] = {
        activityArn: c.activityArn,
        name: c.name,
        creationDate: c.now,
        ...(c.tags !== undefined ? { tags: c.tags } : {}),
        ...(c.encryptionConfiguration !== undefined ? { encryptionConfiguration: c.encryptionConfiguration } : {}),
      };
      return E.right(decideCreateActivity(s, data).events);
    }
    case 'DeleteActivity':
      return E.right(decideDeleteActivity(s, c.activityArn, c.now));
  }
};

/** An activity as a decider over its `activity-…` stream. */
export const activityDecider: Decider<ActivityState, ActivityCommand, ActivityEvent, ApiError> = {
  initialState: () => ({}),
  evolve: evolveActivity,
  decide: decideActivity,
};
