import { useMemo } from 'preact/hooks';
import type { HistoryEvent } from './api.js';
import { detailsOf, elapsed } from './format.js';

/** State runs drawn at most (a history may have thousands); the rest are counted. */
const DRAWN = 500;

/** One run of a state: from its `…StateEntered` event to its `…StateExited` (none while it runs, or when it failed). */
export interface StateRun {
  readonly name: string;
  readonly enteredEventId: number;
  /** Epoch milliseconds. */
  readonly start: number;
  readonly end?: number;
}

const ms = (t: number) => (t < 1e11 ? t * 1000 : t);

/** The runs of states in a history: each Entered event paired with the next Exited of the same state name, in order. */
export const stateRuns = (events: readonly HistoryEvent[]): StateRun[] => {
  const runs: { name: string; enteredEventId: number; start: number; end?: number }[] = [];
  const open = new Map<string, number[]>();
  for (const e of events) {
    const entered = e.type.endsWith('StateEntered');
    if (!entered && !e.type.endsWith('StateExited')) continue;
    const name = detailsOf(e)?.['name'];
    if (typeof name !== 'string') continue;
    const queue = open.get(name) ?? [];
    if (entered) {
      queue.push(runs.length);
      open.set(name, queue);
      runs.push({ name, enteredEventId: e.id, start: ms(e.timestamp) });
    } else {
      const at = queue.shift();
      if (at !== undefined) runs[at]!.end = ms(e.timestamp);
    }
  }
  return runs;
};

/**
 * How long each state took: a bar per state run from its start (relative to the execution's)
 * for its duration, labelled with the state's name and the duration. A run that has not exited
 * is drawn to `until` (epoch milliseconds: now, for an execution that runs) or else to the last
 * event, marked open.
 */
export const Timeline = ({ events, until }: { readonly events: readonly HistoryEvent[]; readonly until?: number }) => {
  const runs = useMemo(() => stateRuns(events), [events]);
  if (runs.length === 0) return null;
  const from = ms(events[0]!.timestamp);
  const to = Math.max(until ?? 0, ms(events.at(-1)!.timestamp), ...runs.slice(0, DRAWN).map((r) => r.end ?? 0));
  const span = Math.max(1, to - from);
  const shown = runs.slice(0, DRAWN);
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Timeline</h2>
      <p class="hint">
        {runs.length} state runs over {elapsed(from, to)}
        {runs.length > shown.length && ` — the first ${String(shown.length)} drawn, ${String(runs.length - shown.length)} omitted`}
      </p>
      <ol class="timeline">
        {shown.map((r) => {
          const end = r.end ?? to;
          const took = Math.round(end - r.start);
          return (
            <li key={r.enteredEventId} class={r.end === undefined ? 'open' : undefined} data-state={r.name} data-ms={took}>
              <span class="run-label" title={r.name}>
                {r.name}
              </span>
              <span class="track" aria-hidden="true">
                <span class="bar" style={{ left: `${String(((r.start - from) / span) * 100)}%`, width: `${String(((end - r.start) / span) * 100)}%` }} />
              </span>
              <span class="run-duration">
                {elapsed(r.start, end)}
                {r.end === undefined && ' (not exited)'}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
};
