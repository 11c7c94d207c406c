/**
 * `stepstream verify` on a store: one pass over `$all` (or over the chosen streams) that checks
 * every stream's hash chain, recomputes the Merkle tree in `$all` order, and checks every signed
 * checkpoint — the ones in the store and any given as files — against it.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SignedCheckpoint } from '@stepstream/audit';
import { comparePositions, type EventStore, type Position, type RecordedEvent } from '@stepstream/eventstore';
import { AllPass, Chains, KEPT_LEAVES, type AllPassResult, type VerifyScope } from './all-pass.js';
import type { AllPassWorkerData, ToAllPassWorker } from './all-pass-worker.js';
import { CHECKPOINT_SIGNED, CHECKPOINT_STREAM } from '@stepstream/runtime';
import { checkCheckpoint, claimedSize, type CheckpointCandidate } from './checkpoints.js';
import { locateDifferences, type SignedLeaves } from './locate.js';
import { allPages, streamPages } from './pages.js';
import type { Problem } from './problems.js';

export type { VerifyScope } from './all-pass.js';

/** How far a verify run is, for a progress line. */
export interface VerifyProgress {
  readonly events: number;
  readonly elapsedMs: number;
  /** The position of the last event read, on a pass over `$all`. */
  readonly position?: Position;
  /** Where the pass over `$all` ends. */
  readonly head?: Position;
}

export interface VerifyStoreOptions {
  /** The deployment's Ed25519 public key (PEM); without it checkpoint signatures are not checked (reported as `unverified`). */
  readonly publicKeyPem?: string;
  /** Checkpoints saved earlier (trusted files), checked against the store like its own. */
  readonly checkpointFiles?: readonly { readonly file: string; readonly checkpoint: unknown }[];
  /** Only these streams; the whole store when absent. */
  readonly scope?: VerifyScope;
  /** With a scope: also recompute the tree over the whole store and check the checkpoints. */
  readonly full?: boolean;
  /**
   * The leaves the audit tables hold: with them a failed checkpoint's missing and inserted events
   * are named (see `locate.ts`). Without them, only the checkpoint is reported.
   */
  readonly signedLeaves?: SignedLeaves;
  /** Events per read. Defaults to 2,000. */
  readonly pageSize?: number;
  /** Called about every `progressEveryMs` (default 2 s) during the run, and once at the end. */
  readonly onProgress?: (progress: VerifyProgress) => void;
  readonly progressEveryMs?: number;
  /** Hash in a worker thread while this one reads, or in this thread; by default {@link workerByDefault}. */
  readonly worker?: boolean;
  /** The clock, for progress (milliseconds). Defaults to `performance.now`. */
  readonly now?: () => number;
}

export interface VerifyReport {
  /** True when no problem is a failure. */
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  /** Events read. */
  readonly events: number;
  /** When the tree was recomputed: its size and root (hex). */
  readonly tree?: { readonly size: number; readonly rootHash: string };
  /** Checkpoints checked (in the store and from files), and how many of them had their signature checked. */
  readonly checkpoints: { readonly checked: number; readonly signed: number };
  readonly elapsedMs: number;
}

const progressTimer = (options: VerifyStoreOptions, started: number, now: () => number) => {
  const every = options.progressEveryMs ?? 2000;
  let last = started;
  let shown = false;
  /** `final`: the last line, shown only when earlier ones were (a short run prints none). */
  return (events: number, position?: Position, head?: Position, final = false) => {
    if (options.onProgress === undefined) return;
    const at = now();
    if (final ? !shown : at - last < every) return;
    last = at;
    shown = true;
    options.onProgress({ events, elapsedMs: at - started, ...(position === undefined ? {} : { position }), ...(head === undefined ? {} : { head }) });
  };
};

/** The checkpoints in the store up to `head` (read first, so the pass knows at which sizes to keep the root). */
const storedCheckpointSizes = async (store: EventStore, head: Position, pageSize: number): Promise<number[]> => {
  const sizes: number[] = [];
  for await (const page of streamPages(store, CHECKPOINT_STREAM, pageSize)) {
    for (const event of page) {
      const size = claimedSize(event.data);
      if (event.type === CHECKPOINT_SIGNED && comparePositions(event.position, head) <= 0 && size !== undefined) sizes.push(size);
    }
  }
  return sizes;
};

