/**
 * Checking hash chains as events stream past: one stream read by revision, or `$all` with its
 * streams interleaved. The checker keeps per stream only its next revision, the last event's
 * hashes and any open gaps, so millions of events go through in constant memory per stream.
 *
 * Every problem is reported once, on the event it is about:
 * - `altered`: the event's `$hash` is not the hash of what is stored (its data, type, metadata,
 *   revision or stream changed, or the hash fields themselves were edited or removed);
 * - `broken-link`: its `$previousHash` is not the previous event's hash (that event was replaced
 *   and re-hashed, or one was inserted before it). A link that matches the previous event's
 *   recomputed hash is not broken: only that event's `$hash` field was edited, already `altered`;
 * - `missing`: revisions never seen (reported by `endStream`/`finish`, when no late arrival can
 *   fill them); deleting an event leaves exactly this;
 * - `reordered`: an event that came after a higher revision of its stream (in `$all` order);
 * - `duplicate`: a revision seen twice;
 * - `unchained`: events written before the chain existed — not a failure. The chain starts at a
 *   stream's first hashed event, whose `$previousHash` is accepted as given after an unchained
 *   event; an unhashed event after a hashed one is `altered`.
 *
 * Truncation of a stream's tail leaves a valid shorter chain: only the Merkle tree and the signed
 * checkpoints can show it.
 *
 * @module
 */
import { isHexHash } from './bytes.js';
import { CanonicalJsonError, canonicalJson } from './canonical.js';
import type { ChainFields, Metadata } from './chain.js';
import { eventHash, eventHashOfJson, GENESIS, HASH_FIELD, PREVIOUS_HASH_FIELD, splitChainFields, withoutHashFields } from './chain.js';

/** The kinds of chain findings. All are failures except `unchained`. */
export const ChainFindingKind = {
  altered: 'altered',
  brokenLink: 'broken-link',
  missing: 'missing',
  reordered: 'reordered',
  duplicate: 'duplicate',
  unchained: 'unchained',
} as const;
export type ChainFindingKind = (typeof ChainFindingKind)[keyof typeof ChainFindingKind];

/** An event as the checker needs it (a store's `RecordedEvent` fits, with `eventId` its id). */
export interface ChainEvent {
  readonly streamName: string;
  readonly revision: bigint;
  readonly type: string;
  /** Its data; not read when `dataJson` is given. */
  readonly data: unknown;
  /**
   * Its data as the JSON text the store holds, instead of `data`: hashed as it is (the chain
   * stores the canonical text, so an intact event matches with no parse), and parsed only when
   * that does not match (a store that spells JSON its own way).
   */
  readonly dataJson?: string | undefined;
  /** Its metadata; not read when `metadataJson` is given. */
  readonly metadata: Metadata | undefined;
  /**
   * Its metadata as the JSON text the store holds, instead of `metadata`: with the chain's own
   * spelling (see `chainFieldsOfJson`) and `dataJson`, an intact event is checked without parsing
   * anything; any other text is parsed.
   */
  readonly metadataJson?: string | undefined;
  /** Reported with findings about this event; not part of the hash. */
  readonly eventId?: string | undefined;
}

/** One problem (or, for `unchained`, one observation) about a stream. */
export interface ChainFinding {
  readonly kind: ChainFindingKind;
  readonly streamName: string;
  /** The event's revision; for `missing` and `unchained`, the first of the range. */
  readonly revision: bigint;
  /** For `missing` and `unchained`: the last revision of the range. */
  readonly untilRevision?: bigint;
  /** The event's id, when the finding is about one event that was seen. */
  readonly eventId?: string;
  /** `false` only for `unchained`. */
  readonly failure: boolean;
  readonly message: string;
}

/**
 * How a {@link ChainChecker} reads streams.
 *
 * @example
 * new ChainChecker({ expectedFirstRevision: 0n }); // whole streams: a missing revision 0 is reported
 */
export interface ChainCheckOptions {
  /**
   * The revision each stream must start at (`0n` when reading whole streams): earlier revisions
   * not seen are `missing`. Without it a stream may start anywhere (a range of a stream), and the
   * first event's `$previousHash` is accepted as given unless it is revision 0.
   */
  readonly expectedFirstRevision?: bigint;
}

/** Hashes a link may point at; `undefined`: anything (nothing to check against). */
type Target = readonly string[] | undefined;

