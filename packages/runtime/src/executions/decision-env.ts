import type { DecisionEnv } from '@stepstream/domain';
import type { TaskTokens } from '../task-tokens.js';

/** Where a decision's time, ids, known activities and task tokens come from. */
export interface DecisionEnvSources {
  readonly clock: () => number;
  readonly random: () => number;
  readonly uuid: () => string;
  /** The activities that exist, kept current by this process's writes. */
  readonly activities: ReadonlySet<string>;
  /** The deployment's task-token signer, once the engine has started. */
  readonly taskTokens: () => TaskTokens | undefined;
}

/**
 * The environment of a decision on an execution: the time now, ids, randomness, whether an
 * activity exists, and (with a signer and an execution) signed task tokens.
 *
 * @example
 * decideExecution(state, command, decisionEnv(sources, state.info?.executionArn));
 */
export const decisionEnv = (sources: DecisionEnvSources, executionArn?: string): DecisionEnv => {
  const tokens = sources.taskTokens();
  return {
    now: sources.clock(),
    random: sources.random,
    uuid: sources.uuid,
    activityExists: (arn: string) => sources.activities.has(arn),
    ...(tokens && executionArn !== undefined ? { taskToken: (taskId: string) => tokens.issue({ executionArn, taskId }) } : {}),
  };
};
