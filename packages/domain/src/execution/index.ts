export * from './model.js';
export { evolveExecution, foldExecution, type StoredHistoryEvent } from './evolve.js';
export { decideExecution, definitionOf } from './decide.js';
export { DECISION_BUDGET, type DecisionBudget } from './batch.js';
export { contextObject, isoMillis } from './context-object.js';
export { parseIsoOffset } from './interpreter.js';
export { replayExecution, type ReplayResult } from './replay.js';
export { batchItems, exceedsTolerance, numberAtPath, type ItemBatcher, type MapRunResult, type MapRunSpec } from './map.js';
export { matchesError } from './error-policy.js';
