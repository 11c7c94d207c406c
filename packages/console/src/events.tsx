import { Fragment } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { HistoryEvent } from './api.js';
import { detailsOf, elapsed, pretty, when } from './format.js';

/** Rows of the event table shown at once (a history may have 25,000 events). */
const ROWS = 200;

/** The history as a table: AWS's columns, a filter by type, each event's details on demand. */
export const Events = ({ events }: { readonly events: readonly HistoryEvent[] }) => {
  const [type, setType] = useState('');
  const [open, setOpen] = useState<number | undefined>(undefined);
  const [rows, setRows] = useState(ROWS);
  const types = useMemo(() => [...new Set(events.map((e) => e.type))].sort(), [events]);
  const shown = type === '' ? events : events.filter((e) => e.type === type);
  const start = events[0]?.timestamp ?? 0;
  return (
    <section aria-labelledby="events">
      <h2 id="events">Events</h2>
      <label>
        Type{' '}
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          <option value="">all</option>
          {types.map((t) => (
            <option value={t} key={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <table class="events">
        <caption>
          {shown.length} of {events.length} events
        </caption>
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Type</th>
            <th scope="col">Step</th>
            <th scope="col">Elapsed</th>
            <th scope="col">Timestamp</th>
          </tr>
        </thead>
        <tbody>
          {shown.slice(0, rows).map((e) => {
            const details = detailsOf(e);
            return (
              <Fragment key={e.id}>
                <tr data-event-id={e.id}>
                  <td>
                    <button type="button" class="link" aria-expanded={open === e.id} onClick={() => setOpen(open === e.id ? undefined : e.id)}>
                      {e.id}
                    </button>
                  </td>
                  <td>{e.type}</td>
                  <td>{typeof details?.['name'] === 'string' ? details['name'] : ''}</td>
                  <td>{elapsed(start, e.timestamp)}</td>
                  <td>{when(e.timestamp)}</td>
                </tr>
                {open === e.id && (
                  <tr>
                    <td colSpan={5}>
                      <pre class="code">{pretty(JSON.stringify(e))}</pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {shown.length > rows && (
        <button type="button" onClick={() => setRows(rows + ROWS * 5)}>
          Show more events
        </button>
      )}
    </section>
  );
};
