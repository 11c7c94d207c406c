/**
 * TestState, one state run on its own. The parts: the execution and machine it runs in
 * (`machine.ts`), who answers its tasks (`task-runner.ts`), Retry and Catch (`retry-catch.ts`),
 * a mocked Map or Parallel (`composite.ts`), what the run's events say (`outcome.ts`) and DEBUG /
 * TRACE's `inspectionData` (`inspection.ts`).
 *
 * @module
 */
import { pendingTasks, type DecisionEnv } from '@stepstream/domain';
import { runExpress } from '../express/run.js';
import type { HttpExchange } from '../integrations/http-task.js';
import type { Integrations, TaskContext, TaskRunner } from '../integrations/integrations.js';
import { compositeSignal, inspectComposite, isComposite, mockedErrorFromTask, previewMap, readMapItemReaderData, substituteOf } from './composite.js';
import { commonInspection, inspectState } from './inspection.js';
import { defaultContext, definitionOf, testExecution } from './machine.js';
import { outcomeOf, resultOf } from './outcome.js';
import { errorDetailsOf, withRetriesUsed } from './retry-catch.js';
import { mockedSignal, mockedTasks, tracedTasks } from './task-runner.js';
import type { TestStateInput, TestStateResult } from './types.js';

export type { InspectionData, TestStateInput, TestStateResult, TestStatus } from './types.js';

/**
 * TestState: runs one state on its own, as the engine would run it in an execution (the same
 * decider, in memory, nothing stored), and reports its output or error, the state it would go to
 * next, and whether an error was caught (CAUGHT_ERROR) or would be retried (RETRIABLE). Tasks call
 * their resources unless a mock answers for them; a mock on a Map or Parallel is the state's result
 * (its iterations or branches do not run). With DEBUG, `inspectionData` shows the data flow
 * (InputPath, Parameters, ResultSelector, ResultPath of a JSONPath state; Arguments of a JSONata
 * one), the result, the variables after Assign and which retrier or catcher handled an error; TRACE
 * adds an HTTP Task's request and response. A mocked Map also shows its items after ItemsPath,
 * ItemSelector and ItemBatcher, its MaxConcurrency and its tolerated failures; a mocked Distributed
 * Map with an ItemReader takes its items from `mapItemReaderData` (and shows them after its
 * ItemsPointer).
 *
 * @example
 * ```ts
 * await testState({ state: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Retry: [{ ErrorEquals: ['E'], MaxAttempts: 2 }], End: true },
 *   stateName: 'T', language: 'JSONPath', input: '{}', roleArn, inspectionLevel: 'DEBUG',
 *   mock: { errorOutput: { error: 'E' } }, retrierRetryCount: 2 }, deps);
 * // → { status: 'FAILED', error: 'E', inspectionData: { input: '{}', errorDetails: { retryIndex: 0 }, … } }
 * ```
 */
export const testState = async (
  t: TestStateInput,
  deps: { readonly integrations: Integrations; readonly env: () => DecisionEnv; readonly clock: () => number },
): Promise<TestStateResult> => {
  const name = t.stateName;
  const execution = testExecution(t, deps.clock());
  // A mocked Map or Parallel becomes a Task answered by the mock; a Map still reads its items and
  // settings first (a Distributed Map's from `mapItemReaderData`), and an error there is the
  // state's error instead of the mock.
  const composite = isComposite(t);
  const mapContext = t.context ?? defaultContext(execution, name);
  const read = composite ? await readMapItemReaderData(t, mapContext, deps.env()) : undefined;
  const preview = composite && t.state['Type'] === 'Map' ? previewMap(t, mapContext, deps.env(), read) : undefined;
  const fromTask = composite && preview?.failure === undefined && t.mock !== undefined && 'errorOutput' in t.mock && mockedErrorFromTask(t);
  const state = withRetriesUsed(composite ? substituteOf(t.state, fromTask) : t.state, t.retrierRetryCount);
  // A mock answers every task of the state; without one the engine's integrations run, an HTTP
  // Task's exchange recorded for TRACE.
  const exchanges: HttpExchange[] = [];
  const mock = t.mock;
  const tasks: TaskRunner = mock
    ? mockedTasks(() => (composite ? compositeSignal(mock, t, preview) : mockedSignal(mock)))
    : t.inspectionLevel === 'TRACE'
      ? tracedTasks(deps.integrations, exchanges)
      : deps.integrations;
  // A given context object is `$$` as it is (recorded: `context: "{}"` makes `$$` `{}`); its
  // Task.Token is the token a `.waitForTaskToken` task passes on.
  const token = (t.context?.['Task'] as { Token?: unknown } | undefined)?.Token;
  const env = (): DecisionEnv => ({
    ...deps.env(),
    ...(t.context !== undefined ? { context: t.context } : {}),
    ...(typeof token === 'string' ? { taskToken: () => token } : {}),
  });
  // Stop at the first retry back-off: TestState reports RETRIABLE instead of waiting.
  let retriable = false;
  const run = await runExpress(
    { ...execution, definition: definitionOf(t, state) },
    {
      integrations: tasks,
      env,
      clock: deps.clock,
      stopWhen: (s) => {
        const entry = s.frames[''];
        if (entry?.kind === 'suspended' && entry.on.kind === 'retry' && pendingTasks(s).length === 0) {
          retriable = true;
          return true;
        }
        return false;
      },
    },
  );
  const outcome = outcomeOf(run.events, name, retriable);
  const { status, failure } = outcome;
  const errorDetails =
    failure || status === 'RETRIABLE' ? errorDetailsOf(t, status, outcome.failureDetails?.error, composite ? fromTask : outcome.failedInTask) : undefined;
  const common = t.inspectionLevel === 'INFO' ? undefined : commonInspection(t, outcome.exited, status, errorDetails, exchanges);
  const inspectionData = common && (composite ? inspectComposite(t, status, preview, common) : inspectState(t, run.events, status, common));
  return resultOf(outcome, run.state, inspectionData);
};

export type { TaskContext };
