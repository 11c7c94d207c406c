import {
  beginsDecision,
  executionDoesNotExist,
  foldExecution,
  initialExecutionState,
  inspectState,
  validationException,
  type ApiError,
  type ExecutionState,
  type Inspection,
  type RecordedHistoryEvent,
} from '@stepstream/domain';
import type { EventStore, RecordedEvent } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { locateExecution } from '../locate.js';

/** Events between two kept folds of one history: an inspection reads and folds at most this many past the nearest. */
export const SNAPSHOT_EVERY = 1000;
/** Events read per page while folding. */
const PAGE = 1000;

/** A fold kept, and the first event of the decision its last event belongs to. */
interface Kept {
  readonly state: ExecutionState;
  readonly decisionStart: number;
  /** The type and timestamp of the fold's last event (read when needed for a fold a decision reached). */
  readonly last?: { readonly type: string; readonly timestamp: number };
}

const EMPTY: Kept = { state: initialExecutionState, decisionStart: 1, last: { type: '', timestamp: 0 } };

/**
 * Folds of histories: those an inspection reads at every {@link SNAPSHOT_EVERY}th event, and
 * those this process's decisions reach, one every {@link SNAPSHOT_EVERY} events or more. An
 * inspection at any event then reads and folds about that many events past the nearest fold kept.
 * A history only grows, so a fold at an event never goes stale. Bounded by the number of histories
 * (the least recently used go first).
 */
export class InspectSnapshots {
  private readonly kept = new Map<string, Map<number, Kept>>();

  constructor(private readonly histories = 64) {}

  /** The kept fold nearest at or below `eventId` (the empty state at 0). */
  nearest(stream: string, eventId: number): Kept {
    const folds = this.kept.get(stream);
    if (folds === undefined) return EMPTY;
    this.kept.delete(stream);
    this.kept.set(stream, folds);
    // The folds kept are few (one per SNAPSHOT_EVERY events read): look through them, never count down to 0.
    let best: Kept | undefined;
    for (const [at, kept] of folds) if (at <= eventId && (best === undefined || at > best.state.lastEventId)) best = kept;
    if (best !== undefined) return best;
    return EMPTY;
  }

  /**
   * A fold a decision of this process reached (the end of a decision): kept when it is at least
   * {@link SNAPSHOT_EVERY} events past the last one kept for the stream, so a history that ran
   * here is inspected fast from its first inspection on.
   */
  decided(stream: string, state: ExecutionState): void {
    let newest = 0;
    for (const at of this.kept.get(stream)?.keys() ?? []) newest = Math.max(newest, at);
    if (state.lastEventId - newest >= SNAPSHOT_EVERY) this.keep(stream, { state, decisionStart: state.lastEventId + 1 });
  }

  keep(stream: string, kept: Kept): void {
    let folds = this.kept.get(stream);
    if (folds === undefined) {
      folds = new Map();
      this.kept.set(stream, folds);
      if (this.kept.size > this.histories) this.kept.delete(this.kept.keys().next().value as string);
    }
    folds.set(kept.state.lastEventId, kept);
  }
}

/**
 * `Stepstream.InspectExecution`, `stepstream inspect`: the execution after event `eventId` of its
 * history (its last event when omitted), as {@link inspectState} describes it. Reads the history
 * from the nearest kept fold up to that event (and one more, to know whether the event ends its
 * decision).
 */
export const inspectExecution = async (
  deps: { readonly store: EventStore; readonly snapshots: InspectSnapshots },
  executionArn: string,
  eventId?: number,
): Promise<E.Either<ApiError, Inspection>> => {
  const located = locateExecution(executionArn);
  if (E.isLeft(located)) return located;
  const { stream } = located.right;
  if (eventId !== undefined && (!Number.isSafeInteger(eventId) || eventId < 1))
    return E.left(validationException(`Invalid eventId: ${String(eventId)}: an event id is a whole number from 1`));
  const from = deps.snapshots.nearest(stream, eventId ?? Number.MAX_SAFE_INTEGER);
  let state = from.state;
  let last = from.last;
  if (last === undefined && from.state.lastEventId > 0) {
    // A fold a decision reached: its last event's type and time, read once.
    const [event] = await deps.store.readStream(stream, { fromRevision: BigInt(from.state.lastEventId - 1), maxCount: 1, metadata: false });
    last = { type: event?.type ?? '', timestamp: (event?.data as { timestamp?: number } | undefined)?.timestamp ?? 0 };
  }
  let next: RecordedEvent | undefined;
  /** The first event of the decision `last` belongs to. */
  let decisionStart = from.decisionStart;
  let ended = false;
  while (!ended) {
    const page = await deps.store.readStream(stream, { fromRevision: BigInt(state.lastEventId), maxCount: PAGE });
    const upTo = eventId === undefined ? page.length : Math.min(page.length, eventId - state.lastEventId);
    for (let i = 0; i < upTo; i++) {
      const event = page[i]!;
      if (beginsDecision(event)) decisionStart = state.lastEventId + 1;
      state = foldExecution([event as unknown as RecordedHistoryEvent], state);
      last = { type: event.type, timestamp: (event.data as { timestamp?: number } | undefined)?.timestamp ?? 0 };
      if (state.lastEventId % SNAPSHOT_EVERY === 0) deps.snapshots.keep(stream, { state, decisionStart, last });
    }
    if (upTo < page.length) {
      next = page[upTo];
      ended = true;
    } else if (page.length < PAGE) ended = true;
  }
  if (state.info === undefined) return E.left(executionDoesNotExist(executionArn));
  if (eventId !== undefined && state.lastEventId < eventId)
    return E.left(validationException(`Invalid eventId: ${String(eventId)}: the history of ${executionArn} has ${String(state.lastEventId)} events`));
  const lastEventId =
    next === undefined ? state.lastEventId : Number((await deps.store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]!.revision) + 1;
  // The frames change on a decision's last event: mid-decision they are as the decision found them.
  const endsDecision = next === undefined || beginsDecision(next);
  const inspection = inspectState(
    state,
    { id: state.lastEventId, type: last?.type ?? '', timestamp: last?.timestamp ?? 0, framesAsOfEventId: endsDecision ? state.lastEventId : decisionStart - 1 },
    lastEventId,
  );
  return inspection === undefined ? E.left(executionDoesNotExist(executionArn)) : E.right(inspection);
};
