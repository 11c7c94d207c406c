import { useMemo } from 'preact/hooks';
import type { HistoryEvent } from './api.js';
import { detailsOf, href, stateOfEvent, when } from './format.js';

/** An execution this one started (`arn:aws:states:::states:startExecution`, with or without `.sync`). */
interface Child {
  readonly executionArn: string;
  readonly state: string;
  readonly startDate?: number;
}

/**
 * The child executions a history names: the `ExecutionArn` of each `states:startExecution` task's
 * answer (`TaskSubmitted` for `.sync`, `TaskSucceeded` for a request-response start), with the
 * state that started it (its `TaskScheduled` event's state, followed through `previousEventId`).
 */
export const childExecutions = (events: readonly HistoryEvent[]): Child[] => {
  const byId = new Map(events.map((e) => [e.id, e]));
  const children = new Map<string, Child>();
  for (const e of events) {
    if (e.type !== 'TaskSubmitted' && e.type !== 'TaskSucceeded') continue;
    const d = detailsOf(e);
    if (d?.['resourceType'] !== 'states' || typeof d['resource'] !== 'string' || !d['resource'].startsWith('startExecution')) continue;
    try {
      const answer = JSON.parse(String(d['output'])) as { ExecutionArn?: unknown; StartDate?: unknown };
      if (typeof answer.ExecutionArn === 'string' && !children.has(answer.ExecutionArn))
        children.set(answer.ExecutionArn, {
          executionArn: answer.ExecutionArn,
          state: stateOfEvent(byId, e) ?? '',
          ...(typeof answer.StartDate === 'number' ? { startDate: answer.StartDate } : {}),
        });
    } catch {
      // An output that is not JSON names no child.
    }
  }
  return [...children.values()];
};

/** Links to the executions this one started, with the state that started each. */
export const ChildExecutions = ({ events }: { readonly events: readonly HistoryEvent[] }) => {
  const children = useMemo(() => childExecutions(events), [events]);
  if (children.length === 0) return null;
  return (
    <section aria-labelledby="children">
      <h2 id="children">Child executions</h2>
      <ul>
        {children.map((c) => (
          <li key={c.executionArn}>
            <a href={href('execution', c.executionArn)}>{c.executionArn.split(':').at(-1)}</a> started by {c.state}
            {c.startDate !== undefined && ` at ${when(c.startDate)}`}
          </li>
        ))}
      </ul>
    </section>
  );
};
