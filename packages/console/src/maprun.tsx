import { useEffect } from 'preact/hooks';
import { sfn, type ExecutionItem } from './api.js';
import { href, when } from './format.js';
import { ExecutionsTable } from './executions-table.js';
import { Failure, useLoad } from './load.js';

interface Counts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly total: number;
}

interface MapRun {
  readonly mapRunArn: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  readonly itemCounts: Counts;
  readonly executionCounts: Counts;
}

const COUNTS = ['pending', 'running', 'succeeded', 'failed', 'timedOut', 'aborted', 'total'] as const;

/** How often a running Map Run is read again, in milliseconds. */
const REFRESH = 2500;

/**
 * A Distributed Map's run (DescribeMapRun): its items and child executions by status, and the
 * child executions (ListExecutions by mapRunArn); read again every few seconds while it runs.
 */
export const MapRunPage = ({ mapRunArn }: { readonly mapRunArn: string }) => {
  const { value, error, reload } = useLoad(async () => {
    const [run, children] = await Promise.all([
      sfn<MapRun>('DescribeMapRun', { mapRunArn }),
      sfn<{ executions: ExecutionItem[] }>('ListExecutions', { mapRunArn, maxResults: 1000 }),
    ]);
    return { run, children: children.executions };
  }, [mapRunArn]);
  const run = value?.run;
  const running = run?.status === 'RUNNING' || (value?.children.some((c) => c.status === 'RUNNING') ?? false);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reload, REFRESH);
    return () => clearInterval(timer);
  }, [running, reload]);
  return (
    <section>
      <p class="crumbs">
        <a href="#/">State machines</a> / {run && <a href={href('execution', run.executionArn)}>{run.executionArn.split(':').at(-1)}</a>} /
      </p>
      <h1>Map Run {mapRunArn.split(':').at(-2)?.split('/').at(-1)}</h1>
      <Failure error={error} />
      {run && value && (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <span class={`status ${run.status}`} data-testid="status">
                {run.status}
              </span>
            </dd>
            <dt>Started</dt>
            <dd>{when(run.startDate)}</dd>
            <dt>Max concurrency</dt>
            <dd>{run.maxConcurrency === 0 ? 'unlimited' : run.maxConcurrency}</dd>
            <dt>Tolerated failures</dt>
            <dd>
              {run.toleratedFailureCount} or {run.toleratedFailurePercentage} %
            </dd>
          </dl>
          <table>
            <caption>Items and child executions by status</caption>
            <thead>
              <tr>
                <th scope="col" />
                {COUNTS.map((c) => (
                  <th scope="col" key={c}>
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">items</th>
                {COUNTS.map((c) => (
                  <td key={c}>{run.itemCounts[c]}</td>
                ))}
              </tr>
              <tr>
                <th scope="row">executions</th>
                {COUNTS.map((c) => (
                  <td key={c}>{run.executionCounts[c]}</td>
                ))}
              </tr>
            </tbody>
          </table>
          <h2>Child executions</h2>
          <ExecutionsTable executions={value.children} caption={`${String(value.children.length)} child executions`} />
        </>
      )}
    </section>
  );
};
