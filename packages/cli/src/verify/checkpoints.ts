/**
 * Checking signed checkpoints against the tree recomputed from the store: the signature, then the
 * root at the checkpoint's size. A checkpoint signs the first `treeSize` leaves of `$all`, so it
 * is checked once the recomputed tree has reached that size — or never reaches it (truncated).
 *
 * @module
 */
import { equalBytes, fromHex, HASH_BYTES, isHexHash, isTreeSize, toHex, verifyCheckpoint, type SignedCheckpoint } from '@stepstream/audit';
import type { CheckpointSource, Problem } from './problems.js';
import { streamProblem } from './problems.js';

/**
 * A checkpoint file: a `SignedCheckpoint` as JSON, optionally with the consistency proof that it
 * extends an earlier checkpoint (see `docs/audit.md`):
 *
 * ```json
 * { "treeSize": 12000, "rootHash": "…", "timestamp": "…", "keyId": "…", "signature": "…",
 *   "consistency": { "fromSize": 10000, "proof": ["…64 hex…", …] } }
 * ```
 */
export interface CheckpointFile extends SignedCheckpoint {
  readonly consistency?: { readonly fromSize: number; readonly proof: readonly string[] };
}

/** A checkpoint met in the store (with its event) or given as a file. */
export interface CheckpointCandidate {
  /** As parsed: not trusted to be well-formed. */
  readonly checkpoint: unknown;
  readonly source: CheckpointSource;
  /** For a checkpoint event: where it is. */
  readonly event?: { readonly stream: string; readonly revision: bigint; readonly eventId: string; readonly leafIndex: number | undefined };
}

/** The signed part of a checkpoint file: the file without `consistency`. */
export const signedPart = (file: unknown): unknown => {
  if (typeof file !== 'object' || file === null || Array.isArray(file) || !('consistency' in file)) return file;
  const { consistency: _consistency, ...signed } = file as Record<string, unknown>;
  return signed;
};

/** The tree size a checkpoint claims, if it is a whole number. */
export const claimedSize = (checkpoint: unknown): number | undefined => {
  const size = (checkpoint as { treeSize?: unknown } | null)?.treeSize;
  return isTreeSize(size) ? size : undefined;
};

/** The outcome of checking one checkpoint. */
export interface CheckpointOutcome {
  /** Whether the signature was checked and holds (false when there was no key). */
  readonly signed: boolean;
  /** Whether its root was compared and equals the recomputed root. */
  readonly matches: boolean;
  readonly problem?: Problem;
}

/**
 * Checks a checkpoint against the recomputed tree: `rootAt(n)` is the root of the first `n`
 * leaves (`undefined` for a size the tree did not reach), `leaves` how many there are, and
 * `agreedBelow` the largest size under this one at which another checkpoint matched (for the
 * message: the difference is after it). Without a public key the signature is not checked; the
 * root still is.
 *
 * @example
 * checkCheckpoint(candidate, publicKeyPem, (n) => roots.get(n), frontier.size, 0);
 */
export const checkCheckpoint = (
  candidate: CheckpointCandidate,
  publicKeyPem: string | undefined,
  rootAt: (size: number) => Uint8Array | undefined,
  leaves: number,
  agreedBelow: number | undefined,
): CheckpointOutcome => {
  const size = claimedSize(candidate.checkpoint);
  let signed = false;
  const problem = (kind: Problem['kind'], message: string): CheckpointOutcome => {
    const checkpoint = { treeSize: size, source: candidate.source };
    const { event } = candidate;
    return {
      signed,
      matches: false,
      problem:
        event === undefined
          ? { kind, failure: true, checkpoint, message }
          : streamProblem({
              kind,
              stream: event.stream,
              revision: event.revision,
              eventId: event.eventId,
              ...(event.leafIndex === undefined ? {} : { leafIndex: event.leafIndex }),
              checkpoint,
              message,
            }),
    };
  };
  if (publicKeyPem !== undefined) {
    const verdict = verifyCheckpoint(candidate.checkpoint, publicKeyPem);
    if (!verdict.ok) return problem('bad-signature', `the checkpoint does not verify (${verdict.problem}): ${verdict.message}`);
    signed = true;
  } else {
    const root = (candidate.checkpoint as { rootHash?: unknown } | null)?.rootHash;
    if (size === undefined || !isHexHash(root)) return problem('bad-signature', 'not a checkpoint: treeSize or rootHash is missing or ill-formed');
  }
  const checkpoint = candidate.checkpoint as SignedCheckpoint;
  if (checkpoint.treeSize > leaves) {
    const gone = checkpoint.treeSize - leaves;
    return problem(
      'truncated',
      `signed ${String(checkpoint.treeSize)} events but the store now holds ${String(leaves)} in all: at least ${String(gone)} ${gone === 1 ? 'event was' : 'events were'} deleted since (at the tail of $all, or where other problems show)`,
    );
  }
  const root = rootAt(checkpoint.treeSize);
  if (root === undefined) throw new Error(`the root at ${String(checkpoint.treeSize)} leaves was not kept`);
  if (!equalBytes(root, fromHex(checkpoint.rootHash, HASH_BYTES))) {
    const from = agreedBelow ?? 0;
    const where = agreedBelow === undefined ? '' : ` (an earlier checkpoint agrees up to ${String(agreedBelow)})`;
    return problem(
      'root-mismatch',
      `signed root ${checkpoint.rootHash} of ${String(checkpoint.treeSize)} events, recomputed ${toHex(root)}: among events ${String(from)}..${String(checkpoint.treeSize - 1)} of $all${where}, some are not what was signed (altered, inserted, deleted or reordered)`,
    );
  }
  return { signed, matches: true };
};
