/**
 * Proof bundles: one execution's history with everything needed to check it offline, given only
 * the log's public key — no store, no network.
 *
 * Why one inclusion proof is enough: every event's `$hash` covers its `$previousHash`, so the
 * head event's hash commits to the whole stream before it (changing any earlier event means
 * finding a SHA-256 collision somewhere along the chain). The inclusion proof puts the head's
 * hash in the tree whose root the checkpoint signs. So the signature covers the root, the root
 * the head, the head every earlier event — and the history, which must be exactly what those
 * events convert to.
 *
 * What a bundle does not prove: that the stream had no events after the head when it was
 * exported (a finished execution's last event is terminal; the caller's `toHistory` can insist
 * on that), and anything about events written before the chain existed (`unchained`: such a
 * bundle does not verify).
 *
 * @module
 */
import { fromHex, HASH_BYTES, isHexHash, toHex } from './bytes.js';
import { canonicalJson } from './canonical.js';
import type { Metadata } from './chain.js';
import { eventLeafHash, HASH_FIELD } from './chain.js';
import { ChainFindingKind, checkChain } from './chain-check.js';
import type { SignedCheckpoint } from './checkpoint.js';
import { verifyCheckpoint } from './checkpoint.js';
import { verifyInclusion } from './merkle-verify.js';

/** The `format` of a version 1 bundle. */
export const PROOF_BUNDLE_FORMAT = 'stepstream-proof-bundle-v1';

/** An event as stored, in JSON: revision as a decimal string, metadata with its hash fields. */
export interface StoredEvent {
  readonly revision: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Metadata;
}

/** The last event of the bundle, and its leaf in the checkpoint's tree. */
export interface BundleHead {
  readonly revision: string;
  readonly hash: string;
  readonly leafIndex: number;
}

/** One execution's history, its events, and the proof that the log holds them. */
export interface ProofBundle {
  readonly format: typeof PROOF_BUNDLE_FORMAT;
  readonly executionArn: string;
  readonly streamName: string;
  /** The stream from revision 0 to the head, in order. */
  readonly events: readonly StoredEvent[];
  /** The history events exactly as AWS clients receive them. */
  readonly history: readonly unknown[];
  readonly head: BundleHead;
  /** The RFC 9162 inclusion proof of the head's leaf in the checkpoint's tree (hex). */
  readonly inclusionProof: readonly string[];
  readonly checkpoint: SignedCheckpoint;
}

/** The kinds of bundle problems: the chain's finding kinds and these. */
export const BundleProblemKind = {
  ...ChainFindingKind,
  /** Not a bundle: a field missing, extra or ill-formed. */
  malformed: 'malformed',
  /** The checkpoint's signature or key does not check. */
  checkpoint: 'checkpoint',
  /** The stream is not the execution's. */
  stream: 'stream',
  /** The head is not the last event. */
  head: 'head',
  /** The inclusion proof does not lead from the head to the checkpoint's root. */
  inclusion: 'inclusion',
  /** The history is not what the events convert to. */
  history: 'history',
} as const;
export type BundleProblemKind = (typeof BundleProblemKind)[keyof typeof BundleProblemKind];

/** One reason a bundle does not verify; `revision` when it is about one event. */
export interface BundleProblem {
  readonly kind: BundleProblemKind;
  readonly revision?: string;
  readonly message: string;
}

/** The outcome of {@link verifyBundle}. */
export interface BundleVerification {
  /** True when nothing is wrong: every event is proven. */
  readonly ok: boolean;
  readonly problems: readonly BundleProblem[];
}

/** The domain's conversion from stored events to AWS history events. */
export type ToHistory = (events: readonly StoredEvent[]) => readonly unknown[];

/**
 * The domain's knowledge {@link verifyBundle} needs and this package does not have (it imports
 * nothing else of Stepstream): the CLI passes the domain's functions.
 *
 * @example
 * verifyBundle(bundle, publicKeyPem, { toHistory: (events) => events.map(toHistoryEvent), streamNameOf });
 */
export interface VerifyBundleOptions {
  /** Checks that `history` deep-equals `toHistory(events)`; without it `history` is not checked. */
  readonly toHistory?: ToHistory;
  /** Checks that `streamName` is the execution's stream; without it the pair is not checked. */
  readonly streamNameOf?: (executionArn: string) => string;
}

