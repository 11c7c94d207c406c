/**
 * AWS history events, as the execution streams hold them: event N of `execution-…` is the
 * HistoryEvent with `id` N (stream revision + 1). The event's `type` is AWS's; its `data` is the
 * HistoryEvent without `id` and `type`: `timestamp` (epoch milliseconds), `previousEventId` and
 * the one `…EventDetails` member AWS writes for that type. Payloads (`input`, `output`) are JSON
 * texts, as on the wire.
 */
export const HistoryEventType = {
  ExecutionStarted: 'ExecutionStarted',
  ExecutionSucceeded: 'ExecutionSucceeded',
  ExecutionFailed: 'ExecutionFailed',
  ExecutionAborted: 'ExecutionAborted',
  ExecutionTimedOut: 'ExecutionTimedOut',
  ExecutionRedriven: 'ExecutionRedriven',
  PassStateEntered: 'PassStateEntered',
  PassStateExited: 'PassStateExited',
  ChoiceStateEntered: 'ChoiceStateEntered',
  ChoiceStateExited: 'ChoiceStateExited',
  WaitStateEntered: 'WaitStateEntered',
  WaitStateExited: 'WaitStateExited',
  WaitStateAborted: 'WaitStateAborted',
  SucceedStateEntered: 'SucceedStateEntered',
  SucceedStateExited: 'SucceedStateExited',
  FailStateEntered: 'FailStateEntered',
  TaskStateEntered: 'TaskStateEntered',
  TaskStateExited: 'TaskStateExited',
  ParallelStateEntered: 'ParallelStateEntered',
  ParallelStateExited: 'ParallelStateExited',
  ParallelStateStarted: 'ParallelStateStarted',
  ParallelStateSucceeded: 'ParallelStateSucceeded',
  ParallelStateFailed: 'ParallelStateFailed',
  ParallelStateAborted: 'ParallelStateAborted',
  MapStateEntered: 'MapStateEntered',
  MapStateExited: 'MapStateExited',
  MapStateStarted: 'MapStateStarted',
  MapStateSucceeded: 'MapStateSucceeded',
  MapStateFailed: 'MapStateFailed',
  MapStateAborted: 'MapStateAborted',
  MapIterationStarted: 'MapIterationStarted',
  MapIterationSucceeded: 'MapIterationSucceeded',
  MapIterationFailed: 'MapIterationFailed',
  MapIterationAborted: 'MapIterationAborted',
  MapRunStarted: 'MapRunStarted',
  MapRunRedriven: 'MapRunRedriven',
  MapRunSucceeded: 'MapRunSucceeded',
  MapRunFailed: 'MapRunFailed',
  MapRunAborted: 'MapRunAborted',
  TaskStateAborted: 'TaskStateAborted',
  ActivityScheduled: 'ActivityScheduled',
  ActivityScheduleFailed: 'ActivityScheduleFailed',
  ActivityStarted: 'ActivityStarted',
  ActivitySucceeded: 'ActivitySucceeded',
  ActivityFailed: 'ActivityFailed',
  ActivityTimedOut: 'ActivityTimedOut',
  LambdaFunctionScheduled: 'LambdaFunctionScheduled',
  LambdaFunctionScheduleFailed: 'LambdaFunctionScheduleFailed',
  LambdaFunctionStarted: 'LambdaFunctionStarted',
  LambdaFunctionStartFailed: 'LambdaFunctionStartFailed',
  LambdaFunctionSucceeded: 'LambdaFunctionSucceeded',
  LambdaFunctionFailed: 'LambdaFunctionFailed',
  LambdaFunctionTimedOut: 'LambdaFunctionTimedOut',
  TaskScheduled: 'TaskScheduled',
  TaskStarted: 'TaskStarted',
  TaskStartFailed: 'TaskStartFailed',
  TaskSubmitted: 'TaskSubmitted',
  TaskSubmitFailed: 'TaskSubmitFailed',
  TaskSucceeded: 'TaskSucceeded',
  TaskFailed: 'TaskFailed',
  TaskTimedOut: 'TaskTimedOut',
  EvaluationFailed: 'EvaluationFailed',
} as const;
export type HistoryEventType = (typeof HistoryEventType)[keyof typeof HistoryEventType];

