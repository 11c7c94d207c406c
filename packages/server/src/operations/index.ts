import type { Operation } from '../protocol.js';
import {
  createActivity,
  deleteActivity,
  describeActivity,
  getActivityTask,
  listActivities,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
  listActivityTasks,
} from './activities.js';
import { createStateMachine } from './create-state-machine.js';
import { startSyncExecution } from './start-sync-execution.js';
import { describeMapRun, listMapRuns, updateMapRun } from './map-runs.js';
import { testState } from './test-state.js';
import { redriveExecution } from './redrive-execution.js';
import { validateStateMachineDefinition } from './validate-state-machine-definition.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';
import { deleteStateMachineVersion, listStateMachineVersions, publishStateMachineVersion } from './versions.js';
import { createStateMachineAlias, deleteStateMachineAlias, describeStateMachineAlias, listStateMachineAliases, updateStateMachineAlias } from './aliases.js';
import type { Deps } from './deps.js';
import { deleteStateMachine } from './delete-state-machine.js';
import { describeExecution } from './describe-execution.js';
import { describeStateMachineForExecution } from './describe-state-machine-for-execution.js';
import { describeStateMachine } from './describe-state-machine.js';
import { getCheckpoint } from './get-checkpoint.js';
import { getConsistencyProof } from './get-consistency-proof.js';
import { getExecutionHistory } from './get-execution-history.js';
import { inspectExecution } from './inspect-execution.js';
import { getExecutionStatistics } from './get-execution-statistics.js';
import { forkExecution } from './fork-execution.js';
import { importExecution } from './import-execution.js';
import { verifyExecution } from './verify-execution.js';
import { getWholeHistory } from './get-whole-history.js';
import { layoutGraph } from './layout-graph.js';
import { getProofBundle } from './get-proof-bundle.js';
import { listExecutions } from './list-executions.js';
import { listStateMachines } from './list-state-machines.js';
import { startExecution } from './start-execution.js';
import { stopExecution } from './stop-execution.js';
import { updateStateMachine } from './update-state-machine.js';

/** The operations of the Step Functions API (the service model's, all 37 of them). */
export type OperationName =
  | 'CreateActivity'
  | 'CreateStateMachine'
  | 'CreateStateMachineAlias'
  | 'DeleteActivity'
  | 'DeleteStateMachine'
  | 'DeleteStateMachineAlias'
  | 'DeleteStateMachineVersion'
  | 'DescribeActivity'
  | 'DescribeExecution'
  | 'DescribeMapRun'
  | 'DescribeStateMachine'
  | 'DescribeStateMachineAlias'
  | 'DescribeStateMachineForExecution'
  | 'GetActivityTask'
  | 'GetExecutionHistory'
  | 'ListActivities'
  | 'ListExecutions'
  | 'ListMapRuns'
  | 'ListStateMachineAliases'
  | 'ListStateMachineVersions'
  | 'ListStateMachines'
  | 'ListTagsForResource'
  | 'PublishStateMachineVersion'
  | 'RedriveExecution'
  | 'SendTaskFailure'
  | 'SendTaskHeartbeat'
  | 'SendTaskSuccess'
  | 'StartExecution'
  | 'StartSyncExecution'
  | 'StopExecution'
  | 'TagResource'
  | 'TestState'
  | 'UntagResource'
  | 'UpdateMapRun'
  | 'UpdateStateMachine'
  | 'UpdateStateMachineAlias'
  | 'ValidateStateMachineDefinition';

/**
 * Stepstream's own operations, outside AWS's API (`X-Amz-Target: Stepstream.<Operation>`, the
 * same JSON 1.0 protocol and error shape): audit checkpoints and proofs, inspection and forks. Keyed by their whole
 * target, which no AWS name can be (AWS's have no dot). See docs/api.md.
 */
export type StepstreamOperationName =
  | 'Stepstream.GetProofBundle'
  | 'Stepstream.GetCheckpoint'
  | 'Stepstream.GetConsistencyProof'
  | 'Stepstream.InspectExecution'
  | 'Stepstream.ForkExecution'
  | 'Stepstream.ImportExecution'
  | 'Stepstream.VerifyExecution'
  | 'Stepstream.GetWholeHistory'
  | 'Stepstream.ListActivityTasks'
  | 'Stepstream.LayoutGraph'
  | 'Stepstream.GetExecutionStatistics';

/** The operations served, by their AWS names: one for every {@link OperationName} (a missing one does not compile). */
export const makeOperations = (deps: Deps): Record<OperationName, Operation> => ({
  CreateStateMachine: createStateMachine(deps),
  DescribeStateMachine: describeStateMachine(deps),
  UpdateStateMachine: updateStateMachine(deps),
  DeleteStateMachine: deleteStateMachine(deps),
  ListStateMachines: listStateMachines(deps),
  StartExecution: startExecution(deps),
  DescribeExecution: describeExecution(deps),
  ListExecutions: listExecutions(deps),
  GetExecutionHistory: getExecutionHistory(deps),
  StopExecution: stopExecution(deps),
  DescribeStateMachineForExecution: describeStateMachineForExecution(deps),
  CreateActivity: createActivity(deps),
  DescribeActivity: describeActivity(deps),
  DeleteActivity: deleteActivity(deps),
  ListActivities: listActivities(deps),
  GetActivityTask: getActivityTask(deps),
  SendTaskSuccess: sendTaskSuccess(deps),
  SendTaskFailure: sendTaskFailure(deps),
  SendTaskHeartbeat: sendTaskHeartbeat(deps),
  ValidateStateMachineDefinition: validateStateMachineDefinition(deps),
  StartSyncExecution: startSyncExecution(deps),
  DescribeMapRun: describeMapRun(deps),
  UpdateMapRun: updateMapRun(deps),
  TestState: testState(deps),
  RedriveExecution: redriveExecution(deps),
  ListMapRuns: listMapRuns(deps),
  TagResource: tagResource(deps),
  PublishStateMachineVersion: publishStateMachineVersion(deps),
  ListStateMachineVersions: listStateMachineVersions(deps),
  DeleteStateMachineVersion: deleteStateMachineVersion(deps),
  CreateStateMachineAlias: createStateMachineAlias(deps),
  DescribeStateMachineAlias: describeStateMachineAlias(deps),
  UpdateStateMachineAlias: updateStateMachineAlias(deps),
  DeleteStateMachineAlias: deleteStateMachineAlias(deps),
  ListStateMachineAliases: listStateMachineAliases(deps),
  UntagResource: untagResource(deps),
  ListTagsForResource: listTagsForResource(deps),
});

/** Stepstream's own operations, by their targets: one for every {@link StepstreamOperationName}. */
export const makeStepstreamOperations = (deps: Deps): Record<StepstreamOperationName, Operation> => ({
  'Stepstream.GetProofBundle': getProofBundle(deps),
  'Stepstream.GetCheckpoint': getCheckpoint(deps),
  'Stepstream.GetConsistencyProof': getConsistencyProof(deps),
  'Stepstream.InspectExecution': inspectExecution(deps),
  'Stepstream.ForkExecution': forkExecution(deps),
  'Stepstream.ImportExecution': importExecution(deps),
  'Stepstream.VerifyExecution': verifyExecution(deps),
  'Stepstream.GetWholeHistory': getWholeHistory(deps),
  'Stepstream.ListActivityTasks': listActivityTasks(deps),
  'Stepstream.LayoutGraph': layoutGraph(),
  'Stepstream.GetExecutionStatistics': getExecutionStatistics(deps),
});

export type { Deps };
