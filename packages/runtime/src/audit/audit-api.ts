import {
  consistencyNodes,
  consistencyProof,
  fromHex,
  HASH_BYTES,
  HASH_FIELD,
  inclusionNodes,
  inclusionProof,
  isHexHash,
  leafHash,
  makeProofBundle,
  toHex,
  treeRoot,
  treeRootNodes,
  verifyInclusion,
  type ProofBundle,
  type SignedCheckpoint,
} from '@stepstream/audit';
import { executionDoesNotExist, executionHistory, validationException, type ApiError } from '@stepstream/domain';
import { leafDataOf, type EventStore } from '@stepstream/eventstore';
import type { Projector } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import { locateExecution } from '../locate.js';
import type { AuditTables } from './audit-queries.js';
import type { Checkpointer } from './checkpointer.js';

/** A consistency proof between two sizes of the audit tree, with the roots of both (hex). */
export interface ConsistencyProofAnswer {
  readonly firstSize: number;
  readonly secondSize: number;
  readonly firstRootHash: string;
  readonly secondRootHash: string;
  /** RFC 9162 §2.1.4.1 proof that the tree of `firstSize` is a prefix of the tree of `secondSize` (hex). */
  readonly proof: readonly string[];
}

/**
 * The audit port (`engine.audit`): the tree's signed checkpoints, proof bundles of executions and
 * consistency proofs, for the `Stepstream.*` operations and the CLI.
 */
export interface AuditApi {
  /** The newest signed checkpoint (the largest tree): recorded in the tree's tables or signed by this process; undefined before the first. */
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  /** The public key (SPKI PEM) that checks this engine's checkpoints; undefined when it has no audit key. */
  publicKeyPem(): string | undefined;
  /**
   * Brings the tree up to `$all`'s head and signs a checkpoint of it (the newest checkpoint when it
   * already has that size); undefined when this engine has no audit key.
   */
  checkpointNow(): Promise<SignedCheckpoint | undefined>;
  /**
   * An execution's proof bundle: its stream from revision 0 with each event's metadata (hashes),
   * its history exactly as GetExecutionHistory returns it (every page, `executionHistory`), the
   * head event's leaf and its inclusion proof in the newest checkpoint that covers it — one is
   * signed now if none does yet. `verifyBundle(bundle, publicKeyPem)` checks it offline.
   *
   * Errors: InvalidArn, ExecutionDoesNotExist; ResourceNotFound when no checkpoint covers the
   * history and this engine has no key to sign one, or when its last event carries no hash
   * (written before the chain existed).
   */
  proofBundle(executionArn: string): Promise<E.Either<ApiError, ProofBundle>>;
  /**
   * The proof that the tree of `firstSize` leaves is a prefix of the tree of `secondSize` (the log
   * only grew), with both roots. ValidationException unless 0 ≤ firstSize ≤ secondSize ≤ the tree's size.
   */
  consistencyProof(firstSize: number, secondSize: number): Promise<E.Either<ApiError, ConsistencyProofAnswer>>;
}

export interface AuditApiDeps {
  readonly store: EventStore;
  readonly tables: AuditTables;
  readonly projector: Projector;
  /** Undefined without an audit key. */
  readonly checkpointer: Checkpointer | undefined;
  readonly publicKeyPem: string | undefined;
}

const hex = (proof: readonly Uint8Array[]) => proof.map(toHex);

/** An execution whose history exists but cannot be proven now (ResourceNotFound: the proof is the missing resource). */
const noProof = (executionArn: string, message: string): ApiError<'ResourceNotFound'> => ({ _tag: 'ResourceNotFound', message, resourceName: executionArn });