/**
 * Whether `type` is one of the history event types this version writes and folds. A stream may
 * hold others when a newer version wrote it; `decodeHistoryEvent` reports those.
 *
 * @example
 * isHistoryEventType('TaskStateEntered'); // true
 * isHistoryEventType('toString'); // false: own keys only, not the prototype's
 */
export const isHistoryEventType = (type: string): type is HistoryEventType => Object.hasOwn(HistoryEventType, type);

export interface PayloadDetails {
  readonly truncated: boolean;
}

export interface ExecutionStartedEventDetails {
  readonly input: string;
  readonly inputDetails: PayloadDetails;
  readonly roleArn: string;
  readonly stateMachineAliasArn?: string;
  readonly stateMachineVersionArn?: string;
}
export interface StateEnteredEventDetails {
  readonly name: string;
  readonly input: string;
  readonly inputDetails: PayloadDetails;
}
export interface StateExitedEventDetails {
  readonly name: string;
  readonly output: string;
  readonly outputDetails: PayloadDetails;
  readonly assignedVariables?: Readonly<Record<string, string>>;
  readonly assignedVariablesDetails?: PayloadDetails;
}
export interface ErrorCauseDetails {
  readonly error?: string;
  readonly cause?: string;
}
export interface ExecutionSucceededEventDetails {
  readonly output: string;
  readonly outputDetails: PayloadDetails;
}

/** The data of a history event in the store (what AWS sends minus `id` and `type`). */
export interface HistoryEventData {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly previousEventId: number;
  readonly executionStartedEventDetails?: ExecutionStartedEventDetails;
  readonly executionSucceededEventDetails?: ExecutionSucceededEventDetails;
  readonly executionFailedEventDetails?: ErrorCauseDetails;
  readonly executionAbortedEventDetails?: ErrorCauseDetails;
  readonly executionTimedOutEventDetails?: ErrorCauseDetails;
  readonly executionRedrivenEventDetails?: { readonly redriveCount: number };
  readonly stateEnteredEventDetails?: StateEnteredEventDetails;
  readonly stateExitedEventDetails?: StateExitedEventDetails;
  readonly evaluationFailedEventDetails?: ErrorCauseDetails & { readonly location?: string; readonly state: string };
  readonly mapStateStartedEventDetails?: { readonly length: number };
  readonly mapIterationStartedEventDetails?: MapIterationDetails;
  readonly mapIterationSucceededEventDetails?: MapIterationDetails;
  readonly mapIterationFailedEventDetails?: MapIterationDetails;
  readonly mapIterationAbortedEventDetails?: MapIterationDetails;
  readonly mapRunStartedEventDetails?: { readonly mapRunArn: string };
  readonly mapRunRedrivenEventDetails?: { readonly mapRunArn: string; readonly redriveCount: number };
  readonly mapRunFailedEventDetails?: ErrorCauseDetails;
  readonly activityScheduledEventDetails?: {
    readonly resource: string;
    readonly input: string;
    readonly inputDetails: PayloadDetails;
    readonly timeoutInSeconds?: number;
    readonly heartbeatInSeconds?: number;
  };
  readonly activityScheduleFailedEventDetails?: ErrorCauseDetails;
  readonly activityStartedEventDetails?: { readonly workerName?: string };
  readonly activitySucceededEventDetails?: { readonly output: string; readonly outputDetails: PayloadDetails };
  readonly activityFailedEventDetails?: ErrorCauseDetails;
  readonly activityTimedOutEventDetails?: ErrorCauseDetails;
  readonly lambdaFunctionScheduledEventDetails?: {
    readonly resource: string;
    readonly input: string;
    readonly inputDetails: PayloadDetails;
    readonly timeoutInSeconds?: number;
  };
  readonly lambdaFunctionSucceededEventDetails?: { readonly output: string; readonly outputDetails: PayloadDetails };
  readonly lambdaFunctionFailedEventDetails?: ErrorCauseDetails;
  readonly lambdaFunctionTimedOutEventDetails?: ErrorCauseDetails;
  readonly taskScheduledEventDetails?: {
    readonly resourceType: string;
    readonly resource: string;
    readonly region: string;
    readonly parameters: string;
    readonly timeoutInSeconds?: number;
    readonly heartbeatInSeconds?: number;
  };
  readonly taskStartedEventDetails?: TaskResource;
  readonly taskSubmittedEventDetails?: TaskResource & { readonly output: string; readonly outputDetails: PayloadDetails };
  readonly taskSucceededEventDetails?: TaskResource & { readonly output: string; readonly outputDetails: PayloadDetails };
  readonly taskFailedEventDetails?: TaskResource & ErrorCauseDetails;
  readonly taskTimedOutEventDetails?: TaskResource & ErrorCauseDetails;
}

