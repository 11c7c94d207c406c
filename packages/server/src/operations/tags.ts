import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';

export const TagList = t.array(t.partial({ key: optional(t.string), value: optional(t.string) }));

/** Tags as the API sends them (`value` may be absent: an empty value, which AWS allows). */
export const tagsOf = (tags: t.TypeOf<typeof TagList>) => tags.map((x) => ({ key: x.key ?? '', value: x.value ?? '' }));

const arnRules = { resourceArn: [minLength(1), maxLength(256)] };

export const tagResource =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(t.type({ resourceArn: t.string, tags: TagList }), body, { required: ['resourceArn', 'tags'], rules: arnRules });
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.tagResource(decoded.right.resourceArn, tagsOf(decoded.right.tags), { requestId: ctx.requestId });
  };

export const untagResource =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(t.type({ resourceArn: t.string, tagKeys: t.array(t.string) }), body, {
      required: ['resourceArn', 'tagKeys'],
      rules: arnRules,
    });
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.untagResource(decoded.right.resourceArn, decoded.right.tagKeys, { requestId: ctx.requestId });
  };

export const listTagsForResource =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(t.type({ resourceArn: t.string }), body, { required: ['resourceArn'], rules: arnRules });
    if (E.isLeft(decoded)) return decoded;
    const tags = await engine.resources.listTags(decoded.right.resourceArn);
    return E.map((list: { key: string; value: string }[]) => ({ tags: list }))(tags);
  };
