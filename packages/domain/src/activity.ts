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

export const foldActivity = (events: readonly ActivityEvent[]): ActivityState => events.reduce(evolveActivity, {});

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
