import { stateMachineDoesNotExist, executionStartedMetadata } from '@stepstream/domain';
import { findMapRun, findStateMachine, listExecutions } from '@stepstream/projections';
import { locateStateMachine, locateVersion } from '@stepstream/runtime';
import { describeVersionShape } from './versions.js';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { DEFAULT_ENCRYPTION, DEFAULT_LOGGING, DEFAULT_TRACING, describeStateMachineShape, referencesOf } from './state-machine-shapes.js';
import { epochSeconds } from '../protocol.js';

export const DescribeStateMachineInput = t.intersection([t.type({ stateMachineArn: t.string }), t.partial({ includedData: optional(t.string) })]);

export const describeStateMachine =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(DescribeStateMachineInput, body, {
      required: ['stateMachineArn'],
      rules: { stateMachineArn: [minLength(1), maxLength(256)], includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])] },
    });
    if (E.isLeft(decoded)) return decoded;
    const arn = decoded.right.stateMachineArn;
    if (E.isRight(locateVersion(arn))) {
      const v = await engine.resources.loadVersion(arn);
      return E.isRight(v) ? E.right(describeVersionShape(v.right)) : E.left(stateMachineDoesNotExist(arn));
    }
    if (/:stateMachine:[^:/]+\/[^:/]+$/.test(arn)) return describeLabel(engine, arn);
    const located = locateStateMachine(arn);
    if (E.isLeft(located)) return located;
    const row = await findStateMachine(await engine.reads.readModel(), arn);
    return row ? E.right(describeStateMachineShape(row)) : E.left(stateMachineDoesNotExist(arn));
  };

/**
 * A Distributed Map's sub-workflow, named by its label ARN (`…:stateMachine:<machine>/<label>`,
 * what ListMapRuns and the child runs report): the item processor its child runs execute, with
 * `label`, created when its Map Run started.
 */
const describeLabel = async (engine: Deps['engine'], arn: string) => {
  const db = await engine.reads.readModel();
  const [child] = await listExecutions(db, arn, undefined, undefined, 1);
  const [started] = child ? await engine.reads.store.readStream(child.stream_name, { maxCount: 1 }) : [];
  if (!child || !started) return E.left(stateMachineDoesNotExist(arn));
  const m = executionStartedMetadata(started.metadata);
  const details = (started.data as { executionStartedEventDetails: { roleArn: string } }).executionStartedEventDetails;
  const run = child.map_run_arn !== null ? await findMapRun(db, child.map_run_arn) : undefined;
  const resource = arn.slice(arn.indexOf(':stateMachine:') + ':stateMachine:'.length);
  return E.right({
    stateMachineArn: arn,
    name: resource,
    status: 'ACTIVE',
    definition: m.definition,
    roleArn: details.roleArn,
    type: m.stateMachineType,
    creationDate: epochSeconds(run?.start_date ?? child.start_date),
    loggingConfiguration: DEFAULT_LOGGING,
    tracingConfiguration: DEFAULT_TRACING,
    label: resource.slice(resource.indexOf('/') + 1),
    encryptionConfiguration: DEFAULT_ENCRYPTION,
    ...referencesOf(m.definition),
  });
};
