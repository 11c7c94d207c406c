/**
 * Timestamp parsing, shared by Choice rules and (for the decider) Wait states. Values from the
 * Wait recordings: scenarios/test_base_scenarios::test_wait_timestamp_path[NO_T | NO_Z |
 * INVALID_DATE | INVALID_TIME | INVALID_ISO] fail; base/test_wait::test_wait_timestamppath[.000000Z]
 * and [.00Z] succeed.
 */
import test from 'ava';
import { compareInstants, parseTimestamp } from '../src/index.js';

test('accepts RFC 3339 with T, fractions and Z or an offset', (t) => {
  t.deepEqual(parseTimestamp('1970-01-01T00:00:00Z'), { seconds: 0, nanos: 0 });
  t.deepEqual(parseTimestamp('2012-10-09T19:00:55Z'), { seconds: 1349809255, nanos: 0 });
  t.deepEqual(parseTimestamp('2024-01-01T00:00:00.000000Z'), { seconds: 1704067200, nanos: 0 });
  t.deepEqual(parseTimestamp('2024-01-01T00:00:00.00Z'), { seconds: 1704067200, nanos: 0 });
  t.deepEqual(parseTimestamp('2024-01-01T01:00:00.5+01:00'), { seconds: 1704067200, nanos: 500_000_000 });
  t.deepEqual(parseTimestamp('1969-12-31T23:59:59Z'), { seconds: -1, nanos: 0 });
  t.deepEqual(parseTimestamp('2024-02-29T00:00:00Z'), { seconds: 1709164800, nanos: 0 });
});

test('rejects what AWS rejects', (t) => {
  for (const bad of [
    '2016-12-05 21:29:29Z',
    '2016-12-05T21:29:29',
    '2016-13-05T21:29:29Z',
    '2016-12-05T25:29:29Z',
    '05-12-2016T21:29:29Z',
    '2023-02-29T00:00:00Z',
    '2023-02-24',
    '',
  ]) {
    t.is(parseTimestamp(bad), undefined, bad);
  }
});

test('compareInstants orders by seconds then nanos', (t) => {
  const a = parseTimestamp('2012-10-09T19:00:55.1Z');
  const b = parseTimestamp('2012-10-09T19:00:55.2Z');
  if (a === undefined || b === undefined) return t.fail();
  t.true(compareInstants(a, b) < 0);
  t.true(compareInstants(b, a) > 0);
  t.is(compareInstants(a, a), 0);
});
