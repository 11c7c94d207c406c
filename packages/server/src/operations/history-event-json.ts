/**
 * AWS's HistoryEvent as JSON text, composed from the JSON text the store holds for the event,
 * without parsing it. The engine writes an execution's events as `JSON.stringify` of
 * `{ timestamp, previousEventId, ...details }` (`EventBatch.push` in the domain), so the stored
 * text reads
 *
 *     {"timestamp":1733480000123,"previousEventId":4,"stateEnteredEventDetails":{…}}
 *
 * and AWS's event is the same text with `timestamp` in seconds and `type` and `id` inserted:
 *
 *     {"timestamp":1733480000.123,"type":"PassStateEntered","id":6,"previousEventId":4,"stateEnteredEventDetails":{…}}
 *
 * For a text `JSON.stringify` wrote, that is exactly the text `JSON.stringify` makes of the object
 * the parsing path builds (`toHistoryEvent`); for other compact JSON in this layout, the same
 * members with the same values.
 *
 * The hash chain stores the canonical JSON it hashed (RFC 8785: keys sorted), so an event the
 * engine appends through it reads `{"stateEnteredEventDetails":{…},"previousEventId":4,"timestamp":…}`:
 * its members are taken in any order, and the answer is the same four first, then the rest as
 * stored (`anyOrderEventJson`). A text that is not compact JSON of this shape — whitespace, a
 * member the answer names itself, an escaped or array-index key, a timestamp that is not a number
 * — is left to the parsing path: the functions here answer `undefined` for it.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

const TIMESTAMP = '{"timestamp":';
const PREVIOUS = ',"previousEventId":';

/** The index just past the digits from `i` (none: `i`). */
const digitsEnd = (s: string, i: number): number => {
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
  return j;
};

/** The index just past the JSON number at `i` as `JSON.stringify` writes it, or -1. */
const numberEnd = (s: string, i: number): number => {
  let j = s.charCodeAt(i) === 0x2d ? i + 1 : i; // -
  const int = digitsEnd(s, j);
  if (int === j || (s.charCodeAt(j) === 0x30 && int > j + 1)) return -1; // none, or a leading zero
  j = int;
  if (s.charCodeAt(j) === 0x2e) {
    // .
    const frac = digitsEnd(s, j + 1);
    if (frac === j + 1) return -1;
    j = frac;
  }
  if (s.charCodeAt(j) === 0x65 || s.charCodeAt(j) === 0x45) {
    // e, E
    const sign = s.charCodeAt(j + 1) === 0x2b || s.charCodeAt(j + 1) === 0x2d ? j + 2 : j + 1;
    const exp = digitsEnd(s, sign);
    if (exp === sign) return -1;
    j = exp;
  }
  return j;
};

/**
 * Epoch milliseconds, as the text of a JSON number, in seconds as `JSON.stringify` writes
 * `ms / 1000`; undefined when that is not a finite number. Whole milliseconds below 10^15 (the
 * year 33658) are divided by moving the decimal point: the double nearest that decimal is what
 * `ms / 1000` gives (the division of two exact doubles is correctly rounded), and no shorter
 * decimal lies within its half-ulp (~10^-4 at 10^12), so the shortest text that reads back as it,
 * which is what JavaScript prints, is that decimal. Formatting the double is the slow part of a
 * thousand events otherwise.
 */
export const secondsText = (ms: string): string | undefined => {
  if (ms.length <= 15 && digitsEnd(ms, 0) === ms.length && (ms.length === 1 || ms.charCodeAt(0) !== 0x30)) {
    const whole = ms.length > 3 ? ms.slice(0, -3) : '0';
    const fraction = ms.length > 3 ? ms.slice(-3) : ms.padStart(3, '0');
    const trimmed = fraction.charCodeAt(2) !== 0x30 ? fraction : fraction.charCodeAt(1) !== 0x30 ? fraction.slice(0, 2) : fraction.slice(0, 1);
    return trimmed === '0' ? whole : `${whole}.${trimmed}`;
  }
  const seconds = Number(ms) / 1000;
  return Number.isFinite(seconds) ? String(seconds) : undefined;
};

