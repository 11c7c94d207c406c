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
 * That is exactly the text `JSON.stringify` makes of the object the parsing path builds
 * (`toHistoryEvent`). A text that does not have this layout to the character — another writer's,
 * whitespace, a member the answer names itself, an escaped key — is left to that path: the
 * functions here answer `undefined` for it.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;

/**
 * The stored event's first two members as `JSON.stringify` writes them: a JSON number, and an
 * integer small enough to be written back the same (at most 15 digits), then `,` or `}`.
 */
const HEAD = /^\{"timestamp":(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?),"previousEventId":(0|[1-9][0-9]{0,14})(?=[,}])/;

/** Members the answer writes itself: a stored member of one of these names is not passed on. */
const OWN_MEMBERS = new Set(['timestamp', 'type', 'id', 'previousEventId']);

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

/** One member of an object's text: where its key (with its quotes) and its value start and end. */
interface Member {
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly valueEnd: number;
}

/**
 * The members of the object whose text goes on at `i` (just past its `{`, or past a member
 * already read), until its `}`, which must be at `end` - 1; undefined when the text is not laid
 * out as `JSON.stringify` writes it, or a key holds an escape (its text would not be its name).
 */
const membersUntil = (s: string, i: number, end: number): Member[] | undefined => {
  const members: Member[] = [];
  let at = i;
  if (s.charCodeAt(at) === RBRACE) return at === end - 1 ? members : undefined;
  for (;;) {
    if (s.charCodeAt(at) !== QUOTE) return undefined;
    const keyEnd = stringEnd(s, at);
    if (keyEnd === -1 || s.charCodeAt(keyEnd) !== COLON || hasEscape(s, at + 1, keyEnd - 1)) return undefined;
    const stop = valueEnd(s, keyEnd + 1);
    if (stop === -1) return undefined;
    members.push({ keyStart: at, keyEnd, valueEnd: stop });
    const next = s.charCodeAt(stop);
    if (next === RBRACE) return stop === end - 1 ? members : undefined;
    if (next !== COMMA) return undefined;
    at = stop + 1;
  }
};

const keyOf = (s: string, m: Member) => s.slice(m.keyStart + 1, m.keyEnd - 1);

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
  const members = membersUntil(s, start + 1, end);
  if (!members) return undefined;
  const kept = members.filter((m) => {
    const key = keyOf(s, m);
    return key !== 'input' && key !== 'output';
  });
  if (kept.length === members.length) return s.slice(start, end);
  return `{${kept.map((m) => s.slice(m.keyStart, m.valueEnd)).join(',')}}`;
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
  const head = HEAD.exec(data);
  if (!head) return undefined;
  const seconds = Number(head[1]) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  const rest = head[0].length;
  const members = data.charCodeAt(rest) === COMMA ? membersUntil(data, rest + 1, data.length) : membersUntil(data, rest, data.length);
  if (!members || members.some((m) => OWN_MEMBERS.has(keyOf(data, m)))) return undefined;
  const start = `{"timestamp":${seconds},"type":${typeText(type)},"id":${Number(revision) + 1},"previousEventId":${head[2]}`;
  if (includeData) return `${start}${data.slice(rest)}`;
  let out = start;
  for (const m of members) {
    const valueStart = m.keyEnd + 1;
    const c = data.charCodeAt(valueStart);
    if (c === LBRACKET) return undefined; // the parsing path turns an array into an object of its indices
    const value = c === LBRACE ? withoutPayloads(data, valueStart, m.valueEnd) : data.slice(valueStart, m.valueEnd);
    if (value === undefined) return undefined;
    out += `,${data.slice(m.keyStart, m.keyEnd)}:${value}`;
  }
  return `${out}}`;
};
