// A history Stepstream wrote for a Parallel (a Pass then a 1-s Wait; a Pass) and an inline Map of one item whose Lambda task failed twice (one retry) and was caught: stored form (timestamps in epoch ms).
export const FAN_HISTORY = [
  {
    id: 1,
    type: 'ExecutionStarted',
    data: {
      timestamp: 1796612528112,
      previousEventId: 0,
      executionStartedEventDetails: { input: '[1]', inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::123456789012:role/r' },
    },
    metadata: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:fan:run-1',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:fan',
      name: 'run-1',
      stateMachineType: 'STANDARD',
    },
  },
  {
    id: 2,
    type: 'ParallelStateEntered',
    data: { timestamp: 1796612528112, previousEventId: 0, stateEnteredEventDetails: { name: 'P', input: '[1]', inputDetails: { truncated: false } } },
  },
  { id: 3, type: 'ParallelStateStarted', data: { timestamp: 1796612528112, previousEventId: 2 } },
  {
    id: 4,
    type: 'PassStateEntered',
    data: { timestamp: 1796612528112, previousEventId: 3, stateEnteredEventDetails: { name: 'A', input: '[1]', inputDetails: { truncated: false } } },
  },
  {
    id: 5,
    type: 'PassStateExited',
    data: { timestamp: 1796612528112, previousEventId: 4, stateExitedEventDetails: { name: 'A', output: '[1]', outputDetails: { truncated: false } } },
  },
  {
    id: 6,
    type: 'WaitStateEntered',
    data: { timestamp: 1796612528112, previousEventId: 5, stateEnteredEventDetails: { name: 'A2', input: '[1]', inputDetails: { truncated: false } } },
  },
  {
    id: 7,
    type: 'PassStateEntered',
    data: { timestamp: 1796612528112, previousEventId: 3, stateEnteredEventDetails: { name: 'B', input: '[1]', inputDetails: { truncated: false } } },
  },
  {
    id: 8,
    type: 'PassStateExited',
    data: { timestamp: 1796612528112, previousEventId: 7, stateExitedEventDetails: { name: 'B', output: '[1]', outputDetails: { truncated: false } } },
  },
  {
    id: 9,
    type: 'WaitStateExited',
    data: { timestamp: 1796612529117, previousEventId: 6, stateExitedEventDetails: { name: 'A2', output: '[1]', outputDetails: { truncated: false } } },
  },
  { id: 10, type: 'ParallelStateSucceeded', data: { timestamp: 1796612529117, previousEventId: 9 } },
  {
    id: 11,
    type: 'ParallelStateExited',
    data: { timestamp: 1796612529117, previousEventId: 9, stateExitedEventDetails: { name: 'P', output: '[[1],[1]]', outputDetails: { truncated: false } } },
  },
  {
    id: 12,
    type: 'MapStateEntered',
    data: { timestamp: 1796612529117, previousEventId: 11, stateEnteredEventDetails: { name: 'M', input: '[[1],[1]]', inputDetails: { truncated: false } } },
  },
  { id: 13, type: 'MapStateStarted', data: { timestamp: 1796612529117, previousEventId: 12, mapStateStartedEventDetails: { length: 1 } } },
  { id: 14, type: 'MapIterationStarted', data: { timestamp: 1796612529117, previousEventId: 13, mapIterationStartedEventDetails: { name: 'M', index: 0 } } },
  {
    id: 15,
    type: 'TaskStateEntered',
    data: { timestamp: 1796612529117, previousEventId: 14, stateEnteredEventDetails: { name: 'I', input: '1', inputDetails: { truncated: false } } },
  },
  {
    id: 16,
    type: 'TaskScheduled',
    data: {
      timestamp: 1796612529117,
      previousEventId: 15,
      taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{"FunctionName":"x","Payload":1}' },
    },
  },
  {
    id: 17,
    type: 'TaskStarted',
    data: { timestamp: 1796612529125, previousEventId: 16, taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } },
  },
  {
    id: 18,
    type: 'TaskFailed',
    data: {
      timestamp: 1796612529131,
      previousEventId: 17,
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'Lambda.ResourceNotFoundException',
        cause:
          'Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: f434c54c-409b-422c-97ec-c5c7a5bc778f; Proxy: null)',
      },
    },
  },
  {
    id: 19,
    type: 'TaskScheduled',
    data: {
      timestamp: 1796612530134,
      previousEventId: 18,
      taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{"FunctionName":"x","Payload":1}' },
    },
  },
  {
    id: 20,
    type: 'TaskStarted',
    data: { timestamp: 1796612530137, previousEventId: 19, taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } },
  },
  {
    id: 21,
    type: 'TaskFailed',
    data: {
      timestamp: 1796612530143,
      previousEventId: 20,
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'Lambda.ResourceNotFoundException',
        cause:
          'Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)',
      },
    },
  },
  {
    id: 22,
    type: 'TaskStateExited',
    data: {
      timestamp: 1796612530143,
      previousEventId: 21,
      stateExitedEventDetails: {
        name: 'I',
        output:
          '{"Error":"Lambda.ResourceNotFoundException","Cause":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)"}',
        outputDetails: { truncated: false },
      },
    },
  },
  {
    id: 23,
    type: 'PassStateEntered',
    data: {
      timestamp: 1796612530143,
      previousEventId: 22,
      stateEnteredEventDetails: {
        name: 'F',
        input:
          '{"Error":"Lambda.ResourceNotFoundException","Cause":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)"}',
        inputDetails: { truncated: false },
      },
    },
  },
  {
    id: 24,
    type: 'PassStateExited',
    data: {
      timestamp: 1796612530143,
      previousEventId: 23,
      stateExitedEventDetails: {
        name: 'F',
        output:
          '{"Error":"Lambda.ResourceNotFoundException","Cause":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)"}',
        outputDetails: { truncated: false },
      },
    },
  },
  {
    id: 25,
    type: 'MapIterationSucceeded',
    data: { timestamp: 1796612530143, previousEventId: 24, mapIterationSucceededEventDetails: { name: 'M', index: 0 } },
  },
  { id: 26, type: 'MapStateSucceeded', data: { timestamp: 1796612530143, previousEventId: 25 } },
  {
    id: 27,
    type: 'MapStateExited',
    data: {
      timestamp: 1796612530143,
      previousEventId: 25,
      stateExitedEventDetails: {
        name: 'M',
        output:
          '[{"Error":"Lambda.ResourceNotFoundException","Cause":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)"}]',
        outputDetails: { truncated: false },
      },
    },
  },
  {
    id: 28,
    type: 'ExecutionSucceeded',
    data: {
      timestamp: 1796612530143,
      previousEventId: 27,
      executionSucceededEventDetails: {
        output:
          '[{"Error":"Lambda.ResourceNotFoundException","Cause":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:x (Stepstream runs functions from STEPSTREAM_FUNCTIONS=DIR, or calls STEPSTREAM_LAMBDA_ENDPOINT; neither is set) (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: 323a404d-420f-4346-b8e2-3415b7ed12ab; Proxy: null)"}]',
        outputDetails: { truncated: false },
      },
    },
  },
] as const;
