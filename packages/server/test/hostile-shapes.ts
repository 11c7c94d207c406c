/**
 * The request shapes the hostile-input suite fuzzes: every operation of the Step Functions API
 * with each member and what kind of value it holds (from the SDK's `*Input` types). The kind
 * tells the generators which plausible and which hostile values to try; the list must name every
 * operation the server serves (the suite checks it against `makeOperations`).
 */

/** Which resource an ARN member names; `machineish` takes a machine, version or alias ARN. */
export type ArnKind = 'stateMachine' | 'machineish' | 'execution' | 'activity' | 'mapRun' | 'alias' | 'version' | 'resource' | 'role';

export type MemberKind =
  | { readonly kind: 'arn'; readonly of: ArnKind }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | {
      readonly kind:
        | 'name'
        | 'text'
        | 'json'
        | 'definition'
        | 'stateDefinition'
        | 'taskToken'
        | 'nextToken'
        | 'int'
        | 'percentage'
        | 'bool'
        | 'tags'
        | 'tagKeys'
        | 'routing'
        | 'logging'
        | 'tracing'
        | 'encryption'
        | 'mock'
        | 'stateConfiguration'
        | 'history'
        | 'machineDocument'
        | 'executionDocument'
        | 'normalised'
        | 'elkGraph';
    };

export interface Member {
  readonly name: string;
  readonly required: boolean;
  readonly type: MemberKind;
}

export interface OperationShape {
  readonly name: string;
  /** The target's prefix: `AWSStepFunctions.` (AWS's operations, the default) or `Stepstream.` (the server's own). */
  readonly target?: 'AWSStepFunctions.' | 'Stepstream.';
  readonly members: readonly Member[];
  /** Deletes or ends what it names: the fixtures' own ARNs are not sent to it unmodified. */
  readonly destructive?: boolean;
}

const arn = (of: ArnKind): MemberKind => ({ kind: 'arn', of });
const oneOf = (...values: string[]): MemberKind => ({ kind: 'enum', values });
const k = (kind: Exclude<MemberKind['kind'], 'arn' | 'enum'>): MemberKind => ({ kind }) as MemberKind;
const req = (name: string, type: MemberKind): Member => ({ name, required: true, type });
const opt = (name: string, type: MemberKind): Member => ({ name, required: false, type });

const includedData = opt('includedData', oneOf('ALL_DATA', 'METADATA_ONLY'));
const maxResults = opt('maxResults', k('int'));
const nextToken = opt('nextToken', k('nextToken'));

