/**
 * Tags of state machines and activities, kept in the resource's own stream: the creation event's
 * `tags`, then `ResourceTagged` / `ResourceUntagged`; deleting the resource drops them.
 */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface ResourceTagged {
  readonly type: 'ResourceTagged';
  readonly data: { readonly resourceArn: string; readonly tags: readonly Tag[] };
}
export interface ResourceUntagged {
  readonly type: 'ResourceUntagged';
  readonly data: { readonly resourceArn: string; readonly tagKeys: readonly string[] };
}

/** AWS: at most 50 tags per resource. */
export const MAX_TAGS = 50;

/** The tags of a resource stream's events, in the order they were first set. */
export const foldTags = (events: readonly { readonly type: string; readonly data: unknown }[]): Map<string, string> => {
  const tags = new Map<string, string>();
  for (const e of events) {
    const d = e.data as { tags?: readonly Tag[]; tagKeys?: readonly string[] };
    switch (e.type) {
      case 'StateMachineCreated':
      case 'ActivityCreated':
        tags.clear();
        for (const t of d.tags ?? []) tags.set(t.key, t.value);
        break;
      case 'ResourceTagged':
        for (const t of d.tags ?? []) tags.set(t.key, t.value);
        break;
      case 'ResourceUntagged':
        for (const k of d.tagKeys ?? []) tags.delete(k);
        break;
      case 'StateMachineDeleted':
      case 'ActivityDeleted':
        tags.clear();
        break;
    }
  }
  return tags;
};

/**
 * Why a tag cannot be set (AWS: keys 1–128 and values 0–256 characters of Unicode letters, digits,
 * whitespace and `_ . : / = + - @`; the `aws:` prefix is reserved), or undefined.
 */
export const tagProblem = (t: Tag): string | undefined => {
  const allowed = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
  if (t.key.length < 1 || t.key.length > 128) return `Tag keys are 1 to 128 characters long: '${t.key}'`;
  if (t.value.length > 256) return `Tag values are at most 256 characters long (key '${t.key}')`;
  if (!allowed.test(t.key) || !allowed.test(t.value)) return `Tags may only contain Unicode letters, digits, whitespace and _ . : / = + - @ (key '${t.key}')`;
  if (t.key.toLowerCase().startsWith('aws:')) return `Tag keys may not start with the reserved prefix aws: ('${t.key}')`;
  return undefined;
};
