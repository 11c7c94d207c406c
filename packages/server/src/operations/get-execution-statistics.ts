import { stateMachineDoesNotExist } from '@stepstream/domain';
import { executionStatistics, findStateMachine } from '@stepstream/projections';
import { locateStateMachine } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { epochSeconds, type Operation } from '../protocol.js';
import { between, decodeRequest, maxLength, minLength, optional, pattern } from '../validation.js';
import type { Deps } from './deps.js';

export const GetExecutionStatisticsInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ aliasName: optional(t.string), since: optional(t.number), until: optional(t.number) }),
]);

/** Seven days, the default window (as the console's and `stepstream stats`'s). */
const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * `Stepstream.GetExecutionStatistics` `{ stateMachineArn, aliasName?, since?, until? }` (dates in
 * epoch seconds, as AWS's JSON writes them; default the last 7 days): a state machine's executions
 * started in the window — counts by status, duration percentiles, state transitions — each state's
 * runs, failures, retries and duration percentiles, and the top errors, from the analytics read
 * model once it shows every event committed before the call (docs/analytics.md). With `aliasName`,
 * only the executions started through that alias. An unknown state machine is
 * StateMachineDoesNotExist.
 */
export const getExecutionStatistics =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(GetExecutionStatisticsInput, body, {
      required: ['stateMachineArn'],
      rules: {
        stateMachineArn: [minLength(1), maxLength(256)],
        aliasName: [minLength(1), maxLength(80), pattern('^[a-zA-Z0-9_-]+$', /^[a-zA-Z0-9_-]+$/u)],
        since: [between(0, 253402300799)],
        until: [between(0, 253402300799)],
      },
    });
    if (E.isLeft(decoded)) return decoded;
    const { stateMachineArn, aliasName } = decoded.right;
    const located = locateStateMachine(stateMachineArn);
    if (E.isLeft(located)) return located;
    if (!(await findStateMachine(await engine.reads.readModel(), stateMachineArn))) return E.left(stateMachineDoesNotExist(stateMachineArn));
    const until = decoded.right.until != null ? decoded.right.until * 1000 : Date.now();
    const since = decoded.right.since != null ? decoded.right.since * 1000 : until - WEEK_MS;
    const aliasArn = aliasName ? `${stateMachineArn}:${aliasName}` : undefined;
    const stats = await executionStatistics(await engine.reads.analytics(), { stateMachineArn, since, until, ...(aliasArn ? { aliasArn } : {}) });
    return E.right({ stateMachineArn, ...(aliasArn ? { aliasArn } : {}), since: epochSeconds(since), until: epochSeconds(until), ...stats });
  };
