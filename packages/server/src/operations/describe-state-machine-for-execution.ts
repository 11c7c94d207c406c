import { executionDoesNotExist, type ExecutionStartedMetadata } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import type { Deps } from './deps.js';
import { decodeExecutionArnRequest } from './execution-arn-request.js';
import { DEFAULT_ENCRYPTION, DEFAULT_LOGGING, DEFAULT_TRACING } from './state-machine-shapes.js';

/**
 * The definition the execution runs: the snapshot taken at its start (in ExecutionStarted's
 * metadata), not the state machine's current one. AWS returns no status, type or creationDate.
 */
export const describeStateMachineForExecution = ({ engine }: Deps): Operation => async (body) => {
  const request = decodeExecutionArnRequest(body);
  if (E.isLeft(request)) return request;
  const { arn, stream } = request.right;
  const [started] = await engine.store.readStream(stream, { maxCount: 1 });
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
