/**
 * The Merkle tree against three independent sources:
 * - a deliberately naive implementation of RFC 6962 §2.1 written below on a leaf array (MTH,
 *   PATH, SUBPROOF by their recursive definitions, recomputing everything, storing nothing);
 * - the reference test data Certificate Transparency implementations share: the 8 leaves and the
 *   roots of sizes 0..8 and the complete subtree hashes from transparency-dev/merkle
 *   `testonly/constants.go`, and the inclusion and consistency proofs from its
 *   `proof/verify_test.go` (the same values as google/certificate-transparency's C++ tests);
 * - properties over random sizes up to a few thousand.
 */
import test from 'ava';
import fc from 'fast-check';
import type { TreeNode } from '../src/index.js';
import {
  consistencyNodes,
  consistencyProof,
  EMPTY_ROOT,
  fromHex,
  inclusionNodes,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  MissingNodeError,
  nodeHash,
  nodeKey,
  toHex,
  treeRoot,
  treeRootNodes,
  verifyConsistency,
  verifyInclusion,
} from '../src/index.js';
import { sha256 } from '../src/bytes.js';

// ---- The naive reference: RFC 6962 §2.1, line by line ---------------------------------------

const H = (...parts: Uint8Array[]): Uint8Array => sha256(...parts);
const largestPowerOfTwoBelow = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);

/** MTH(D[n]) over leaf *data*, straight from the definition. */
const MTH = (D: Uint8Array[]): Uint8Array => {
  const n = D.length;
  if (n === 0) return H();
  if (n === 1) return H(Uint8Array.of(0), D[0] as Uint8Array);
  const k = largestPowerOfTwoBelow(n);
  return H(Uint8Array.of(1), MTH(D.slice(0, k)), MTH(D.slice(k)));
};

/** PATH(m, D[n]). */
const PATH = (m: number, D: Uint8Array[]): Uint8Array[] => {
  const n = D.length;
  if (n === 1) return [];
  const k = largestPowerOfTwoBelow(n);
  return m < k ? [...PATH(m, D.slice(0, k)), MTH(D.slice(k))] : [...PATH(m - k, D.slice(k)), MTH(D.slice(0, k))];
};

/** SUBPROOF(m, D[n], b). */
const SUBPROOF = (m: number, D: Uint8Array[], b: boolean): Uint8Array[] => {
  const n = D.length;
  if (m === n) return b ? [] : [MTH(D)];
  const k = largestPowerOfTwoBelow(n);
  return m <= k ? [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k))] : [...SUBPROOF(m - k, D.slice(k), false), MTH(D.slice(0, k))];
};

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true), for 0 < m < n. */
const PROOF = (m: number, D: Uint8Array[]): Uint8Array[] => SUBPROOF(m, D, true);

const hex = (hashes: readonly Uint8Array[]): string[] => hashes.map(toHex);

// ---- A tree built through the frontier, with every completed node stored ---------------------

interface Built {
  readonly roots: Uint8Array[]; // roots[n] = frontier root after n leaves
  readonly nodes: Map<string, Uint8Array>;
  readonly completed: TreeNode[];
}

const build = (data: readonly Uint8Array[]): Built => {
  const frontier = new MerkleFrontier();
  const roots = [frontier.root()];
  const nodes = new Map<string, Uint8Array>();
  const completed: TreeNode[] = [];
  for (const d of data) {
    for (const node of frontier.append(leafHash(d))) {
      nodes.set(nodeKey(node.level, node.index), node.hash);
      completed.push(node);
    }
    roots.push(frontier.root());
  }
  return { roots, nodes, completed };
};

const lookupIn =
  (nodes: Map<string, Uint8Array>) =>
  (level: number, index: number): Uint8Array | undefined =>
    nodes.get(nodeKey(level, index));

const flip = (hash: Uint8Array, bit: number): Uint8Array => {
  const copy = Uint8Array.from(hash);
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
};

