import { executionDoesNotExist, pendingTasks, syncChildren, type ApiError, type PendingTask } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import { locateExecution } from '../locate.js';
import type { ExecutionUseCaseDeps } from './use-case-deps.js';

/** What StopExecution needs besides the execution use cases' deps: the running child runs of a Map Run. */
export interface StopExecutionDeps extends ExecutionUseCaseDeps {
  readonly runningMapRunChildren: (parentStream: string, task: PendingTask) => Promise<readonly string[]>;
}

/**
 * StopExecution: the execution is aborted (`ExecutionAborted`), and so are the children it waits
 * on — `.sync` executions and the running child runs of its Map Runs — each in its own queue.
 *
 * @example
 * await stopExecution(deps, { executionArn, error: 'Operator', cause: 'stopped by hand' }); // right({ stopDate })
 */
export const stopExecution = async (
  deps: StopExecutionDeps,
  input: { executionArn: string; error?: string; cause?: string },
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { stopDate: number }>> => {
  const located = locateExecution(input.executionArn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  return deps.queue.run(where.stream, async () => {
    const before = await deps.commands.load(where.stream);
    // The children it waits on: .sync executions, and the running child runs of its Map Runs.
    const children = [
      ...syncChildren(before),
      ...(await Promise.all(pendingTasks(before).map((t) => (t.kind === 'mapRun' ? deps.runningMapRunChildren(where.stream, t) : [])))).flat(),
    ];
    const outcome = await deps.commands.run(
      where.stream,
      {
        type: 'StopExecution',
        ...(input.error !== undefined ? { error: input.error } : {}),
        ...(input.cause !== undefined ? { cause: input.cause } : {}),
      },
      meta,
    );
    if (!outcome) return E.left(executionDoesNotExist(input.executionArn));
    // Stopping a parent stops the children it waits on with .sync (not awaited: each has its own queue).
    if (outcome.appended)
      for (const child of children) void stopExecution(deps, { executionArn: child }).catch((e) => deps.log.error(`could not stop ${child}`, e));
    deps.acknowledge(outcome.position);
    return E.right({ stopDate: outcome.state.stopDate ?? deps.clock() });
  });
};
