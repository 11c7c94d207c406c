import type { ActiveState, Inspection } from '@stepstream/domain';
import { callServer } from './server-call.js';

/** `Stepstream.InspectExecution` at `endpoint`: the execution after event `eventId` (its last when omitted). */
export const fetchInspection = async (endpoint: string, executionArn: string, eventId?: number): Promise<Inspection> =>
  (await callServer(endpoint, 'Stepstream.InspectExecution', { executionArn, ...(eventId !== undefined ? { eventId } : {}) })) as Inspection;

const iso = (seconds: number): string => new Date(Math.round(seconds * 1000)).toISOString();

/** A JSON value on one line, cut to `max` characters. */
const short = (value: unknown, max = 100): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

const activeLine = (a: ActiveState): string[] => {
  const lines = [`  ${a.state} (${a.frame}${a.path === '' ? '' : `, path ${a.path}`}): waiting for ${a.waitingFor}, entered at event ${a.enteredEventId}`];
  lines.push(`    input ${short(a.input)}`);
  if (a.retryCount > 0 || a.retryCounts.some((n) => n > 0)) lines.push(`    retries ${a.retryCount} (by retrier: ${a.retryCounts.join(', ')})`);
  for (const [name, value] of Object.entries(a.variables)) lines.push(`    $${name} = ${short(value, 80)}`);
  return lines;
};

/**
 * The inspection as a person reads it in a terminal: where the execution is, what it waits for
 * and when things fire. `--json` prints the whole answer instead.
 *
 * @example
 * process.stdout.write(formatInspection(await fetchInspection(endpoint, arn, 12)));
 */
export const formatInspection = (i: Inspection): string => {
  const lines = [
    `${i.executionArn}`,
    `after event ${i.eventId} of ${i.lastEventId}: ${i.event.type} at ${iso(i.event.timestamp)}`,
    ...(i.forkedFrom !== undefined ? [`forked from ${i.forkedFrom.executionArn} after its event ${i.forkedFrom.eventId}`] : []),
    ...(i.imported !== undefined ? [`imported from ${i.imported.executionArn || 'a recorded history'} (it does not run here: fork it to)`] : []),
    `status ${i.status}${i.stopDate !== undefined ? ` (stopped ${iso(i.stopDate)})` : ''}${i.redriveCount > 0 ? `, redriven ${i.redriveCount} times` : ''}`,
    `input ${short(i.input)}`,
  ];
  if (i.output !== undefined) lines.push(`output ${short(i.output)}`);
  if (i.error !== undefined || i.cause !== undefined) lines.push(`error ${i.error ?? ''}${i.cause !== undefined ? `: ${short(i.cause)}` : ''}`);
  if (i.framesAsOfEventId !== i.eventId)
    lines.push(`(event ${i.eventId} is inside a decision: the states below are as of event ${i.framesAsOfEventId}, where it began)`);
  lines.push(i.activeStates.length === 0 ? 'no active state' : 'active states:');
  for (const a of i.activeStates) lines.push(...activeLine(a));
  if (i.finishedFrames.length > 0) {
    lines.push('finished branches and iterations:');
    for (const f of i.finishedFrames) lines.push(`  ${f.path}: ${f.ok ? 'succeeded' : 'failed'}, output ${short(f.output, 80)}`);
  }
  if (i.tasks.length > 0) {
    lines.push('tasks:');
    for (const t of i.tasks)
      lines.push(
        `  ${t.state} (${t.path === '' ? 'execution' : t.path}): ${t.kind} ${t.resource}${t.pattern !== undefined ? ` ${t.pattern}` : ''}, scheduled ${iso(t.scheduledDate)}${t.startedDate !== undefined ? `, started ${iso(t.startedDate)}${t.workerName !== undefined ? ` by ${t.workerName}` : ''}` : ''}`,
      );
  }
  if (i.mapRuns.length > 0) {
    lines.push('map runs:');
    for (const m of i.mapRuns) lines.push(`  ${m.state}: ${m.mapRunArn}${m.total !== undefined ? ` (${m.total} child runs)` : ''}`);
  }
  if (i.timers.length > 0) {
    lines.push('timers:');
    for (const t of i.timers) lines.push(`  ${iso(t.dueDate)} ${t.kind}${t.state !== '' ? ` of ${t.state}` : ''}${t.path !== '' ? ` (${t.path})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
};
