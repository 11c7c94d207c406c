import type { ApiError, ApiErrorTag } from '@stepstream/domain';

/**
 * The error catalogue: AWS `__type` and HTTP status of each API error tag. AWS answers every
 * modelled error with 400 (the SDKs map errors by `__type`); only faults are 5xx, which SDKs
 * retry. See docs/errors.md.
 */
export const errorCatalogue: Record<ApiErrorTag, { readonly status: number }> = {
  InvalidArn: { status: 400 },
  InvalidName: { status: 400 },
  InvalidDefinition: { status: 400 },
  InvalidExecutionInput: { status: 400 },
  InvalidToken: { status: 400 },
  InvalidLoggingConfiguration: { status: 400 },
  InvalidTracingConfiguration: { status: 400 },
  InvalidEncryptionConfiguration: { status: 400 },
  StateMachineAlreadyExists: { status: 400 },
  StateMachineDoesNotExist: { status: 400 },
  StateMachineDeleting: { status: 400 },
  StateMachineTypeNotSupported: { status: 400 },
  ExecutionAlreadyExists: { status: 400 },
  ExecutionDoesNotExist: { status: 400 },
  ActivityDoesNotExist: { status: 400 },
  ResourceNotFound: { status: 400 },
  ExecutionNotRedrivable: { status: 400 },
  ServiceQuotaExceededException: { status: 400 },
  ActivityWorkerLimitExceeded: { status: 400 },
  TaskDoesNotExist: { status: 400 },
  TaskTimedOut: { status: 400 },
  InvalidOutput: { status: 400 },
  MissingRequiredParameter: { status: 400 },
  ValidationException: { status: 400 },
  ConflictException: { status: 400 },
  TooManyTags: { status: 400 },
  SerializationException: { status: 400 },
  UnknownOperationException: { status: 400 },
  InternalFailure: { status: 500 },
};

/** The body AWS writes for an error: `{"__type", "message"}` (+ `reason` on ValidationException). */
export const errorBody = (e: ApiError): Record<string, string> => ({
  __type: e._tag,
  message: e.message,
  ...(e.reason !== undefined ? { reason: e.reason } : {}),
  ...(e.resourceName !== undefined ? { resourceName: e.resourceName } : {}),
});
