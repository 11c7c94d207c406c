import { useEffect, useState } from 'preact/hooks';
import { ApiError, stepstream, type Inspection } from './api.js';
import { href, when } from './format.js';
import { ForkWithChanges } from './fork-editor.js';
import { Failure } from './load.js';

/** The state at one event of the history (Stepstream.InspectExecution), moved with a slider; a fork there, as it was or with changes. */
export const TimeTravel = ({
  executionArn,
  events,
  definition,
}: {
  readonly executionArn: string;
  /** The history's length once read; before that, the last event is inspected (the page need not wait for the history). */
  readonly events: number | undefined;
  readonly definition: string;
}) => {
  const [at, setAt] = useState(events);
  const [inspection, setInspection] = useState<Inspection | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [forked, setForked] = useState<string | undefined>(undefined);
  // The history grew (a running execution): follow its end — unless the first inspection (of the last event) already shows it.
  useEffect(() => setAt((before) => (before === undefined && events === inspection?.lastEventId ? undefined : events)), [events]);
  useEffect(() => {
    let live = true;
    // A slider being dragged asks once it rests; the page's first question goes at once.
    const timer = setTimeout(
      () => {
        stepstream<Inspection>('InspectExecution', { executionArn, ...(at !== undefined ? { eventId: at } : {}) }).then(
          (i) => live && (setInspection(i), setError(undefined)),
          (e: unknown) => live && setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e)),
        );
      },
      inspection === undefined ? 0 : 60,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [executionArn, at]);
  const last = events ?? inspection?.lastEventId;
  const shownAt = at ?? inspection?.eventId;
  const fork = async () => {
    try {
      const answer = await stepstream<{ executionArn: string }>('ForkExecution', { executionArn, eventId: shownAt });
      setForked(answer.executionArn);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
    }
  };
  return (
    <section aria-labelledby="travel">
      <h2 id="travel">State at an event</h2>
      <label class="slider">
        <span>
          Event <output>{shownAt}</output> of {last}
        </span>
        <input type="range" min={1} max={Math.max(1, last ?? 1)} value={shownAt} onInput={(e) => setAt(Number((e.target as HTMLInputElement).value))} />
      </label>
      <Failure error={error} />
      {inspection && (
        <div class="inspection" data-event-id={inspection.eventId}>
          <p>
            After event {inspection.event.id} ({inspection.event.type}, {when(inspection.event.timestamp)}): <strong>{inspection.status}</strong>
            {inspection.framesAsOfEventId !== inspection.eventId && ` — inside a decision: its states as after event ${String(inspection.framesAsOfEventId)}`}
          </p>
          {inspection.activeStates.length === 0 ? (
            <p>No active state.</p>
          ) : (
            <table>
              <caption>Active states</caption>
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col">Where</th>
                  <th scope="col">Waiting for</th>
                  <th scope="col">Input</th>
                </tr>
              </thead>
              <tbody>
                {inspection.activeStates.map((s) => (
                  <tr key={s.path}>
                    <td>{s.state}</td>
                    <td>{s.frame}</td>
                    <td>{s.waitingFor}</td>
                    <td>
                      <code>{JSON.stringify(s.input)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {inspection.timers.length > 0 && (
            <ul aria-label="Timers">
              {inspection.timers.map((t) => (
                <li key={`${t.path}${t.kind}`}>
                  {t.kind} of {t.state || 'the execution'} due {when(t.dueDate)}
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => void fork()} disabled={inspection.status !== 'RUNNING'}>
            Fork at event {shownAt}
          </button>
          {forked && (
            <p>
              Forked: <a href={href('execution', forked)}>{forked.split(':').at(-1)}</a>
            </p>
          )}
          <ForkWithChanges executionArn={executionArn} eventId={inspection.eventId} definition={definition} disabled={inspection.status !== 'RUNNING'} />
        </div>
      )}
    </section>
  );
};