/** What the Task* events of a service integration name: `lambda` / `invoke`. */
export interface TaskResource {
  readonly resourceType: string;
  readonly resource: string;
}

/** `name` is the Map state's name, `index` the item's. */
export interface MapIterationDetails {
  readonly name: string;
  readonly index: number;
}

/** A history event as the API returns it (timestamps still in epoch ms; the protocol converts). */
export type HistoryEvent = HistoryEventData & { readonly id: number; readonly type: string };

/**
 * Our additions, in the event's metadata (never in `data`, which is AWS's shape):
 * - on `ExecutionStarted`, everything needed to run and describe the execution without reading
 *   any other stream (the definition is a snapshot: updates to the state machine don't change it);
 * - on the last event of each decision, what it changed in the table of paused frames
 *   (`frames`, see execution/model.ts), and on its first what triggered it (`trigger`).
 */
export interface ExecutionStartedMetadata {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly definition: string;
  readonly stateMachineType: 'STANDARD' | 'EXPRESS';
  readonly traceHeader?: string;
  /** The mock configuration's test case the execution runs with. */
  readonly testCase?: string;
  /** The parent execution's task that started this one. */
  readonly parent?: {
    readonly executionArn: string;
    readonly taskId: string;
    readonly pattern: 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken' | 'mapRun';
    readonly index?: number;
    readonly mapRunArn?: string;
  };
  /** Epoch ms after which the execution times out (the definition's TimeoutSeconds). */
  readonly timeoutAt?: number;
  /** The decider version that wrote this history; replays use the same rules. */
  readonly engineVersion: number;
  /** A fork's source execution and the last event of it the fork copies. */
  readonly forkedFrom?: { readonly executionArn: string; readonly eventId: number };
  /** An execution imported from another engine's recorded history (`stepstream import`): where it ran. It never runs here. */
  readonly imported?: { readonly from: 'aws'; readonly executionArn: string; readonly stateMachineArn: string };
  /** Task results given for the execution, by state name (a fork's `mocks`). */
  readonly mocks?: Readonly<
    Record<string, readonly ({ readonly Return: unknown } | { readonly Throw: { readonly Error?: string; readonly Cause?: string } })[]>
  >;
  /** The execution runs on its own virtual clock. */
  readonly time?: 'virtual';
}

/** Maps a state type to its Entered/Exited event types. */
export const stateEventTypes = {
  Pass: { entered: 'PassStateEntered', exited: 'PassStateExited', aborted: undefined },
  Choice: { entered: 'ChoiceStateEntered', exited: 'ChoiceStateExited', aborted: undefined },
  Wait: { entered: 'WaitStateEntered', exited: 'WaitStateExited', aborted: 'WaitStateAborted' },
  Succeed: { entered: 'SucceedStateEntered', exited: 'SucceedStateExited', aborted: undefined },
  Fail: { entered: 'FailStateEntered', exited: undefined, aborted: undefined },
  Task: { entered: 'TaskStateEntered', exited: 'TaskStateExited', aborted: 'TaskStateAborted' },
  Parallel: { entered: 'ParallelStateEntered', exited: 'ParallelStateExited', aborted: 'ParallelStateAborted' },
  Map: { entered: 'MapStateEntered', exited: 'MapStateExited', aborted: 'MapStateAborted' },
} as const satisfies Record<string, { entered: HistoryEventType; exited: HistoryEventType | undefined; aborted: HistoryEventType | undefined }>;
