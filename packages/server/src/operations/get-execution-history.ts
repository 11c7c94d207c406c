import { executionDoesNotExist, invalidToken, payloadCharsOf } from '@stepstream/domain';
import type { RecordedEvent } from '@stepstream/eventstore';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, optional } from '../validation.js';
import { pageSize, type Deps } from './deps.js';

export const GetExecutionHistoryInput = t.intersection([
  t.type({ executionArn: t.string }),
  t.partial({
    maxResults: optional(integer),
    reverseOrder: optional(t.boolean),
    nextToken: optional(t.string),
    includeExecutionData: optional(t.boolean),
  }),
]);

const PAYLOAD_KEYS = new Set(['input', 'output']);

/** Events read from the store at a time while a page is built. */
const CHUNK = 100;
/** A page stops growing past this many characters of payloads (it always holds one event). */
const PAGE_CHARS = 16 * 1024 * 1024;

/** A stored event as AWS's HistoryEvent: id = revision + 1, timestamp in epoch seconds. */
export const toHistoryEvent = (e: RecordedEvent, includeData: boolean): Record<string, unknown> => {
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

/** Reads the execution's stream itself: the history *is* the stream. */
export const getExecutionHistory =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
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
    // Read in chunks and stop at the page size or at PAGE_CHARS of payloads, whichever comes
    // first (AWS: "Returned pages may be shorter than maxResults"): 1,000 events of 256 KiB each
    // would otherwise be a 256 MB answer built in memory at once.
    const page: Record<string, unknown>[] = [];
    let chars = 0;
    let from: bigint | 'start' | 'end' = cursor ? BigInt(cursor.revision) : reverse ? 'end' : 'start';
    let next: bigint | undefined;
    read: for (;;) {
      const want = Math.min(CHUNK, limit - page.length);
      // One more than wanted: whether there is a next page.
      const events = await engine.reads.store.readStream(where.stream, {
        direction: reverse ? 'backwards' : 'forwards',
        fromRevision: from,
        maxCount: want + 1,
      });
      if (events.length === 0 && page.length === 0 && !cursor) return E.left(executionDoesNotExist(input.executionArn));
      for (const e of events.slice(0, want)) {
        if (page.length > 0 && chars >= PAGE_CHARS) {
          next = e.revision;
          break read;
        }
        const shaped = toHistoryEvent(e, includeData);
        chars += payloadCharsOf(shaped);
        page.push(shaped);
      }
      const after = events[want];
      if (!after) break;
      if (page.length >= limit || chars >= PAGE_CHARS) {
        next = after.revision;
        break;
      }
      from = after.revision;
    }
    return E.right({
      events: page,
      ...(next !== undefined ? { nextToken: tokens.issue(scope, { revision: next.toString() }) } : {}),
    });
  };
