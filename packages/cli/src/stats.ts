import type { Durations, ExecutionStatistics } from '@stepstream/projections';
import { callServer } from './server-call.js';

/** `Stepstream.GetExecutionStatistics`'s answer. */
export interface StatisticsAnswer extends ExecutionStatistics {
  readonly stateMachineArn: string;
  readonly aliasArn?: string;
  /** Epoch seconds. */
  readonly since: number;
  readonly until: number;
}

/** What `stepstream stats` asks: a state machine, a window (epoch ms; defaults: the last 7 days), an alias. */
export interface StatisticsRequest {
  readonly stateMachineArn: string;
  readonly since?: number;
  readonly until?: number;
  readonly alias?: string;
}

/** `Stepstream.GetExecutionStatistics` at `endpoint`. */
export const fetchStatistics = async (endpoint: string, r: StatisticsRequest): Promise<StatisticsAnswer> =>
  (await callServer(endpoint, 'Stepstream.GetExecutionStatistics', {
    stateMachineArn: r.stateMachineArn,
    ...(r.since !== undefined ? { since: r.since / 1000 } : {}),
    ...(r.until !== undefined ? { until: r.until / 1000 } : {}),
    ...(r.alias !== undefined ? { aliasName: r.alias } : {}),
  })) as StatisticsAnswer;

/** 1234 ms as `1.23 s`, 45 as `45 ms`, 7,200,000 as `2.0 h`; `-` for none. */
export const formatMs = (ms: number | null): string => {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
};

/** Rows under a header, each column as wide as its widest cell; numbers right-aligned. */
const table = (header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
};

const pcts = (d: Durations) => [formatMs(d.p50), formatMs(d.p95), formatMs(d.p99), formatMs(d.max)];

/**
 * The statistics as a terminal shows them: the window, executions by status with their duration
 * percentiles, one row per state (slowest at p95 first) and the top errors. `--json` prints the
 * answer instead.
 */
export const formatStatistics = (s: StatisticsAnswer): string => {
  const iso = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();
  const e = s.executions;
  const lines = [
    `${s.aliasArn ?? s.stateMachineArn}`,
    `executions started ${iso(s.since)} .. ${iso(s.until)}: ${e.total}` +
      (e.total > 0
        ? ` (${Object.entries(e.byStatus)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}${e.redriven > 0 ? `; ${e.redriven} redriven` : ''}), ${e.stateTransitions} state transitions`
        : ''),
  ];
  if (e.total === 0) return `${lines.join('\n')}\n`;
  lines.push(
    `duration of those that ended: p50 ${formatMs(e.durationMs.p50)}, p95 ${formatMs(e.durationMs.p95)}, p99 ${formatMs(e.durationMs.p99)}, max ${formatMs(e.durationMs.max)}`,
    '',
  );
  lines.push(
    ...table(
      ['state', 'type', 'runs', 'failed', 'caught', 'retries', 'p50', 'p95', 'p99', 'max'],
      s.states.map((r) => [r.name, r.type, String(r.runs), String(r.failed), String(r.caught), String(r.retries), ...pcts(r.durationMs)]),
      new Set([2, 3, 4, 5, 6, 7, 8, 9]),
    ),
  );
  if (s.errors.length > 0) {
    lines.push('', 'top errors:');
    lines.push(
      ...table(
        ['count', 'error', 'where'],
        s.errors.map((r) => [String(r.count), r.error, r.source === 'task' ? `task attempts of ${r.state ?? '?'}` : 'executions']),
        new Set([0]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
};
