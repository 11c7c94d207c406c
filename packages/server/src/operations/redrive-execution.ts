import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';

/** RedriveExecution: `{redriveDate}`; `ExecutionNotRedrivable` for RUNNING/SUCCEEDED or after 14 days. */
export const redriveExecution =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(t.intersection([t.type({ executionArn: t.string }), t.partial({ clientToken: optional(t.string) })]), body, {
      required: ['executionArn'],
      rules: { executionArn: [minLength(1), maxLength(256)], clientToken: [minLength(1), maxLength(64)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const r = await engine.executions.redriveExecution(decoded.right.executionArn, { requestId: ctx.requestId });
    return E.map((x: { redriveDate: number }) => ({ redriveDate: epochSeconds(x.redriveDate) }))(r);
  };
