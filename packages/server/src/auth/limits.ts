/**
 * API throttling as AWS does it (docs/security.md): a token bucket per account and operation, with
 * AWS's default bucket sizes and refill rates for Standard workflows (Step Functions Developer
 * Guide, "Quotas related to API action throttling" and "Other quotas"; the figures of US East (N.
 * Virginia), US West (Oregon) and Europe (Ireland), or of all other regions). An operation with no
 * quota there is not throttled. A request that finds its bucket empty is `ThrottlingException`
 * ("Rate exceeded"), which the SDKs retry with back-off.
 *
 * @module
 */

/** A bucket: how many requests it holds, and how many it gains per second. */
export interface Quota {
  readonly bucket: number;
  readonly refillPerSecond: number;
}

const LARGE_REGIONS = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

/** AWS's default quotas for a region: [large regions, all other regions]. */
const DEFAULTS: Readonly<Record<string, readonly [Quota, Quota]>> = {
  StartExecution: [
    { bucket: 1300, refillPerSecond: 300 },
    { bucket: 800, refillPerSecond: 150 },
  ],
  CreateActivity: [q(100, 1), q(100, 1)],
  CreateStateMachine: [q(100, 1), q(100, 1)],
  DeleteActivity: [q(100, 1), q(100, 1)],
  DeleteStateMachine: [q(100, 1), q(100, 1)],
  DescribeActivity: [q(200, 1), q(200, 1)],
  DescribeExecution: [q(300, 15), q(250, 10)],
  DescribeStateMachine: [q(200, 20), q(200, 20)],
  DescribeStateMachineForExecution: [q(200, 1), q(200, 1)],
  GetActivityTask: [q(3000, 500), q(1500, 300)],
  GetExecutionHistory: [q(400, 20), q(400, 20)],
  ListActivities: [q(100, 10), q(100, 5)],
  ListExecutions: [q(200, 5), q(100, 2)],
  ListStateMachines: [q(100, 5), q(100, 5)],
  ListTagsForResource: [q(100, 1), q(100, 1)],
  SendTaskFailure: [q(3000, 500), q(1500, 300)],
  SendTaskHeartbeat: [q(3000, 500), q(1500, 300)],
  SendTaskSuccess: [q(3000, 500), q(1500, 300)],
  StopExecution: [q(1000, 200), q(500, 25)],
  TagResource: [q(200, 1), q(200, 1)],
  UntagResource: [q(200, 1), q(200, 1)],
  UpdateStateMachine: [q(100, 1), q(100, 1)],
};
function q(bucket: number, refillPerSecond: number): Quota {
  return { bucket, refillPerSecond };
}

/** AWS's default quotas in `region`, by operation, with `overrides` (a configuration's) over them. */
export const defaultQuotas = (region: string, overrides: Readonly<Record<string, Quota>> = {}): Readonly<Record<string, Quota>> => {
  const large = LARGE_REGIONS.has(region) ? 0 : 1;
  return { ...Object.fromEntries(Object.entries(DEFAULTS).map(([op, both]) => [op, both[large]])), ...overrides };
};

/** Token buckets per account and operation; `take` answers whether a request may go on now. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly quotas: Readonly<Record<string, Quota>>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes a token for `operation` in `account`: false when its bucket is empty (throttle it). */
  take(account: string, operation: string): boolean {
    const quota = this.quotas[operation];
    if (!quota) return true;
    const key = `${account}\u0000${operation}`;
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: quota.bucket, at: now };
    b.tokens = Math.min(quota.bucket, b.tokens + ((now - b.at) / 1000) * quota.refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