/**
 * Whether verify hashes in a worker thread unless told: when the reading thread is not the only
 * one busy anyway. Handing a page to a worker costs the reading thread about a third of hashing
 * it, which pays when a core is free beside it: always with the embedded store (the database runs
 * in the reading thread itself), and with a database server only on more than two CPUs (on two,
 * bench:audit measured the worker slower than hashing in the reading thread).
 *
 * @example
 * workerByDefault(await openPGliteEventStore()); // true
 */
export const workerByDefault = (store: Pick<EventStore, 'kind'>): boolean => store.kind === 'pglite' || availableParallelism() > 2;

const checkpointEvents = { stream: CHECKPOINT_STREAM, type: CHECKPOINT_SIGNED };

/** Runs an {@link AllPass} here or in a worker thread. */
interface PassRunner {
  /** Hands a page over; resolves when another may be sent. */
  add(page: readonly RecordedEvent[]): Promise<void>;
  finish(): Promise<AllPassResult>;
  close(): Promise<void>;
}

const inThread = (data: AllPassWorkerData): PassRunner => {
  const pass = new AllPass(data.wanted, data.checkpointEvents, data.scope, data.keepLeaves);
  return {
    add: (page) => {
      pass.addPage(page);
      return Promise.resolve();
    },
    finish: () => Promise.resolve(pass.finish()),
    close: () => Promise.resolve(),
  };
};

/** Pages posted and not yet hashed: enough to keep the worker busy, few enough to bound memory. */
const IN_FLIGHT = 3;

