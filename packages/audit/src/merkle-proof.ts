/**
 * RFC 9162 inclusion and consistency proofs built from stored perfect-subtree nodes.
 *
 * Every element of an RFC 9162 proof is the Merkle Tree Hash of a subtree of the tree, and every
 * such subtree is either perfect — one stored node `(level, index)` — or runs to the right edge of
 * the tree, where it is the MTH of the perfect subtrees it decomposes into (the same fold as a
 * frontier's root). So a proof is a list of node positions, known before any hash is read:
 * `inclusionNodes`/`consistencyNodes` give them (fetch them in one query), and
 * `inclusionProof`/`consistencyProof` compose the proof from a lookup over what was fetched.
 *
 * Because a complete node never changes, one table answers proofs for every past tree size.
 *
 * @module
 */
import type { NodeRef } from './merkle.js';
import { EMPTY_ROOT, isTreeSize, nodeHash } from './merkle.js';

/** Finds a stored perfect-subtree node's hash, or `undefined` if it is not stored. */
export type NodeLookup = (level: number, index: number) => Uint8Array | undefined;

/** A proof needed a node the lookup did not have. */
export class MissingNodeError extends Error {
  override readonly name = 'MissingNodeError';
  constructor(
    readonly level: number,
    readonly index: number,
  ) {
    super(`no stored Merkle node at level ${String(level)}, index ${String(index)}`);
  }
}

/**
 * A map key for a node, for callers that keep fetched nodes in a `Map`.
 *
 * @example
 * const nodes = new Map(rows.map((r) => [nodeKey(r.level, r.index), r.hash]));
 * inclusionProof(5, 8, (level, index) => nodes.get(nodeKey(level, index)));
 */
export const nodeKey = (level: number, index: number): string => `${String(level)}/${String(index)}`;

/** The largest power of two smaller than `n` (n ≥ 2): RFC 9162's split point k. */
const split = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/**
 * The perfect subtrees that make up leaves `[start, end)`, left to right. Only called on subtrees
 * of the RFC's recursion, where `start` is a multiple of a power of two ≥ `end - start`: the
 * pieces are then the one bits of the size, largest first, and fold like a frontier.
 */
const rangeNodes = (start: number, end: number): NodeRef[] => {
  const nodes: NodeRef[] = [];
  for (let at = start; at < end;) {
    let width = 1;
    let level = 0;
    while (at % (width * 2) === 0 && at + width * 2 <= end) {
      width *= 2;
      level += 1;
    }
    nodes.push({ level, index: at / width });
    at += width;
  }
  return nodes;
};

/** A leaf range `[start, end)` whose MTH is one element of a proof. */
type Range = readonly [start: number, end: number];

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]), as the ranges whose MTHs it lists, leaf-side first. */
const pathRanges = (m: number, lo: number, hi: number, out: Range[]): Range[] => {
  const n = hi - lo;
  if (n === 1) return out;
  const k = split(n);
  // m < k: PATH(m, D[0:k]) : MTH(D[k:n]); otherwise PATH(m - k, D[k:n]) : MTH(D[0:k]).
  if (m - lo < k) {
    pathRanges(m, lo, lo + k, out).push([lo + k, hi]);
  } else {
    pathRanges(m, lo + k, hi, out).push([lo, lo + k]);
  }
  return out;
};

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b), as ranges; `m` counts leaves from `lo`. */
const subproofRanges = (m: number, lo: number, hi: number, b: boolean, out: Range[]): Range[] => {
  const n = hi - lo;
  if (m === n) {
    // SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}.
    if (!b) out.push([lo, hi]);
    return out;
  }
  const k = split(n);
  // m <= k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); m > k: SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]).
  if (m <= k) {
    subproofRanges(m, lo, lo + k, b, out).push([lo + k, hi]);
  } else {
    subproofRanges(m - k, lo + k, hi, false, out).push([lo, lo + k]);
  }
  return out;
};

const inclusionRanges = (index: number, size: number): Range[] => {
  if (!isTreeSize(size) || !isTreeSize(index) || index >= size) {
    throw new RangeError(`no leaf ${String(index)} in a tree of ${String(size)}`);
  }
  return pathRanges(index, 0, size, []);
};

