export * from './model.js';
export { evolveExecution, foldExecution, type StoredHistoryEvent } from './evolve.js';
export { decideExecution, definitionOf } from './decide.js';
export { contextObject, isoMillis } from './context-object.js';
export { parseIsoOffset } from './interpreter.js';
export { replayExecution, type ReplayResult } from './replay.js';
export type { MapRunResult, MapRunSpec } from './map.js';