interface After {
  readonly claimed: string | undefined;
  readonly revision: bigint;
  readonly eventId: string | undefined;
}

/**
 * Revisions `[from, to]` not seen yet, between an event (`before`) and the one after (`after`).
 * A silent gap lies below the first event of a stream read without an expected start: a late
 * event may still fill it (and is then `reordered`), but nothing is missing if none does.
 */
interface Gap {
  readonly from: bigint;
  readonly to: bigint;
  readonly before: Target;
  readonly after: After;
  readonly silent: boolean;
}

interface StreamState {
  next: bigint;
  tail: Target;
  gaps: Gap[];
  firstHashed: bigint | undefined;
  run: { from: bigint; to: bigint; eventId: string | undefined } | undefined;
}

const NONE: readonly ChainFinding[] = Object.freeze([]);
const START: Target = [GENESIS];

const range = (from: bigint, to: bigint): string => (from === to ? `revision ${from.toString()}` : `revisions ${from.toString()}..${to.toString()}`);

/**
 * The chain fields of an event whose stored texts hash, as they are, to its `$hash`: the chain's
 * own spelling, intact. Nothing is parsed; a match is proof enough (the texts are the ones that
 * were hashed). `undefined` sends the event the slow way, which parses and says what is wrong.
 */
const quickCheck = (event: ChainEvent): ChainFields | undefined => {
  if (event.metadataJson === undefined) return undefined;
  // Unchecked: only a match counts, and a match proves the fields (see splitChainFields).
  const fields = splitChainFields(event.metadataJson);
  if (fields === undefined) return undefined;
  let dataJson = event.dataJson;
  if (dataJson === undefined) {
    try {
      dataJson = canonicalJson(event.data === undefined ? null : event.data);
    } catch {
      return undefined;
    }
  }
  const input = { streamName: event.streamName, revision: event.revision, type: event.type, previousHash: fields.previous };
  return eventHashOfJson(input, dataJson, fields.restJson) === fields.hash ? fields : undefined;
};

/** Stored metadata text as the object it spells (`{}` for `null`, as the store reads it back). */
const parseMetadata = (text: string): Metadata => (JSON.parse(text) as Metadata | null) ?? {};

/**
 * The hash of what is stored of `event`, with `claimed` as its previous hash. Data given as text
 * is hashed as it is first: when that is `own`, the text is the canonical one that was hashed at
 * append and nothing is parsed; otherwise the value it spells is hashed (a store may spell JSON
 * its own way), and a text that is not JSON throws a SyntaxError.
 */
const hashOf = (event: ChainEvent, metadata: Metadata, claimed: string, own: string): string => {
  const input = { streamName: event.streamName, revision: event.revision, type: event.type, previousHash: claimed };
  if (event.dataJson === undefined) return eventHash({ ...input, metadata, data: event.data });
  const asStored = eventHashOfJson(input, event.dataJson, canonicalJson(withoutHashFields(metadata)));
  return asStored === own ? asStored : eventHash({ ...input, metadata, data: JSON.parse(event.dataJson) as unknown });
};

/**
 * The incremental chain checker: feed events with `add` (any order, any number of streams),
 * collect findings as they become certain, then `finish`.
 *
 * @example
 * const checker = new ChainChecker({ expectedFirstRevision: 0n });
 * for await (const event of store.readAll()) {
 *   for (const finding of checker.add({ ...event, eventId: event.id })) report(finding);
 * }
 * for (const finding of checker.finish()) report(finding);
 */
export class ChainChecker {
  readonly #options: ChainCheckOptions;
  readonly #streams = new Map<string, StreamState>();
  #count = 0;
  #lastHashed = false;
  /** What the current `add` found. */
  #findings: ChainFinding[] | undefined;
  #lastHash: string | undefined;

  constructor(options: ChainCheckOptions = {}) {
    this.#options = options;
  }

  /** Whether the event last given to `add` carried the chain's fields (`$hash` or `$previousHash`). */
  get lastHashed(): boolean {
    return this.#lastHashed;
  }

  /**
   * The `$hash` of the event last given to `add`, when it carried one in lower-case hex (whether
   * or not it matches): its leaf data in the Merkle tree, known without reading the metadata again.
   */
  get lastHash(): string | undefined {
    return this.#lastHash;
  }

  /** How many events `add` has seen. */
  get eventsChecked(): number {
    return this.#count;
  }

