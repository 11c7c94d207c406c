import { WrongExpectedVersionError, type AppendResult, type EventData, type EventStore, type RecordedEvent } from '@stepstream/eventstore';

/** What an API call passes down with its command, recorded in the metadata of the events it appends. */
export interface CallMetadata {
  readonly requestId?: string;
  /** The lease an append is fenced by: `<shard>/<epoch>/<node>` (cluster/ownership.ts; checked by the store). */
  readonly $lease?: string;
}

/** What a command handler decided: events to append (possibly none) and a value to return. */
export interface Decision<R> {
  readonly events: readonly EventData[];
  readonly result: R;
}

export interface CommandOutcome<R> {
  readonly result: R;
  /** Where the events landed; undefined when nothing was appended. */
  readonly appended: AppendResult | undefined;
  /** The stream's events after the command (read + appended are not re-read). */
  readonly revision: bigint | 'no_stream';
}

/**
 * Runs a command against one stream with optimistic concurrency: read the stream, decide, append
 * with the revision that was read. A writer that raced us makes the append fail; we read again
 * and decide again, so every decision is made on the history it extends.
 *
 * With `after`, a read starts past the revision it returns (the caller holds the fold of the events
 * up to it): `decide` gets only the events after it, and `revision`, the stream's revision read.
 */
export const handleCommand = async <R>(
  store: EventStore,
  streamName: string,
  decide: (events: readonly RecordedEvent[], revision: bigint | 'no_stream') => Decision<R>,
  options: { readonly metadata?: Readonly<Record<string, unknown>>; readonly attempts?: number; readonly after?: () => bigint | undefined } = {},
): Promise<CommandOutcome<R>> => {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    const after = options.after?.();
    const events = await store.readStream(streamName, after === undefined ? undefined : { fromRevision: after + 1n });
    const revision = events.at(-1)?.revision ?? after ?? ('no_stream' as const);
    const decision = decide(events, revision);
    if (decision.events.length === 0) return { result: decision.result, appended: undefined, revision };
    const withMetadata = options.metadata ? decision.events.map((e) => ({ ...e, metadata: { ...options.metadata, ...(e.metadata ?? {}) } })) : decision.events;
    try {
      const appended = await store.appendToStream(streamName, withMetadata, { expectedRevision: revision });
      return { result: decision.result, appended, revision: appended.nextExpectedRevision };
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError) || attempt >= attempts) throw e;
    }
  }
};
