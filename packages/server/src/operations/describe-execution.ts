import { executionDoesNotExist } from '@stepstream/domain';
import { findExecution } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../protocol.js';
import type { Deps } from './deps.js';
import { decodeExecutionArnRequest } from './execution-arn-request.js';
import { describeExecutionShape } from './execution-shapes.js';

export const describeExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const request = decodeExecutionArnRequest(body);
    if (E.isLeft(request)) return request;
    const { arn, includeData } = request.right;
    const row = await findExecution(await engine.reads.readModel(), arn);
    return row ? E.right(describeExecutionShape(row, includeData)) : E.left(executionDoesNotExist(arn));
  };