const inWorker = (data: AllPassWorkerData): PassRunner => {
  const worker = new Worker(new URL('./all-pass-worker.js', import.meta.url), { workerData: data });
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let finished: ((result: AllPassResult) => void) | undefined;
  let failed: ((e: Error) => void) | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    wake?.();
    failed?.(e);
  };
  worker.on('message', (message: { ack: true } | { result: AllPassResult }) => {
    if ('ack' in message) {
      inFlight -= 1;
      wake?.();
    } else {
      finished?.(message.result);
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the verify worker stopped (exit code ${String(code)})`)));
  const post = (message: ToAllPassWorker) => worker.postMessage(message);
  return {
    add: async (page) => {
      if (failure !== undefined) throw failure;
      // Only what the pass reads: leaving out positions and dates makes the copy a fifth cheaper.
      post({
        page: page.map(({ id, streamName, revision, type, data, dataJson, metadata, metadataJson }) =>
          dataJson === undefined || metadataJson === undefined
            ? { id, streamName, revision, type, data, dataJson, metadata, metadataJson }
            : { id, streamName, revision, type, dataJson, metadataJson },
        ) as RecordedEvent[],
      });
      inFlight += 1;
      while (inFlight >= IN_FLIGHT && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (failure !== undefined) throw failure;
    },
    finish: () =>
      new Promise<AllPassResult>((resolve, reject) => {
        if (failure !== undefined) return reject(failure);
        finished = resolve;
        failed = reject;
        post({ finish: true });
      }),
    close: async () => {
      worker.removeAllListeners('exit');
      await worker.terminate();
    },
  };
};

/**
 * Verifies a store: every stream's hash chain; unless a scope without `full` is given, the Merkle
 * tree over `$all` and every signed checkpoint (in the store's `audit-checkpoints` stream and in
 * `checkpointFiles`) against it. Reads up to the head at the start: events appended meanwhile are
 * left for the next run.
 *
 * @example
 * const report = await verifyStore(store, { publicKeyPem, onProgress: (p) => console.error(p.events) });
 * if (!report.ok) for (const p of report.problems) console.log(problemLine(p));
 */
export const verifyStore = async (store: EventStore, options: VerifyStoreOptions = {}): Promise<VerifyReport> => {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const pageSize = options.pageSize ?? 2000;
  const problems: Problem[] = [];
  const progress = progressTimer(options, started, now);
  const scope = options.scope;
  const wholeTree = scope === undefined || options.full === true;
  let events = 0;

  if (!wholeTree) {
    // The chosen streams only: named ones read by revision, prefixed ones from $all.
    const chains = new Chains(problems, false);
    for (const name of scope.streams ?? []) {
      for await (const page of streamPages(store, name, pageSize)) {
        for (const event of page) chains.add(event, undefined);
        events += page.length;
        progress(events);
      }
      chains.endStream(name);
    }
    const prefixes = scope.streamPrefixes ?? [];
    const head = prefixes.length > 0 ? await store.headPosition() : undefined;
    if (head !== undefined) {
      const prefixed = new Chains(problems, true);
      for await (const page of allPages(store, head, pageSize, { streamNamePrefixes: prefixes })) {
        for (const event of page) prefixed.add(event, undefined);
        events += page.length;
        progress(events, page[page.length - 1]?.position, head);
      }
      prefixed.finish();
    }
    chains.finish();
    progress(events, undefined, undefined, true);
    return { ok: !problems.some((p) => p.failure), problems, events, checkpoints: { checked: 0, signed: 0 }, elapsedMs: now() - started };
  }

  const head = await store.headPosition();
  const files = (options.checkpointFiles ?? []).map((f): CheckpointCandidate => ({ checkpoint: f.checkpoint, source: { kind: 'file', file: f.file } }));
  const wanted = head === undefined ? [] : await storedCheckpointSizes(store, head, pageSize);
  for (const f of files) {
    const size = claimedSize(f.checkpoint);
    if (size !== undefined) wanted.push(size);
  }
  const data: AllPassWorkerData = { wanted, checkpointEvents, ...(scope === undefined ? {} : { scope }), keepLeaves: options.signedLeaves !== undefined };
  const runner = (options.worker ?? workerByDefault(store)) ? inWorker(data) : inThread(data);
  let pass: AllPassResult;
  try {
    if (head !== undefined) {
      for await (const page of allPages(store, head, pageSize)) {
        await runner.add(page);
        events += page.length;
        progress(events, page[page.length - 1]?.position, head);
      }
    }
    pass = await runner.finish();
  } finally {
    await runner.close();
  }
  let found: Problem[] = [...pass.problems];

  // Checkpoints, smallest first, so a mismatch can say after which size the tree still agreed.
  const candidates = [...pass.checkpoints, ...files].sort((a, b) => (claimedSize(a.checkpoint) ?? 0) - (claimedSize(b.checkpoint) ?? 0));
  let agreed: number | undefined;
  let signed = 0;
  const checkpointProblems: Problem[] = [];
  /** The largest checkpoint that is signed (or unsigned, without a key) and does not match. */
  let failed: SignedCheckpoint | undefined;
  for (const candidate of candidates) {
    const outcome = checkCheckpoint(candidate, options.publicKeyPem, (n) => pass.roots.get(n), pass.leaves, agreed);
    if (outcome.signed) signed += 1;
    if (outcome.matches) agreed = claimedSize(candidate.checkpoint);
    if (outcome.problem !== undefined) checkpointProblems.push(outcome.problem);
    if (outcome.problem?.kind === 'root-mismatch' || outcome.problem?.kind === 'truncated') failed = candidate.checkpoint as SignedCheckpoint;
  }
  // Which events the failed checkpoint misses, from the audit tables, when they can tell.
  if (failed !== undefined && options.signedLeaves !== undefined && head !== undefined) {
    if (pass.leafData === undefined) {
      problems.push({
        kind: 'unverified',
        failure: false,
        message: `more than ${String(KEPT_LEAVES)} events: which ones the checkpoints miss is not worked out`,
      });
    } else {
      const located = await locateDifferences({
        store,
        head,
        checkpoint: failed,
        signedLeaves: options.signedLeaves,
        mine: pass.leafData,
        problems: found,
        pageSize,
      });
      found = located.problems;
      if (located.note !== undefined) problems.push(located.note);
    }
  }
  problems.unshift(...found, ...checkpointProblems);
  if (options.publicKeyPem === undefined && candidates.length > 0) {
    problems.push({
      kind: 'unverified',
      failure: false,
      message: `${String(candidates.length)} checkpoint signatures not checked: no public key (give --public-key FILE); their roots were compared`,
    });
  }
  progress(events, head, head, true);
  return {
    ok: !problems.some((p) => p.failure),
    problems,
    events,
    tree: { size: pass.leaves, rootHash: pass.rootHash },
    checkpoints: { checked: candidates.length, signed },
    elapsedMs: now() - started,
  };
};
