import * as E from 'fp-ts/lib/Either.js';
import type { Operation } from '../protocol.js';
import type { Deps } from './deps.js';

/**
 * `Stepstream.GetCheckpoint` `{}`: the newest signed checkpoint of the audit tree
 * (`{ treeSize, rootHash, timestamp, keyId, signature }`) and the public key (SPKI PEM) that checks
 * it. Each member is left out when there is none (no checkpoint signed yet; a server without an
 * audit key). The key given here is for convenience: an auditor checks with the key they were
 * given out of band. See docs/api.md.
 */
export const getCheckpoint =
  ({ engine }: Deps): Operation =>
  async () => {
    const checkpoint = await engine.audit.latestCheckpoint();
    const publicKeyPem = engine.audit.publicKeyPem();
    return E.right({ ...(checkpoint ? { checkpoint } : {}), ...(publicKeyPem !== undefined ? { publicKeyPem } : {}) });
  };