const DATA = Array.from({ length: 70 }, (_, i) => Uint8Array.of(i, (i * 37) & 0xff, 0x5a));
const BUILT = build(DATA);
const LOOKUP = lookupIn(BUILT.nodes);

// ---- Published vectors --------------------------------------------------------------------

const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => fromHex(h));
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** testonly/constants.go NodeHashes(): [level][index]. */
const CT_NODES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  ['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];
/** proof/verify_test.go inclusionProofs (its leaf numbers are 1-based; these indexes are 0-based). */
const CT_INCLUSION: { index: number; size: number; proof: string[] }[] = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
/** proof/verify_test.go consistencyProofs. */
const CT_CONSISTENCY: { m: number; n: number; proof: string[] }[] = [
  { m: 1, n: 1, proof: [] },
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    m: 6,
    n: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

test('CT reference data: the roots of sizes 0..8 and every complete subtree', (t) => {
  const built = build(CT_LEAVES);
  t.deepEqual(built.roots.map(toHex), CT_ROOTS);
  t.is(toHex(EMPTY_ROOT), CT_ROOTS[0] as string);
  for (const [level, row] of CT_NODES.entries()) {
    for (const [index, hash] of row.entries()) t.is(toHex(built.nodes.get(nodeKey(level, index)) as Uint8Array), hash);
  }
  t.is(built.nodes.size, 15);
});

test('CT reference data: inclusion and consistency proofs, built from nodes and verified', (t) => {
  const built = build(CT_LEAVES);
  const lookup = lookupIn(built.nodes);
  for (const { index, size, proof } of CT_INCLUSION) {
    t.deepEqual(hex(inclusionProof(index, size, lookup)), proof, `inclusion ${String(index)}/${String(size)}`);
    const ok = verifyInclusion(
      leafHash(CT_LEAVES[index] as Uint8Array),
      index,
      size,
      proof.map((h) => fromHex(h)),
      fromHex(CT_ROOTS[size] as string),
    );
    t.true(ok);
  }
  for (const { m, n, proof } of CT_CONSISTENCY) {
    t.deepEqual(hex(consistencyProof(m, n, lookup)), proof, `consistency ${String(m)}→${String(n)}`);
    t.true(
      verifyConsistency(
        m,
        n,
        fromHex(CT_ROOTS[m] as string),
        fromHex(CT_ROOTS[n] as string),
        proof.map((h) => fromHex(h)),
      ),
    );
  }
});

test('every size 1..70: frontier root = MTH, and the stored nodes are exactly the complete subtrees', (t) => {
  for (let n = 0; n <= DATA.length; n++) {
    const expected = toHex(MTH(DATA.slice(0, n)));
    t.is(toHex(BUILT.roots[n] as Uint8Array), expected, `frontier root ${String(n)}`);
    t.is(toHex(treeRoot(n, LOOKUP)), expected, `root from nodes ${String(n)}`);
  }
  // One node per complete perfect subtree of the 70 leaves (70 + 35 + 17 + 8 + 4 + 2 + 1), each its MTH.
  t.is(BUILT.completed.length, 137);
  t.is(BUILT.nodes.size, 137);
  for (const { level, index, hash } of BUILT.completed) {
    const width = 2 ** level;
    t.is(toHex(hash), toHex(MTH(DATA.slice(index * width, (index + 1) * width))));
  }
});

test('every size 1..70 and every index: inclusion proof from nodes = PATH, verifies, and only it', (t) => {
  let rejected = 0;
  for (let n = 1; n <= DATA.length; n++) {
    const root = BUILT.roots[n] as Uint8Array;
    for (let m = 0; m < n; m++) {
      const proof = inclusionProof(m, n, LOOKUP);
      t.is(hex(proof).join(), naivePath(m, n));
      t.is(inclusionNodes(m, n).length >= proof.length, true);
      const leaf = leafHash(DATA[m] as Uint8Array);
      t.true(verifyInclusion(leaf, m, n, proof, root));
      // Tampered: each element with one bit flipped, a wrong index, a wrong size, a wrong leaf,
      // a missing or an extra element, a wrong root.
      type Case = [Uint8Array, number, number, Uint8Array[], Uint8Array];
      const bad: Case[] = [
        ...proof.map((_, i): Case => [leaf, m, n, proof.map((p, j) => (j === i ? flip(p, (i * 53 + m) % 256) : p)), root]),
        [leaf, m + 1, n, proof, root],
        [leaf, m - 1, n, proof, root],
        // A wrong size (with that size's own root: a root alone does not fix the size, which is
        // why a checkpoint signs the two together).
        ...(n < DATA.length ? [[leaf, m, n + 1, proof, BUILT.roots[n + 1] as Uint8Array] as Case] : []),
        [leaf, m, n - 1, proof, BUILT.roots[n - 1] as Uint8Array],
        [flip(leaf, 0), m, n, proof, root],
        [leaf, m, n, proof.slice(1), root],
        [leaf, m, n, [...proof, root], root],
        [leaf, m, n, proof, flip(root, 255)],
      ];
      for (const [l, i, s, p, r] of bad) {
        // Skip a case that happens to be a genuine proof (it must verify, and does above).
        const honest = i >= 0 && i < s && s <= DATA.length && equalBytes(l, DATA[i]) && equalRoot(r, s) && equalHex(p, i, s);
        if (honest) continue;
        t.false(verifyInclusion(l, i, s, p, r), `index ${String(i)} size ${String(s)}`);
        rejected += 1;
      }
    }
  }
  t.true(rejected > 25_000);
});

// Whether a tampered case happens to be a genuine proof (then it must verify, and is skipped).
const paths = new Map<string, string>();
const naivePath = (index: number, size: number): string => {
  const key = `${String(index)}/${String(size)}`;
  let path = paths.get(key);
  if (path === undefined) paths.set(key, (path = hex(PATH(index, DATA.slice(0, size))).join()));
  return path;
};
const equalHex = (proof: Uint8Array[], index: number, size: number): boolean => hex(proof).join() === naivePath(index, size);
const equalBytes = (leaf: Uint8Array, data: Uint8Array | undefined): boolean => data !== undefined && toHex(leaf) === toHex(leafHash(data));
const equalRoot = (root: Uint8Array, size: number): boolean => toHex(root) === toHex(BUILT.roots[size] as Uint8Array);

test('every pair m ≤ n ≤ 70: consistency proof from nodes = PROOF, verifies, and only it', (t) => {
  let rejected = 0;
  for (let n = 1; n <= DATA.length; n++) {
    const D = DATA.slice(0, n);
    const rootN = BUILT.roots[n] as Uint8Array;
    for (let m = 0; m <= n; m++) {
      const rootM = BUILT.roots[m] as Uint8Array;
      const proof = consistencyProof(m, n, LOOKUP);
      t.deepEqual(hex(proof), m === 0 || m === n ? [] : hex(PROOF(m, D)));
      t.is(consistencyNodes(m, n).length >= proof.length, true);
      t.true(verifyConsistency(m, n, rootM, rootN, proof));
      type Case = [number, number, Uint8Array, Uint8Array, Uint8Array[]];
      const bad: Case[] = [
        ...proof.map((_, i): Case => [m, n, rootM, rootN, proof.map((p, j) => (j === i ? flip(p, (i * 31 + n) % 256) : p))]),
        [m, n, flip(rootM, 7), rootN, proof],
        [m, n, rootM, flip(rootN, 200), proof],
        // Wrong sizes, with their own roots.
        [m + 1, n, BUILT.roots[m + 1] ?? rootM, rootN, proof],
        [m - 1, n, BUILT.roots[m - 1] ?? rootM, rootN, proof],
        ...(n < DATA.length ? [[m, n + 1, rootM, BUILT.roots[n + 1] as Uint8Array, proof] as Case] : []),
        [m, n - 1, rootM, BUILT.roots[n - 1] as Uint8Array, proof],
        [m, n, rootM, rootN, proof.slice(0, -1)],
        [m, n, rootM, rootN, [...proof, rootN]],
        [m, n, rootM, rootN, [rootM, ...proof]],
      ];
      for (const [a, b, ra, rb, p] of bad) {
        // Skip a genuine proof; from the empty tree, any tree is consistent (rb is not checked).
        const genuine =
          a >= 0 &&
          b >= a &&
          b <= DATA.length &&
          equalRoot(ra, a) &&
          (a === 0 || equalRoot(rb, b)) &&
          hex(p).join() === hex(consistencyProof(a, b, LOOKUP)).join();
        if (genuine) continue;
        t.false(verifyConsistency(a, b, ra, rb, p), `${String(a)}→${String(b)}`);
        rejected += 1;
      }
    }
  }
  t.true(rejected > 20_000);
});

test('edge cases of the verifiers', (t) => {
  const leaf = leafHash(Uint8Array.of(1));
  // A tree of one leaf: the root is the leaf hash, the proof empty.
  t.true(verifyInclusion(leaf, 0, 1, [], leaf));
  t.false(verifyInclusion(leaf, 0, 0, [], leaf));
  t.false(verifyInclusion(leaf, 1, 1, [], leaf));
  t.false(verifyInclusion(leaf, -1, 1, [], leaf));
  t.false(verifyInclusion(leaf, 0.5, 1, [], leaf));
  t.false(verifyInclusion(leaf.subarray(1), 0, 1, [], leaf));
  // From the empty tree and to itself.
  t.true(verifyConsistency(0, 5, EMPTY_ROOT, leaf, []));
  t.false(verifyConsistency(0, 5, leaf, leaf, []));
  t.false(verifyConsistency(0, 5, EMPTY_ROOT, leaf, [leaf]));
  t.true(verifyConsistency(3, 3, leaf, leaf, []));
  t.false(verifyConsistency(3, 3, leaf, EMPTY_ROOT, []));
  t.false(verifyConsistency(3, 3, leaf, leaf, [leaf]));
  // Backwards, and an empty proof between different sizes.
  t.false(verifyConsistency(4, 3, leaf, leaf, []));
  t.false(verifyConsistency(1, 2, leaf, leaf, []));
});

test('proofs need their nodes: a missing one is a MissingNodeError naming it', (t) => {
  const error = t.throws(() => inclusionProof(5, 8, (level, index) => (level === 1 && index === 3 ? undefined : LOOKUP(level, index))), {
    instanceOf: MissingNodeError,
  });
  t.is(error?.level, 1);
  t.is(error?.index, 3);
  t.throws(() => inclusionProof(8, 8, LOOKUP), { instanceOf: RangeError });
  t.throws(() => consistencyProof(9, 8, LOOKUP), { instanceOf: RangeError });
  t.deepEqual(treeRootNodes(6), [
    { level: 2, index: 0 },
    { level: 1, index: 2 },
  ]);
  t.deepEqual(inclusionNodes(5, 7), [
    { level: 0, index: 4 },
    { level: 0, index: 6 },
    { level: 2, index: 0 },
  ]);
});

test('a frontier saved as JSON and restored goes on to the same roots', (t) => {
  const frontier = new MerkleFrontier();
  for (const d of DATA.slice(0, 45)) frontier.append(leafHash(d));
  const restored = MerkleFrontier.from(JSON.parse(JSON.stringify(frontier)) as { size: number; nodes: string[] });
  t.is(restored.size, 45);
  t.is(toHex(restored.root()), toHex(BUILT.roots[45] as Uint8Array));
  t.deepEqual(
    restored.subtrees().map(({ level, index }) => ({ level, index })),
    treeRootNodes(45),
  );
  for (const d of DATA.slice(45)) restored.append(leafHash(d));
  t.is(toHex(restored.root()), toHex(BUILT.roots[70] as Uint8Array));
  t.throws(() => MerkleFrontier.from({ size: 3, nodes: [toHex(EMPTY_ROOT)] }), { instanceOf: TypeError });
  t.throws(() => MerkleFrontier.from({ size: 1, nodes: [toHex(EMPTY_ROOT).toUpperCase()] }), { instanceOf: TypeError });
  t.throws(() => MerkleFrontier.from({ size: -1, nodes: [] }), { instanceOf: TypeError });
  t.throws(() => frontier.append(Uint8Array.of(1, 2, 3)), { instanceOf: TypeError });
});

test('append reports the nodes it completes, level 0 first', (t) => {
  const frontier = new MerkleFrontier();
  const leaves = DATA.slice(0, 4).map((d) => leafHash(d));
  const positions = leaves.map((leaf) => frontier.append(leaf).map(({ level, index }) => [level, index]));
  t.deepEqual(positions, [
    [[0, 0]],
    [
      [0, 1],
      [1, 0],
    ],
    [[0, 2]],
    [
      [0, 3],
      [1, 1],
      [2, 0],
    ],
  ]);
  t.is(
    toHex(frontier.root()),
    toHex(nodeHash(nodeHash(leaves[0] as Uint8Array, leaves[1] as Uint8Array), nodeHash(leaves[2] as Uint8Array, leaves[3] as Uint8Array))),
  );
});

// Random sizes up to a few thousand: one tree of 3,000 leaves answers every smaller size too.
const BIG = build(Array.from({ length: 3000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 7)));
const BIG_LOOKUP = lookupIn(BIG.nodes);
const BIG_DATA = Array.from({ length: 3000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8, 7));

test('property: for random sizes up to 3,000, roots and proofs match the naive tree and verify', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 3000 })
          .chain((n) => fc.record({ n: fc.constant(n), index: fc.integer({ min: 0, max: n - 1 }), m: fc.integer({ min: 0, max: n }) })),
        ({ n, index, m }) => {
          const D = BIG_DATA.slice(0, n);
          const root = BIG.roots[n] as Uint8Array;
          if (toHex(root) !== toHex(MTH(D)) || toHex(treeRoot(n, BIG_LOOKUP)) !== toHex(root)) return false;
          const path = inclusionProof(index, n, BIG_LOOKUP);
          if (hex(path).join() !== hex(PATH(index, D)).join()) return false;
          if (!verifyInclusion(leafHash(D[index] as Uint8Array), index, n, path, root)) return false;
          const consistency = consistencyProof(m, n, BIG_LOOKUP);
          const expected = m === 0 || m === n ? [] : PROOF(m, D);
          if (hex(consistency).join() !== hex(expected).join()) return false;
          return verifyConsistency(m, n, BIG.roots[m] as Uint8Array, root, consistency);
        },
      ),
      { numRuns: 60 },
    );
  });
});

test('property: a proof with one flipped bit never verifies', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3000 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            index: fc.integer({ min: 0, max: n - 1 }),
            m: fc.integer({ min: 1, max: n - 1 }),
            bit: fc.nat(),
          }),
        ),
        ({ n, index, m, bit }) => {
          const path = inclusionProof(index, n, BIG_LOOKUP);
          const at = bit % (path.length * 256);
          const badPath = path.map((p, i) => (i === Math.floor(at / 256) ? flip(p, at % 256) : p));
          const leaf = leafHash(BIG_DATA[index] as Uint8Array);
          if (verifyInclusion(leaf, index, n, badPath, BIG.roots[n] as Uint8Array)) return false;
          const consistency = consistencyProof(m, n, BIG_LOOKUP);
          const at2 = bit % (consistency.length * 256);
          const bad = consistency.map((p, i) => (i === Math.floor(at2 / 256) ? flip(p, at2 % 256) : p));
          return !verifyConsistency(m, n, BIG.roots[m] as Uint8Array, BIG.roots[n] as Uint8Array, bad);
        },
      ),
      { numRuns: 300 },
    );
  });
});
