import { StatesError } from '@stepstream/asl';
import type { HistoryEventData, HistoryEventType } from '../history.js';
import type { NewHistoryEvent } from './model.js';

/** Collects the events of one decision and hands out their ids. */
export class EventBatch {
  readonly events: NewHistoryEvent[] = [];
  constructor(
    private lastId: number,
    readonly now: number,
  ) {}
  get lastEventId() {
    return this.lastId;
  }
  push(
    type: HistoryEventType,
    previousEventId: number,
    details: Omit<HistoryEventData, 'timestamp' | 'previousEventId'> = {},
    metadata?: Record<string, unknown>,
  ): number {
    this.events.push({ type, data: { timestamp: this.now, previousEventId, ...details }, ...(metadata ? { metadata } : {}) });
    return ++this.lastId;
  }
  /** Adds metadata to the last event pushed (e.g. a retry's due time). */
  annotateLast(metadata: Record<string, unknown>): void {
    const last = this.events.at(-1);
    if (!last) throw new Error('annotateLast on an empty batch');
    this.events[this.events.length - 1] = { ...last, metadata: { ...(last.metadata ?? {}), ...metadata } };
  }
}

export const json = (v: unknown) => JSON.stringify(v === undefined ? null : v);
export const truncated = { truncated: false } as const;

/** AWS's payload limit: 262,144 bytes of UTF-8 for any state input, result or output. */
export const PAYLOAD_LIMIT_BYTES = 262_144;

/** UTF-8 length of a string, without encoding it. */
export const utf8Length = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
};

/** The JSON text of a payload, or States.DataLimitExceeded when it is over the limit. */
export const payload = (stateName: string, v: unknown): string => {
  const text = json(v);
  if (text.length > PAYLOAD_LIMIT_BYTES / 4 && utf8Length(text) > PAYLOAD_LIMIT_BYTES) {
    throw new StatesError(
      'States.DataLimitExceeded',
      `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
  return text;
};