/** The audit port over the tree's tables, its projector and (with a key) the checkpointer. */
export const auditApi = (deps: AuditApiDeps): AuditApi => {
  const { store, tables, projector, checkpointer } = deps;

  const latestCheckpoint = async () => {
    const recorded = await tables.newestCheckpoint();
    const signed = checkpointer?.newestSigned();
    return signed && (!recorded || signed.treeSize > recorded.treeSize) ? signed : recorded;
  };

  const checkpointNow = async () => {
    if (!checkpointer) return undefined;
    await projector.catchUp();
    return checkpointer.signNow();
  };

  /** The leaf of a stream's event, catching the tree up once if it is not there yet. */
  const leafOf = async (stream: string, revision: bigint) => {
    const found = await tables.leafOf(stream, revision);
    if (found !== undefined) return found;
    await projector.catchUp();
    const caught = await tables.leafOf(stream, revision);
    if (caught === undefined) throw new Error(`the audit tree has no leaf for ${stream}@${revision} after catching up`);
    return caught;
  };

  /** The newest checkpoint whose tree holds `leaf`: ours when we sign (it must check with our key), signed now if there is none. */
  const checkpointCovering = async (leaf: number): Promise<SignedCheckpoint | undefined> => {
    const keyId = checkpointer?.keyId;
    const recorded = await tables.newestCheckpoint({ covering: leaf, ...(keyId ? { keyId } : {}) });
    const signed = checkpointer?.newestSigned();
    const newest = signed && signed.keyId === keyId && signed.treeSize > leaf && (!recorded || signed.treeSize > recorded.treeSize) ? signed : recorded;
    if (newest) return newest;
    return checkpointNow();
  };

  const proofBundle = async (executionArn: string): Promise<E.Either<ApiError, ProofBundle>> => {
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    const streamName = located.right.stream;
    const events = await store.readStream(streamName);
    const head = events.at(-1);
    if (!head) return E.left(executionDoesNotExist(executionArn));
    if (!isHexHash(head.metadata[HASH_FIELD])) {
      return E.left(noProof(executionArn, `The last event of '${executionArn}' has no hash (written before hash chains): it cannot be proven`));
    }
    const leafIndex = await leafOf(streamName, head.revision);
    const checkpoint = await checkpointCovering(leafIndex);
    if (!checkpoint) {
      return E.left(noProof(executionArn, `No signed checkpoint covers the history of '${executionArn}' yet, and this server has no audit key to sign one`));
    }
    const lookup = await tables.nodes(inclusionNodes(leafIndex, checkpoint.treeSize));
    const proof = inclusionProof(leafIndex, checkpoint.treeSize, lookup);
    // The tree and the checkpoint must agree: a proof that does not check is a defect, never an answer.
    if (!verifyInclusion(leafHash(leafDataOf(head)), leafIndex, checkpoint.treeSize, proof, fromHex(checkpoint.rootHash, HASH_BYTES))) {
      throw new Error(`the audit tree's nodes do not lead to the root of checkpoint ${checkpoint.treeSize} from leaf ${leafIndex}`);
    }
    return E.right(makeProofBundle({ executionArn, streamName, events, history: executionHistory(events), leafIndex, inclusionProof: proof, checkpoint }));
  };

  const consistency = async (firstSize: number, secondSize: number): Promise<E.Either<ApiError, ConsistencyProofAnswer>> => {
    const size = (await tables.frontier()).size;
    if (!Number.isSafeInteger(firstSize) || !Number.isSafeInteger(secondSize) || firstSize < 0 || firstSize > secondSize || secondSize > size) {
      return E.left(
        validationException(
          `firstSize and secondSize must satisfy 0 <= firstSize <= secondSize <= ${size} (the audit tree's size); got ${firstSize} and ${secondSize}`,
        ),
      );
    }
    const refs = [...consistencyNodes(firstSize, secondSize), ...treeRootNodes(firstSize), ...treeRootNodes(secondSize)];
    const lookup = await tables.nodes(refs);
    return E.right({
      firstSize,
      secondSize,
      firstRootHash: toHex(treeRoot(firstSize, lookup)),
      secondRootHash: toHex(treeRoot(secondSize, lookup)),
      proof: hex(consistencyProof(firstSize, secondSize, lookup)),
    });
  };

  return {
    latestCheckpoint,
    publicKeyPem: () => deps.publicKeyPem,
    checkpointNow,
    proofBundle,
    consistencyProof: consistency,
  };
};
