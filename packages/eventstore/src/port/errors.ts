import type { CurrentRevision, ExpectedRevision } from './types.js';

/** An append whose `expectedRevision` did not hold; nothing was written. */
export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: CurrentRevision,
  ) {
    super(`Append to stream '${streamName}' expected revision ${String(expected)} but the stream is at ${String(actual)}`);
  }
}

export const isWrongExpectedVersionError = (e: unknown): e is WrongExpectedVersionError => e instanceof WrongExpectedVersionError;

/** The store is closed, unreachable, or answered something the adapter cannot read. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
}

/**
 * A fenced append refused: the node that made it no longer holds the lease of the shard it
 * appended for (another node took the shard over). Nothing was written; the new owner does that
 * work now. See `docs/operations.md`.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly streamName: string,
    message: string,
  ) {
    super(message);
  }
}

export const isLeaseLostError = (e: unknown): e is LeaseLostError => e instanceof LeaseLostError;
