import * as E from 'fp-ts/lib/Either.js';
import type { ActivityEvent } from './activity.js';
import { resourceNotFound, tooManyTags, type ApiError } from './api-errors.js';
import type { Decider } from './decider.js';
import type { StateMachineEvent } from './state-machine.js';
import { MAX_TAGS, tagsProblem, type Tag } from './tag-rules.js';

/**
 * Tags of state machines and activities, kept in the resource's own stream: the creation event's
 * `tags`, then `ResourceTagged` / `ResourceUntagged`; deleting the resource drops them.
 */
export interface ResourceTagged {
  readonly type: 'ResourceTagged';
  readonly data: { readonly resourceArn: string; readonly tags: readonly Tag[] };
}
export interface ResourceUntagged {
  readonly type: 'ResourceUntagged';
  readonly data: { readonly resourceArn: string; readonly tagKeys: readonly string[] };
}

/** What the tag commands see of a taggable stream: whether the resource exists, and its tags. */
export interface TagsState {
  /** False before creation and after deletion: the tags of a missing resource are not found. */
  readonly exists: boolean;
  /** Key → value, in the order keys were first set (ListTagsForResource keeps it). */
  readonly tags: ReadonlyMap<string, string>;
}

/** The events of a taggable stream (a state machine's or an activity's) that tags depend on. */
export type TaggableEvent = StateMachineEvent | ActivityEvent | ResourceTagged | ResourceUntagged;

/** The commands on a resource's tags. */
export type TagsCommand =
  | { readonly type: 'TagResource'; readonly resourceArn: string; readonly tags: readonly Tag[] }
  | { readonly type: 'UntagResource'; readonly resourceArn: string; readonly tagKeys: readonly string[] };

/** Moves {@link TagsState} by one event of a taggable stream; other events leave it as it is. */
export const evolveTags = (s: TagsState, e: TaggableEvent): TagsState => {
  switch (e.type) {
    case 'StateMachineCreated':
    case 'ActivityCreated':
      return { exists: true, tags: new Map((e.data.tags ?? []).map((t) => [t.key, t.value])) };
    case 'ResourceTagged': {
      const tags = new Map(s.tags);
      for (const t of e.data.tags) tags.set(t.key, t.value);
      return { ...s, tags };
    }
    case 'ResourceUntagged': {
      const tags = new Map(s.tags);
      for (const k of e.data.tagKeys) tags.delete(k);
      return { ...s, tags };
    }
    case 'StateMachineDeleted':
    case 'ActivityDeleted':
      return { exists: false, tags: new Map() };
    default:
      return s;
  }
};

/**
 * TagResource and UntagResource on a resource's stream. Tagging: every tag valid
 * (ValidationException), the resource exists (ResourceNotFound), keys given twice collapse with
 * the last value winning (recorded), and the merged tags stay within {@link MAX_TAGS}
 * (TooManyTags). Untagging a missing key is no error.
 *
 * @example
 * decideTags({ exists: true, tags: new Map() }, { type: 'TagResource', resourceArn: sm, tags: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] })
 * // right([{ type: 'ResourceTagged', data: { resourceArn: sm, tags: [{ key: 'a', value: '2' }] } }])
 */
export const decideTags = (s: TagsState, c: TagsCommand): E.Either<ApiError, TaggableEvent[]> => {
  switch (c.type) {
    case 'TagResource': {
      const invalid = tagsProblem(c.tags);
      if (invalid) return E.left(invalid);
      if (!s.exists) return E.left(resourceNotFound(c.resourceArn));
      const unique = [...new Map(c.tags.map((t) => [t.key, t.value])).entries()].map(([key, value]) => ({ key, value }));
      const merged = new Set([...s.tags.keys(), ...unique.map((t) => t.key)]);
      if (merged.size > MAX_TAGS) return E.left(tooManyTags(c.resourceArn));
      return E.right([{ type: 'ResourceTagged', data: { resourceArn: c.resourceArn, tags: unique } }]);
    }
    case 'UntagResource':
      return s.exists
        ? E.right([{ type: 'ResourceUntagged', data: { resourceArn: c.resourceArn, tagKeys: c.tagKeys } }])
        : E.left(resourceNotFound(c.resourceArn));
  }
};

/** A resource's tags as a decider over its stream (state machine or activity). */
export const tagsDecider: Decider<TagsState, TagsCommand, TaggableEvent, ApiError> = {
  initialState: () => ({ exists: false, tags: new Map() }),
  evolve: evolveTags,
  decide: decideTags,
};
