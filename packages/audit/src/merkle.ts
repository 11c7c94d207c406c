/**
 * The RFC 6962 / RFC 9162 Merkle tree over every event in `$all` order, kept as a compact
 * frontier.
 *
 * RFC 9162 §2.1.1 (https://www.rfc-editor.org/rfc/rfc9162#section-2.1.1) defines the Merkle Tree
 * Hash of n leaves: the hash of an empty list is `HASH()`; of one entry `HASH(0x00 || d(0))`; for
 * n > 1, with k the largest power of two smaller than n,
 * `MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))`. HASH is SHA-256.
 *
 * A *perfect subtree* node `(level, index)` is the MTH of leaves `[index·2^level, (index+1)·2^level)`
 * (level 0: the leaf hashes). Once complete its hash never changes, so a projector can store every
 * one of them and answer any proof for any past tree size from that table (see `merkle-proof.ts`).
 *
 * @module
 */
import { fromHex, HASH_BYTES, sha256, toHex } from './bytes.js';

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** The root of the empty tree: SHA-256 of no bytes (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256();

/**
 * The hash of a leaf: SHA-256(0x00 || data).
 *
 * @example
 * leafHash(new Uint8Array()); // 6e340b9c… (the first RFC 6962 reference leaf)
 */
export const leafHash = (data: Uint8Array): Uint8Array => {
  if (data.byteLength !== HASH_BYTES) return sha256(LEAF_PREFIX, data);
  // An event's leaf data is 32 bytes: hashed from a buffer kept for it, with no joining copy.
  LEAF_INPUT.set(data, 1);
  return sha256(LEAF_INPUT);
};

/**
 * {@link leafHash} of the 32 bytes that `hex` spells, written straight into the hash input: for a
 * caller that has already checked that `hex` is 64 lower-case hex digits (verify, with an event's
 * `$hash` its chain check matched).
 *
 * @example
 * equalBytes(leafHashOfHex(hex), leafHash(fromHex(hex))); // true
 */
export const leafHashOfHex = (hex: string): Uint8Array => {
  LEAF_INPUT.write(hex, 1, 'hex');
  return sha256(LEAF_INPUT);
};

/** The input of a 32-byte leaf's hash and of a node's, filled in place (hashing is synchronous). */
const LEAF_INPUT = Buffer.alloc(1 + HASH_BYTES);
const NODE_INPUT = Uint8Array.of(0x01, ...new Uint8Array(2 * HASH_BYTES));

/**
 * The hash of an interior node: SHA-256(0x01 || left || right).
 *
 * @example
 * nodeHash(leafHash(a), leafHash(b)); // the root of the two-leaf tree [a, b]
 */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Uint8Array => {
  if (left.byteLength !== HASH_BYTES || right.byteLength !== HASH_BYTES) return sha256(NODE_PREFIX, left, right);
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_BYTES);
  return sha256(NODE_INPUT);
};

/** A perfect subtree node: leaves `[index·2^level, (index+1)·2^level)`. */
export interface NodeRef {
  readonly level: number;
  readonly index: number;
}

/** A perfect subtree node and its hash. */
export interface TreeNode extends NodeRef {
  readonly hash: Uint8Array;
}

/** A {@link MerkleFrontier} as JSON: its size and its subtree roots (hex), largest first. */
export interface MerkleFrontierJSON {
  readonly size: number;
  readonly nodes: readonly string[];
}

/** Whether `n` is an integer in [0, 2^53). */
export const isTreeSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** The number of one bits of a tree size: the number of subtrees in its frontier. */
const popcount = (n: number): number => {
  let count = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
};

/** The level of each frontier subtree of a tree of `size` leaves, largest first. */
const frontierLevels = (size: number): number[] => {
  const levels: number[] = [];
  for (let level = 0, rest = size; rest > 0; level++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) levels.unshift(level);
  }
  return levels;
};

const assertHash = (hash: Uint8Array, what: string): void => {
  if (!(hash instanceof Uint8Array) || hash.byteLength !== HASH_BYTES) {
    throw new TypeError(`${what} must be ${String(HASH_BYTES)} bytes`);
  }
};

/**
 * The right edge of a Merkle tree: the roots of the perfect subtrees that make up its leaves (one
 * per one bit of the size, largest first). Appending is O(1) amortized hashes; the root costs one
 * hash per subtree.
 *
 * @example
 * const frontier = new MerkleFrontier();
 * for (const event of events) {
 *   const completed = frontier.append(eventLeafHash(event.metadata.$hash));
 *   // store completed: (level, index) → hash, level 0 first
 * }
 * frontier.root(); // the tree head to sign
 * const saved = JSON.stringify(frontier); // { size, nodes }; MerkleFrontier.from(JSON.parse(saved)) resumes
 */
