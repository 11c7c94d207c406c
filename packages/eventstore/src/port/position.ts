import type { AllFilter, Position, RecordedEvent } from './types.js';

/** Orders positions as `$all` does: by commit, then prepare. */
export const comparePositions = (a: Position, b: Position): -1 | 0 | 1 =>
  a.commit < b.commit ? -1 : a.commit > b.commit ? 1 : a.prepare < b.prepare ? -1 : a.prepare > b.prepare ? 1 : 0;

/** `"commit/prepare"`, a stable text form for checkpoints and logs. */
export const formatPosition = (p: Position): string => `${p.commit}/${p.prepare}`;

export const parsePosition = (text: string): Position => {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new TypeError(`Not a position: ${JSON.stringify(text)} (expected "commit/prepare")`);
  return { commit: BigInt(m[1]!), prepare: BigInt(m[2]!) };
};

/** The category of a stream: the part of its name before the first `-`; a name without one has none. */
export const categoryOf = (streamName: string): string | undefined => {
  const i = streamName.indexOf('-');
  return i < 0 ? undefined : streamName.slice(0, i);
};

/** The stream-name prefixes a filter selects (`categories` become `category-`). */
export const filterPrefixes = (filter: AllFilter | undefined): string[] | undefined => {
  if (!filter) return undefined;
  const prefixes = [...(filter.categories ?? []).map((c) => `${c}-`), ...(filter.streamNamePrefixes ?? [])];
  return prefixes.length > 0 ? prefixes : undefined;
};

export const matchesFilter = (event: RecordedEvent, filter: AllFilter | undefined): boolean => {
  const prefixes = filterPrefixes(filter);
  const types = filter?.types;
  return (!prefixes || prefixes.some((p) => event.streamName.startsWith(p))) && (!types || types.includes(event.type));
};
