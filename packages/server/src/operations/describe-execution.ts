import { executionDoesNotExist } from '@stepstream/domain';
import { findExecution } from '@stepstream/projections';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { describeExecutionShape } from './execution-shapes.js';

export const DescribeExecutionInput = t.intersection([t.type({ executionArn: t.string }), t.partial({ includedData: optional(t.string) })]);

export const describeExecution = ({ engine }: Deps): Operation => async (body) => {
  const decoded = decodeRequest(DescribeExecutionInput, body, {
    required: ['executionArn'],
    rules: { executionArn: [minLength(1), maxLength(256)], includedData: [oneOf(['ALL_DATA', 'METADATA_ONLY'])] },
  });
  if (E.isLeft(decoded)) return decoded;
  const arn = decoded.right.executionArn;
  const where = locateExecution(arn);
  if ('_tag' in where) return E.left(where);
  const row = await findExecution(engine.db, arn);
  return row ? E.right(describeExecutionShape(row, decoded.right.includedData !== 'METADATA_ONLY')) : E.left(executionDoesNotExist(arn));
};
