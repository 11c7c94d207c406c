/**
 * The work of one pass over `$all`, fed page by page in `$all` order: every stream's chain, the
 * recomputed Merkle tree (with its root kept at each size a checkpoint asks about), and the
 * checkpoint events met on the way. It runs in a worker thread (`all-pass-worker.ts`) so that
 * hashing overlaps reading, or in the caller's thread.
 *
 * @module
 */
import { ChainChecker, EMPTY_ROOT, leafHash, leafHashOfHex, MerkleFrontier, toHex, type ChainFinding } from '@stepstream/audit';
import { leafDataOf, type RecordedEvent } from '@stepstream/eventstore';
import type { CheckpointCandidate } from './checkpoints.js';
import { fromChainFinding, streamProblem, type Problem } from './problems.js';

/** Which streams to check; all of them when absent. */
export interface VerifyScope {
  /** Streams checked whole, by name. */
  readonly streams?: readonly string[];
  /** And every stream whose name starts with one of these. */
  readonly streamPrefixes?: readonly string[];
}

/** Whether a stream is in the scope (every stream when there is none). */
export const inScope = (scope: VerifyScope | undefined): ((streamName: string) => boolean) => {
  if (scope === undefined) return () => true;
  const names = new Set(scope.streams ?? []);
  const prefixes = scope.streamPrefixes ?? [];
  return (name) => names.has(name) || prefixes.some((p) => name.startsWith(p));
};

/**
 * Chain checks, with the rule a single stream cannot see when reading in `$all` order: once `$all`
 * has shown a hashed event, the engine hashes every event it appends, so an event without a hash
 * after that point, in a stream whose chain has not started, was not written by it: `inserted`
 * rather than `unchained`. (An unhashed event in a stream whose chain has started is `altered`.)
 */
export class Chains {
  readonly #checker = new ChainChecker({ expectedFirstRevision: 0n });
  readonly #inserted = new Map<string, Set<bigint>>();
  #started = false;

  constructor(
    readonly problems: Problem[],
    /** Whether events come in `$all` order (the `inserted` rule needs it). */
    readonly inAllOrder: boolean,
  ) {}

  /** Checks one event; returns its `$hash` when it carries one in hex (its leaf data), as the checker read it. */
  add(event: RecordedEvent, leafIndex: number | undefined): string | undefined {
    const findings = this.#checker.add({
      streamName: event.streamName,
      revision: event.revision,
      type: event.type,
      data: event.data,
      dataJson: event.dataJson,
      metadata: event.metadata,
      metadataJson: event.metadataJson,
      eventId: event.id,
    });
    const hashed = this.#checker.lastHashed;
    if (!hashed && this.#started && !findings.some((f) => f.failure && f.revision === event.revision)) {
      let revisions = this.#inserted.get(event.streamName);
      if (revisions === undefined) this.#inserted.set(event.streamName, (revisions = new Set()));
      revisions.add(event.revision);
      this.problems.push(
        streamProblem({
          kind: 'inserted',
          stream: event.streamName,
          revision: event.revision,
          eventId: event.id,
          ...(leafIndex === undefined ? {} : { leafIndex }),
          message: 'has no hash though the chain had started in $all: the engine hashes every event it appends',
        }),
      );
    }
    if (hashed && this.inAllOrder) this.#started = true;
    if (findings.length > 0) this.#report(findings, event.id, leafIndex);
    return this.#checker.lastHash;
  }

  endStream(streamName: string): void {
    this.#report(this.#checker.endStream(streamName));
  }

  finish(): void {
    this.#report(this.#checker.finish());
  }

  #report(findings: readonly ChainFinding[], eventId?: string, leafIndex?: number): void {
    for (const finding of findings) {
      if (finding.kind === 'unchained' && this.#allInserted(finding)) continue;
      const problem = fromChainFinding(finding);
      this.problems.push(leafIndex !== undefined && eventId !== undefined && finding.eventId === eventId ? { ...problem, leafIndex } : problem);
    }
  }

  /** Whether an unchained run is made only of events already reported as inserted. */
  #allInserted(finding: ChainFinding): boolean {
    const revisions = this.#inserted.get(finding.streamName);
    if (revisions === undefined) return false;
    for (let r = finding.revision; r <= (finding.untilRevision ?? finding.revision); r++) if (!revisions.has(r)) return false;
    return true;
  }
}

/** What a pass found: the chain problems, the tree, its roots at the sizes asked for, and the checkpoint events met. */
export interface AllPassResult {
  readonly problems: Problem[];
  readonly events: number;
  readonly leaves: number;
  /** The root of all the leaves, hex. */
  readonly rootHash: string;
  /** The root at each size asked for that the tree reached. */
  readonly roots: Map<number, Uint8Array>;
  readonly checkpoints: CheckpointCandidate[];
  /** Every leaf's data (32 bytes each, in chunks), when kept and no more than {@link KEPT_LEAVES}. */
  readonly leafData?: LeafData;
}

