import { executionDoesNotExist, invalidToken } from '@stepstream/domain';
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
    const events = await engine.store.readStream(where.stream, {
      direction: reverse ? 'backwards' : 'forwards',
      fromRevision: cursor ? BigInt(cursor.revision) : reverse ? 'end' : 'start',
      maxCount: limit + 1,
    });
    if (events.length === 0 && !cursor) return E.left(executionDoesNotExist(input.executionArn));
    const page = events.slice(0, limit);
    const next = events[limit];
    return E.right({
      events: page.map((e) => toHistoryEvent(e, input.includeExecutionData !== false)),
      ...(next ? { nextToken: tokens.issue(scope, { revision: next.revision.toString() }) } : {}),
    });
  };
