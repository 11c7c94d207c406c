import { executionDoesNotExist, executionNotRedrivable, HISTORY_EVENT_LIMIT, type ApiError } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateExecution } from '../locate.js';
import type { ExecutionUseCaseDeps } from './use-case-deps.js';

/** What RedriveExecution needs besides the execution use cases' deps: whether the state machine is being deleted. */
export interface RedriveExecutionDeps extends ExecutionUseCaseDeps {
  readonly machineDeleted: (executionStream: string) => Promise<boolean>;
}

/** AWS: an execution can be redriven within 14 days of its end. */
const REDRIVE_WINDOW_MS = 14 * 24 * 3600 * 1000;

/**
 * RedriveExecution: a FAILED, ABORTED or TIMED_OUT STANDARD execution, closed less than 14 days
 * ago, starts again from the top-level state it ended in (`ExecutionRedriven{redriveCount}`).
 *
 * @example
 * await redriveExecution(deps, failedExecutionArn); // right({ redriveDate })
 * await redriveExecution(deps, runningExecutionArn); // left(ExecutionNotRedrivable)
 */
export const redriveExecution = async (
  deps: RedriveExecutionDeps,
  executionArn: string,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { redriveDate: number }>> => {
  const located = locateExecution(executionArn);
  if (E.isLeft(located)) return located;
  const stream = located.right.stream;
  return deps.queue.run(stream, async () => {
    const state = await deps.commands.load(stream);
    if (state.status === undefined) return E.left(executionDoesNotExist(executionArn));
    if (state.info?.imported !== undefined)
      return E.left(
        executionNotRedrivable('Execution was imported from a recorded history (stepstream import) and does not run here: fork it to run it (stepstream fork)'),
      );
    if (state.status === 'RUNNING' || state.status === 'SUCCEEDED')
      return E.left(executionNotRedrivable(`Execution is ${state.status} and cannot be redriven`));
    if (state.stopDate !== undefined && deps.clock() - state.stopDate > REDRIVE_WINDOW_MS) {
      return E.left(executionNotRedrivable('Execution can only be redriven within 14 days of its end'));
    }
    // AWS: a redrive needs room for ExecutionRedriven and at least one more event.
    if (state.lastEventId >= HISTORY_EVENT_LIMIT - 1) return E.left(executionNotRedrivable('Execution history event limit exceeded'));
    if (!state.restart) return E.left(executionNotRedrivable('Execution has no state to redrive from'));
    if (await deps.machineDeleted(stream)) return E.left(executionNotRedrivable('State machine is in DELETING status'));
    const outcome = await deps.commands.run(stream, { type: 'RedriveExecution' }, meta);
    if (!outcome?.appended) return E.left(executionNotRedrivable(`Execution is ${state.status} and cannot be redriven`));
    deps.acknowledge(outcome.position);
    return E.right({ redriveDate: outcome.state.info?.redriveDate ?? deps.clock() });
  });
};
