import { tooManyTags, validationException, type ApiError } from './api-errors.js';

/** A tag of a state machine or an activity. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** AWS: at most 50 tags per resource. */
export const MAX_TAGS = 50;

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

/** Why a list of tags cannot be set: the first tag's problem as a ValidationException, or undefined. */
export const tagsProblem = (tags: readonly Tag[]): ApiError | undefined => {
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) return validationException(problem);
  }
  return undefined;
};

/**
 * Too many tags for a resource created with `tags`: more than {@link MAX_TAGS} distinct keys
 * (a key given twice counts once), or undefined.
 */
export const tooManyTagsOnCreate = (resourceArn: string, tags: readonly Tag[]): ApiError | undefined =>
  new Set(tags.map((t) => t.key)).size > MAX_TAGS ? tooManyTags(resourceArn) : undefined;
