import { executionDoesNotExist, executionStartedMetadata } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import type { Deps } from './deps.js';
import { decodeExecutionArnRequest } from './execution-arn-request.js';
import { DEFAULT_ENCRYPTION, DEFAULT_LOGGING, DEFAULT_TRACING, referencesOf } from './state-machine-shapes.js';
import { findStateMachine } from '@stepstream/projections';

/**
 * The definition the execution runs: the snapshot taken at its start (in ExecutionStarted's
 * metadata), not the state machine's current one. AWS returns no status, type or creationDate.
 * Logging, tracing and encryption are the version's the execution was started on, else the
 * machine's as it is now (they are not part of the snapshot). A Distributed Map's child run
 * reports its Map Run and the label of its sub-workflow.
 */
export const describeStateMachineForExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const request = decodeExecutionArnRequest(body);
    if (E.isLeft(request)) return request;
    const { arn, stream } = request.right;
    const [started] = await engine.reads.store.readStream(stream, { maxCount: 1 });
    if (!started) return E.left(executionDoesNotExist(arn));
    const m = executionStartedMetadata(started.metadata);
    const d = started.data as { timestamp: number; executionStartedEventDetails: { roleArn: string; stateMachineVersionArn?: string } };
    const versionArn = d.executionStartedEventDetails.stateMachineVersionArn;
    const version = versionArn !== undefined ? await engine.resources.loadVersion(versionArn) : undefined;
    const configured =
      version && E.isRight(version)
        ? { logging: version.right.loggingConfiguration, tracing: version.right.tracingConfiguration, encryption: version.right.encryptionConfiguration }
        : await findStateMachine(await engine.reads.readModel(), m.stateMachineArn);
    const name = m.stateMachineArn.split(':')[6] ?? '';
    const slash = name.indexOf('/');
    return E.right({
      stateMachineArn: m.stateMachineArn,
      name,
      definition: m.definition,
      roleArn: d.executionStartedEventDetails.roleArn,
      updateDate: epochSeconds(d.timestamp),
      loggingConfiguration: { ...DEFAULT_LOGGING, ...((configured?.logging as object | undefined) ?? {}) },
      tracingConfiguration: { ...DEFAULT_TRACING, ...((configured?.tracing as object | undefined) ?? {}) },
      encryptionConfiguration: configured?.encryption ?? DEFAULT_ENCRYPTION,
      ...(m.parent?.mapRunArn !== undefined ? { mapRunArn: m.parent.mapRunArn } : {}),
      ...(slash >= 0 ? { label: name.slice(slash + 1) } : {}),
      ...referencesOf(m.definition),
    });
  };
