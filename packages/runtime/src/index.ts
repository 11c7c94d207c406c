export { Engine, ACTIVITY_POLL_MS, type EngineOptions } from './engine.js';
export { accountOf, locateActivity, locateExecution, locateStateMachine, locateVersion } from './locate.js';
export { type Logger } from './logger.js';
export { SerialQueue } from './serial-queue.js';
export { ActivityTasks, type OfferedTask } from './tasks/activity-tasks.js';
export { handleCommand, type CallMetadata, type Decision, type CommandOutcome } from './command.js';
export { Alarms } from './executions/alarms.js';
export {
  DirectoryFunctions,
  EndpointFunctions,
  NoFunctions,
  functionName,
  type LambdaFunctions,
  type LambdaOutcome,
  type LambdaInvocation,
} from './integrations/lambda.js';
export { Integrations, invokeResult, type TaskContext } from './integrations/integrations.js';
export { AwsServices, CALLABLE_SERVICES, type AwsCallContext } from './aws/aws-services.js';
export { TaskTokens, type TaskRef } from './task-tokens.js';
export { BucketError, type Buckets, type ListedObject, type StoredObject } from './aws/buckets.js';
export { S3Buckets, type S3BucketsOptions } from './aws/s3-buckets.js';
export { DirectoryBuckets } from './aws/directory-buckets.js';
export { MockConfig, type MockedResponse } from './integrations/mocks.js';
export { httpInvoke, loadHttpConnections, type HttpConnection, type HttpConnections } from './integrations/http-task.js';
export { type TestStateInput, type TestStateResult, type TestStatus } from './test-state/types.js';
export { seal, unseal } from './signed.js';
export { type EnginePorts, type Reads, type TasksApi } from './engine.js';
export { type ResourcesApi } from './resources/api.js';
export { type ExecutionsApi } from './executions/api.js';
export { type Deployment } from './deployment.js';
export { type AuditOptions } from './engine-options.js';
export { type AuditApi, type ConsistencyProofAnswer } from './audit/audit-api.js';
export { auditTree, AUDIT_SCHEMA, CHECKPOINT_SIGNED, CHECKPOINT_STREAM } from './audit/audit-tree.js';
export { CHECKPOINT_EVERY, CHECKPOINT_INTERVAL_MS } from './audit/checkpointer.js';
export { VirtualClock } from './virtual-time.js';
export { EngineMetrics, labelName, prometheusName, snakeCase, type MetricKind, type MetricsScrape, type MetricsSources } from './analytics/metrics.js';
export { readTraceConfig, startTraceExport, spanIdOf, traceIdOf, type TraceConfig, type TraceExport, type TraceSettings } from './analytics/traces.js';
export { parseServiceEndpoints, serviceOf, type ServiceEndpoint, type ServiceEndpoints } from './aws/endpoints.js';
export { bucketsAt, describeEndpoints, sdkEndpoints } from './aws/configured.js';
export { MapRunData } from './map-runs/map-data.js';
