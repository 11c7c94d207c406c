/**
 * What `stepstream verify` reports: one {@link Problem} per thing found, each placed as precisely
 * as the evidence allows (stream, revision, AWS event id, the store's event id, leaf index).
 *
 * @module
 */
import type { ChainFinding } from '@stepstream/audit';

/**
 * The kinds of problems. All are failures except `unchained` (events written before the chain
 * existed) and `unverified` (something verify could not check, such as checkpoints without a
 * public key).
 */
export const ProblemKind = {
  /** The event's `$hash` is not the hash of what is stored: data, metadata, type, revision or stream changed. */
  altered: 'altered',
  /** The event's `$previousHash` is not the hash of the event before it: that one was replaced, or one was put before it. */
  brokenLink: 'broken-link',
  /** Revisions of a stream that are not in the store (deleted). */
  missing: 'missing',
  /** An event without a hash after the chain started: the engine did not write it. */
  inserted: 'inserted',
  /** An event that comes, in `$all` order, after a later revision of its stream. */
  reordered: 'reordered',
  /** A revision of a stream stored twice. */
  duplicate: 'duplicate',
  /** A signed checkpoint covers more events than the store holds: events were deleted, at the tail or elsewhere. */
  truncated: 'truncated',
  /** A checkpoint whose signature, key or shape does not check. */
  badSignature: 'bad-signature',
  /** A checkpoint whose signed root is not the root recomputed from the store at its size. */
  rootMismatch: 'root-mismatch',
  /** Events written before the chain existed: reported, not a failure. */
  unchained: 'unchained',
  /** Something that could not be checked (say, checkpoints with no public key): not a failure. */
  unverified: 'unverified',
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

/** Where a checkpoint came from: an event in the store, or a file given with `--checkpoint`. */
export type CheckpointSource = { readonly kind: 'store' } | { readonly kind: 'file'; readonly file: string };

/** One problem (or, for `unchained`/`unverified`, one observation). */
export interface Problem {
  readonly kind: ProblemKind;
  /** `false` only for `unchained` and `unverified`. */
  readonly failure: boolean;
  readonly stream?: string;
  /** The event's revision; for a range (`missing`, `unchained`), its first. */
  readonly revision?: bigint;
  /** For a range: its last revision. */
  readonly untilRevision?: bigint;
  /** The AWS history event id (revision + 1), for events of execution streams. */
  readonly awsEventId?: number;
  /** The store's event id, when the problem is about one event that is there. */
  readonly eventId?: string;
  /** The event's index in the tree (its place in `$all`), when known. */
  readonly leafIndex?: number;
  /** For checkpoint problems: the checkpoint's tree size and where it came from. */
  readonly checkpoint?: { readonly treeSize: number | undefined; readonly source: CheckpointSource };
  readonly message: string;
}

const EXECUTION_STREAM = 'execution-';

/** The AWS event id of a revision of `stream` (revision + 1), for execution streams only. */
export const awsEventIdOf = (stream: string, revision: bigint): number | undefined => (stream.startsWith(EXECUTION_STREAM) ? Number(revision + 1n) : undefined);

/** A problem about an event or a range of revisions of a stream, with its AWS event id when it has one. */
export const streamProblem = (fields: Omit<Problem, 'failure' | 'awsEventId'> & { readonly stream: string; readonly revision: bigint }): Problem => {
  const awsEventId = awsEventIdOf(fields.stream, fields.revision);
  const failure = fields.kind !== 'unchained' && fields.kind !== 'unverified';
  return { ...fields, failure, ...(awsEventId === undefined ? {} : { awsEventId }) };
};

/** A chain checker's finding as a problem. */
export const fromChainFinding = (finding: ChainFinding): Problem =>
  streamProblem({
    kind: finding.kind,
    stream: finding.streamName,
    revision: finding.revision,
    ...(finding.untilRevision === undefined || finding.untilRevision === finding.revision ? {} : { untilRevision: finding.untilRevision }),
    ...(finding.eventId === undefined ? {} : { eventId: finding.eventId }),
    message: finding.message,
  });

/** A problem as JSON: revisions as decimal strings (they are 64-bit). */
export const problemJson = (problem: Problem): Record<string, unknown> => ({
  ...problem,
  ...(problem.revision === undefined ? {} : { revision: problem.revision.toString() }),
  ...(problem.untilRevision === undefined ? {} : { untilRevision: problem.untilRevision.toString() }),
});

/**
 * One line for a person: kind, where, message.
 *
 * @example
 * problemLine(p); // 'altered  execution-…:orders:run-7 revision 4 (event id 5, 2f1c…): revision 4 does not hash to its $hash'
 */
export const problemLine = (problem: Problem): string => {
  const where: string[] = [];
  if (problem.stream !== undefined) {
    const revisions =
      problem.revision === undefined
        ? ''
        : problem.untilRevision === undefined
          ? ` revision ${problem.revision.toString()}`
          : ` revisions ${problem.revision.toString()}..${problem.untilRevision.toString()}`;
    where.push(`${problem.stream}${revisions}`);
  }
  const ids: string[] = [];
  if (problem.awsEventId !== undefined) {
    const last = problem.untilRevision === undefined ? undefined : awsEventIdOf(problem.stream ?? '', problem.untilRevision);
    ids.push(last === undefined ? `event id ${String(problem.awsEventId)}` : `event ids ${String(problem.awsEventId)}..${String(last)}`);
  }
  if (problem.eventId !== undefined) ids.push(problem.eventId);
  if (problem.leafIndex !== undefined) ids.push(`leaf ${String(problem.leafIndex)}`);
  if (problem.checkpoint?.source.kind === 'file') where.push(`checkpoint file ${problem.checkpoint.source.file}`);
  const place = where.length === 0 ? '' : ` ${where.join(', ')}`;
  const idText = ids.length === 0 ? '' : ` (${ids.join(', ')})`;
  return `${problem.kind}${place}${idText}: ${problem.message}`;
};
