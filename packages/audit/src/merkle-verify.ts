/**
 * Checking RFC 9162 proofs with nothing but the hashes: what an auditor runs offline.
 *
 * Both verifiers follow the RFC's numbered steps (§2.1.3.2 and §2.1.4.2,
 * https://www.rfc-editor.org/rfc/rfc9162#section-2.1.3.2); the comments quote them. Sizes and
 * indexes are numbers below 2^53, so a right shift is a halving (`>>` would cut them to 32 bits).
 * Anything malformed (a hash that is not 32 bytes, a negative or fractional size) is `false`,
 * never an exception: the input comes from a file someone handed over.
 *
 * @module
 */
import { equalBytes, HASH_BYTES } from './bytes.js';
import { EMPTY_ROOT, isTreeSize, nodeHash } from './merkle.js';

const isHash = (value: unknown): value is Uint8Array => value instanceof Uint8Array && value.byteLength === HASH_BYTES;

const isOdd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/** Exact for every safe integer (`Math.log2` rounds 2^52 + 1 to 52). */
const isPowerOfTwo = (n: number): boolean => {
  let rest = n;
  while (rest > 1 && !isOdd(rest)) rest = half(rest);
  return rest === 1;
};

/**
 * Whether `proof` proves that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2).
 *
 * @example
 * verifyInclusion(eventLeafHash(head.hash), head.leafIndex, checkpoint.treeSize, proof, fromHex(checkpoint.rootHash)); // true
 */
export const verifyInclusion = (leaf: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean => {
  if (!isHash(leaf) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  // 1. "If leaf_index is greater than or equal to tree_size, then fail the proof verification."
  if (!isTreeSize(index) || !isTreeSize(size) || index >= size) return false;
  // 2. "Set fn to leaf_index and sn to tree_size - 1."
  let fn = index;
  let sn = size - 1;
  // 3. "Set r to hash."
  let r = leaf;
  // 4. "For each value p in the inclusion_path array:"
  for (const p of proof) {
    // a. "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn === 0) return false;
    // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
    if (isOdd(fn) || fn === sn) {
      // i. "Set r to HASH(0x01 || p || r)."
      r = nodeHash(p, r);
      // ii. "If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn)
      //     is set or fn is 0."
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // "Otherwise: Set r to HASH(0x01 || r || p)."
      r = nodeHash(r, p);
    }
    // c. "Finally, right-shift both fn and sn one time."
    fn = half(fn);
    sn = half(sn);
  }
  // 5. "Compare sn to 0. Compare r against the root_hash. If sn is equal to 0 and r and the
  //    root_hash are equal, then the log has proven the inclusion of hash."
  return sn === 0 && equalBytes(r, root);
};

/**
 * Whether `proof` proves that the tree of `m` leaves with root `rootM` is a prefix of the tree of
 * `n` leaves with root `rootN`: the log only grew (RFC 9162 §2.1.4.2). The RFC covers 0 < m < n;
 * for `m === n` the proof must be empty and the roots equal, for `m === 0` the proof must be empty
 * and `rootM` the empty tree's.
 *
 * @example
 * verifyConsistency(old.treeSize, now.treeSize, fromHex(old.rootHash), fromHex(now.rootHash), proof); // true
 */
export const verifyConsistency = (m: number, n: number, rootM: Uint8Array, rootN: Uint8Array, proof: readonly Uint8Array[]): boolean => {
  if (!isHash(rootM) || !isHash(rootN) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!isTreeSize(m) || !isTreeSize(n) || m > n) return false;
  if (m === 0) return proof.length === 0 && equalBytes(rootM, EMPTY_ROOT);
  if (m === n) return proof.length === 0 && equalBytes(rootM, rootN);
  // 1. "If consistency_path is an empty array, stop and fail the proof verification."
  if (proof.length === 0) return false;
  // 2. "If first is an exact power of 2, then prepend first_hash to the consistency_path array."
  const path = isPowerOfTwo(m) ? [rootM, ...proof] : proof;
  // 3. "Set fn to first - 1 and sn to second - 1."
  let fn = m - 1;
  let sn = n - 1;
  // 4. "If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is not set."
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // 5. "Set both fr and sr to the first value in the consistency_path array."
  let fr = path[0] as Uint8Array;
  let sr = fr;
  // 6. "For each subsequent value c in the consistency_path array:"
  for (const c of path.slice(1)) {
    // a. "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn === 0) return false;
    // b. "If LSB(fn) is set, or if fn is equal to sn, then:"
    if (isOdd(fn) || fn === sn) {
      // i. "Set fr to HASH(0x01 || c || fr)."  ii. "Set sr to HASH(0x01 || c || sr)."
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // iii. "If LSB(fn) is not set, then right-shift both fn and sn equally until either LSB(fn)
      //      is set or fn is 0."
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      // "Otherwise: Set sr to HASH(0x01 || sr || c)."
      sr = nodeHash(sr, c);
    }
    // c. "Finally, right-shift both fn and sn one time."
    fn = half(fn);
    sn = half(sn);
  }
  // 7. "verify that the fr calculated is equal to the first_hash supplied, that the sr calculated
  //    is equal to the second_hash supplied, and that sn is 0."
  return sn === 0 && equalBytes(fr, rootM) && equalBytes(sr, rootN);
};
