export type { Projection, ProjectionBatchHandler, ProjectionHandler, ReadModelDb } from './projection.js';
export {
  getProjector,
  POISON_ATTEMPTS,
  type Projector,
  type ProjectorLag,
  type ProjectorOptions,
  type ProjectorState,
  type ProjectorStatus,
  type RebuildSummary,
} from './projector.js';
export { describeSkippedEvent, isDeterministicFailure, listSkippedEvents, type SkippedEvent } from './skipped-events.js';
export { fromStoredText, readModelDb, storedTextPlugin, toStoredText } from './stored-text.js';
export { readCheckpoint, type Checkpoint } from './checkpoints.js';
export { sfnReadModel, SFN_READ_MODEL, type ActivityRow, type ExecutionRow, type MapRunRow, type StateMachineRow } from './sfn/read-model.js';
export {
  findStateMachine,
  listStateMachines,
  findExecution,
  listExecutions,
  runningExecutionStreams,
  findActivity,
  listActivities,
  activityArns,
  findMapRun,
  listMapRuns,
  mapRunCounts,
} from './sfn/queries.js';
export { analyticsReadModel, ANALYTICS_SCHEMA, type AnalyticsListener, type AnalyticsOutcome } from './analytics/read-model.js';
export { executionStatistics, type Durations, type ExecutionStatistics, type StatisticsQuery } from './analytics/queries.js';
