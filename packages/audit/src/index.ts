/**
 * `@stepstream/audit`: the pure core of audit-grade history — canonical JSON, per-stream hash
 * chains, the RFC 6962 / 9162 Merkle tree with proofs, Ed25519 signed checkpoints and offline
 * proof bundles. Computation over `node:crypto` only: no store, no network, no clock.
 *
 * @module
 */
export { equalBytes, fromHex, HASH_BYTES, isHexHash, sha256Hex, toHex } from './bytes.js';
export { CanonicalJsonError, canonicalJson } from './canonical.js';
export {
  chainEvent,
  chainFieldsOfJson,
  chainMetadata,
  splitChainFields,
  eventHash,
  eventHashOfJson,
  eventLeafHash,
  GENESIS,
  HASH_FIELD,
  HASH_FIELDS,
  PREVIOUS_HASH_FIELD,
  withoutHashFields,
} from './chain.js';
export type { ChainedEvent, ChainFields, EventHashInput, Metadata } from './chain.js';
export { ChainChecker, ChainFindingKind, checkChain } from './chain-check.js';
export type { ChainCheckOptions, ChainEvent, ChainFinding } from './chain-check.js';
export { EMPTY_ROOT, isTreeSize, leafHash, leafHashOfHex, MerkleFrontier, nodeHash } from './merkle.js';
export type { MerkleFrontierJSON, NodeRef, TreeNode } from './merkle.js';
export { consistencyNodes, consistencyProof, inclusionNodes, inclusionProof, MissingNodeError, nodeKey, treeRoot, treeRootNodes } from './merkle-proof.js';
export type { NodeLookup } from './merkle-proof.js';
export { verifyConsistency, verifyInclusion } from './merkle-verify.js';
export { CHECKPOINT_DOMAIN, checkpointMessage, CheckpointProblem, generateSigningKey, keyIdOf, signCheckpoint, verifyCheckpoint } from './checkpoint.js';
export type { CheckpointBody, CheckpointVerification, SignedCheckpoint, SigningKey } from './checkpoint.js';
export { BundleProblemKind, makeProofBundle, PROOF_BUNDLE_FORMAT, verifyBundle } from './bundle.js';
export type { BundleHead, BundleProblem, BundleSourceEvent, BundleVerification, ProofBundle, StoredEvent, ToHistory, VerifyBundleOptions } from './bundle.js';
