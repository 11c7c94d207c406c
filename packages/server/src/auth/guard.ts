import type { IncomingHttpHeaders } from 'node:http';
import { TokenBuckets, type Quota } from './limits.js';
import { verifySigV4, type AccessKey } from './sigv4.js';

/** Who may call and how often (docs/security.md); both off by default. */
export interface GuardOptions {
  /** SigV4 verification against these keys (`--auth sigv4 --credentials FILE`); absent: any request is the deployment's account's. */
  readonly keys?: ReadonlyMap<string, AccessKey>;
  /** The region requests must be signed for, and whose default quotas apply. */
  readonly region: string;
  /** The deployment's account: the caller's when requests are not verified. */
  readonly account: string;
  /** Token buckets per account and operation (`defaultQuotas(region)` for AWS's); absent: no throttling. */
  readonly quotas?: Readonly<Record<string, Quota>>;
  readonly clock?: () => number;
}

/** A request refused before its operation runs: AWS's error type, status and message. */
export interface Refusal {
  readonly type: string;
  readonly status: number;
  readonly message: string;
}

/** What the guard sees of a request. */
export interface GuardedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Checks a request before its operation runs (`operation`: its name, undefined when unknown): a
 * refusal, or the caller's account to go on (undefined when requests are not verified: the
 * deployment's).
 */
export type RequestGuard = (request: GuardedRequest, operation: string | undefined) => Promise<Refusal | { readonly account: string | undefined }>;

/** Whether a refusal (not a caller). */
export const isRefusal = (v: Refusal | { readonly account: string | undefined }): v is Refusal => 'type' in v;

/**
 * The operations a read-only key may call: they read and change nothing, and hand out no task
 * token (GetActivityTask, InspectExecution and ListActivityTasks do; TestState performs tasks).
 */
export const READ_ONLY_OPERATIONS: ReadonlySet<string> = new Set([
  'DescribeStateMachine',
  'DescribeStateMachineForExecution',
  'DescribeStateMachineAlias',
  'DescribeExecution',
  'DescribeActivity',
  'DescribeMapRun',
  'ListStateMachines',
  'ListStateMachineVersions',
  'ListStateMachineAliases',
  'ListExecutions',
  'ListActivities',
  'ListMapRuns',
  'ListTagsForResource',
  'GetExecutionHistory',
  'ValidateStateMachineDefinition',
  'Stepstream.GetProofBundle',
  'Stepstream.GetCheckpoint',
  'Stepstream.GetConsistencyProof',
  'Stepstream.VerifyExecution',
  'Stepstream.GetWholeHistory',
  'Stepstream.LayoutGraph',
  'Stepstream.GetExecutionStatistics',
]);

/**
 * The guard: SigV4 (when keys are given), a read-only key kept to {@link READ_ONLY_OPERATIONS}
 * (AccessDeniedException as IAM words it), then the caller's account's token bucket for the
 * operation (ThrottlingException).
 */
export const makeGuard = (options: GuardOptions): RequestGuard => {
  const clock = options.clock ?? Date.now;
  const buckets = options.quotas ? new TokenBuckets(options.quotas, clock) : undefined;
  return async (request, operation) => {
    let account = options.account;
    let verifiedAccount: string | undefined;
    if (options.keys) {
      const verified = await verifySigV4(options.keys, request, options.region, clock());
      if (!verified.ok) return verified.failure;
      account = verified.caller.account;
      verifiedAccount = account;
      if (verified.caller.readOnly && operation !== undefined && !READ_ONLY_OPERATIONS.has(operation)) {
        const action = `states:${operation.replace(/^Stepstream\./, 'Stepstream')}`;
        return {
          type: 'AccessDeniedException',
          status: 400,
          message: `User: arn:aws:iam::${account}:user/${verified.caller.accessKeyId} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action (the key is read-only)`,
        };
      }
    }
    if (buckets && operation !== undefined && !buckets.take(account, operation)) return { type: 'ThrottlingException', status: 400, message: 'Rate exceeded' };
    return { account: verifiedAccount };
  };
};
