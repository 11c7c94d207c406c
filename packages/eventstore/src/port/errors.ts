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
