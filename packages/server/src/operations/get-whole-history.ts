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
 * `nextToken` that GetExecutionHistory (forwards, without reverseOrder) takes to go on. A long
 * history of an execution that ended is composed once and kept ({@link ClosedHistories}).
 */
export const getWholeHistory = ({ engine, tokens }: Deps): Operation => {
  const closed = new ClosedHistories();
  return async (body) => {
    const decoded = decodeRequest(GetWholeHistoryInput, body, { required: ['executionArn'], rules: { executionArn: [minLength(1), maxLength(256)] } });
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, includeExecutionData } = decoded.right;
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    const includeData = includeExecutionData !== false;
    const stream = located.right.stream;
    const known = closed.get(stream, includeData);
    if (known !== undefined) {
      // Still the whole history when its last event is still the last (a redrive appends after it).
      const [tip] = await engine.reads.store.readStreamRaw(stream, { direction: 'backwards', maxCount: 1 });
      if (tip?.revision === known.lastRevision) return E.right(new RawJson(known.parts));
    }
    const events = await engine.reads.store.readStreamRaw(stream, {
      direction: 'forwards',
      fromRevision: 'start',
      maxCount: MAX_EVENTS,
      maxBytes: WHOLE_BYTES,
    });
    if (events.length === 0) return E.left(executionDoesNotExist(executionArn));
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
    if (!more) closed.keep(stream, includeData, events.at(-1)!, parts);
    return E.right(new RawJson(parts));
  };
};

/** A history this long or longer is kept once composed (a shorter one composes in a few milliseconds). */
const KEEP_FROM_EVENTS = 1000;
/** What the answers kept may hold in all (the UTF-16 length of their texts). */
const KEPT_CHARACTERS = 64 * 1024 * 1024;
const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * The answers for long, closed histories, composed once: a history only grows, so the answer
 * composed when its last event was revision r is still whole while r is the last (one read of the
 * stream's tip checks it). Only executions that ended are kept — a running one's answer would be
 * stale at its next event — up to {@link KEPT_CHARACTERS} in all, the least recently read going
 * first. Opening a 25,000-event execution's console page again costs a tip read, not a history's.
 */
class ClosedHistories {
  private readonly kept = new Map<string, { readonly lastRevision: bigint; readonly parts: readonly string[]; readonly size: number }>();
  private size = 0;

  get(stream: string, includeData: boolean) {
    const key = `${includeData ? 'd' : 'n'}${stream}`;
    const known = this.kept.get(key);
    if (known === undefined) return undefined;
    this.kept.delete(key);
    this.kept.set(key, known);
    return known;
  }

  keep(stream: string, includeData: boolean, last: { readonly type: string; readonly revision: bigint }, parts: readonly string[]): void {
    if (!TERMINAL.has(last.type) || last.revision + 1n < BigInt(KEEP_FROM_EVENTS)) return;
    let size = 0;
    for (const part of parts) size += part.length;
    if (size > KEPT_CHARACTERS / 4) return;
    const key = `${includeData ? 'd' : 'n'}${stream}`;
    const before = this.kept.get(key);
    if (before !== undefined) this.size -= before.size;
    this.kept.set(key, { lastRevision: last.revision, parts, size });
    this.size += size;
    for (const [oldest, entry] of this.kept) {
      if (this.size <= KEPT_CHARACTERS) break;
      this.kept.delete(oldest);
      this.size -= entry.size;
    }
  }
}
