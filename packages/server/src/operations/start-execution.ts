import { invalidExecutionInput } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { parseJsonText } from '../json-limits.js';
import { decodeRequest, maxBytes, maxLength, minLength, optional, pattern } from '../validation.js';
import type { Deps } from './deps.js';

export const StartExecutionInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ name: optional(t.string), input: optional(t.string), traceHeader: optional(t.string) }),
]);

/** Execution input must be a JSON text (any JSON value, at most 1000 levels deep); "" is "Invalid execution input." */
export const checkExecutionInput = (input: string) => {
  if (input.trim() === '') return invalidExecutionInput('Invalid execution input.');
  const parsed = parseJsonText(input);
  return E.isLeft(parsed) ? invalidExecutionInput(parsed.left.message) : undefined;
};

export const startExecution =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(StartExecutionInput, body, {
      required: ['stateMachineArn'],
      rules: {
        stateMachineArn: [minLength(1), maxLength(256)],
        name: [minLength(1), maxLength(80)],
        input: [maxBytes(262_144)],
        // The model: TraceHeader, length 0–256, pattern `\p{ASCII}*` (a NUL is ASCII; a lone surrogate is not).
        traceHeader: [maxLength(256), pattern('\\p{ASCII}*', /^\p{ASCII}*$/u)],
      },
      sensitive: ['input'],
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    if (input.input != null) {
      const bad = checkExecutionInput(input.input);
      if (bad) return E.left(bad);
    }
    const started = await engine.executions.startExecution(
      {
        stateMachineArn: input.stateMachineArn,
        ...(input.name != null ? { name: input.name } : {}),
        ...(input.input != null ? { input: input.input } : {}),
        ...(input.traceHeader != null ? { traceHeader: input.traceHeader } : {}),
      },
      { requestId: ctx.requestId },
    );
    return E.map((r: { executionArn: string; startDate: number }) => ({ executionArn: r.executionArn, startDate: epochSeconds(r.startDate) }))(started);
  };
