import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength } from '../validation.js';
import type { Deps } from './deps.js';

export const DeleteStateMachineInput = t.type({ stateMachineArn: t.string });

/** Deleting a state machine that does not exist answers 200, as AWS does. */
export const deleteStateMachine =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(DeleteStateMachineInput, body, {
      required: ['stateMachineArn'],
      rules: { stateMachineArn: [minLength(1), maxLength(256)] },
    });
    if (E.isLeft(decoded)) return decoded;
    return engine.resources.deleteStateMachine(decoded.right.stateMachineArn, { requestId: ctx.requestId });
  };