/** The stored event's head: its timestamp's and previousEventId's texts, and where the rest starts. */
interface Head {
  readonly timestamp: string;
  readonly previousEventId: string;
  /** The index of the `,` or `}` after previousEventId. */
  readonly rest: number;
}

/**
 * `{"timestamp":N,"previousEventId":P` as `JSON.stringify` writes them, with P an integer that
 * reads and writes back the same (at most 15 digits), then `,` or `}`; undefined otherwise.
 */
const readHead = (s: string): Head | undefined => {
  if (!s.startsWith(TIMESTAMP)) return undefined;
  const timestampEnd = numberEnd(s, TIMESTAMP.length);
  if (timestampEnd === -1 || !s.startsWith(PREVIOUS, timestampEnd)) return undefined;
  const from = timestampEnd + PREVIOUS.length;
  const to = digitsEnd(s, from);
  if (to === from || to - from > 15 || (s.charCodeAt(from) === 0x30 && to > from + 1)) return undefined;
  const next = s.charCodeAt(to);
  if (next !== COMMA && next !== RBRACE) return undefined;
  return { timestamp: s.slice(TIMESTAMP.length, timestampEnd), previousEventId: s.slice(from, to), rest: to };
};

/** Members the answer writes itself: a stored member of one of these names is not passed on. */
const OWN_MEMBERS = ['timestamp', 'type', 'id', 'previousEventId'];

/** Whether the key whose text (with its quotes) is `s[from, to)` is one of {@link OWN_MEMBERS}. */
const isOwnMember = (s: string, from: number, to: number): boolean => OWN_MEMBERS.some((name) => name.length === to - from - 2 && s.startsWith(name, from + 1));

/** The index just past the string whose opening quote is at `i`, or -1. */
const stringEnd = (s: string, i: number): number => {
  for (let j = s.indexOf('"', i + 1); j !== -1; j = s.indexOf('"', j + 1)) {
    let k = j - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    // An even number of backslashes before it: the quote is not escaped.
    if ((j - 1 - k) % 2 === 0) return j + 1;
  }
  return -1;
};

/**
 * The index just past the JSON value that starts at `i`, or -1 when it is not one as
 * `JSON.stringify` writes it. The store's texts are valid JSON (a `json` column; EventStoreDB's
 * are `JSON.stringify`'s), so this only finds where a value ends, refusing whitespace.
 */
const valueEnd = (s: string, i: number): number => {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    for (let j = i; j < s.length;) {
      const d = s.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(s, j);
        if (j === -1) return -1;
        continue;
      }
      if (d <= 0x20) return -1;
      if (d === LBRACE || d === LBRACKET) depth++;
      else if ((d === RBRACE || d === RBRACKET) && --depth === 0) return j + 1;
      j++;
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  for (; j < s.length; j++) {
    const d = s.charCodeAt(j);
    if (d === COMMA || d === RBRACE || d === RBRACKET) break;
    if (d <= 0x20) return -1;
  }
  return j > i ? j : -1;
};

/** Whether `s` holds a backslash between `from` and `to` (a key's characters: a few). */
const hasEscape = (s: string, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === BACKSLASH) return true;
  return false;
};

/**
 * Walks the members of the object whose text goes on at `i` (just past its `{`, or past a member
 * already read) until its `}`, which must be at `end` - 1, handing each to `visit` (which may stop
 * the walk by answering false); false when the text is not laid out as `JSON.stringify` writes
 * it, or a key holds an escape (its text would not be its name).
 */