  /**
   * Checks one event; returns the findings it settles (often none).
   *
   * @example
   * checker.add({ streamName: 's', revision: 0n, type: 'T', data: {}, metadata, eventId: 'e1' }); // []
   */
  add(event: ChainEvent): readonly ChainFinding[] {
    this.#count += 1;
    const { streamName, revision, eventId } = event;
    this.#findings = undefined;
    const report = (kind: ChainFindingKind, message: string) => this.#report(kind, streamName, message, revision, eventId);
    let state = this.#streams.get(streamName);

    // The event on its own: is its $hash the hash of what is stored?
    const quick = quickCheck(event);
    const { targets, claimed, unchained, hashed, own } =
      quick !== undefined
        ? { targets: [quick.hash], claimed: quick.previous, unchained: false, hashed: true, own: quick.hash }
        : this.#judge(event, state, report);
    this.#lastHashed = hashed;
    this.#lastHash = own;

    const link = (claim: string | undefined, target: Target, at: bigint, id: string | undefined) => {
      if (claim === undefined || target === undefined || target.includes(claim)) return;
      this.#report('broken-link', streamName, `${range(at, at)}: ${PREVIOUS_HASH_FIELD} is not the hash of revision ${(at - 1n).toString()}`, at, id);
    };
    const after: After = { claimed, revision, eventId };

    // Its place in the stream.
    if (state === undefined) {
      const expected = this.#options.expectedFirstRevision;
      state = { next: revision + 1n, tail: targets, gaps: [], firstHashed: undefined, run: undefined };
      this.#streams.set(streamName, state);
      if (expected !== undefined && revision > expected) {
        state.gaps.push({ from: expected, to: revision - 1n, before: expected === 0n ? START : undefined, after, silent: false });
      } else if (expected === undefined && revision > 0n) {
        state.gaps.push({ from: 0n, to: revision - 1n, before: START, after, silent: true });
      } else {
        link(claimed, revision === 0n ? START : undefined, revision, eventId);
      }
    } else if (revision === state.next) {
      link(claimed, state.tail, revision, eventId);
      state.next = revision + 1n;
      state.tail = targets;
    } else if (revision > state.next) {
      state.gaps.push({ from: state.next, to: revision - 1n, before: state.tail, after, silent: false });
      state.next = revision + 1n;
      state.tail = targets;
    } else {
      const at = state.gaps.findIndex((gap) => gap.from <= revision && revision <= gap.to);
      const gap = state.gaps[at];
      if (gap === undefined) {
        report('duplicate', `${range(revision, revision)} appears twice`);
      } else {
        report('reordered', `${range(revision, revision)} comes after revision ${(state.next - 1n).toString()}`);
        const pieces: Gap[] = [];
        if (revision > gap.from) pieces.push({ from: gap.from, to: revision - 1n, before: gap.before, after, silent: gap.silent });
        else link(claimed, gap.before, revision, eventId);
        if (revision < gap.to) pieces.push({ from: revision + 1n, to: gap.to, before: targets, after: gap.after, silent: false });
        else link(gap.after.claimed, targets, gap.after.revision, gap.after.eventId);
        state.gaps.splice(at, 1, ...pieces);
      }
    }

    // Runs of unchained events are reported as one range each, before what this event settles.
    if (state.run !== undefined && (!unchained || state.run.to + 1n !== revision)) {
      (this.#findings ??= []).unshift(this.#closeRun(state, streamName) as ChainFinding);
    }
    if (unchained) {
      if (state.run === undefined) state.run = { from: revision, to: revision, eventId };
      else state.run.to = revision;
    } else if (hashed) {
      if (state.firstHashed === undefined || revision < state.firstHashed) state.firstHashed = revision;
    }
    return this.#findings ?? NONE;
  }

  /** Adds a failure about `streamName` to the findings of the current `add`. */
  #report(kind: ChainFindingKind, streamName: string, message: string, at: bigint, id: string | undefined): void {
    const finding: ChainFinding = { kind, streamName, revision: at, ...(id === undefined ? {} : { eventId: id }), failure: true, message };
    (this.#findings ??= []).push(finding);
  }

  /** The slow way: parses what it must, reports what is wrong with the event on its own, and says what its link may point at. */
  #judge(
    event: ChainEvent,
    state: StreamState | undefined,
    report: (kind: ChainFindingKind, message: string) => void,
  ): { targets: Target; claimed: string | undefined; unchained: boolean; hashed: boolean; own: string | undefined } {
    const { revision } = event;
    const metadata: Metadata = event.metadataJson !== undefined ? parseMetadata(event.metadataJson) : (event.metadata ?? {});
    const stored = metadata[HASH_FIELD];
    const previous = metadata[PREVIOUS_HASH_FIELD];
    if (stored === undefined && previous === undefined) {
      const started = state?.firstHashed;
      if (started !== undefined && revision > started) {
        report('altered', `${range(revision, revision)} has no ${HASH_FIELD} though the chain starts at ${started.toString()}`);
        return { targets: undefined, claimed: undefined, unchained: false, hashed: false, own: undefined };
      }
      return { targets: undefined, claimed: undefined, unchained: true, hashed: false, own: undefined };
    }
    const claimed = isHexHash(previous) ? previous : undefined;
    const own = isHexHash(stored) ? stored : undefined;
    let recomputed: string | undefined;
    if (own === undefined || claimed === undefined) {
      const field = own === undefined ? HASH_FIELD : PREVIOUS_HASH_FIELD;
      report('altered', `${range(revision, revision)}: ${field} is missing or not 64 lower-case hex digits`);
    } else {
      try {
        recomputed = hashOf(event, metadata, claimed, own);
      } catch (error) {
        if (!(error instanceof CanonicalJsonError) && !(error instanceof SyntaxError)) throw error;
        report('altered', `${range(revision, revision)}: ${error instanceof SyntaxError ? `its data is not JSON (${error.message})` : error.message}`);
      }
      if (recomputed !== undefined && recomputed !== own) {
        report('altered', `${range(revision, revision)} does not hash to its ${HASH_FIELD}`);
      }
    }
    const targets: Target =
      own === undefined ? (recomputed === undefined ? undefined : [recomputed]) : recomputed === undefined || recomputed === own ? [own] : [own, recomputed];
    return { targets, claimed, unchained: false, hashed: true, own };
  }

