import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength } from '../validation.js';
import type { Deps } from './deps.js';

export const GetProofBundleInput = t.type({ executionArn: t.string });

/**
 * `Stepstream.GetProofBundle` `{ executionArn }`: the execution's proof bundle as the whole
 * answer (`@stepstream/audit`'s `ProofBundle`: its events with their hashes, its history exactly
 * as GetExecutionHistory returns it, the head's inclusion proof and a signed checkpoint), so that
 * the body saved to a file is what `stepstream verify bundle.json --public-key key.pem` checks.
 * The executionArn is validated as DescribeExecution's; an unknown execution is
 * ExecutionDoesNotExist. See docs/api.md.
 */
export const getProofBundle =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(GetProofBundleInput, body, { required: ['executionArn'], rules: { executionArn: [minLength(1), maxLength(256)] } });
    if (E.isLeft(decoded)) return decoded;
    return engine.audit.proofBundle(decoded.right.executionArn);
  };
