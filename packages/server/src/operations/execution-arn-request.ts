import type { ApiError } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';

/** `{executionArn, includedData}`: the input of DescribeExecution and DescribeStateMachineForExecution. */
export const ExecutionArnInput = t.intersection([t.type({ executionArn: t.string }), t.partial({ includedData: optional(t.string) })]);

/** Decodes such a request and locates the execution's stream, or answers AWS's error. */
export const decodeExecutionArnRequest = (body: unknown): E.Either<ApiError, { arn: string; stream: string; includeData: boolean }> => {
  const decoded = decodeRequest(ExecutionArnInput, body, {
    required: ['executionArn'],
    rules: { executionArn: [minLength(1), maxLength(256)], includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])] },
  });
  if (E.isLeft(decoded)) return decoded;
  const arn = decoded.right.executionArn;
  const located = locateExecution(arn);
  if (E.isLeft(located)) return located;
  return E.right({ arn, stream: located.right.stream, includeData: decoded.right.includedData !== 'METADATA_ONLY' });
};
