export type { Projection, ProjectionHandler, ReadModelDb } from './projection.js';
export {
  getProjector,
  type Projector,
  type ProjectorLag,
  type ProjectorOptions,
  type ProjectorState,
  type ProjectorStatus,
} from './projector.js';
export { readCheckpoint, type Checkpoint } from './checkpoints.js';
