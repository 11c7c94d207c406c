/**
 * Stored history events as AWS clients receive them: the one conversion that GetExecutionHistory's
 * parsing path, proof bundles and their offline check share.
 *
 * @module
 */

/** The members of an event's details that `includeExecutionData: false` leaves out. */
const PAYLOAD_KEYS = new Set(['input', 'output']);

/**
 * Epoch milliseconds as AWS's timestamps: epoch seconds in a JSON number.
 *
 * @example
 * epochSeconds(1718000000123); // 1718000000.123
 */
export const epochSeconds = (ms: number | string): number => Number(ms) / 1000;

/** A stored event of an execution's stream, as far as its HistoryEvent needs it. */
export interface HistoryEventSource {
  readonly type: string;
  /** Its revision in the stream: a bigint as the store reads it, or its decimal string (a bundle's). */
  readonly revision: bigint | string;
  /** The stored data: the HistoryEvent less `id` and `type`, with `timestamp` in epoch milliseconds. */
  readonly data: unknown;
}

/**
 * A stored event as AWS's HistoryEvent: `id` = revision + 1, `timestamp` in epoch seconds, then
 * `type`, `previousEventId` and the details member; without `input`/`output` in the details when
 * `includeData` is false (GetExecutionHistory's `includeExecutionData`).
 *
 * @example
 * toHistoryEvent({ type: 'PassStateEntered', revision: 1n, data: { timestamp: 1718000000123, previousEventId: 1,
 *   stateEnteredEventDetails: { name: 'P', input: '{}' } } }, true);
 * // { timestamp: 1718000000.123, type: 'PassStateEntered', id: 2, previousEventId: 1, stateEnteredEventDetails: { name: 'P', input: '{}' } }
 */
export const toHistoryEvent = (e: HistoryEventSource, includeData: boolean): Record<string, unknown> => {
  const { timestamp, previousEventId, ...details } = e.data as { timestamp: number; previousEventId: number } & Record<string, unknown>;
  const shaped = includeData
    ? details
    : Object.fromEntries(
        Object.entries(details).map(([k, v]) => [
          k,
          typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).filter(([dk]) => !PAYLOAD_KEYS.has(dk))) : v,
        ]),
      );
  return { timestamp: epochSeconds(timestamp), type: e.type, id: Number(e.revision) + 1, previousEventId, ...shaped };
};

/**
 * An execution's whole history as GetExecutionHistory returns it with its defaults (all pages,
 * oldest first, execution data included), from its stream's events in order. A proof bundle's
 * `history` is this; `verifyBundle(bundle, publicKeyPem, { toHistory: executionHistory })` checks it.
 *
 * @example
 * executionHistory(await store.readStream(stream)); // [{ timestamp, type: 'ExecutionStarted', id: 1, previousEventId: 0, … }, …]
 */
export const executionHistory = (events: readonly HistoryEventSource[]): Record<string, unknown>[] => events.map((e) => toHistoryEvent(e, true));
