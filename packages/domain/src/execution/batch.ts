import { StatesError } from '@stepstream/asl';
import type { HistoryEventData, HistoryEventType } from '../history.js';
import type { NewHistoryEvent } from './model.js';

/**
 * How much one decision may write before it yields: a chain of states that need no waiting (a
 * Pass/Choice loop) is decided in slices of at most this many events or payload characters, each
 * its own append, so the memory a decision needs is bounded by the execution's state and this
 * budget — never by its whole history (a 25,000-event loop over a 100 KiB input is ~5 GB).
 */
export interface DecisionBudget {
  readonly events: number;
  readonly payloadChars: number;
}

/** The budget of executions started by engine version 3 and later (see `ENGINE_VERSION`). */
export const DECISION_BUDGET: DecisionBudget = { events: 2_000, payloadChars: 8 * 1024 * 1024 };

/** The characters of the payloads (input, output, cause…) one event's details carry: its strings and those one level down. */
export const payloadCharsOf = (details: object): number => {
  let n = 0;
  for (const v of Object.values(details)) {
    if (typeof v === 'string') n += v.length;
    else if (typeof v === 'object' && v !== null) for (const x of Object.values(v as object)) if (typeof x === 'string') n += x.length;
  }
  return n;
};

/** Collects the events of one decision and hands out their ids. */
export class EventBatch {
  readonly events: NewHistoryEvent[] = [];
  private chars = 0;
  constructor(
    private lastId: number,
    readonly now: number,
    /** Undefined: no budget (executions of older engine versions, whose decisions replay as recorded). */
    private readonly budget?: DecisionBudget,
  ) {}
  get lastEventId() {
    return this.lastId;
  }
  /** Whether the decision has written its budget's worth and should yield before entering another state. */
  get spent(): boolean {
    return this.budget !== undefined && (this.events.length >= this.budget.events || this.chars >= this.budget.payloadChars);
  }
  push(
    type: HistoryEventType,
    previousEventId: number,
    details: Omit<HistoryEventData, 'timestamp' | 'previousEventId'> = {},
    metadata?: Record<string, unknown>,
  ): number {
    this.events.push({ type, data: { timestamp: this.now, previousEventId, ...details }, ...(metadata ? { metadata } : {}) });
    if (this.budget) this.chars += payloadCharsOf(details);
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
