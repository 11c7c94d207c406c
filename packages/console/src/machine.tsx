import { useEffect, useState } from 'preact/hooks';
import { ApiError, sfn, type ExecutionItem } from './api.js';
import { pretty, when } from './format.js';
import { ExecutionsTable } from './executions-table.js';
import { DefinitionGraph } from './graph.js';
import { Failure, useLoad } from './load.js';
import { VersionsAndAliases } from './versions.js';

const STATUSES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;

interface Described {
  readonly name: string;
  readonly type: string;
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: number;
  readonly status?: string;
}

/** A state machine: what DescribeStateMachine says, its definition, its executions (ListExecutions, by status, a page at a time), its versions and aliases. */
export const MachinePage = ({ stateMachineArn }: { readonly stateMachineArn: string }) => {
  const machine = useLoad(() => sfn<Described>('DescribeStateMachine', { stateMachineArn }), [stateMachineArn]);
  const [status, setStatus] = useState<string>('');
  const [executions, setExecutions] = useState<ExecutionItem[] | undefined>(undefined);
  const [nextToken, setNextToken] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const page = async (token: string | undefined, replace: boolean) => {
    try {
      const answer = await sfn<{ executions: ExecutionItem[]; nextToken?: string }>('ListExecutions', {
        stateMachineArn,
        maxResults: 50,
        ...(status !== '' ? { statusFilter: status } : {}),
        ...(token !== undefined ? { nextToken: token } : {}),
      });
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