  /**
   * Ends one stream: reports its revisions still missing and its last unchained run, and forgets
   * it (a verifier reading stream by stream calls this after each one to keep memory flat).
   *
   * @example
   * for (const event of stream) checker.add(event);
   * checker.endStream(streamName); // [{ kind: 'missing', revision: 4n, … }] if revision 4 never came
   */
  endStream(streamName: string): ChainFinding[] {
    const state = this.#streams.get(streamName);
    if (state === undefined) return [];
    this.#streams.delete(streamName);
    const findings: ChainFinding[] = [];
    const run = this.#closeRun(state, streamName);
    if (run !== undefined) findings.push(run);
    for (const gap of state.gaps) {
      if (gap.silent) continue;
      findings.push({
        kind: 'missing',
        streamName,
        revision: gap.from,
        untilRevision: gap.to,
        failure: true,
        message: `${range(gap.from, gap.to)} missing before revision ${gap.after.revision.toString()}`,
      });
    }
    return findings.sort((a, b) => (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
  }

  /**
   * Ends every stream (see `endStream`) and returns what they still had to report.
   *
   * @example
   * const last = checker.finish();
   */
  finish(): ChainFinding[] {
    return [...this.#streams.keys()].flatMap((name) => this.endStream(name));
  }

  /** Ends the stream's current run of unchained events: the finding that reports it, if there is one. */
  #closeRun(state: StreamState, streamName: string): ChainFinding | undefined {
    const run = state.run;
    if (run === undefined) return undefined;
    state.run = undefined;
    return {
      kind: 'unchained',
      streamName,
      revision: run.from,
      untilRevision: run.to,
      ...(run.eventId === undefined ? {} : { eventId: run.eventId }),
      failure: false,
      message: `${range(run.from, run.to)} ${run.from === run.to ? 'has' : 'have'} no hash (written before the chain existed)`,
    };
  }
}

/**
 * All findings about `events`, in one call: a {@link ChainChecker} fed everything, then finished.
 *
 * @example
 * checkChain(bundleEvents, { expectedFirstRevision: 0n }).filter((f) => f.failure); // [] when intact
 */
export const checkChain = (events: Iterable<ChainEvent>, options?: ChainCheckOptions): ChainFinding[] => {
  const checker = new ChainChecker(options);
  const findings: ChainFinding[] = [];
  for (const event of events) findings.push(...checker.add(event));
  findings.push(...checker.finish());
  return findings;
};
