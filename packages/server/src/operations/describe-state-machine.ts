import { stateMachineDoesNotExist } from '@stepstream/domain';
import { findStateMachine } from '@stepstream/projections';
import { locateStateMachine, locateVersion } from '@stepstream/runtime';
import { describeVersionShape } from './versions.js';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { describeStateMachineShape } from './state-machine-shapes.js';

export const DescribeStateMachineInput = t.intersection([
  t.type({ stateMachineArn: t.string }),
  t.partial({ includedData: optional(t.string) }),
]);

export const describeStateMachine = ({ engine }: Deps): Operation => async (body) => {
  const decoded = decodeRequest(DescribeStateMachineInput, body, {
    required: ['stateMachineArn'],
    rules: { stateMachineArn: [minLength(1), maxLength(256)], includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])] },
  });
  if (E.isLeft(decoded)) return decoded;
  const arn = decoded.right.stateMachineArn;
  if (E.isRight(locateVersion(arn))) {
    const v = await engine.loadVersion(arn);
    return E.isRight(v) ? E.right(describeVersionShape(v.right)) : E.left(stateMachineDoesNotExist(arn));
  }
  const located = locateStateMachine(arn);
  if (E.isLeft(located)) return located;
  const where = located.right;
  const row = await findStateMachine(engine.db, arn);
  return row ? E.right(describeStateMachineShape(row)) : E.left(stateMachineDoesNotExist(arn));
};
