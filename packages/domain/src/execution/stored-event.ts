import * as E from 'fp-ts/lib/Either.js';
import { isHistoryEventType, type ExecutionStartedMetadata, type HistoryEventData, type HistoryEventType } from '../history.js';

/**
 * An event of an execution's stream as any store returns it: the type is whatever was written,
 * which may be a type a newer version added. The eventstore's `RecordedEvent` is one.
 */
export interface RecordedHistoryEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/**
 * An event of an execution's stream whose type this version knows: AWS's history event type and
 * data, our metadata. What `evolveExecution` folds; `decodeHistoryEvent` makes one from a
 * {@link RecordedHistoryEvent}.
 */
export interface StoredHistoryEvent {
  readonly type: HistoryEventType;
  readonly data: HistoryEventData;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A stored event whose type this version does not know (a newer version wrote it). */
export interface UnknownHistoryEventType {
  readonly _tag: 'UnknownHistoryEventType';
  readonly type: string;
}

/**
 * The one place a stored event's `type: string` becomes a {@link HistoryEventType}: the edge of
 * the fold. An unknown type is reported, never cast into the union.
 *
 * The data is taken as the decider wrote it: no event shape has changed so far. When one does, its
 * upcast to the current shape goes here (STYLE.md §2: old shapes are upcast on read).
 *
 * @example
 * decodeHistoryEvent({ type: 'PassStateEntered', data }); // right({ type: 'PassStateEntered', data })
 * decodeHistoryEvent({ type: 'FutureStateEntered', data }); // left({ _tag: 'UnknownHistoryEventType', type: 'FutureStateEntered' })
 */
export const decodeHistoryEvent = (event: RecordedHistoryEvent): E.Either<UnknownHistoryEventType, StoredHistoryEvent> =>
  isHistoryEventType(event.type)
    ? E.right({
        type: event.type,
        data: event.data as HistoryEventData,
        ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
      })
    : E.left({ _tag: 'UnknownHistoryEventType', type: event.type });

/**
 * The metadata an `ExecutionStarted` event carries (the execution's identity and definition
 * snapshot), checked at read: the one place it stops being `Record<string, unknown>`. Histories
 * written before `engineVersion` existed lack it, and are read as version 1 rules by the deciders
 * (`engineVersion` stays undefined). A history whose first event lacks the identity was not
 * written by Stepstream: that is refused loudly, never folded into a half-known execution.
 *
 * @example
 * executionStartedMetadata(started.metadata).stateMachineArn // 'arn:aws:states:…:stateMachine:sm'
 */
export const executionStartedMetadata = (metadata: Readonly<Record<string, unknown>> | undefined): ExecutionStartedMetadata => {
  const m = metadata ?? {};
  const missing = (['executionArn', 'stateMachineArn', 'name', 'definition', 'stateMachineType'] as const).filter((k) => typeof m[k] !== 'string');
  if (missing.length > 0)
    throw new Error(`an ExecutionStarted event without ${missing.join(', ')} in its metadata: this history was not written by Stepstream's decider`);
  return m as Readonly<Record<string, unknown>> & ExecutionStartedMetadata;
};

/** Whether an event begins a decision: the decider records what triggered it on a decision's first event (`metadata.trigger`). */
export const beginsDecision = (event: { readonly metadata?: Readonly<Record<string, unknown>> } | undefined): boolean =>
  event?.metadata?.['trigger'] !== undefined;
