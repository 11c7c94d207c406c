import type { StateMachineDefinition } from '@stepstream/asl/definition';
import { json, truncated, type EventBatch } from './batch.js';
import { basicRunners, HistoryCapReached, runFrame, type Entered, type Frame, type FrameStart, type StateRunners } from './interpreter.js';
import { runMap } from './map.js';
import type { DecisionEnv, ExecutionInfo, Pending } from './model.js';
import { HISTORY_EVENT_LIMIT } from './model.js';
import { runParallel } from './parallel.js';
import { runTask } from './task.js';

/** Every state type's runner; Parallel and Map recurse into frames with the same table. */
export const runners: StateRunners = (() => {
  const table: { -readonly [K in keyof StateRunners]: StateRunners[K] } = { ...basicRunners, Task: runTask } as never;
  table.Parallel = runParallel(table);
  table.Map = runMap(table);
  return table;
})();

/** How the top frame resumes a pending timer. */
export const resumeFrom = (p: Pending): FrameStart => {
  const entered: Entered = {
    name: p.stateName,
    rawInput: JSON.parse(p.input),
    enteredId: p.enteredEventId,
    enteredAt: p.enteredAt,
    retryCount: p.kind === 'retry' ? p.retryCount : 0,
    retryCounts: p.kind === 'retry' ? p.retryCounts : [],
    attemptStartsAfter: p.kind === 'retry' ? p.resumeAfterEventId : p.enteredEventId,
  };
  return { stateName: p.stateName, input: entered.rawInput, previousEventId: p.enteredEventId, resume: { entered, kind: p.kind } };
};

/**
 * Runs the top frame and writes how the execution ends: `ExecutionSucceeded` after the last
 * Exited event, `ExecutionFailed` pointing to the failure, or nothing when it waits on a timer.
 */
export const runExecution = (
  info: ExecutionInfo,
  definition: StateMachineDefinition,
  parsedInput: unknown,
  batch: EventBatch,
  env: DecisionEnv,
  start: FrameStart,
): void => {
  const frame: Frame = { info, definition, parsedInput, batch, env, isRoot: true };
  try {
    const outcome = runFrame(frame, runners, start);
    if (outcome.kind === 'succeeded') {
      batch.push('ExecutionSucceeded', outcome.lastEventId, { executionSucceededEventDetails: { output: json(outcome.output), outputDetails: truncated } });
    } else if (outcome.kind === 'failed') {
      const { error, cause, failureEventId } = outcome.failure;
      batch.push('ExecutionFailed', failureEventId, {
        executionFailedEventDetails: { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) },
      });
    }
  } catch (e) {
    if (!(e instanceof HistoryCapReached)) throw e;
    batch.push('ExecutionFailed', batch.lastEventId, {
      executionFailedEventDetails: { error: 'States.Runtime', cause: `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).` },
    });
  }
};
