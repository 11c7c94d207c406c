export {
  Engine,
  locateActivity,
  locateExecution,
  locateStateMachine,
  locateVersion,
  ACTIVITY_POLL_MS,
  type EngineOptions,
  type CallMetadata,
} from './engine.js';
export { type Logger } from './logger.js';
export { SerialQueue } from './serial-queue.js';
export { ActivityTasks, type OfferedTask } from './activity-tasks.js';
export { handleCommand, type Decision, type CommandOutcome } from './command.js';
export { Alarms } from './timers.js';
export { DirectoryFunctions, EndpointFunctions, NoFunctions, functionName, type LambdaFunctions, type LambdaOutcome, type LambdaInvocation } from './lambda.js';
export { Integrations, invokeResult, type TaskContext } from './integrations.js';
export { TaskTokens, type TaskRef } from './task-tokens.js';
export { MockConfig, type MockedResponse } from './mocks.js';
export { httpInvoke, loadHttpConnections, type HttpConnection, type HttpConnections } from './http-task.js';
export { type TestStateInput, type TestStateResult, type TestStatus } from './test-state.js';
export { seal, unseal } from './signed.js';
