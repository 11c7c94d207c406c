/**
 * The checks `stepstream verify` makes without a store: a proof bundle, and two checkpoints with
 * the consistency proof that the log only grew between them. Only the files and the public key.
 *
 * @module
 */
import { fromHex, HASH_BYTES, isHexHash, isTreeSize, verifyBundle, verifyCheckpoint, verifyConsistency, type BundleVerification } from '@stepstream/audit';
import { executionHistory } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import { signedPart } from './checkpoints.js';

/**
 * Checks a proof bundle (as parsed from its file) with the deployment's public key: the
 * checkpoint's signature, the chain, the head's inclusion in the signed tree, that the stream is
 * the execution's, and that `history` is exactly what GetExecutionHistory makes of the events.
 *
 * @example
 * verifyBundleFile(JSON.parse(readFileSync('bundle.json', 'utf8')), readFileSync('key.pem', 'utf8')).ok; // true
 */
export const verifyBundleFile = (bundle: unknown, publicKeyPem: string): BundleVerification =>
  verifyBundle(bundle, publicKeyPem, {
    toHistory: executionHistory,
    streamNameOf: (arn) => {
      const located = locateExecution(arn);
      return located._tag === 'Right' ? located.right.stream : '';
    },
  });

/** The kinds of problems between two checkpoints. */
export const GrowthProblemKind = {
  /** A checkpoint file whose signature, key or shape does not check. */
  badSignature: 'bad-signature',
  /** The newer file has no usable consistency proof from the older one's size. */
  malformed: 'malformed',
  /** The newer checkpoint's tree is smaller: the log shrank. */
  truncated: 'truncated',
  /** The proof does not show the older tree as a prefix of the newer: the log was rewritten. */
  inconsistent: 'inconsistent',
} as const;
export type GrowthProblemKind = (typeof GrowthProblemKind)[keyof typeof GrowthProblemKind];

export interface GrowthProblem {
  readonly kind: GrowthProblemKind;
  /** Which file: `old` or `new`, when it is about one. */
  readonly file?: 'old' | 'new';
  readonly message: string;
}

export interface GrowthVerification {
  /** True when both checkpoints are signed and the newer tree extends the older. */
  readonly ok: boolean;
  readonly problems: readonly GrowthProblem[];
  readonly oldSize?: number;
  readonly newSize?: number;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The consistency proof a checkpoint file carries: `consistency: { fromSize, proof }`, or the
 * answer of `Stepstream.GetConsistencyProof` (`{ firstSize, secondSize, firstRootHash,
 * secondRootHash, proof }`) pasted as it is. Undefined, with the reason, when it is not usable.
 */
const consistencyOf = (
  file: Record<string, unknown>,
): { fromSize: number; proof: string[]; firstRootHash?: string; secondRootHash?: string; secondSize?: number } | string => {
  const c = file['consistency'];
  if (c === undefined) return 'it carries no consistency proof (a "consistency": { "fromSize", "proof" } member)';
  if (!isObject(c)) return '"consistency" is not an object';
  const fromSize = c['fromSize'] ?? c['firstSize'];
  const proof = c['proof'];
  if (!isTreeSize(fromSize)) return 'consistency.fromSize is not a tree size';
  if (!Array.isArray(proof) || !proof.every(isHexHash)) return 'consistency.proof is not a list of 64 lower-case hex digits';
  const optional = (name: string) => {
    const value = c[name];
    return value === undefined ? {} : { [name]: value };
  };
  return { fromSize, proof: proof as string[], ...optional('firstRootHash'), ...optional('secondRootHash'), ...optional('secondSize') };
};

/**
 * Checks that the log only grew between two checkpoint files: both signatures, then the newer
 * file's consistency proof from the older one's size (RFC 9162 §2.1.4.2). Equal sizes need equal
 * roots and no proof.
 *
 * @example
 * verifyCheckpointGrowth(JSON.parse(oldText), JSON.parse(newText), publicKeyPem).ok; // true when the log only grew
 */
export const verifyCheckpointGrowth = (older: unknown, newer: unknown, publicKeyPem: string): GrowthVerification => {
  const problems: GrowthProblem[] = [];
  const signedOld = verifyCheckpoint(signedPart(older), publicKeyPem);
  const signedNew = verifyCheckpoint(signedPart(newer), publicKeyPem);
  if (!signedOld.ok) problems.push({ kind: 'bad-signature', file: 'old', message: `${signedOld.problem}: ${signedOld.message}` });
  if (!signedNew.ok) problems.push({ kind: 'bad-signature', file: 'new', message: `${signedNew.problem}: ${signedNew.message}` });
  if (!signedOld.ok || !signedNew.ok) return { ok: false, problems };
  const a = signedOld.checkpoint;
  const b = signedNew.checkpoint;
  const sizes = { oldSize: a.treeSize, newSize: b.treeSize };
  const fail = (kind: GrowthProblemKind, message: string, file?: 'old' | 'new'): GrowthVerification => ({
    ok: false,
    problems: [{ kind, ...(file === undefined ? {} : { file }), message }],
    ...sizes,
  });
  if (b.treeSize < a.treeSize) {
    return fail('truncated', `the newer checkpoint signs ${String(b.treeSize)} events, the older ${String(a.treeSize)}: the log shrank`);
  }
  if (b.treeSize === a.treeSize) {
    return a.rootHash === b.rootHash
      ? { ok: true, problems: [], ...sizes }
      : fail('inconsistent', `both sign ${String(a.treeSize)} events but their roots differ: the log was rewritten`);
  }
  const consistency = consistencyOf(newer as Record<string, unknown>);
  if (typeof consistency === 'string') return fail('malformed', `the newer file: ${consistency}`, 'new');
  if (consistency.fromSize !== a.treeSize) {
    return fail(
      'malformed',
      `the newer file's proof starts at ${String(consistency.fromSize)} events, the older checkpoint signs ${String(a.treeSize)}`,
      'new',
    );
  }
  const mismatched =
    (consistency.firstRootHash !== undefined && consistency.firstRootHash !== a.rootHash) ||
    (consistency.secondRootHash !== undefined && consistency.secondRootHash !== b.rootHash) ||
    (consistency.secondSize !== undefined && consistency.secondSize !== b.treeSize);
  if (mismatched) return fail('malformed', "the newer file's proof names other roots or sizes than the two checkpoints", 'new');
  const proof = consistency.proof.map((hex) => fromHex(hex, HASH_BYTES));
  if (!verifyConsistency(a.treeSize, b.treeSize, fromHex(a.rootHash, HASH_BYTES), fromHex(b.rootHash, HASH_BYTES), proof)) {
    return fail(
      'inconsistent',
      `the proof does not show the tree of ${String(a.treeSize)} events as the start of the tree of ${String(b.treeSize)}: the log was rewritten`,
    );
  }
  return { ok: true, problems: [], ...sizes };
};