const REVISION = /^(?:0|[1-9][0-9]*)$/;
const BUNDLE_FIELDS = ['checkpoint', 'events', 'executionArn', 'format', 'head', 'history', 'inclusionProof', 'streamName'];
// No store event id: the hash does not cover it, so a bundle could not prove it, and every byte of
// a bundle must be proven.
const EVENT_FIELDS = new Set(['data', 'metadata', 'revision', 'type']);
const HEAD_FIELDS = ['hash', 'leafIndex', 'revision'];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const hasExactly = (value: Record<string, unknown>, fields: readonly string[]): boolean => {
  const keys = Object.keys(value).sort();
  return keys.length === fields.length && keys.every((key, i) => key === fields[i]);
};

/** What makes `value` not a bundle, or undefined. Only the shape: the proofs come after. */
const shapeProblem = (value: unknown): string | undefined => {
  if (!isObject(value) || !hasExactly(value, BUNDLE_FIELDS)) return `a bundle has exactly the fields ${BUNDLE_FIELDS.join(', ')}`;
  if (value.format !== PROOF_BUNDLE_FORMAT) return `format is not ${PROOF_BUNDLE_FORMAT}`;
  if (typeof value.executionArn !== 'string' || typeof value.streamName !== 'string') return 'executionArn and streamName are strings';
  if (!Array.isArray(value.history)) return 'history is an array';
  const { events, head, inclusionProof } = value;
  if (!Array.isArray(events) || events.length === 0) return 'events is a non-empty array';
  for (const [i, event] of events.entries()) {
    if (
      !isObject(event) ||
      !Object.keys(event).every((key) => EVENT_FIELDS.has(key)) ||
      !('data' in event) ||
      typeof event.revision !== 'string' ||
      !REVISION.test(event.revision) ||
      typeof event.type !== 'string' ||
      !isObject(event.metadata)
    ) {
      return `events[${String(i)}] is not { revision, type, data, metadata }`;
    }
  }
  if (
    !isObject(head) ||
    !hasExactly(head, HEAD_FIELDS) ||
    typeof head.revision !== 'string' ||
    !REVISION.test(head.revision) ||
    !isHexHash(head.hash) ||
    !Number.isSafeInteger(head.leafIndex)
  ) {
    return 'head is not { revision, hash, leafIndex }';
  }
  if (!Array.isArray(inclusionProof) || !inclusionProof.every(isHexHash)) return 'inclusionProof is not a list of hashes';
  return undefined;
};

/** Compares the history with what the events convert to; the first difference, or undefined. */
const historyProblem = (bundle: ProofBundle, toHistory: ToHistory): BundleProblem | undefined => {
  let expected: readonly unknown[];
  try {
    expected = toHistory(bundle.events);
  } catch (error) {
    return { kind: 'history', message: `the events do not convert to a history: ${(error as Error).message}` };
  }
  const length = Math.max(expected.length, bundle.history.length);
  for (let i = 0; i < length; i++) {
    let same: boolean;
    try {
      same = i < expected.length && i < bundle.history.length && canonicalJson(bundle.history[i]) === canonicalJson(expected[i]);
    } catch {
      same = false;
    }
    if (!same) {
      const revision = bundle.events[i]?.revision;
      return {
        kind: 'history',
        ...(revision === undefined ? {} : { revision }),
        message: `history[${String(i)}] is not what the events convert to`,
      };
    }
  }
  return undefined;
};

/**
 * Checks a bundle (as parsed from JSON) offline: the checkpoint's signature, the hash chain from
 * revision 0, that the head is the last event, the head's inclusion in the signed tree, and —
 * given `toHistory` — that `history` is exactly what the events convert to. `ok` only when there
 * is no problem; every problem says what and, where it applies, which revision.
 *
 * The third argument may be `toHistory` itself or the options.
 *
 * @example
 * const result = verifyBundle(JSON.parse(file), publicKeyPem, { toHistory, streamNameOf });
 * if (!result.ok) for (const p of result.problems) console.error(p.kind, p.revision ?? '', p.message);
 */
