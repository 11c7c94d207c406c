import { executionDoesNotExist, invalidToken, toHistoryEvent } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, optional } from '../validation.js';
import { RawJson } from '../raw-json.js';
import { pageSize, type Deps } from './deps.js';
import { historyEventJson } from './history-event-json.js';
import { ReadAhead } from './read-ahead.js';

export const GetExecutionHistoryInput = t.intersection([
  t.type({ executionArn: t.string }),
  t.partial({
    maxResults: optional(integer),
    reverseOrder: optional(t.boolean),
    nextToken: optional(t.string),
    includeExecutionData: optional(t.boolean),
  }),
]);

/**
 * A page stops before the event that would take it past this many bytes of stored event data (it
 * always holds one event): AWS says "returned pages may be shorter than maxResults", and 1,000
 * events of 256 KiB would otherwise be a 256 MB answer built in memory at once.
 */
const PAGE_BYTES = 16 * 1024 * 1024;

/** A stored event, as the history reads it: its data as the JSON text the store holds. */
type StoredEvent = Awaited<ReturnType<Deps['engine']['reads']['store']['readStreamRaw']>>[number];

/** A stored event as AWS's HistoryEvent: now shared with proof bundles, in `@stepstream/domain`. */
export { toHistoryEvent };

/** A stored event's HistoryEvent as JSON text: composed from the stored text, or else parsed and encoded. */
export const eventJson = (e: StoredEvent, includeData: boolean): string =>
  historyEventJson(e.type, e.revision, e.data, includeData) ?? JSON.stringify(toHistoryEvent({ ...e, data: JSON.parse(e.data) }, includeData));

/**
 * Whether `events` could weigh PAGE_BYTES as the store counts them (UTF-8 bytes of their data's
 * text): a UTF-16 code unit takes at most 3 bytes.
 */
const mayReachBudget = (events: readonly StoredEvent[]) => events.reduce((chars, e) => chars + e.data.length, 0) * 3 >= PAGE_BYTES;

/** The revision after `revision` in the direction of the read (none before 0). */
const step = (revision: bigint, reverse: boolean): bigint | 'start' => (reverse ? (revision === 0n ? 'start' : revision - 1n) : revision + 1n);

/** A page of history as read: its events' JSON texts, the revision after it (if any), and its length in chars. */
interface Page {
  readonly texts: readonly string[];
  readonly next: bigint | undefined;
  readonly chars: number;
  /** Whether the store had more events than the page: its events are then written for good. */
  readonly full: boolean;
}

/**
 * Reads the execution's stream itself: the history *is* the stream. The answer is composed as
 * JSON text from the stored texts (`RawJson`): an event's data is neither parsed nor encoded
 * again, unless it is not in the layout the engine writes.
 *
 * A page with a next one starts reading that one at once (`ReadAhead`): a client reading a whole
 * history asks for it next, and it is ready while the client is still decoding this one. Only a
 * full page is kept (more events followed it in the stream), so what is served is what a read at
 * the time of the ask would return: a history's events never change once written.
 */
export const getExecutionHistory = ({ engine, tokens }: Deps): Operation => {
  const ahead = new ReadAhead<Page>({ inFlight: 2, weight: 32 * 1024 * 1024, ttlMs: 10_000 });

  const readPage = async (stream: string, reverse: boolean, from: bigint | 'start' | 'end', limit: number, includeData: boolean): Promise<Page> => {
    // One read per page: the store stops at maxResults + 1 events (is there a next page?) or at
    // PAGE_BYTES of data, whichever comes first; metadata (our additions) is not read.
    const direction = reverse ? 'backwards' : 'forwards';
    const store = engine.reads.store;
    const events = await store.readStreamRaw(stream, { direction, fromRevision: from, maxCount: limit + 1, maxBytes: PAGE_BYTES });
    const page = events.slice(0, limit);
    const last = page.at(-1);
    // Fewer than maxResults + 1 events: the stream ended, or the byte budget cut the page. Only a
    // page that could have reached the budget is followed by a look at the next event.
    const following =
      events.length > limit
        ? events[limit]
        : last && mayReachBudget(events)
          ? (await store.readStreamRaw(stream, { direction, fromRevision: step(last.revision, reverse), maxCount: 1 }))[0]
          : undefined;
    let chars = 0;
    const texts = page.map((e) => {
      const text = eventJson(e, includeData);
      chars += text.length;
      return text;
    });
    return { texts, next: following?.revision, chars, full: following !== undefined };
  };

  return async (body) => {
    const decoded = decodeRequest(GetExecutionHistoryInput, body, {
      required: ['executionArn'],
      rules: { executionArn: [minLength(1), maxLength(256)], maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    const located = locateExecution(input.executionArn);
    if (E.isLeft(located)) return located;
    const where = located.right;
    const reverse = input.reverseOrder === true;
    const scope = `GetExecutionHistory:${input.executionArn}:${reverse}`;
    const cursor = input.nextToken != null ? tokens.read<{ revision: string }>(scope, input.nextToken) : undefined;
    if (input.nextToken != null && !cursor) return E.left(invalidToken());
    const limit = pageSize(input.maxResults);
    const includeData = input.includeExecutionData !== false;
    const from = cursor ? BigInt(cursor.revision) : reverse ? 'end' : 'start';
    const keyOf = (at: bigint | 'start' | 'end') => JSON.stringify([where.stream, reverse, at.toString(), limit, includeData]);
    const page = (await ahead.take(keyOf(from))) ?? (await readPage(where.stream, reverse, from, limit, includeData));
    if (page.texts.length === 0 && !cursor) return E.left(executionDoesNotExist(input.executionArn));
    const next = page.next;
    if (next !== undefined) {
      ahead.start(
        keyOf(next),
        () => readPage(where.stream, reverse, next, limit, includeData),
        (p) => p.chars,
        (p) => p.full,
      );
    }
    // The members in the order the parsing path's object had them: events, then nextToken.
    const parts = ['{"events":['];
    for (const [i, text] of page.texts.entries()) {
      if (i > 0) parts.push(',');
      parts.push(text);
    }
    parts.push(next !== undefined ? `],"nextToken":${JSON.stringify(tokens.issue(scope, { revision: next.toString() }))}}` : ']}');
    return E.right(new RawJson(parts));
  };
};
