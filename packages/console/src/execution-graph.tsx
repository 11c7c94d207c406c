import { useMemo, useState } from 'preact/hooks';
import type { HistoryEvent } from './api.js';
import { detailsOf, pretty } from './format.js';
import { DefinitionGraph, statusesOf } from './graph.js';

/** The execution's graph, coloured by what each state did, and the selected state's last input and output. */
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
