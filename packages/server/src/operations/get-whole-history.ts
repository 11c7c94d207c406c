import { executionDoesNotExist } from '@stepstream/domain';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { RawJson } from '../raw-json.js';
import { decodeRequest, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { eventJson } from './get-execution-history.js';

export const GetWholeHistoryInput = t.intersection([t.type({ executionArn: t.string }), t.partial({ includeExecutionData: optional(t.boolean) })]);

/** The stored event data one answer carries at most; a history beyond it goes on with GetExecutionHistory's pages. */
const WHOLE_BYTES = 32 * 1024 * 1024;
/** AWS's cap on a history, plus one to know whether there is more. */
const MAX_EVENTS = 25_001;

/**
 * `Stepstream.GetWholeHistory` `{ executionArn, includeExecutionData? }`: an execution's history in
 * one answer — `{ events }`, each event exactly as GetExecutionHistory gives it (composed from the
 * stored JSON texts the same way) — for a reader that wants all of it (the console: one request
 * instead of 25 pages). When the events' data pass 32 MiB the answer stops there with a
 * `nextToken` that GetExecutionHistory (forwards, without reverseOrder) takes to go on.
 */
export const getWholeHistory =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(GetWholeHistoryInput, body, { required: ['executionArn'], rules: { executionArn: [minLength(1), maxLength(256)] } });
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, includeExecutionData } = decoded.right;
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    const events = await engine.reads.store.readStreamRaw(located.right.stream, {
      direction: 'forwards',
      fromRevision: 'start',
      maxCount: MAX_EVENTS,
      maxBytes: WHOLE_BYTES,
    });
    if (events.length === 0) return E.left(executionDoesNotExist(executionArn));
    const includeData = includeExecutionData !== false;
    const parts = ['{"events":['];
    for (const [i, e] of events.entries()) {
      if (i > 0) parts.push(',');
      parts.push(eventJson(e, includeData));
    }
    // Cut by the byte budget (or past AWS's cap): the next event is where GetExecutionHistory goes on.
    const last = events.at(-1)!;
    const more =
      events.length === MAX_EVENTS ||
      (await engine.reads.store.readStreamRaw(located.right.stream, { fromRevision: last.revision + 1n, maxCount: 1 })).length > 0;
    parts.push(
      more
        ? `],"nextToken":${JSON.stringify(tokens.issue(`GetExecutionHistory:${executionArn}:false`, { revision: (last.revision + 1n).toString() }))}}`
        : ']}',
    );
    return E.right(new RawJson(parts));
  };
