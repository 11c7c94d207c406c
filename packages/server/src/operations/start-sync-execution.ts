import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxBytes, maxLength, minLength, oneOf, optional, pattern } from '../validation.js';
import type { Deps } from './deps.js';
import { checkExecutionInput } from './start-execution.js';

export const StartSyncExecutionInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ name: optional(t.string), input: optional(t.string), traceHeader: optional(t.string), includedData: optional(t.string) }),
]);

/**
 * StartSyncExecution: an Express execution run to its end in this request; 200 with
 * SUCCEEDED/FAILED/TIMED_OUT, the output or the error and cause, and billingDetails (the duration
 * rounded up to 100 ms, as Express is billed, and 64 MB).
 */
export const startSyncExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(StartSyncExecutionInput, body, {
      required: ['stateMachineArn'],
      rules: {
        stateMachineArn: [minLength(1), maxLength(256)],
        name: [minLength(1), maxLength(80)],
        input: [maxBytes(262_144)],
        traceHeader: [maxLength(256), pattern('\\p{ASCII}*', /^\p{ASCII}*$/u)],
        includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])],
      },
      sensitive: ['input'],
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    if (input.input != null) {
      const bad = checkExecutionInput(input.input);
      if (bad) return E.left(bad);
    }
    const ran = await engine.executions.startSyncExecution({
      stateMachineArn: input.stateMachineArn,
      ...(input.name != null ? { name: input.name } : {}),
      ...(input.input != null ? { input: input.input } : {}),
      ...(input.traceHeader != null ? { traceHeader: input.traceHeader } : {}),
    });
    if (E.isLeft(ran)) return ran;
    const { info, state, startedAt, endedAt } = ran.right;
    const data = input.includedData !== 'METADATA_ONLY';
    return E.right({
      executionArn: info.executionArn,
      stateMachineArn: info.stateMachineArn,
      name: info.name,
      startDate: epochSeconds(startedAt),
      stopDate: epochSeconds(endedAt),
      status: state.status === 'SUCCEEDED' ? 'SUCCEEDED' : state.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED',
      ...(state.error !== undefined ? { error: state.error } : {}),
      ...(state.cause !== undefined ? { cause: state.cause } : {}),
      ...(data ? { input: info.input, inputDetails: { included: true } } : {}),
      ...(data && state.output !== undefined ? { output: state.output, outputDetails: { included: true } } : {}),
      ...(info.traceHeader !== undefined ? { traceHeader: info.traceHeader } : {}),
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil((endedAt - startedAt) / 100) * 100) },
    });
  };
