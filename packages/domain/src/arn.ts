/** Where generated ARNs live: the deployment's partition, region and account. */
export interface ArnScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export const defaultArnScope: ArnScope = { partition: 'aws', region: 'us-east-1', account: '123456789012' };

const prefix = (s: ArnScope) => `arn:${s.partition}:states:${s.region}:${s.account}`;

export const stateMachineArn = (s: ArnScope, name: string) => `${prefix(s)}:stateMachine:${name}`;
export const executionArn = (s: ArnScope, stateMachineName: string, name: string) => `${prefix(s)}:execution:${stateMachineName}:${name}`;
export const activityArn = (s: ArnScope, name: string) => `${prefix(s)}:activity:${name}`;

export type ResourceType = 'stateMachine' | 'execution' | 'express' | 'activity' | 'mapRun';

/** A parsed Step Functions ARN: `arn:<partition>:states:<region>:<account>:<type>:<parts…>`. */
export interface ParsedArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly resourceType: string;
  /** What follows the resource type, split on `:`. */
  readonly parts: readonly string[];
}

export type ArnProblem = { readonly kind: 'prefix' } | { readonly kind: 'type'; readonly resourceType: string };

/**
 * Parses an ARN as the service does before looking anything up. AWS answers a wrong prefix with
 * `Invalid Arn: 'Invalid ARN prefix: <arn>'` and a resource type it does not take in that call
 * with `Invalid Arn: 'Resource type not valid in this context: <type>'`.
 */
export const parseArn = (arn: string, expected: readonly ResourceType[]): ParsedArn | ArnProblem => {
  const m = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$/.exec(arn);
  if (!m) return { kind: 'prefix' };
  const [, partition, region, account, resourceType, rest] = m as unknown as [string, string, string, string, string, string];
  if (!(expected as readonly string[]).includes(resourceType)) return { kind: 'type', resourceType };
  return { partition, region, account, resourceType, parts: rest.split(':') };
};

export const isArnProblem = (x: ParsedArn | ArnProblem): x is ArnProblem => 'kind' in x;

/** The stream of a state machine: `stateMachine-<account>:<region>:<name>`. */
export const stateMachineStream = (account: string, region: string, name: string) => `stateMachine-${account}:${region}:${name}`;
/** The stream of an execution: `execution-<account>:<region>:<stateMachineName>:<name>`. */
export const executionStream = (account: string, region: string, stateMachineName: string, name: string) =>
  `execution-${account}:${region}:${stateMachineName}:${name}`;
