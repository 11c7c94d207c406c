export * from './model.js';
export { evolveExecution, foldExecution } from './evolve.js';
export {
  beginsDecision,
  decodeHistoryEvent,
  executionStartedMetadata,
  type RecordedHistoryEvent,
  type StoredHistoryEvent,
  type UnknownHistoryEventType,
} from './stored-event.js';
export { decideExecution, definitionOf, everyState } from './decide.js';
export { DECISION_BUDGET, payloadCharsOf, type DecisionBudget } from './batch.js';
export { contextObject, isoMillis } from './context-object.js';
export { parseIsoOffset } from './interpreter.js';
export { replayExecution, type ReplayResult } from './replay.js';
export { batchItems, exceedsTolerance, type ItemBatcher } from './map.js';
export {
  childRunRecords,
  keyValueItems,
  mapRunChildName,
  numberAtPath,
  resolveReaderConfig,
  type ItemReaderRequest,
  type MaxItemsScope,
  type MapRunAnswer,
  type MapRunResult,
  type MapRunSpec,
  type ResultWriterRequest,
} from './map-data.js';
export { matchesError } from './error-policy.js';
export {
  ChildRunStatus,
  mapRunIdOf,
  noneRecord,
  OutputType,
  RESULT_FILE_MAX_BYTES,
  ResultFileGroup,
  resultFiles,
  resultFolderOf,
  transformedResults,
  Transformation,
  writerConfigOf,
  type ChildRunRecord,
  type ResultFileEntry,
  type ResultFiles,
  type ResultFilesInput,
  type ResultObject,
  type ResultWriterManifest,
  type ResultWriterOutput,
  type WriterConfig,
} from './result-writer.js';
export { executionEffects, mapRunResult, syncAnswer, syncChildren, type ExecutionEffect } from './effects.js';
export { inspectState, type ActiveState, type InspectedEvent, type InspectedTask, type Inspection, type Timer } from './inspect.js';
export { importAwsHistory, type AwsHistoryEvent, type ImportDivergence, type ImportOptions, type ImportResult, type PointerDifference } from './import.js';
