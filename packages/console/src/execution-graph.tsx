import { useMemo, useState } from 'preact/hooks';
import type { HistoryEvent } from './api.js';
import { detailsOf, pretty } from './format.js';
import { DefinitionGraph, statusesOf } from './graph.js';

/** Events that schedule one attempt of a task. */
const SCHEDULED = /^(Task|Activity|LambdaFunction)Scheduled$/;
/** Events that end an attempt, or the state, in failure. */
const FAILED =
  /^(Task|Activity|LambdaFunction)(Failed|TimedOut|StartFailed|SubmitFailed)$|^(Activity|LambdaFunction)ScheduleFailed$|^(Parallel|Map)StateFailed$|^EvaluationFailed$/;

/** What the selected state's last run did: its attempts and each failure's error and cause. */
export interface StateRunDetail {
  readonly attempts: number;
  readonly failures: readonly { readonly eventId: number; readonly type: string; readonly error?: string; readonly cause?: string }[];
}

/**
 * The last run of state `name` in a history: the events that follow its last `…StateEntered`
 * event, each through its `previousEventId`, up to its `…StateExited` (what another state entered
 * starts is not its own) — its attempts (scheduled tasks) and failures (error and cause).
 */
export const lastRunOf = (events: readonly HistoryEvent[], name: string): StateRunDetail | undefined => {
  let start = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type.endsWith('StateEntered') && detailsOf(e)?.['name'] === name) {
      start = i;
      break;
    }
  }
  if (start < 0) return undefined;
  const own = new Set([events[start]!.id]);
  let attempts = 0;
  const failures: { eventId: number; type: string; error?: string; cause?: string }[] = [];
  for (let i = start + 1; i < events.length; i++) {
    const e = events[i]!;
    if (!own.has(e.previousEventId) || e.type.endsWith('StateEntered')) continue;
    own.add(e.id);
    if (SCHEDULED.test(e.type)) attempts++;
    if (FAILED.test(e.type)) {
      const d = detailsOf(e);
      failures.push({
        eventId: e.id,
        type: e.type,
        ...(typeof d?.['error'] === 'string' ? { error: d['error'] } : {}),
        ...(typeof d?.['cause'] === 'string' ? { cause: d['cause'] } : {}),
      });
    }
    if (e.type.endsWith('StateExited')) break;
  }
  return { attempts, failures };
};

/** The execution's graph, coloured by what each state did, and the selected state's last input and output, attempts and errors. */
export const ExecutionGraph = ({
  definition,
  events,
  status,
}: {
  readonly definition: string;
  readonly events: readonly HistoryEvent[] | undefined;
  readonly status: string;
}) => {
  const statuses = useMemo(() => (events === undefined ? undefined : statusesOf(events, status)), [events, status]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const entered =
    selected === undefined || events === undefined ? undefined : events.findLast((e) => detailsOf(e)?.['name'] === selected && e.type.endsWith('StateEntered'));
  const exited =
    selected === undefined || events === undefined ? undefined : events.findLast((e) => detailsOf(e)?.['name'] === selected && e.type.endsWith('StateExited'));
  const run = selected === undefined || events === undefined ? undefined : lastRunOf(events, selected);
  return (
    <section aria-labelledby="graph">
      <h2 id="graph">Graph</h2>
      <DefinitionGraph
        definition={definition}
        {...(statuses !== undefined ? { statuses } : {})}
        {...(selected !== undefined ? { selected } : {})}
        onSelect={setSelected}
      />
      {selected !== undefined && (
        <div class="state-detail" aria-live="polite">
          <h3>{selected}</h3>
          <p>{statuses?.get(selected) ?? 'not entered'}</p>
          {entered && (
            <>
              <h4>Input (event {entered.id})</h4>
              <pre class="code" tabIndex={0} role="region" aria-label={`Input of ${selected}`}>
                {pretty(detailsOf(entered)?.['input'] ?? '')}
              </pre>
            </>
          )}
          {run !== undefined && run.attempts > 0 && (
            <p data-testid="attempts">
              {run.attempts === 1 ? '1 attempt' : `${String(run.attempts)} attempts (${String(run.attempts - 1)} ${run.attempts === 2 ? 'retry' : 'retries'})`}
            </p>
          )}
          {run !== undefined && run.failures.length > 0 && (
            <>
              <h4>Errors</h4>
              <ul class="failures">
                {run.failures.map((f) => (
                  <li key={f.eventId} data-event-id={f.eventId}>
                    <strong>{f.error ?? f.type}</strong> (event {f.eventId}, {f.type}){f.cause !== undefined && `: ${f.cause}`}
                  </li>
                ))}
              </ul>
            </>
          )}
          {exited && (
            <>
              <h4>Output (event {exited.id})</h4>
              <pre class="code" tabIndex={0} role="region" aria-label={`Output of ${selected}`}>
                {pretty(detailsOf(exited)?.['output'] ?? '')}
              </pre>
            </>
          )}
        </div>
      )}
    </section>
  );
};