const walkMembers = (s: string, i: number, end: number, visit: (keyStart: number, keyEnd: number, valueEnd: number) => boolean): boolean => {
  let at = i;
  if (s.charCodeAt(at) === RBRACE) return at === end - 1;
  for (;;) {
    if (s.charCodeAt(at) !== QUOTE) return false;
    const keyEnd = stringEnd(s, at);
    if (keyEnd === -1 || s.charCodeAt(keyEnd) !== COLON || hasEscape(s, at + 1, keyEnd - 1)) return false;
    const stop = valueEnd(s, keyEnd + 1);
    if (stop === -1 || !visit(at, keyEnd, stop)) return false;
    const next = s.charCodeAt(stop);
    if (next === RBRACE) return stop === end - 1;
    if (next !== COMMA) return false;
    at = stop + 1;
  }
};

/** Whether the key whose text (with its quotes) is `s[from, to)` is `input` or `output`. */
const isPayload = (s: string, from: number, to: number): boolean =>
  (to - from === 7 && s.startsWith('input', from + 1)) || (to - from === 8 && s.startsWith('output', from + 1));

/** The JSON text of a type, kept: a page has a few types for a thousand events. */
const typeTexts = new Map<string, string>();
const typeText = (type: string): string => {
  let text = typeTexts.get(type);
  if (text === undefined) {
    text = JSON.stringify(type);
    if (typeTexts.size < 1000) typeTexts.set(type, text);
  }
  return text;
};

/**
 * A details object's text without its `input` and `output` members (`includeExecutionData:
 * false`), or undefined when it is not an object as `JSON.stringify` writes it.
 */
const withoutPayloads = (s: string, start: number, end: number): string | undefined => {
  let kept = '';
  let dropped = false;
  const laidOut = walkMembers(s, start + 1, end, (keyStart, keyEnd, stop) => {
    if (isPayload(s, keyStart, keyEnd)) dropped = true;
    else kept += `${kept === '' ? '' : ','}${s.slice(keyStart, stop)}`;
    return true;
  });
  if (!laidOut) return undefined;
  return dropped ? `{${kept}}` : s.slice(start, end);
};

/**
 * `,"key":value` for a top-level member of an event without execution data: an object value
 * without its `input` and `output` members; undefined for an array (the parsing path turns it into
 * an object of its indices) or a value not laid out as `JSON.stringify` writes it.
 */
const memberWithoutPayloads = (s: string, keyStart: number, keyEnd: number, stop: number): string | undefined => {
  const valueStart = keyEnd + 1;
  const c = s.charCodeAt(valueStart);
  if (c === LBRACKET) return undefined;
  const value = c === LBRACE ? withoutPayloads(s, valueStart, stop) : s.slice(valueStart, stop);
  return value === undefined ? undefined : `,${s.slice(keyStart, keyEnd)}:${value}`;
};

/**
 * The HistoryEvent (id = revision + 1, timestamp in epoch seconds) of a stored event as JSON
 * text, from its stored data's text; undefined when that text is not in the engine's layout
 * (then parse it and use `toHistoryEvent`). `includeData: false` leaves out the `input` and
 * `output` members of the event's details, as AWS does for `includeExecutionData: false`.
 *
 * @example
 * historyEventJson('PassStateEntered', 5n, '{"timestamp":1733480000123,"previousEventId":4,"stateEnteredEventDetails":{"name":"A","input":"{}","inputDetails":{"truncated":false}}}', false);
 * // '{"timestamp":1733480000.123,"type":"PassStateEntered","id":6,"previousEventId":4,"stateEnteredEventDetails":{"name":"A","inputDetails":{"truncated":false}}}'
 */
