import type { StateMachineDefinition } from '@stepstream/asl/definition';
import { json, truncated, type EventBatch } from './batch.js';
import type { Frames } from './frames.js';
import type { Frame, Signal } from './frame.js';
import { basicRunners, HistoryCapReached, runFrame, varsOf, type FrameStart, type StateRunners } from './interpreter.js';
import { runMap } from './map.js';
import type { DecisionEnv, ExecutionInfo } from './model.js';
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

/**
 * Runs the top frame (from its start, or resuming what paused) and writes how the execution ends:
 * `ExecutionSucceeded` after the last Exited event, `ExecutionFailed` pointing to the failure, or
 * nothing while a frame is paused.
 */
export const runExecution = (
  info: ExecutionInfo,
  definition: StateMachineDefinition,
  batch: EventBatch,
  env: DecisionEnv,
  frames: Frames,
  signal: Signal,
  start: FrameStart,
): void => {
  const frame: Frame = {
    info,
    definition,
    parsedInput: JSON.parse(info.input),
    batch,
    env,
    frames,
    signal,
    path: '',
    parent: 'none',
    language: definition.QueryLanguage ?? 'JSONPath',
    vars: varsOf(frames, '', start, undefined),
  };
  try {
    const outcome = runFrame(frame, runners, start);
    if (outcome.kind === 'succeeded') {
      batch.push('ExecutionSucceeded', outcome.lastEventId, { executionSucceededEventDetails: { output: json(outcome.output), outputDetails: truncated } });
    } else if (outcome.kind === 'failed') {
      const { error, cause, failureEventId } = outcome.failure;
      batch.push(
        'ExecutionFailed',
        failureEventId,
        { executionFailedEventDetails: { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) } },
        outcome.failure.restart ? { restart: outcome.failure.restart } : undefined,
      );
    }
  } catch (e) {
    if (!(e instanceof HistoryCapReached)) throw e;
    batch.push('ExecutionFailed', batch.lastEventId, {
      executionFailedEventDetails: { error: 'States.Runtime', cause: `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).` },
    });
  }
};
