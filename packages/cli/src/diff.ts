import { callServer } from './server-call.js';

/** A history event as GetExecutionHistory answers it (the AWS JSON shape). */
type Event = { readonly id: number; readonly type: string; readonly timestamp?: number } & Readonly<Record<string, unknown>>;

/** Every event of an execution's history, from the server at `endpoint` (GetExecutionHistory, pages of 1,000). */
export const fetchHistory = async (endpoint: string, executionArn: string): Promise<Event[]> => {
  const events: Event[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await callServer(endpoint, 'AWSStepFunctions.GetExecutionHistory', {
      executionArn,
      maxResults: 1000,
      ...(nextToken !== undefined ? { nextToken } : {}),
    })) as { events?: Event[]; nextToken?: string };
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
};

/** What an event says, without when: its type and details (its id is its place). */
const said = (event: Event): string => {
  const { id: _id, timestamp: _timestamp, ...rest } = event;
  return JSON.stringify(rest, Object.keys(rest).sort());
};

/** Where two histories part. */
export interface HistoryDiff {
  /** How many events from the first both have alike (type and details; times aside). */
  readonly common: number;
  readonly lengths: readonly [number, number];
  /** The first events that differ (absent on the side whose history ended). */
  readonly first?: { readonly a?: Event; readonly b?: Event };
  /** The types of the events after the common part, on each side. */
  readonly after: readonly [readonly string[], readonly string[]];
}

/**
 * Compares two histories event by event (type and details; timestamps and ids aside): how many
 * events they share from the start, and the first that differ.
 *
 * @example
 * diffHistories(source, fork).common; // the fork's copied events, and more when it went the same way
 */
export const diffHistories = (a: readonly Event[], b: readonly Event[]): HistoryDiff => {
  let common = 0;
  while (common < a.length && common < b.length && said(a[common]!) === said(b[common]!)) common++;
  const same = common === a.length && common === b.length;
  return {
    common,
    lengths: [a.length, b.length],
    ...(same ? {} : { first: { ...(a[common] ? { a: a[common] } : {}), ...(b[common] ? { b: b[common] } : {}) } }),
    after: [a.slice(common).map((e) => e.type), b.slice(common).map((e) => e.type)],
  };
};

const short = (event: Event | undefined): string => {
  if (event === undefined) return '(the history ends)';
  const { id: _id, timestamp: _timestamp, type, ...rest } = event;
  const text = JSON.stringify(rest);
  return `${type} ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`;
};

/** The diff as a person reads it: where the histories part, and what each does after. */
export const formatDiff = (d: HistoryDiff, arnA: string, arnB: string): string => {
  const lines = [`A ${arnA}: ${d.lengths[0]} events`, `B ${arnB}: ${d.lengths[1]} events`];
  if (d.first === undefined) {
    lines.push(`the histories are alike: ${d.common} events, the same types and details (times aside)`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`alike for events 1–${d.common}; they part at event ${d.common + 1}:`, `  A: ${short(d.first.a)}`, `  B: ${short(d.first.b)}`);
  const rest = (types: readonly string[]) =>
    types.length === 0 ? '(nothing)' : types.length > 12 ? `${types.slice(0, 12).join(', ')}, … (${types.length} events)` : types.join(', ');
  lines.push(`then A: ${rest(d.after[0])}`, `then B: ${rest(d.after[1])}`);
  return `${lines.join('\n')}\n`;
};
