/**
 * Which events a failed checkpoint misses. A signed root says only that *something* among its
 * leaves changed; the audit tree's tables (the `audit` schema the engine keeps) hold every leaf
 * with the event it came from. Once those leaves are shown to hash to the signed root, they are
 * the signed log itself — whatever an operator did to the tables — and comparing them with the
 * leaves recomputed from the store names each event that is gone (`missing`, or `truncated` at the
 * tail) and each event that was put in among them (`inserted`).
 *
 * @module
 */
import { equalBytes, fromHex, HASH_BYTES, leafHash, MerkleFrontier, toHex, type SignedCheckpoint } from '@stepstream/audit';
import { comparePositions, type EventStore, type Position } from '@stepstream/eventstore';
import { leafDataAt, type LeafData } from './all-pass.js';
import { allPages } from './pages.js';
import { streamProblem, type Problem } from './problems.js';

/** A leaf of the tree as the audit tables hold it: the event it came from, and its data. */
export interface SignedLeaf {
  readonly leafIndex: number;
  readonly streamName: string;
  readonly revision: bigint;
  readonly eventId: string;
  readonly position: Position;
  /** `leafDataOf` the event, as it was when the tree took it. */
  readonly leafData: Uint8Array;
}

/** Reads leaves `[from, to)` of the audit tables, in order (fewer when the tables end sooner). */
export type SignedLeaves = (from: number, to: number) => Promise<readonly SignedLeaf[]>;

const PAGE = 10_000;

/** A key for a leaf's data in a map. */
const key = (data: Uint8Array) => toHex(data);

/** How many times each value occurs. */
const tally = (counts: Map<string, number>, k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);

const sameEvent = (p: Problem, stream: string, revision: bigint) =>
  p.failure && p.stream === stream && p.revision !== undefined && p.revision <= revision && revision <= (p.untilRevision ?? p.revision);

/**
 * Compares the signed leaves of `checkpoint` (from the audit tables, checked against its root)
 * with the leaves recomputed from the store, and returns `problems` with the events it names:
 * a signed event that is gone is `truncated` when every signed event after it is gone too (the
 * tail), else `missing` — or, when the chain already reported that revision, that finding gets
 * the event's id and leaf; an event of the store that the checkpoint did not sign, though it
 * comes before the checkpoint's last event, is `inserted` unless the chain already reported it.
 * Returns a note instead when the tables do not hash to the signed root.
 */
export const locateDifferences = async (input: {
  readonly store: EventStore;
  readonly head: Position;
  readonly checkpoint: Pick<SignedCheckpoint, 'treeSize' | 'rootHash'>;
  readonly signedLeaves: SignedLeaves;
  readonly mine: LeafData;
  readonly problems: readonly Problem[];
  readonly pageSize: number;
}): Promise<{ readonly problems: Problem[]; readonly note?: Problem }> => {
  const { checkpoint, mine } = input;
  const n = checkpoint.treeSize;
  const problems = [...input.problems];
  const note = (message: string) => ({ problems, note: { kind: 'unverified' as const, failure: false, message } });

  // The signed leaves, and whether they are the ones the checkpoint signed.
  const signed: SignedLeaf[] = [];
  const frontier = new MerkleFrontier();
  for (let from = 0; from < n; from += PAGE) {
    const page = await input.signedLeaves(from, Math.min(n, from + PAGE));
    for (const leaf of page) {
      if (leaf.leafIndex !== signed.length) return note(`the audit tables skip leaf ${String(signed.length)}: which events changed cannot be told from them`);
      signed.push(leaf);
      frontier.append(leafHash(leaf.leafData));
    }
    if (page.length < Math.min(n, from + PAGE) - from) break;
  }
  if (frontier.size !== n || !equalBytes(frontier.root(), fromHex(checkpoint.rootHash, HASH_BYTES))) {
    return note(
      `the audit tables (${String(frontier.size)} leaves) do not hash to the checkpoint of ${String(n)} events either: which events changed cannot be told from them`,
    );
  }

  const ours = new Map<string, number>();
  for (let i = 0; i < mine.count; i++) tally(ours, key(leafDataAt(mine, i)));
  const theirs = new Map<string, number>();
  for (const leaf of signed) tally(theirs, key(leaf.leafData));

  // Signed events that are gone: the trailing run of them is the truncated tail.
  const gone = signed.filter((leaf) => !ours.has(key(leaf.leafData)));
  let tail = n;
  while (tail > 0 && !ours.has(key((signed[tail - 1] as SignedLeaf).leafData))) tail -= 1;
  for (const leaf of gone) {
    const at = problems.findIndex((p) => sameEvent(p, leaf.streamName, leaf.revision));
    const found = problems[at];
    if (found !== undefined) {
      // The chain saw the revision missing: name the event that was there.
      if (found.kind === 'missing' && found.untilRevision === undefined && found.eventId === undefined) {
        problems[at] = { ...found, eventId: leaf.eventId, leafIndex: leaf.leafIndex };
      }
      continue;
    }
    const truncated = leaf.leafIndex >= tail;
    problems.push(
      streamProblem({
        kind: truncated ? 'truncated' : 'missing',
        stream: leaf.streamName,
        revision: leaf.revision,
        eventId: leaf.eventId,
        leafIndex: leaf.leafIndex,
        message: truncated
          ? `signed as leaf ${String(leaf.leafIndex)} of a checkpoint of ${String(n)} events, and gone with every signed event after it (the tail was cut)`
          : `signed as leaf ${String(leaf.leafIndex)} of a checkpoint of ${String(n)} events, and no longer in the store as it was signed`,
      }),
    );
  }

  // Events of the store the checkpoint did not sign, before its last signed event.
  const extra = new Set<number>();
  for (let i = 0; i < mine.count; i++) if (!theirs.has(key(leafDataAt(mine, i)))) extra.add(i);
  const lastSigned = (signed[n - 1] as SignedLeaf | undefined)?.position;
  if (extra.size > 0 && lastSigned !== undefined) {
    let until = 0;
    for (const i of extra) until = Math.max(until, i);
    let index = 0;
    reading: for await (const page of allPages(input.store, input.head, input.pageSize)) {
      for (const event of page) {
        if (index > until) break reading;
        if (extra.has(index) && comparePositions(event.position, lastSigned) < 0 && !problems.some((p) => p.failure && p.eventId === event.id)) {
          problems.push(
            streamProblem({
              kind: 'inserted',
              stream: event.streamName,
              revision: event.revision,
              eventId: event.id,
              leafIndex: index,
              message: `comes before the last event of the checkpoint of ${String(n)} events, which did not sign it`,
            }),
          );
        }
        index += 1;
      }
    }
  }
  return { problems };
};