/** Leaf data in `$all` order: 32 bytes a leaf, `CHUNK_LEAVES` leaves a chunk. */
export interface LeafData {
  readonly count: number;
  readonly chunks: Uint8Array[];
}

const LEAF_BYTES = 32;
const CHUNK_LEAVES = 65_536;
/** At most this many leaves are kept (128 MiB) to tell which events a checkpoint misses; a larger store is not localised. */
export const KEPT_LEAVES = 4_194_304;

/** The data of leaf `index`. */
export const leafDataAt = (leaves: LeafData, index: number): Uint8Array => {
  const chunk = leaves.chunks[Math.floor(index / CHUNK_LEAVES)] as Uint8Array;
  const at = (index % CHUNK_LEAVES) * LEAF_BYTES;
  return chunk.subarray(at, at + LEAF_BYTES);
};

/** Which events are signed checkpoints: their stream and type (the runtime's, given by the caller so a worker need not load the runtime). */
export interface CheckpointEvents {
  readonly stream: string;
  readonly type: string;
}

/** The pass itself: feed pages in `$all` order, then `finish`. */
export class AllPass {
  readonly #problems: Problem[] = [];
  readonly #chains = new Chains(this.#problems, true);
  readonly #frontier = new MerkleFrontier();
  readonly #roots = new Map<number, Uint8Array>();
  readonly #wanted: number[];
  readonly #selected: (streamName: string) => boolean;
  readonly #checkpoints: CheckpointCandidate[] = [];
  #next = 0;
  #events = 0;
  #kept: Uint8Array[] | undefined;

  /**
   * @param wanted the tree sizes whose root is kept (the checkpoints' sizes)
   * @param checkpointEvents which events are signed checkpoints
   * @param scope the streams whose chains are checked (all when absent); the tree takes every event
   */
  constructor(
    wanted: Iterable<number>,
    readonly checkpointEvents: CheckpointEvents,
    scope?: VerifyScope,
    keepLeaves = false,
  ) {
    if (keepLeaves) this.#kept = [];
    this.#wanted = [...new Set(wanted)].sort((a, b) => a - b);
    this.#selected = inScope(scope);
    if (this.#wanted[0] === 0) {
      this.#roots.set(0, EMPTY_ROOT);
      this.#next = 1;
    }
  }

  addPage(events: readonly RecordedEvent[]): void {
    const frontier = this.#frontier;
    for (const event of events) {
      const leafIndex = frontier.size;
      const own = this.#selected(event.streamName) ? this.#chains.add(event, leafIndex) : undefined;
      if (event.streamName === this.checkpointEvents.stream && event.type === this.checkpointEvents.type) {
        this.#checkpoints.push({
          checkpoint: event.dataJson === undefined ? event.data : JSON.parse(event.dataJson),
          source: { kind: 'store' },
          event: { stream: event.streamName, revision: event.revision, eventId: event.id, leafIndex },
        });
      }
      // What leafDataOf would say, without reading the metadata again when the chain check did.
      if (own !== undefined && this.#kept === undefined) {
        frontier.appendLeaf(leafHashOfHex(own));
      } else {
        const data = own !== undefined ? Buffer.from(own, 'hex') : leafDataOf(event);
        frontier.appendLeaf(leafHash(data));
        if (this.#kept !== undefined) this.#keep(leafIndex, data);
      }
      if (frontier.size === this.#wanted[this.#next]) {
        this.#roots.set(frontier.size, frontier.root());
        this.#next += 1;
      }
    }
    this.#events += events.length;
  }

  #keep(index: number, data: Uint8Array): void {
    const kept = this.#kept as Uint8Array[];
    if (index >= KEPT_LEAVES) {
      this.#kept = undefined;
      return;
    }
    if (index % CHUNK_LEAVES === 0) kept.push(new Uint8Array(CHUNK_LEAVES * LEAF_BYTES));
    (kept[kept.length - 1] as Uint8Array).set(data, (index % CHUNK_LEAVES) * LEAF_BYTES);
  }

  finish(): AllPassResult {
    this.#chains.finish();
    const kept = this.#kept;
    return {
      problems: this.#problems,
      events: this.#events,
      leaves: this.#frontier.size,
      rootHash: toHex(this.#frontier.root()),
      roots: this.#roots,
      checkpoints: this.#checkpoints,
      ...(kept === undefined ? {} : { leafData: { count: this.#frontier.size, chunks: kept } }),
    };
  }
}
