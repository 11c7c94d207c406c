import type { ExecutionState } from '@stepstream/domain';

/**
 * The one log line for an execution that a decision ended unsuccessfully (status, error, cause
 * cut at 200 characters), or undefined when the decision did not end it that way.
 *
 * @example
 * unsuccessfulEnd(failedState, [{ type: 'ExecutionFailed' }])
 * // 'execution arn:…:execution:m:run-1 FAILED States.TaskFailed: boom'
 */
export const unsuccessfulEnd = (state: ExecutionState, decided: readonly { readonly type: string }[]): string | undefined => {
  const last = decided.at(-1)?.type;
  if (last !== 'ExecutionFailed' && last !== 'ExecutionTimedOut' && last !== 'ExecutionAborted') return undefined;
  const cause = state.cause !== undefined ? `: ${state.cause.length > 200 ? `${state.cause.slice(0, 200)}…` : state.cause}` : '';
  return `execution ${state.info?.executionArn ?? '?'} ${state.status ?? '?'}${state.error !== undefined ? ` ${state.error}` : ''}${cause}`;
};
