import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { between, decodeRequest, long } from '../validation.js';
import type { Deps } from './deps.js';

export const GetConsistencyProofInput = t.type({ firstSize: long, secondSize: long });

/**
 * `Stepstream.GetConsistencyProof` `{ firstSize, secondSize }`: the RFC 9162 proof that the audit
 * tree of `firstSize` events is a prefix of the tree of `secondSize` (the log only grew), with both
 * roots: `{ firstSize, secondSize, firstRootHash, secondRootHash, proof }`. Check it against two
 * signed checkpoints' roots, not against the roots given here. Sizes are whole numbers with
 * 0 ≤ firstSize ≤ secondSize ≤ the tree's size (ValidationException otherwise). See docs/api.md.
 */
export const getConsistencyProof =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(GetConsistencyProofInput, body, {
      required: ['firstSize', 'secondSize'],
      rules: { firstSize: [between(0, Number.MAX_SAFE_INTEGER)], secondSize: [between(0, Number.MAX_SAFE_INTEGER)] },
    });
    if (E.isLeft(decoded)) return decoded;
    return engine.audit.consistencyProof(decoded.right.firstSize, decoded.right.secondSize);
  };
