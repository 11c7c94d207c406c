/**
 * Task fields: timeouts and the resource.
 *
 * - "TimeoutSeconds … MUST be a positive, non-zero integer", as is HeartbeatSeconds, and
 *   "HeartbeatSeconds … MUST be smaller than TimeoutSeconds" (spec, task-state); AWS's own
 *   linter caps both below 99999999 (awslabs/statelint, StateMachine.j2119).
 * - "A Task State MUST NOT include both TimeoutSeconds and TimeoutSecondsPath" (spec), likewise
 *   for the heartbeat.
 * - `Resource` is an ARN. An ARN AWS does not know gets `The resource provided <r> is not
 *   recognized. …` at `/States/<state>/Resource` (rec, test_dynamodb_task_service); we cannot know
 *   which ARNs exist, so only text that is no ARN at all is refused.
 *
 * @internal
 * @module
 */
import type { Diagnostic } from '../types.js';
import { field, schema, type StateRule } from '../diagnostics.js';
import { Messages } from '../messages.js';
import { checkExclusive, checkNumber, int, type NumberSpec } from './numbers.js';

const SECONDS: NumberSpec = { integer: true, min: int(1), max: int(99999999) };

/** The Task rule. */
export const taskFields: StateRule = ({ state, type, at, language }) => {
  if (type !== 'Task') return [];
  const out: Diagnostic[] = [];
  for (const name of ['TimeoutSeconds', 'HeartbeatSeconds']) {
    out.push(...checkExclusive(state, name, at));
    if (state[name] !== undefined) out.push(...checkNumber(state[name], SECONDS, field(at, name), language));
  }
  const timeout = state['TimeoutSeconds'];
  const heartbeat = state['HeartbeatSeconds'];
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && out.length === 0 && heartbeat >= timeout) {
    out.push(schema(Messages.heartbeatNotBelowTimeout, field(at, 'HeartbeatSeconds')));
  }
  const resource = state['Resource'];
  if (typeof resource === 'string' && !resource.startsWith('arn:')) out.push(schema(Messages.unknownResource(resource), field(at, 'Resource')));
  return out;
};
