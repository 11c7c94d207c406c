import { Fragment } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, sfn, stepstream, wholeHistory, type Execution, type HistoryEvent, type Inspection } from './api.js';
import { detailsOf, elapsed, href, pretty, when } from './format.js';
import { DefinitionGraph, prepareLayout, statusesOf } from './graph.js';
import { Failure, useLoad } from './load.js';

/** Rows of the event table shown at once (a history may have 25,000 events). */
const ROWS = 200;

/** The state at one event of the history (Stepstream.InspectExecution), moved with a slider. */
const TimeTravel = ({ executionArn, events }: { readonly executionArn: string; readonly events: number }) => {
  const [at, setAt] = useState(events);
  const [inspection, setInspection] = useState<Inspection | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [forked, setForked] = useState<string | undefined>(undefined);
  useEffect(() => setAt(events), [events]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      stepstream<Inspection>('InspectExecution', { executionArn, eventId: at }).then(
        (i) => live && (setInspection(i), setError(undefined)),
        (e: unknown) => live && setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e)),
      );
    }, 60);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [executionArn, at]);
  const fork = async () => {
    try {
      const answer = await stepstream<{ executionArn: string }>('ForkExecution', { executionArn, eventId: at });
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
          Event <output>{at}</output> of {events}
        </span>
        <input type="range" min={1} max={Math.max(1, events)} value={at} onInput={(e) => setAt(Number((e.target as HTMLInputElement).value))} />
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
            Fork at event {at}
          </button>
          {forked && (
            <p>
              Forked: <a href={href('execution', forked)}>{forked.split(':').at(-1)}</a>
            </p>
          )}
        </div>
      )}
    </section>
  );
};

/** The history as a table: AWS's columns, a filter by type, each event's details on demand. */
const Events = ({ events }: { readonly events: readonly HistoryEvent[] }) => {
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

/** The execution's graph, coloured by what each state did, and the selected state's last input and output. */
const Graph = ({
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
              <pre class="code">{pretty(detailsOf(entered)?.['input'] ?? '')}</pre>
            </>
          )}
          {exited && (
            <>
              <h4>Output (event {exited.id})</h4>
              <pre class="code">{pretty(detailsOf(exited)?.['output'] ?? '')}</pre>
            </>
          )}
        </div>
      )}
    </section>
  );
};

interface Verification {
  readonly ok: boolean;
  readonly problems: readonly { readonly kind: string; readonly revision?: number; readonly message: string }[];
  readonly events: number;
  readonly checkpoint: { readonly treeSize: number; readonly timestamp: string };
}

/**
 * The audit badge: the execution's proof bundle checked by the server (Stepstream.VerifyExecution),
 * and the bundle itself to download and check anywhere with the public key alone.
 */
/** Up to this many events the badge checks at once; a longer history (a check takes ~1 s per 25,000 events) on a click. */
const VERIFY_AT_ONCE = 5000;

