import { verifyBundle } from '@stepstream/audit';
import { executionHistory, resourceNotFound } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxLength, minLength } from '../validation.js';
import type { Deps } from './deps.js';

export const VerifyExecutionInput = t.type({ executionArn: t.string });

/**
 * `Stepstream.VerifyExecution` `{ executionArn }`: the execution's proof bundle (GetProofBundle's)
 * checked here as `stepstream verify BUNDLE` checks it offline — the chain of its events, the
 * head's inclusion in the signed tree, the checkpoint's signature with this deployment's public
 * key, and that its history is what the events make. Answers `{ ok, problems, events,
 * checkpoint: { treeSize, timestamp } }`. A check by the server that holds the store: an auditor
 * downloads the bundle and checks it with the public key alone. The console's badge.
 */
export const verifyExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(VerifyExecutionInput, body, { required: ['executionArn'], rules: { executionArn: [minLength(1), maxLength(256)] } });
    if (E.isLeft(decoded)) return decoded;
    const publicKeyPem = engine.audit.publicKeyPem();
    if (publicKeyPem === undefined)
      return E.left({
        ...resourceNotFound(decoded.right.executionArn),
        message: 'This server signs no checkpoints (it has no audit key): start it with one to verify executions',
      });
    const bundle = await engine.audit.proofBundle(decoded.right.executionArn);
    if (E.isLeft(bundle)) return bundle;
    const checked = verifyBundle(bundle.right, publicKeyPem, {
      toHistory: executionHistory,
      streamNameOf: (arn) => {
        const located = locateExecution(arn);
        return E.isRight(located) ? located.right.stream : '';
      },
    });
    return E.right({
      ok: checked.ok,
      problems: checked.problems,
      events: bundle.right.events.length,
      checkpoint: { treeSize: bundle.right.checkpoint.treeSize, timestamp: bundle.right.checkpoint.timestamp },
    });
  };
