/**
 * Wait timing: exactly one of `Seconds`, `Timestamp`, `SecondsPath`, `TimestampPath`; a
 * literal `Seconds` that is a whole number from 0 to 99999999; a literal `Timestamp` in RFC 3339.
 *
 * - `Maximum value is 99999999 at /States/Wait/Seconds` (measured, aws-cloudformation/cfn-lint#4075);
 *   `Minimum value is 0` follows the same wording (pattern).
 * - `String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp` (rec,
 *   test_base_scenarios test_wait_timestamp_invalid: no `T`, no `Z`, month 13, hour 25,
 *   day-first dates — in JSONPath and for a literal in a JSONata machine alike).
 *
 * @internal
 * @module
 */
import { parseTimestamp } from '../../choice/timestamp.js';
import type { Diagnostic } from '../types.js';
import { field, isInteger, schema, type StateRule } from '../diagnostics.js';
import { Messages } from '../messages.js';
import { isJsonataExpression } from './numbers.js';

const TIMINGS = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'];
const MAX_SECONDS = 99999999;

/** The Wait rule. */
export const waitFields: StateRule = ({ state, type, at, language }) => {
  if (type !== 'Wait') return [];
  const out: Diagnostic[] = [];
  if (TIMINGS.filter((k) => state[k] !== undefined).length !== 1) {
    out.push(schema("A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'", at));
  }
  const seconds = state['Seconds'];
  if (typeof seconds === 'number') {
    const location = field(at, 'Seconds');
    if (!isInteger(seconds)) out.push(schema('Expected a non-negative integer', location));
    else if (seconds < 0) out.push(schema(Messages.minimum('0'), location));
    else if (seconds > MAX_SECONDS) out.push(schema(Messages.maximum(String(MAX_SECONDS)), location));
  }
  const timestamp = state['Timestamp'];
  const computed = language === 'JSONata' && isJsonataExpression(timestamp);
  if (typeof timestamp === 'string' && !computed && parseTimestamp(timestamp) === undefined) {
    out.push(schema(Messages.notTimestamp, field(at, 'Timestamp')));
  }
  return out;
};
