import { executionDoesNotExist, type ExecutionStartedMetadata } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { DEFAULT_ENCRYPTION, DEFAULT_LOGGING, DEFAULT_TRACING } from './state-machine-shapes.js';

export const DescribeStateMachineForExecutionInput = t.intersection([
  t.type({ executionArn: t.string }),
  t.partial({ includedData: optional(t.string) }),
]);

/**
 * The definition the execution runs: the snapshot taken at its start (in ExecutionStarted's
 * metadata), not the state machine's current one. AWS returns no status, type or creationDate.
 */
export const describeStateMachineForExecution = ({ engine }: Deps): Operation => async (body) => {
  const decoded = decodeRequest(DescribeStateMachineForExecutionInput, body, {
    required: ['executionArn'],
    rules: { executionArn: [minLength(1), maxLength(256)], includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])] },
  });
  if (E.isLeft(decoded)) return decoded;
  const arn = decoded.right.executionArn;
  const where = locateExecution(arn);
  if ('_tag' in where) return E.left(where);
  const [started] = await engine.store.readStream(where.stream, { maxCount: 1 });
  if (!started) return E.left(executionDoesNotExist(arn));
  const m = started.metadata as unknown as ExecutionStartedMetadata;
  const d = started.data as { timestamp: number; executionStartedEventDetails: { roleArn: string } };
  return E.right({
    stateMachineArn: m.stateMachineArn,
    name: m.stateMachineArn.split(':')[6],
    definition: m.definition,
    roleArn: d.executionStartedEventDetails.roleArn,
    updateDate: epochSeconds(d.timestamp),
    loggingConfiguration: DEFAULT_LOGGING,
    tracingConfiguration: DEFAULT_TRACING,
    encryptionConfiguration: DEFAULT_ENCRYPTION,
  });
};
