import test from 'ava';
import { defaultQuotas, TokenBuckets } from '../src/index.js';

// Token buckets (src/auth/limits.ts) on a clock the test moves: the configured size at once, then
// the configured rate; per account and operation; AWS's defaults by region.

test('a bucket lets its size through at once, then its refill rate, per account and operation', (t) => {
  let now = 1_000_000;
  const buckets = new TokenBuckets({ ListActivities: { bucket: 3, refillPerSecond: 2 } }, () => now);
  const take = (account = 'a', op = 'ListActivities') => buckets.take(account, op);
  t.deepEqual([take(), take(), take(), take()], [true, true, true, false]);
  now += 499;
  t.false(take(), 'just under one token refilled');
  now += 1;
  t.deepEqual([take(), take()], [true, false], 'one token every 500 ms');
  now += 10_000;
  t.deepEqual([take(), take(), take(), take()], [true, true, true, false], 'refilled to its size, never beyond');
  t.true(take('b'), "another account's bucket is its own");
  t.true(take('a', 'ListStateMachines'), 'an operation without a quota is not throttled');
  // Over 10 s of steady calls, 3 + 2 × 10 get through.
  const steady = new TokenBuckets({ Op: { bucket: 3, refillPerSecond: 2 } }, () => now);
  let passed = 0;
  for (let ms = 0; ms <= 10_000; ms += 10) {
    now += ms === 0 ? 0 : 10;
    if (steady.take('a', 'Op')) passed++;
  }
  t.is(passed, 23);
});

test("AWS's default quotas: StartExecution 1,300 / 300 in the large regions, 800 / 150 elsewhere; a configured one wins", (t) => {
  t.deepEqual(defaultQuotas('us-east-1')['StartExecution'], { bucket: 1300, refillPerSecond: 300 });
  t.deepEqual(defaultQuotas('ap-south-1')['StartExecution'], { bucket: 800, refillPerSecond: 150 });
  t.deepEqual(defaultQuotas('eu-west-1')['DescribeExecution'], { bucket: 300, refillPerSecond: 15 });
  t.deepEqual(defaultQuotas('us-east-1', { StartExecution: { bucket: 5, refillPerSecond: 1 } })['StartExecution'], { bucket: 5, refillPerSecond: 1 });
  t.is(defaultQuotas('us-east-1')['ValidateStateMachineDefinition'], undefined);
});
