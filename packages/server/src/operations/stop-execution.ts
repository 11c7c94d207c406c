import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';

export const StopExecutionInput = t.intersection([t.type({ executionArn: t.string }), t.partial({ error: optional(t.string), cause: optional(t.string) })]);

export const stopExecution =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(StopExecutionInput, body, {
      required: ['executionArn'],
      rules: { executionArn: [minLength(1), maxLength(256)], error: [maxLength(256)], cause: [maxLength(32_768)] },
      sensitive: ['error', 'cause'],
    });
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, error, cause } = decoded.right;
    const stopped = await engine.executions.stopExecution(
      { executionArn, ...(error != null ? { error } : {}), ...(cause != null ? { cause } : {}) },
      { requestId: ctx.requestId },
    );
    return E.map((r: { stopDate: number }) => ({ stopDate: epochSeconds(r.stopDate) }))(stopped);
  };
