import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, sfn, wholeHistory, type Execution } from './api.js';
import { ChildExecutions } from './child-executions.js';
import { Events } from './events.js';
import { ExecutionGraph } from './execution-graph.js';
import { href, pretty, when } from './format.js';
import { Failure, useLoad } from './load.js';
import { Proof } from './proof.js';
import { Timeline } from './timeline.js';
import { TimeTravel } from './time-travel.js';
import { WaitingTasks } from './waiting-tasks.js';

/** An execution: DescribeExecution, its history, the state at any event, and what can be done to it. Refreshed while it runs. */
export const ExecutionPage = ({ executionArn }: { readonly executionArn: string }) => {
  // What is quick comes first (the description, the definition: its graph is laid out meanwhile); the history follows.
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
          {running && events && <WaitingTasks executionArn={executionArn} events={events.length} onAnswered={reload} />}
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
          <ExecutionGraph definition={value.definition} events={events} status={x.status} />
          {events && <Timeline events={events} {...(running ? { until: Date.now() } : {})} />}
          {events && <ChildExecutions events={events} />}
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
          <TimeTravel executionArn={executionArn} events={events?.length} definition={value.definition} />
          {events ? <Events events={events} /> : <p>Reading the history…</p>}
        </>
      )}
    </section>
  );
};
