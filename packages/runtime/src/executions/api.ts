import type { ApiError, ExecutionState, Inspection } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import * as express from '../express/start.js';
import { locateExecution } from '../locate.js';
import type { Integrations } from '../integrations/integrations.js';
import type { MapRunScheduler } from '../map-runs/scheduler.js';
import type { MapRunUpdate } from '../map-runs/tracker.js';
import type { Recoveries } from './recoveries.js';
import { testState } from '../test-state/test-state.js';
import type { TestStateInput, TestStateResult } from '../test-state/types.js';
import type { ExecutionCommands } from './command-handler.js';
import { redriveExecution, type RedriveExecutionDeps } from './redrive-execution.js';
import { startExecution, type StartExecutionDeps, type StartExecutionInput } from './start-execution.js';
import { stopExecution, type StopExecutionDeps } from './stop-execution.js';
import { inspectExecution, type InspectSnapshots } from './inspect.js';
import { forkExecution, type ForkExecutionInput } from './fork-execution.js';
import { importExecution, type Imported, type ImportExecutionInput } from './import-execution.js';
import type { EventStore } from '@stepstream/eventstore';

/** What the executions port is bound to. */
export interface ExecutionsApiDeps {
  readonly useCases: StartExecutionDeps & StopExecutionDeps & RedriveExecutionDeps;
  readonly commands: ExecutionCommands;
  readonly recoveries: Recoveries;
  readonly mapRuns: MapRunScheduler;
  readonly expressStarts: express.ExpressStartDeps;
  /** The engine's integrations (TestState calls them, and shows an HTTP Task's exchange at TRACE). */
  readonly integrations: Integrations;
  /** The store histories are read from (for inspections and forks). */
  readonly store: EventStore;
  /** The folds inspections start from (src/executions/inspect.ts). */
  readonly snapshots: InspectSnapshots;
}

/**
 * The use cases of executions — start (Standard, Express, synchronous), stop, redrive, Map Run
 * updates, TestState, quarantine release — bound to what they need: the port the API server and
 * the CLI call (`engine.executions`).
 */
export const executionsApi = (deps: ExecutionsApiDeps) => {
  const { snapshots } = deps;
  return {
    /** StartExecution (src/executions/start-execution.ts). */
    startExecution: (input: StartExecutionInput, meta: CallMetadata = {}): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> =>
      startExecution(deps.useCases, input, meta),
    /** StopExecution, and the children it waits on (src/executions/stop-execution.ts). */
    stopExecution: (
      input: { executionArn: string; error?: string; cause?: string },
      meta: CallMetadata = {},
    ): Promise<E.Either<ApiError, { stopDate: number }>> => stopExecution(deps.useCases, input, meta),
    /** RedriveExecution (src/executions/redrive-execution.ts). */
    redriveExecution: (executionArn: string, meta: CallMetadata = {}): Promise<E.Either<ApiError, { redriveDate: number }>> =>
      redriveExecution(deps.useCases, executionArn, meta),
    /** ForkExecution: a new execution that begins with a source's events up to one and goes on live (src/executions/fork-execution.ts). */
    forkExecution: (input: ForkExecutionInput, meta: CallMetadata = {}): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> =>
      forkExecution({ ...deps.useCases, store: deps.store, uuid: deps.expressStarts.uuid, scope: deps.expressStarts.scope }, input, meta),
    /** ImportExecution: an execution AWS ran, from its recorded history, decided again here (src/executions/import-execution.ts). */
    importExecution: (input: ImportExecutionInput, meta: CallMetadata = {}): Promise<E.Either<ApiError, Imported>> =>
      importExecution({ ...deps.useCases, uuid: deps.expressStarts.uuid, scope: deps.expressStarts.scope }, input, meta),
    /** The execution after one event of its history, or its last (src/executions/inspect.ts). */
    inspectExecution: (executionArn: string, eventId?: number): Promise<E.Either<ApiError, Inspection>> =>
      inspectExecution({ store: deps.store, snapshots }, executionArn, eventId),
    /** The execution's state at the head of its stream (`status` undefined when it does not exist). */
    loadExecutionState: (stream: string): Promise<ExecutionState> => deps.commands.load(stream),
    /** Lets a quarantined execution run again (at the next start); false when it is not quarantined. */
    releaseQuarantine: async (executionArn: string): Promise<E.Either<ApiError, boolean>> => {
      const located = locateExecution(executionArn);
      if (E.isLeft(located)) return located;
      return E.right(await deps.recoveries.release(located.right.stream));
    },
    /**
     * UpdateMapRun: a running Map Run's MaxConcurrency (applied at once) and tolerated failures
     * (applied when it ends), kept in the Map Run's stream so a restart keeps them.
     */
    updateMapRun: (mapRunArn: string, update: MapRunUpdate, running: boolean, meta: CallMetadata = {}) => deps.mapRuns.update(mapRunArn, update, running, meta),
    /**
     * StartSyncExecution: runs an Express execution to its end and answers with its result (200 even
     * when it failed, as AWS does). STANDARD machines get StateMachineTypeNotSupported.
     */
    startSyncExecution: (input: { stateMachineArn: string; name?: string; input?: string; traceHeader?: string }) =>
      express.startSyncExecution(deps.expressStarts, input),
    /** TestState: one state run on its own, in memory (src/test-state/). */
    testState: (input: TestStateInput): Promise<TestStateResult> => testState(input, { ...deps.expressStarts.express, integrations: deps.integrations }),
  };
};

/** The executions port (see {@link executionsApi}). */
export type ExecutionsApi = ReturnType<typeof executionsApi>;
