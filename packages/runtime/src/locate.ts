import { activityStream, executionStream, invalidArn, isArnProblem, parseArn, resourceNotFound, stateMachineStream, type ApiError } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';

/**
 * Where an execution ARN's events live, or why the ARN is not one.
 *
 * @example
 * locateExecution('arn:aws:states:us-east-1:123456789012:execution:hello:run-1')
 * // right({ stream: 'execution-123456789012:us-east-1:hello:run-1', stateMachineName: 'hello', name: 'run-1' })
 */
export const locateExecution = (arn: string): E.Either<ApiError, { stream: string; stateMachineName: string; name: string }> => {
  const parsed = parseArn(arn, ['execution']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  if (parsed.parts.length !== 2) return E.left(invalidArn(arn, { kind: 'prefix' }));
  const [stateMachineName, name] = parsed.parts as [string, string];
  return E.right({ stream: executionStream(parsed.account, parsed.region, stateMachineName, name), stateMachineName, name });
};

/** Where an activity ARN's events live, or why the ARN is not one. */
export const locateActivity = (arn: string): E.Either<ApiError, { stream: string; name: string }> => {
  const parsed = parseArn(arn, ['activity']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  if (parsed.parts.length !== 1) return E.left(invalidArn(arn, { kind: 'prefix' }));
  const name = parsed.parts[0]!;
  return E.right({ stream: activityStream(parsed.account, parsed.region, name), name });
};

/** Where an alias ARN (`…:stateMachine:NAME:ALIAS`) lives, or why the ARN is not one. */
export const locateAlias = (arn: string): E.Either<ApiError, { stream: string; name: string; alias: string }> => {
  const parsed = parseArn(arn, ['stateMachine']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  const [name, alias] = parsed.parts;
  if (parsed.parts.length !== 2 || !name || !alias || /^\d+$/.test(alias)) return E.left(invalidArn(arn, { kind: 'prefix' }));
  return E.right({ stream: stateMachineStream(parsed.account, parsed.region, name), name, alias });
};

/** Where a version ARN (`…:stateMachine:NAME:N`) lives, or why the ARN is not one. */
export const locateVersion = (arn: string): E.Either<ApiError, { stream: string; name: string; version: number }> => {
  const parsed = parseArn(arn, ['stateMachine']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  const [name, number] = parsed.parts;
  if (parsed.parts.length !== 2 || !name || !/^[1-9]\d*$/.test(number ?? '')) return E.left(invalidArn(arn, { kind: 'prefix' }));
  return E.right({ stream: stateMachineStream(parsed.account, parsed.region, name), name, version: Number(number) });
};

/** Where a state machine ARN's events live, or why the ARN is not one. */
export const locateStateMachine = (arn: string): E.Either<ApiError, { stream: string; name: string }> => {
  const parsed = parseArn(arn, ['stateMachine']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  if (parsed.parts.length !== 1) return E.left(invalidArn(arn, { kind: 'prefix' }));
  const name = parsed.parts[0]!;
  return E.right({ stream: stateMachineStream(parsed.account, parsed.region, name), name });
};

/** Where a taggable resource's events live: state machines and activities (not versions). */
export const locateTaggable = (arn: string): E.Either<ApiError, { stream: string; kind: 'stateMachine' | 'activity' }> => {
  const parsed = parseArn(arn, ['stateMachine', 'activity']);
  if (isArnProblem(parsed)) return E.left(invalidArn(arn, parsed));
  const [name, qualifier, ...rest] = parsed.parts;
  if (rest.length > 0 || !name) return E.left(invalidArn(arn, { kind: 'prefix' }));
  // rec: tagging a version ARN is ResourceNotFound.
  if (qualifier !== undefined) return E.left(resourceNotFound(arn));
  return E.right(
    parsed.resourceType === 'activity'
      ? { stream: activityStream(parsed.account, parsed.region, name), kind: 'activity' }
      : { stream: stateMachineStream(parsed.account, parsed.region, name), kind: 'stateMachine' },
  );
};

/**
 * The scope of a resource's ARN: the engine's, in the ARN's account. What an execution of a state
 * machine is named in (its machine's account, docs/security.md), whatever the engine's account is.
 *
 * @example
 * scopeOf({ partition: 'aws', region: 'us-east-1', account: '123456789012' }, 'arn:aws:states:us-east-1:111111111111:stateMachine:m').account // '111111111111'
 */
export const scopeOf = <S extends { readonly account: string }>(scope: S, arn: string): S => {
  const account = accountOf(arn);
  return account === undefined || !/^\d{12}$/.test(account) || account === scope.account ? scope : { ...scope, account };
};

/**
 * The account field of a Step Functions ARN (`arn:<partition>:states:<region>:<account>:…`), as
 * written; undefined for anything else (an IAM role's ARN, no ARN).
 *
 * @example
 * accountOf('arn:aws:states:us-east-1:111111111111:stateMachine:m') // '111111111111'
 */
export const accountOf = (arn: string): string | undefined => /^arn:[^:]*:states:[^:]*:([^:]*):/.exec(arn)?.[1];