export const verifyBundle = (bundle: unknown, publicKeyPem: string, options: ToHistory | VerifyBundleOptions = {}): BundleVerification => {
  const { toHistory, streamNameOf } = typeof options === 'function' ? { toHistory: options, streamNameOf: undefined } : options;
  const malformed = shapeProblem(bundle);
  if (malformed !== undefined) return { ok: false, problems: [{ kind: 'malformed', message: malformed }] };
  const b = bundle as ProofBundle;
  const problems: BundleProblem[] = [];

  const signed = verifyCheckpoint(b.checkpoint, publicKeyPem);
  if (!signed.ok) problems.push({ kind: 'checkpoint', message: `${signed.problem}: ${signed.message}` });

  if (streamNameOf !== undefined) {
    let expected: string | undefined;
    try {
      expected = streamNameOf(b.executionArn);
    } catch {
      expected = undefined;
    }
    if (expected !== b.streamName) {
      problems.push({ kind: 'stream', message: `${b.streamName} is not the stream of ${b.executionArn}` });
    }
  }

  const findings = checkChain(
    b.events.map((event) => ({
      streamName: b.streamName,
      revision: BigInt(event.revision),
      type: event.type,
      data: event.data,
      metadata: event.metadata,
    })),
    { expectedFirstRevision: 0n },
  );
  // An unchained event is not a failure in a store, but a bundle proves nothing about it.
  for (const finding of findings) {
    problems.push({ kind: finding.kind, revision: finding.revision.toString(), message: finding.message });
  }

  const last = b.events[b.events.length - 1] as StoredEvent;
  if (b.head.revision !== last.revision || b.head.hash !== last.metadata[HASH_FIELD]) {
    problems.push({ kind: 'head', revision: b.head.revision, message: 'the head is not the last event and its hash' });
  }

  if (signed.ok) {
    const proof = b.inclusionProof.map((hex) => fromHex(hex, HASH_BYTES));
    const root = fromHex(b.checkpoint.rootHash, HASH_BYTES);
    if (!verifyInclusion(eventLeafHash(b.head.hash), b.head.leafIndex, b.checkpoint.treeSize, proof, root)) {
      problems.push({
        kind: 'inclusion',
        revision: b.head.revision,
        message: `the head is not leaf ${String(b.head.leafIndex)} of the checkpoint's tree of ${String(b.checkpoint.treeSize)}`,
      });
    }
  }

  if (toHistory !== undefined) {
    const problem = historyProblem(b, toHistory);
    if (problem !== undefined) problems.push(problem);
  }
  return { ok: problems.length === 0, problems };
};

/** An event as a store returns it (a `RecordedEvent` fits). */
export interface BundleSourceEvent {
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Metadata;
  readonly id?: string;
}

/**
 * Assembles a bundle from a stream read from revision 0, the history, the head's leaf index and
 * inclusion proof, and a signed checkpoint whose tree contains the head. Throws a `TypeError`
 * if the stream is empty or its last event has no hash.
 *
 * @example
 * const bundle = makeProofBundle({ executionArn, streamName, events, history, leafIndex, inclusionProof, checkpoint });
 * writeFileSync(path, JSON.stringify(bundle));
 */
export const makeProofBundle = (input: {
  readonly executionArn: string;
  readonly streamName: string;
  readonly events: readonly BundleSourceEvent[];
  readonly history: readonly unknown[];
  readonly leafIndex: number;
  readonly inclusionProof: readonly Uint8Array[];
  readonly checkpoint: SignedCheckpoint;
}): ProofBundle => {
  const last = input.events[input.events.length - 1];
  const hash = last?.metadata[HASH_FIELD];
  if (last === undefined || !isHexHash(hash)) throw new TypeError('the last event of a bundle must carry its hash');
  return {
    format: PROOF_BUNDLE_FORMAT,
    executionArn: input.executionArn,
    streamName: input.streamName,
    events: input.events.map((event) => ({
      revision: event.revision.toString(),
      type: event.type,
      data: event.data,
      metadata: event.metadata,
    })),
    history: input.history,
    head: { revision: last.revision.toString(), hash, leafIndex: input.leafIndex },
    inclusionProof: input.inclusionProof.map(toHex),
    checkpoint: input.checkpoint,
  };
};