export const historyEventJson = (type: string, revision: bigint, data: string, includeData: boolean): string | undefined => {
  const head = readHead(data);
  if (!head) return anyOrderEventJson(type, revision, data, includeData);
  const seconds = secondsText(head.timestamp);
  if (seconds === undefined) return undefined;
  const { rest } = head;
  const first = data.charCodeAt(rest) === COMMA ? rest + 1 : rest;
  if (first !== rest && data.charCodeAt(first) !== QUOTE) return undefined; // a member must follow the comma
  const start = `{"timestamp":${seconds},"type":${typeText(type)},"id":${Number(revision) + 1},"previousEventId":${head.previousEventId}`;
  if (includeData) {
    const laidOut = walkMembers(data, first, data.length, (keyStart, keyEnd) => !isOwnMember(data, keyStart, keyEnd));
    return laidOut ? `${start}${data.slice(rest)}` : undefined;
  }
  let out = start;
  const laidOut = walkMembers(data, first, data.length, (keyStart, keyEnd, stop) => {
    if (isOwnMember(data, keyStart, keyEnd)) return false;
    const member = memberWithoutPayloads(data, keyStart, keyEnd, stop);
    if (member === undefined) return false;
    out += member;
    return true;
  });
  if (!laidOut) return undefined;
  return `${out}}`;
};

/** Whether the key whose text (with its quotes) is `s[from, to)` is `name`. */
const isKey = (s: string, from: number, to: number, name: string): boolean => to - from - 2 === name.length && s.startsWith(name, from + 1);

/**
 * Whether the key whose text (with its quotes) is `s[from, to)` is an array index ("0", "17"):
 * JavaScript enumerates such keys first, so a parsed object would not keep the stored order.
 */
const isIndexKey = (s: string, from: number, to: number): boolean => {
  if (to - from - 2 < 1 || to - from - 2 > 10) return false;
  if (s.charCodeAt(from + 1) === 0x30 && to - from - 2 > 1) return false;
  return digitsEnd(s, from + 1) === to - 1;
};

/**
 * {@link historyEventJson} for data whose members come in another order: the canonical JSON
 * (RFC 8785, keys sorted) that the hash chain stores, `{"…EventDetails":{…},"previousEventId":P,"timestamp":N}`.
 * The answer puts `timestamp`, `type`, `id` and `previousEventId` first, then the other members
 * in their stored order, which is the order the parsing path's object has as long as no top-level
 * key is an array index (refused here, with the other cases `historyEventJson` refuses).
 */
const anyOrderEventJson = (type: string, revision: bigint, data: string, includeData: boolean): string | undefined => {
  if (data.charCodeAt(0) !== LBRACE) return undefined;
  let timestamp: string | undefined;
  let previousEventId: string | undefined;
  let members = '';
  const laidOut = walkMembers(data, 1, data.length, (keyStart, keyEnd, stop) => {
    const valueStart = keyEnd + 1;
    if (isKey(data, keyStart, keyEnd, 'timestamp')) {
      if (numberEnd(data, valueStart) !== stop) return false;
      timestamp = data.slice(valueStart, stop);
      return true;
    }
    if (isKey(data, keyStart, keyEnd, 'previousEventId')) {
      // An integer that reads and writes back the same, as readHead takes it.
      if (
        stop === valueStart ||
        stop - valueStart > 15 ||
        digitsEnd(data, valueStart) !== stop ||
        (data.charCodeAt(valueStart) === 0x30 && stop > valueStart + 1)
      ) {
        return false;
      }
      previousEventId = data.slice(valueStart, stop);
      return true;
    }
    if (isOwnMember(data, keyStart, keyEnd) || isIndexKey(data, keyStart, keyEnd)) return false;
    if (includeData) {
      members += `,${data.slice(keyStart, stop)}`;
      return true;
    }
    const member = memberWithoutPayloads(data, keyStart, keyEnd, stop);
    if (member === undefined) return false;
    members += member;
    return true;
  });
  if (!laidOut || timestamp === undefined || previousEventId === undefined) return undefined;
  const seconds = secondsText(timestamp);
  if (seconds === undefined) return undefined;
  return `{"timestamp":${seconds},"type":${typeText(type)},"id":${Number(revision) + 1},"previousEventId":${previousEventId}${members}}`;
};