const Proof = ({ executionArn, events }: { readonly executionArn: string; readonly events: number }) => {
  const [asked, setAsked] = useState(events <= VERIFY_AT_ONCE);
  const { value, error } = useLoad(
    () => (asked ? stepstream<Verification>('VerifyExecution', { executionArn }) : Promise.resolve(undefined)),
    [executionArn, events, asked],
  );
  const download = async () => {
    const bundle = await stepstream<unknown>('GetProofBundle', { executionArn });
    const url = URL.createObjectURL(new Blob([JSON.stringify(bundle)], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${executionArn.split(':').at(-1) ?? 'execution'}.proof.json`;
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <div class="proof" aria-live="polite">
      {!asked ? (
        <button type="button" onClick={() => setAsked(true)}>
          Verify its {events} events
        </button>
      ) : error !== undefined ? (
        <span class="badge unknown">Not verified: {error}</span>
      ) : value === undefined ? (
        <span class="badge unknown">Verifying…</span>
      ) : value.ok ? (
        <span class="badge verified" data-testid="verified">
          Verified: {value.events} events, chained and in the signed tree of {value.checkpoint.treeSize} ({value.checkpoint.timestamp})
        </span>
      ) : (
        <div class="badge tampered" role="alert" data-testid="tampered">
          Verification failed:
          <ul>
            {value.problems.map((p, i) => (
              <li key={i}>
                {p.kind}
                {p.revision !== undefined ? ` at event ${String(p.revision + 1)}` : ''}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}{' '}
      <button type="button" onClick={() => void download()}>
        Download proof bundle
      </button>
      <p class="hint">
        The server checked this with its own store; check the bundle yourself with <code>stepstream verify BUNDLE --public-key KEY</code>.
      </p>
    </div>
  );
};

/** An execution: DescribeExecution, its history, the state at any event, and what can be done to it. Refreshed while it runs. */
export const ExecutionPage = ({ executionArn }: { readonly executionArn: string }) => {
  // What is quick comes first (the description, the definition: its graph is laid out meanwhile); the history follows.
  useEffect(prepareLayout, []);
  const head = useLoad(async () => {
    const [execution, machine] = await Promise.all([
      sfn<Execution>('DescribeExecution', { executionArn }),
      sfn<{ definition: string }>('DescribeStateMachineForExecution', { executionArn }),
    ]);
    return { execution, definition: machine.definition };
  }, [executionArn]);
  const history = useLoad(() => wholeHistory(executionArn), [executionArn]);
  const runs = useLoad(
    async () => (await sfn<{ mapRuns: { mapRunArn: string; startDate: number }[] }>('ListMapRuns', { executionArn, maxResults: 1000 })).mapRuns,
    [executionArn],
  );
  const value = head.value;
  const events = history.value;
  const error = head.error ?? history.error;
  const reload = useCallback(() => {
    head.reload();
    history.reload();
  }, [head.reload, history.reload]);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const running = value?.execution.status === 'RUNNING';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, 2000);
    return () => clearInterval(timer);
  }, [running, reload]);
  const act = async (operation: 'StopExecution' | 'RedriveExecution') => {
    try {
      await sfn(operation, { executionArn });
      setActionError(undefined);
      reload();
    } catch (e) {
      setActionError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
    }
  };
  const x = value?.execution;
  return (
    <section>
      <p class="crumbs">
        <a href="#/">State machines</a> / {x && <a href={href('machine', x.stateMachineArn)}>{x.stateMachineArn.split(':').at(-1)}</a>} /
      </p>
      <h1>{executionArn.split(':').at(-1)}</h1>
      <Failure error={error} />
      {x && value && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`status ${x.status}`} data-testid="status">
                {x.status}
              </span>
            </dd>
            <dt>Started</dt>
            <dd>{when(x.startDate)}</dd>
            {x.stopDate !== undefined && (
              <>
                <dt>Ended</dt>
                <dd>{when(x.stopDate)}</dd>
              </>
            )}
            {x.error !== undefined && (
              <>
                <dt>Error</dt>
                <dd>{x.error}</dd>
              </>
            )}
            {x.cause !== undefined && (
              <>
                <dt>Cause</dt>
                <dd>{x.cause}</dd>
              </>
            )}
          </dl>
          {events && <Proof executionArn={executionArn} events={events.length} />}
          <div class="actions">
            <button type="button" onClick={() => void act('StopExecution')} disabled={!running}>
              Stop
            </button>
            <button
              type="button"
              onClick={() => void act('RedriveExecution')}
              disabled={x.status !== 'FAILED' && x.status !== 'ABORTED' && x.status !== 'TIMED_OUT'}
            >
              Redrive
            </button>
          </div>
          <Failure error={actionError} />
          <div class="io">
            <div>
              <h2>Input</h2>
              <pre class="code" tabIndex={0} role="region" aria-label="Input">
                {pretty(x.input ?? '')}
              </pre>
            </div>
            <div>
              <h2>Output</h2>
              <pre class="code" tabIndex={0} role="region" aria-label="Output">
                {x.output === undefined ? '(none)' : pretty(x.output)}
              </pre>
            </div>
          </div>
          <Graph definition={value.definition} events={events} status={x.status} />
          {(runs.value?.length ?? 0) > 0 && (
            <section aria-labelledby="runs">
              <h2 id="runs">Map Runs</h2>
              <ul>
                {(runs.value ?? []).map((r) => (
                  <li key={r.mapRunArn}>
                    <a href={href('maprun', r.mapRunArn)}>{r.mapRunArn.split(':').at(-2)?.split('/').at(-1) ?? r.mapRunArn}</a> started {when(r.startDate)}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {events ? (
            <>
              <TimeTravel executionArn={executionArn} events={events.length} />
              <Events events={events} />
            </>
          ) : (
            <p>Reading the history…</p>
          )}
        </>
      )}
    </section>
  );
};
