import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, sfn, type ExecutionItem } from './api.js';
import { pretty, when } from './format.js';
import { ExecutionsTable } from './executions-table.js';
import { DefinitionGraph } from './graph.js';
import { Failure, useLoad } from './load.js';
import { VersionsAndAliases } from './versions.js';

const STATUSES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

/** How often the executions are listed again while one of them runs, in milliseconds. */
const REFRESH = 2500;

interface Described {
  readonly name: string;
  readonly type: string;
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: number;
  readonly status?: string;
}

/**
 * A state machine: what DescribeStateMachine says, its definition, its executions (ListExecutions,
 * by status, a page at a time; listed again every few seconds while one of them runs), its
 * versions and aliases.
 */
export const MachinePage = ({ stateMachineArn }: { readonly stateMachineArn: string }) => {
  const machine = useLoad(() => sfn<Described>('DescribeStateMachine', { stateMachineArn }), [stateMachineArn]);
  const [status, setStatus] = useState<string>('');
  const [executions, setExecutions] = useState<ExecutionItem[] | undefined>(undefined);
  const [nextToken, setNextToken] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  // Only the newest request's answer is shown (a refresh may cross a change of the filter).
  const asked = useRef(0);
  const page = async (token: string | undefined, replace: boolean, maxResults = 50) => {
    const request = ++asked.current;
    try {
      const answer = await sfn<{ executions: ExecutionItem[]; nextToken?: string }>('ListExecutions', {
        stateMachineArn,
        maxResults,
        ...(status !== '' ? { statusFilter: status } : {}),
        ...(token !== undefined ? { nextToken: token } : {}),
      });
      if (request !== asked.current) return;
      setExecutions((before) => [...(replace ? [] : (before ?? [])), ...answer.executions]);
      setNextToken(answer.nextToken);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.type}: ${e.message}` : String(e));
    }
  };
  useEffect(() => {
    setExecutions(undefined);
    void page(undefined, true);
  }, [stateMachineArn, status]);
  // While one listed execution runs, the list is read again (as many as are shown, from the first).
  const shown = executions?.length ?? 0;
  const running = executions?.some((e) => e.status === 'RUNNING') ?? false;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void page(undefined, true, Math.min(1000, Math.max(50, shown))), REFRESH);
    return () => clearInterval(timer);
  }, [running, shown, stateMachineArn, status]);
  const m = machine.value;
  return (
    <section>
      <p class="crumbs">
        <a href="#/">State machines</a> /
      </p>
      <h1>{m?.name ?? stateMachineArn.split(':').at(-1)}</h1>
      <Failure error={machine.error} />
      {m && (
        <dl class="facts">
          <dt>ARN</dt>
          <dd>{stateMachineArn}</dd>
          <dt>Type</dt>
          <dd>{m.type}</dd>
          <dt>Role</dt>
          <dd>{m.roleArn}</dd>
          <dt>Created</dt>
          <dd>{when(m.creationDate)}</dd>
        </dl>
      )}
      <h2>Executions</h2>
      <label>
        Status{' '}
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          {STATUSES.map((s) => (
            <option value={s} key={s}>
              {s === '' ? 'any' : s}
            </option>
          ))}
        </select>
      </label>
      <Failure error={error} />
      <ExecutionsTable
        executions={executions ?? []}
        caption={executions === undefined ? 'Loading…' : `${String(executions.length)} executions${nextToken !== undefined ? ' (more to load)' : ''}`}
      />
      {nextToken !== undefined && (
        <button type="button" onClick={() => void page(nextToken, false)}>
          Load more
        </button>
      )}
      {stateMachineArn.split(':').length === 7 && <VersionsAndAliases stateMachineArn={stateMachineArn} />}
      {m && (
        <>
          <h2>Definition</h2>
          <DefinitionGraph definition={m.definition} />
          <pre class="code" role="region" aria-label="Definition" tabIndex={0}>
            {pretty(m.definition)}
          </pre>
        </>
      )}
    </section>
  );
};