const consistencyRanges = (m: number, n: number): Range[] => {
  if (!isTreeSize(m) || !isTreeSize(n) || m > n) {
    throw new RangeError(`no consistency proof from a tree of ${String(m)} to one of ${String(n)}`);
  }
  // RFC 9162 defines the proof for 0 < m < n; from the empty tree or to itself there is nothing to prove.
  return m === 0 || m === n ? [] : subproofRanges(m, 0, n, true, []);
};

const flatten = (ranges: readonly Range[]): NodeRef[] => ranges.flatMap(([start, end]) => rangeNodes(start, end));

const compose = (ranges: readonly Range[], lookup: NodeLookup): Uint8Array[] =>
  ranges.map(([start, end]) => {
    const hashes = rangeNodes(start, end).map(({ level, index }) => {
      const hash = lookup(level, index);
      if (hash === undefined) throw new MissingNodeError(level, index);
      return hash;
    });
    let hash = hashes[hashes.length - 1] as Uint8Array;
    for (let i = hashes.length - 2; i >= 0; i--) hash = nodeHash(hashes[i] as Uint8Array, hash);
    return hash;
  });

/**
 * The stored nodes an inclusion proof of leaf `index` in a tree of `size` leaves needs.
 *
 * @example
 * inclusionNodes(5, 8); // [{ level: 0, index: 4 }, { level: 1, index: 3 }, { level: 2, index: 0 }]
 * inclusionNodes(5, 7); // [{ level: 0, index: 4 }, { level: 0, index: 6 }, { level: 2, index: 0 }]
 */
export const inclusionNodes = (index: number, size: number): NodeRef[] => flatten(inclusionRanges(index, size));

/**
 * The stored nodes a consistency proof from a tree of `m` leaves to one of `n` needs.
 *
 * @example
 * consistencyNodes(6, 8); // [{ level: 1, index: 2 }, { level: 1, index: 3 }, { level: 2, index: 0 }]
 */
export const consistencyNodes = (m: number, n: number): NodeRef[] => flatten(consistencyRanges(m, n));

/**
 * The stored nodes the root of a tree of `size` leaves folds from (its frontier at that size).
 *
 * @example
 * treeRootNodes(6); // [{ level: 2, index: 0 }, { level: 1, index: 2 }]
 */
export const treeRootNodes = (size: number): NodeRef[] => {
  if (!isTreeSize(size)) throw new RangeError(`not a tree size: ${String(size)}`);
  return rangeNodes(0, size);
};

/**
 * The RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf `index` in the tree of `size`
 * leaves, from stored nodes. Throws a {@link MissingNodeError} if the lookup lacks one.
 *
 * @example
 * const refs = inclusionNodes(index, size); // fetch these
 * const proof = inclusionProof(index, size, (level, i) => fetched.get(nodeKey(level, i)));
 * verifyInclusion(leaf, index, size, proof, root); // true
 */
export const inclusionProof = (index: number, size: number, lookup: NodeLookup): Uint8Array[] => compose(inclusionRanges(index, size), lookup);

/**
 * The RFC 9162 §2.1.4.1 consistency proof from the tree of `m` leaves to the tree of `n`, from
 * stored nodes; empty when `m` is 0 or `m === n`. Throws a {@link MissingNodeError} if the
 * lookup lacks a node.
 *
 * @example
 * const proof = consistencyProof(old.treeSize, current.treeSize, lookup);
 * verifyConsistency(old.treeSize, current.treeSize, oldRoot, currentRoot, proof); // true
 */
export const consistencyProof = (m: number, n: number, lookup: NodeLookup): Uint8Array[] => compose(consistencyRanges(m, n), lookup);

/**
 * The root of the tree of `size` leaves, from stored nodes: any past tree head can be recomputed.
 *
 * @example
 * toHex(treeRoot(checkpoint.treeSize, lookup)) === checkpoint.rootHash;
 */
export const treeRoot = (size: number, lookup: NodeLookup): Uint8Array => {
  if (!isTreeSize(size)) throw new RangeError(`not a tree size: ${String(size)}`);
  return size === 0 ? EMPTY_ROOT : (compose([[0, size]], lookup)[0] as Uint8Array);
};
