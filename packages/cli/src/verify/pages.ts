/**
 * Reading a store in pages with the next page already on its way: while verify hashes one page,
 * the store (Postgres in another process) reads the next, so the two costs overlap instead of
 * adding up.
 *
 * @module
 */
import { comparePositions, type EventStore, type Position, type ReadAllOptions, type RecordedEvent } from '@stepstream/eventstore';

/**
 * `$all` from the start up to `head` (inclusive), in pages of `pageSize`, each page requested
 * before the previous one is handed out. Data and metadata come as the stored texts
 * (`storedJson`) where the store keeps them: verify hashes those, and parses only when it must.
 *
 * @example
 * for await (const page of allPages(store, head, 2048)) for (const event of page) check(event);
 */
export async function* allPages(
  store: EventStore,
  head: Position,
  pageSize: number,
  filter?: ReadAllOptions['filter'],
): AsyncGenerator<readonly RecordedEvent[]> {
  const read = (from: Position | 'start') =>
    store.readAll({ fromPosition: from, toPosition: head, maxCount: pageSize, storedJson: true, ...(filter === undefined ? {} : { filter }) });
  let pending: Promise<RecordedEvent[]> | undefined = read('start');
  let after: Position | undefined;
  while (pending !== undefined) {
    const rows: RecordedEvent[] = await pending;
    const last = rows[rows.length - 1];
    // `fromPosition` is inclusive: the page after a full one starts at its last event again.
    pending = rows.length === pageSize && last !== undefined && comparePositions(last.position, head) < 0 ? read(last.position) : undefined;
    const fresh = after === undefined ? rows : rows.filter((e) => comparePositions(e.position, after as Position) > 0);
    if (last !== undefined) after = last.position;
    if (fresh.length > 0) yield fresh;
  }
}

/**
 * One stream from revision 0, in pages of `pageSize`, the next requested before the previous is
 * handed out.
 *
 * @example
 * for await (const page of streamPages(store, 'execution-…', 1000)) checker.add(...page);
 */
export async function* streamPages(store: EventStore, streamName: string, pageSize: number): AsyncGenerator<readonly RecordedEvent[]> {
  const read = (from: bigint) => store.readStream(streamName, { fromRevision: from, maxCount: pageSize });
  let pending: Promise<RecordedEvent[]> | undefined = read(0n);
  while (pending !== undefined) {
    const rows: RecordedEvent[] = await pending;
    const last = rows[rows.length - 1];
    pending = rows.length === pageSize && last !== undefined ? read(last.revision + 1n) : undefined;
    if (rows.length > 0) yield rows;
  }
}
