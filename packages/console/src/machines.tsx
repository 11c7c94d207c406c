import { useState } from 'preact/hooks';
import { sfn, type StateMachineItem } from './api.js';
import { href, when } from './format.js';
import { Failure, useLoad } from './load.js';

/** Every state machine (ListStateMachines, page by page), with a search over their names. */
export const MachinesPage = () => {
  const [search, setSearch] = useState('');
  const { value, error } = useLoad(async () => {
    const all: StateMachineItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn<{ stateMachines: StateMachineItem[]; nextToken?: string }>('ListStateMachines', {
        maxResults: 1000,
        ...(nextToken !== undefined ? { nextToken } : {}),
      });
      all.push(...page.stateMachines);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return all;
  }, []);
  const shown = (value ?? []).filter((m) => m.name.toLowerCase().includes(search.toLowerCase()));
  return (
    <section>
      <h1>State machines</h1>
      <Failure error={error} />
      <label>
        Search <input type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} placeholder="name contains" />
      </label>
      <table>
        <caption>{value === undefined ? 'Loading…' : `${String(shown.length)} of ${String(value.length)} state machines`}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((m) => (
            <tr key={m.stateMachineArn}>
              <td>
                <a href={href('machine', m.stateMachineArn)}>{m.name}</a>
              </td>
              <td>{m.type}</td>
              <td>{when(m.creationDate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};
