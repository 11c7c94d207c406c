export type { Projection, ProjectionHandler, ReadModelDb } from './projection.js';
export { getProjector, type Projector, type ProjectorLag, type ProjectorOptions, type ProjectorState, type ProjectorStatus } from './projector.js';
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