export class MerkleFrontier {
  #size: number;
  readonly #hashes: Uint8Array[];

  /** An empty tree. */
  constructor() {
    this.#size = 0;
    this.#hashes = [];
  }

  /**
   * Restores a frontier saved with `toJSON`; throws a `TypeError` if it is not one (wrong number
   * of nodes for the size, a node not 64 hex digits).
   *
   * @example
   * MerkleFrontier.from({ size: 3, nodes: [h01, h2] }).root();
   */
  static from(json: MerkleFrontierJSON): MerkleFrontier {
    if (typeof json !== 'object' || json === null || !isTreeSize(json.size) || !Array.isArray(json.nodes)) {
      throw new TypeError('not a Merkle frontier: expected { size, nodes }');
    }
    if (json.nodes.length !== popcount(json.size)) {
      throw new TypeError(`a tree of ${String(json.size)} leaves has ${String(popcount(json.size))} frontier nodes`);
    }
    const frontier = new MerkleFrontier();
    frontier.#size = json.size;
    for (const node of json.nodes) frontier.#hashes.push(fromHex(node, HASH_BYTES));
    return frontier;
  }

  /** The number of leaves appended so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Appends one leaf hash (see `leafHash`, `eventLeafHash`) and returns the perfect subtree nodes
   * it completed: the leaf itself at level 0, then each node above it that became full, in
   * increasing level. Storing all of them gives a table any proof can be built from.
   *
   * @example
   * new MerkleFrontier().append(h0); // [{ level: 0, index: 0, hash: h0 }]
   * // on a tree of 3 leaves, append(h3) → (0,3), (1,1), (2,0)
   */
  append(leaf: Uint8Array): TreeNode[] {
    const leafIndex = this.#size;
    const completed: TreeNode[] = [];
    this.#add(leaf, (level, hash) => completed.push({ level, index: Math.floor(leafIndex / 2 ** level), hash }));
    return completed;
  }

  /**
   * Appends one leaf hash, as `append`, without listing the nodes it completed: for a verifier
   * that only needs roots.
   *
   * @example
   * for (const event of events) frontier.appendLeaf(eventLeafHash(event.metadata.$hash));
   */
  appendLeaf(leaf: Uint8Array): void {
    this.#add(leaf, undefined);
  }

  #add(leaf: Uint8Array, completed: ((level: number, hash: Uint8Array) => void) | undefined): void {
    assertHash(leaf, 'a leaf hash');
    const leafIndex = this.#size;
    if (leafIndex + 1 > Number.MAX_SAFE_INTEGER) throw new RangeError('the tree is full');
    completed?.(0, leaf);
    let hash = leaf;
    let level = 0;
    // Each trailing one bit of the old size is a subtree of the new leaf's height: merge it.
    for (let rest = leafIndex; rest % 2 === 1; rest = (rest - 1) / 2) {
      const left = this.#hashes.pop() as Uint8Array;
      hash = nodeHash(left, hash);
      level += 1;
      completed?.(level, hash);
    }
    this.#hashes.push(hash);
    this.#size = leafIndex + 1;
  }

  /**
   * The Merkle Tree Hash of all leaves so far (`EMPTY_ROOT` for none).
   *
   * @example
   * frontier.root(); // Uint8Array(32)
   */
  root(): Uint8Array {
    const hashes = this.#hashes;
    if (hashes.length === 0) return EMPTY_ROOT;
    // MTH splits at the largest power of two below n, which is the first (largest) subtree; the
    // rest recursively: so fold from the right.
    let root = hashes[hashes.length - 1] as Uint8Array;
    for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i] as Uint8Array, root);
    return root;
  }

  /**
   * The frontier's subtrees with their positions, largest (leftmost) first.
   *
   * @example
   * frontierOf3.subtrees(); // [{ level: 1, index: 0, hash }, { level: 0, index: 2, hash }]
   */
  subtrees(): TreeNode[] {
    const levels = frontierLevels(this.#size);
    let start = 0;
    return levels.map((level, i) => {
      const node = { level, index: start / 2 ** level, hash: this.#hashes[i] as Uint8Array };
      start += 2 ** level;
      return node;
    });
  }

  /**
   * The frontier as JSON, for a projector's checkpoint.
   *
   * @example
   * JSON.stringify(frontier); // '{"size":3,"nodes":["…","…"]}'
   */
  toJSON(): MerkleFrontierJSON {
    return { size: this.#size, nodes: this.#hashes.map(toHex) };
  }
}