/** The 37 operations, by AWS name. */
export const OPERATION_SHAPES: readonly OperationShape[] = [
  { name: 'CreateActivity', members: [req('name', k('name')), opt('tags', k('tags')), opt('encryptionConfiguration', k('encryption'))] },
  {
    name: 'CreateStateMachine',
    members: [
      req('name', k('name')),
      req('definition', k('definition')),
      req('roleArn', arn('role')),
      opt('type', oneOf('STANDARD', 'EXPRESS')),
      opt('loggingConfiguration', k('logging')),
      opt('tags', k('tags')),
      opt('tracingConfiguration', k('tracing')),
      opt('publish', k('bool')),
      opt('versionDescription', k('text')),
      opt('encryptionConfiguration', k('encryption')),
    ],
  },
  { name: 'CreateStateMachineAlias', members: [opt('description', k('text')), req('name', k('name')), req('routingConfiguration', k('routing'))] },
  { name: 'DeleteActivity', members: [req('activityArn', arn('activity'))], destructive: true },
  { name: 'DeleteStateMachine', members: [req('stateMachineArn', arn('stateMachine'))], destructive: true },
  { name: 'DeleteStateMachineAlias', members: [req('stateMachineAliasArn', arn('alias'))], destructive: true },
  { name: 'DeleteStateMachineVersion', members: [req('stateMachineVersionArn', arn('version'))], destructive: true },
  { name: 'DescribeActivity', members: [req('activityArn', arn('activity'))] },
  { name: 'DescribeExecution', members: [req('executionArn', arn('execution')), includedData] },
  { name: 'DescribeMapRun', members: [req('mapRunArn', arn('mapRun'))] },
  { name: 'DescribeStateMachine', members: [req('stateMachineArn', arn('machineish')), includedData] },
  { name: 'DescribeStateMachineAlias', members: [req('stateMachineAliasArn', arn('alias'))] },
  { name: 'DescribeStateMachineForExecution', members: [req('executionArn', arn('execution')), includedData] },
  { name: 'GetActivityTask', members: [req('activityArn', arn('activity')), opt('workerName', k('text'))] },
  {
    name: 'GetExecutionHistory',
    members: [req('executionArn', arn('execution')), maxResults, opt('reverseOrder', k('bool')), nextToken, opt('includeExecutionData', k('bool'))],
  },
  { name: 'ListActivities', members: [maxResults, nextToken] },
  {
    name: 'ListExecutions',
    members: [
      opt('stateMachineArn', arn('machineish')),
      opt('statusFilter', oneOf('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE')),
      maxResults,
      nextToken,
      opt('mapRunArn', arn('mapRun')),
      opt('redriveFilter', oneOf('REDRIVEN', 'NOT_REDRIVEN')),
    ],
  },
  { name: 'ListMapRuns', members: [req('executionArn', arn('execution')), maxResults, nextToken] },
  { name: 'ListStateMachineAliases', members: [req('stateMachineArn', arn('machineish')), nextToken, maxResults] },
  { name: 'ListStateMachines', members: [maxResults, nextToken] },
  { name: 'ListStateMachineVersions', members: [req('stateMachineArn', arn('stateMachine')), nextToken, maxResults] },
  { name: 'ListTagsForResource', members: [req('resourceArn', arn('resource'))] },
  { name: 'PublishStateMachineVersion', members: [req('stateMachineArn', arn('stateMachine')), opt('revisionId', k('text')), opt('description', k('text'))] },
  { name: 'RedriveExecution', members: [req('executionArn', arn('execution')), opt('clientToken', k('text'))] },
  { name: 'SendTaskFailure', members: [req('taskToken', k('taskToken')), opt('error', k('text')), opt('cause', k('text'))] },
  { name: 'SendTaskHeartbeat', members: [req('taskToken', k('taskToken'))] },
  { name: 'SendTaskSuccess', members: [req('taskToken', k('taskToken')), req('output', k('json'))] },
  {
    name: 'StartExecution',
    members: [req('stateMachineArn', arn('machineish')), opt('name', k('name')), opt('input', k('json')), opt('traceHeader', k('text'))],
  },
  {
    name: 'StartSyncExecution',
    members: [req('stateMachineArn', arn('machineish')), opt('name', k('name')), opt('input', k('json')), opt('traceHeader', k('text')), includedData],
  },
  { name: 'StopExecution', members: [req('executionArn', arn('execution')), opt('error', k('text')), opt('cause', k('text'))], destructive: true },
  { name: 'TagResource', members: [req('resourceArn', arn('resource')), req('tags', k('tags'))] },
  {
    name: 'TestState',
    members: [
      req('definition', k('stateDefinition')),
      opt('roleArn', arn('role')),
      opt('input', k('json')),
      opt('inspectionLevel', oneOf('INFO', 'DEBUG', 'TRACE')),
      opt('revealSecrets', k('bool')),
      opt('variables', k('json')),
      opt('stateName', k('name')),
      opt('mock', k('mock')),
      opt('context', k('json')),
      opt('stateConfiguration', k('stateConfiguration')),
    ],
  },
  { name: 'UntagResource', members: [req('resourceArn', arn('resource')), req('tagKeys', k('tagKeys'))] },
  {
    name: 'UpdateMapRun',
    members: [
      req('mapRunArn', arn('mapRun')),
      opt('maxConcurrency', k('int')),
      opt('toleratedFailurePercentage', k('percentage')),
      opt('toleratedFailureCount', k('int')),
    ],
  },
  {
    name: 'UpdateStateMachine',
    members: [
      req('stateMachineArn', arn('stateMachine')),
      opt('definition', k('definition')),
      opt('roleArn', arn('role')),
      opt('loggingConfiguration', k('logging')),
      opt('tracingConfiguration', k('tracing')),
      opt('publish', k('bool')),
      opt('versionDescription', k('text')),
      opt('encryptionConfiguration', k('encryption')),
    ],
  },
  {
    name: 'UpdateStateMachineAlias',
    members: [req('stateMachineAliasArn', arn('alias')), opt('description', k('text')), opt('routingConfiguration', k('routing'))],
  },
  {
    name: 'ValidateStateMachineDefinition',
    members: [req('definition', k('definition')), opt('type', oneOf('STANDARD', 'EXPRESS')), opt('severity', oneOf('ERROR', 'WARNING')), maxResults],
  },
];

/** Stepstream's own operations (`X-Amz-Target: Stepstream.<name>`): audit proofs, inspection, forks and imports. */
export const STEPSTREAM_SHAPES: readonly OperationShape[] = [
  { name: 'GetProofBundle', target: 'Stepstream.', members: [req('executionArn', arn('execution'))] },
  { name: 'GetCheckpoint', target: 'Stepstream.', members: [] },
  { name: 'GetConsistencyProof', target: 'Stepstream.', members: [req('firstSize', k('int')), req('secondSize', k('int'))] },
  { name: 'InspectExecution', target: 'Stepstream.', members: [req('executionArn', arn('execution')), opt('eventId', k('int'))] },
  { name: 'VerifyExecution', target: 'Stepstream.', members: [req('executionArn', arn('execution'))] },
  { name: 'GetWholeHistory', target: 'Stepstream.', members: [req('executionArn', arn('execution')), opt('includeExecutionData', k('bool'))] },
  { name: 'ListActivityTasks', target: 'Stepstream.', members: [req('activityArn', arn('activity'))] },
  { name: 'LayoutGraph', target: 'Stepstream.', members: [req('graph', k('elkGraph'))] },
  {
    name: 'GetExecutionStatistics',
    target: 'Stepstream.',
    members: [req('stateMachineArn', arn('stateMachine')), opt('aliasName', k('name')), opt('since', k('int')), opt('until', k('int'))],
  },
  {
    name: 'ForkExecution',
    target: 'Stepstream.',
    members: [
      req('executionArn', arn('execution')),
      req('eventId', k('int')),
      opt('name', k('name')),
      opt('definition', k('definition')),
      opt('input', k('json')),
      opt('variables', k('json')),
    ],
  },
  {
    name: 'ImportExecution',
    target: 'Stepstream.',
    members: [
      req('events', k('history')),
      req('stateMachine', k('machineDocument')),
      opt('execution', k('executionDocument')),
      opt('name', k('name')),
      opt('normalised', k('normalised')),
    ],
  },
];

/** Every operation the server serves: AWS's and its own. */
export const ALL_SHAPES: readonly OperationShape[] = [...OPERATION_SHAPES, ...STEPSTREAM_SHAPES];
