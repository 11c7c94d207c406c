/** Epoch seconds (AWS's wire format) or milliseconds, as an ISO time in UTC. */
export const when = (t: number | undefined): string => {
  if (t === undefined) return '';
  const ms = t < 1e11 ? t * 1000 : t;
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
};

/** Milliseconds between two wire timestamps, written for a person. */
export const elapsed = (from: number, to: number): string => {
  const ms = Math.round((to < 1e11 ? to * 1000 : to) - (from < 1e11 ? from * 1000 : from));
  if (ms < 1000) return `${String(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
};

/** A JSON text pretty-printed (or the text as it is). */
export const pretty = (text: unknown): string => {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2) ?? '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
};

/** An event's `…EventDetails` member, if it has one. */
export const detailsOf = (event: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined => {
  const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
  const d = key === undefined ? undefined : event[key];
  return typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : undefined;
};

/** The link to a page of the console. */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;

/**
 * The state an event belongs to: the name in the `…StateEntered` event its `previousEventId`s
 * lead back to (64 steps at most), or undefined. `byId` holds the history's events by id.
 */
export const stateOfEvent = <E extends { readonly id: number; readonly previousEventId: number; readonly type: string }>(
  byId: ReadonlyMap<number, E>,
  event: E,
): string | undefined => {
  let at: E | undefined = event;
  for (let hops = 0; at !== undefined && hops < 64; hops++) {
    if (at.type.endsWith('StateEntered')) {
      const name = detailsOf(at as unknown as Readonly<Record<string, unknown>>)?.['name'];
      return typeof name === 'string' ? name : undefined;
    }
    at = byId.get(at.previousEventId);
  }
  return undefined;
};
