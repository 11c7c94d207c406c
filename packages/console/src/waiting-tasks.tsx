import { stepstream, type Inspection } from './api.js';
import { pretty, when } from './format.js';
import { Failure, useLoad } from './load.js';
import { TaskAnswer } from './task-answer.js';

/**
 * The tasks of an execution that wait for an answer by token (an activity's, a `.waitForTaskToken`
 * callback's), as InspectExecution at its last event gives them, each with the buttons that answer
 * it. Read again when the history grows (`events`) and after an answer, which `onAnswered` is told of.
 */
export const WaitingTasks = ({
  executionArn,
  events,
  onAnswered,
}: {
  readonly executionArn: string;
  readonly events: number;
  readonly onAnswered: () => void;
}) => {
  const { value, error, reload } = useLoad(() => stepstream<Inspection>('InspectExecution', { executionArn }), [executionArn, events]);
  const waiting = (value?.tasks ?? []).filter((t) => t.taskToken !== undefined);
  if (error === undefined && waiting.length === 0) return null;
  return (
    <section aria-labelledby="waiting">
      <h2 id="waiting">Waiting tasks</h2>
      <Failure error={error} />
      {waiting.map((t) => (
        <article class="task" key={t.taskId} data-task-id={t.taskId}>
          <h3>{t.state}</h3>
          <dl class="facts">
            <dt>Kind</dt>
            <dd>
              {t.kind}
              {t.pattern !== undefined && ` (${t.pattern})`}
            </dd>
            <dt>Resource</dt>
            <dd>{t.resource}</dd>
            <dt>Scheduled</dt>
            <dd>{when(t.scheduledDate)}</dd>
            <dt>Started</dt>
            <dd>{t.startedDate === undefined ? 'not yet' : `${when(t.startedDate)}${t.workerName !== undefined ? ` by ${t.workerName}` : ''}`}</dd>
            {t.heartbeatSeconds !== undefined && (
              <>
                <dt>Heartbeat</dt>
                <dd>every {t.heartbeatSeconds} s</dd>
              </>
            )}
          </dl>
          <pre class="code" tabIndex={0} role="region" aria-label={`Input of ${t.state}`}>
            {pretty(t.input)}
          </pre>
          <TaskAnswer
            taskToken={t.taskToken!}
            label={t.state}
            onAnswered={() => {
              reload();
              onAnswered();
            }}
          />
        </article>
      ))}
    </section>
  );
};
