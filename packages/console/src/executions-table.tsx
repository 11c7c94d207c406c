import type { ExecutionItem } from './api.js';
import { href, when } from './format.js';

/** Executions as ListExecutions gives them: name (a link to the execution), status, start and end. */
export const ExecutionsTable = ({ executions, caption }: { readonly executions: readonly ExecutionItem[]; readonly caption: string }) => (
  <table>
    <caption>{caption}</caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Status</th>
        <th scope="col">Started</th>
        <th scope="col">Ended</th>
      </tr>
    </thead>
    <tbody>
      {executions.map((e) => (
        <tr key={e.executionArn}>
          <td>
            <a href={href('execution', e.executionArn)}>{e.name}</a>
          </td>
          <td>
            <span class={`status ${e.status}`}>{e.status}</span>
          </td>
          <td>{when(e.startDate)}</td>
          <td>{when(e.stopDate)}</td>
        </tr>
      ))}
    </tbody>
  </table>
);
