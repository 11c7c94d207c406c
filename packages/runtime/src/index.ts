export { Engine, locateExecution, locateStateMachine, type EngineOptions, type Logger, type CallMetadata } from './engine.js';
export { handleCommand, type Decision, type CommandOutcome } from './command.js';
export { Alarms } from './timers.js';
