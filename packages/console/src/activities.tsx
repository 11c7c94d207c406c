import { useEffect } from 'preact/hooks';
import { sfn, stepstream } from './api.js';
import { href, pretty, when } from './format.js';
import { Failure, useLoad } from './load.js';
import { TaskAnswer } from './task-answer.js';

interface ActivityItem {
  readonly activityArn: string;
  readonly name: string;
  readonly creationDate: number;
}

/** A task waiting for a worker, as Stepstream.ListActivityTasks gives it. */
interface Backlogged {
  readonly executionArn: string;
  readonly taskId: string;
  readonly input: unknown;
  readonly taskToken: string;
}

/** How often an activity's backlog is read again, in milliseconds. */
const REFRESH = 2500;

/** Every activity (ListActivities, page by page). */
export const ActivitiesPage = () => {
  const { value, error } = useLoad(async () => {
    const all: ActivityItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn<{ activities: ActivityItem[]; nextToken?: string }>('ListActivities', {
        maxResults: 1000,
        ...(nextToken !== undefined ? { nextToken } : {}),
      });
      all.push(...page.activities);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return all;
  }, []);
  return (
    <section>
      <h1>Activities</h1>
      <Failure error={error} />
      <table>
        <caption>{value === undefined ? 'Loading…' : `${String(value.length)} activities`}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">ARN</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(value ?? []).map((a) => (
            <tr key={a.activityArn}>
              <td>
                <a href={href('activity', a.activityArn)}>{a.name}</a>
              </td>
              <td>{a.activityArn}</td>
              <td>{when(a.creationDate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};

/**
 * An activity: what DescribeActivity says, its backlog (Stepstream.ListActivityTasks: the tasks
 * waiting for a worker, oldest first, each answerable by hand) and how many workers poll it now.
 * The backlog is read again every few seconds and after an answer.
 */
export const ActivityPage = ({ activityArn }: { readonly activityArn: string }) => {
  const activity = useLoad(() => sfn<ActivityItem>('DescribeActivity', { activityArn }), [activityArn]);
  const backlog = useLoad(() => stepstream<{ tasks: Backlogged[]; workers: number }>('ListActivityTasks', { activityArn }), [activityArn]);
  const { reload } = backlog;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH);
    return () => clearInterval(timer);
  }, [reload]);
  const a = activity.value;
  const b = backlog.value;
  return (
    <section>
      <p class="crumbs">
        <a href="#/activities">Activities</a> /
      </p>
      <h1>{a?.name ?? activityArn.split(':').at(-1)}</h1>
      <Failure error={activity.error ?? backlog.error} />
      <dl class="facts">
        <dt>ARN</dt>
        <dd>{activityArn}</dd>
        {a && (
          <>
            <dt>Created</dt>
            <dd>{when(a.creationDate)}</dd>
          </>
        )}
        {b && (
          <>
            <dt>Polling workers</dt>
            <dd data-testid="workers">{b.workers}</dd>
          </>
        )}
      </dl>
      <h2>Backlog</h2>
      <p>
        {b === undefined
          ? 'Loading…'
          : b.tasks.length === 0
            ? 'No task waits for a worker.'
            : `${String(b.tasks.length)} tasks wait for a worker, oldest first.`}
      </p>
      {(b?.tasks ?? []).map((t) => {
        const name = t.executionArn.split(':').at(-1) ?? t.executionArn;
        return (
          <article class="task" key={`${t.executionArn} ${t.taskId}`} data-execution-arn={t.executionArn}>
            <h3>
              <a href={href('execution', t.executionArn)}>{name}</a> <span class="hint">task {t.taskId}</span>
            </h3>
            <pre class="code" tabIndex={0} role="region" aria-label={`Input of ${name}'s task`}>
              {pretty(t.input)}
            </pre>
            <TaskAnswer taskToken={t.taskToken} label={`${name}'s task`} onAnswered={reload} />
          </article>
        );
      })}
    </section>
  );
};
