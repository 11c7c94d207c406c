import type { ArnProblem } from './arn.js';

/**
 * The errors the API returns, one tag per AWS error shape (`__type`), each with AWS's message.
 * They are values, returned in `Either`s; the server's error catalogue turns them into bodies.
 */
export const ApiErrorTag = {
  InvalidArn: 'InvalidArn',
  InvalidName: 'InvalidName',
  InvalidDefinition: 'InvalidDefinition',
  InvalidExecutionInput: 'InvalidExecutionInput',
  InvalidToken: 'InvalidToken',
  InvalidLoggingConfiguration: 'InvalidLoggingConfiguration',
  InvalidTracingConfiguration: 'InvalidTracingConfiguration',
  InvalidEncryptionConfiguration: 'InvalidEncryptionConfiguration',
  StateMachineAlreadyExists: 'StateMachineAlreadyExists',
  StateMachineDoesNotExist: 'StateMachineDoesNotExist',
  StateMachineDeleting: 'StateMachineDeleting',
  StateMachineTypeNotSupported: 'StateMachineTypeNotSupported',
  ExecutionAlreadyExists: 'ExecutionAlreadyExists',
  ExecutionDoesNotExist: 'ExecutionDoesNotExist',
  ActivityDoesNotExist: 'ActivityDoesNotExist',
  ResourceNotFound: 'ResourceNotFound',
  ExecutionNotRedrivable: 'ExecutionNotRedrivable',
  ServiceQuotaExceededException: 'ServiceQuotaExceededException',
  ActivityWorkerLimitExceeded: 'ActivityWorkerLimitExceeded',
  TaskDoesNotExist: 'TaskDoesNotExist',
  TaskTimedOut: 'TaskTimedOut',
  InvalidOutput: 'InvalidOutput',
  MissingRequiredParameter: 'MissingRequiredParameter',
  ValidationException: 'ValidationException',
  ConflictException: 'ConflictException',
  TooManyTags: 'TooManyTags',
  SerializationException: 'SerializationException',
  UnknownOperationException: 'UnknownOperationException',
  InternalFailure: 'InternalFailure',
} as const;
export type ApiErrorTag = (typeof ApiErrorTag)[keyof typeof ApiErrorTag];

export interface ApiError<Tag extends ApiErrorTag = ApiErrorTag> {
  readonly _tag: Tag;
  readonly message: string;
  /** ValidationException's `reason`. */
  readonly reason?: string;
  /** ResourceNotFound's and TooManyTags' `resourceName`. */
  readonly resourceName?: string;
}

const make = <Tag extends ApiErrorTag>(_tag: Tag, message: string, reason?: string): ApiError<Tag> =>
  reason === undefined ? { _tag, message } : { _tag, message, reason };

export const invalidArn = (arn: string, problem: ArnProblem) =>
  make(
    'InvalidArn',
    problem.kind === 'prefix' ? `Invalid Arn: 'Invalid ARN prefix: ${arn}'` : `Invalid Arn: 'Resource type not valid in this context: ${problem.resourceType}'`,
  );
/** An ARN that is well formed but names something this deployment cannot use (a missing mock test case). */
export const invalidArnDetail = (detail: string) => make('InvalidArn', `Invalid Arn: '${detail}'`);
export const invalidName = (name: string) => make('InvalidName', `Invalid Name: '${name}'`);
export const invalidDefinition = (detail: string) => make('InvalidDefinition', `Invalid State Machine Definition: '${detail}'`);
export const invalidExecutionInput = (detail: string) => make('InvalidExecutionInput', `Invalid State Machine Execution Input: '${detail}'`);
export const invalidToken = () => make('InvalidToken', `Invalid Token: 'Invalid token'`);
export const stateMachineAlreadyExists = (arn: string) => make('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
export const stateMachineDoesNotExist = (arn: string) => make('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
export const stateMachineDeleting = (arn: string) => make('StateMachineDeleting', `State Machine is being deleted: '${arn}'`);
export const stateMachineTypeNotSupported = () => make('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
export const executionAlreadyExists = (arn: string) => make('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
export const executionDoesNotExist = (arn: string) => make('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
/** rec: UpdateStateMachineAlias on a missing alias. */
export const aliasNotFound = (): ApiError<'ResourceNotFound'> => ({ _tag: 'ResourceNotFound', message: 'Request references a resource that does not exist.' });
export const executionNotRedrivable = (message: string) => make('ExecutionNotRedrivable', message);
export const conflict = (message: string) => make('ConflictException', message);
export const serviceQuotaExceeded = (message: string) => make('ServiceQuotaExceededException', message);
export const resourceNotFound = (arn: string): ApiError<'ResourceNotFound'> => ({
  _tag: 'ResourceNotFound',
  message: `Resource not found: '${arn}'`,
  resourceName: arn,
});
export const tooManyTags = (arn: string): ApiError<'TooManyTags'> => ({
  _tag: 'TooManyTags',
  message: `Too many tags: a resource can have at most 50 tags; '${arn}' would have more`,
  resourceName: arn,
});
export const activityDoesNotExist = (arn: string) => make('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
export const activityWorkerLimitExceeded = () =>
  make('ActivityWorkerLimitExceeded', 'The maximum number of workers concurrently polling for activity tasks has been reached.');
/** A token that names no task of an existing execution. */
export const taskDoesNotExist = () => make('TaskDoesNotExist', `Task Does Not Exist: 'Provided task does not exist'`);
/** A token whose task has finished or timed out (AWS: "Task Timed Out: 'Provided task does not exist anymore'"). */
export const taskTimedOut = () => make('TaskTimedOut', `Task Timed Out: 'Provided task does not exist anymore'`);
export const invalidOutput = (detail: string) => make('InvalidOutput', `Invalid Output: '${detail}'`);
export const missingRequiredParameter = (message: string) => make('MissingRequiredParameter', message);
export const invalidEncryptionConfiguration = (message: string) => make('InvalidEncryptionConfiguration', message);
export const validationException = (message: string, reason?: string) => make('ValidationException', message, reason);
export const invalidLoggingConfiguration = (message: string) => make('InvalidLoggingConfiguration', message);
export const serializationException = (message: string) => make('SerializationException', message);
export const unknownOperation = (message: string) => make('UnknownOperationException', message);
export const internalFailure = (requestId: string) =>
  make('InternalFailure', `The request processing has failed because of an unknown error, exception or failure. Request id: ${requestId}`);

export const isApiError = (e: unknown): e is ApiError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as ApiError)._tag === 'string' &&
  typeof (e as ApiError).message === 'string' &&
  (e as ApiError)._tag in ApiErrorTag;
