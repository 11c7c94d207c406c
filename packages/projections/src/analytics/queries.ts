import { sql, type Kysely } from 'kysely';
import { readModelDb } from '../stored-text.js';

/** Which executions: one state machine's (or only those started through one alias), started in [since, until). */
export interface StatisticsQuery {
  readonly stateMachineArn: string;
  /** Only the executions started through this alias (its ARN). */
  readonly aliasArn?: string;
  /** Epoch milliseconds. */
  readonly since: number;
  readonly until: number;
}

/** Milliseconds at the 50th, 95th and 99th percentiles (continuous) and the longest; null with no rows. */
export interface Durations {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

export interface ExecutionStatistics {
  readonly executions: {
    readonly total: number;
    /** By status: RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED (missing: none). */
    readonly byStatus: Readonly<Record<string, number>>;
    /** Executions redriven at least once. */
    readonly redriven: number;
    /** Of the executions that ended. */
    readonly durationMs: Durations;
    /** States entered (what AWS bills a Standard workflow by). */
    readonly stateTransitions: number;
  };
  /** Per state (name and type), the slowest at p95 first. */
  readonly states: readonly {
    readonly name: string;
    readonly type: string;
    readonly runs: number;
    readonly failed: number;
    readonly caught: number;
    /** Attempts beyond the first, over all runs. */
    readonly retries: number;
    /** Runs that needed more than one attempt. */
    readonly retried: number;
    readonly durationMs: Durations;
  }[];
  /** The most frequent errors: of task attempts (`task`, with their state) and of executions (`execution`). */
  readonly errors: readonly { readonly error: string; readonly source: 'task' | 'execution'; readonly state: string | null; readonly count: number }[];
}

const t = (table: string) => sql.id('analytics', table);
const durations = (column: string) =>
  sql`percentile_cont(array[0.5, 0.95, 0.99]) within group (order by ${sql.ref(column)}) as pct, max(${sql.ref(column)}) as max`;
const toDurations = (r: { pct: (number | string)[] | null; max: number | string | null } | undefined): Durations => ({
  p50: r?.pct?.[0] != null ? Math.round(Number(r.pct[0])) : null,
  p95: r?.pct?.[1] != null ? Math.round(Number(r.pct[1])) : null,
  p99: r?.pct?.[2] != null ? Math.round(Number(r.pct[2])) : null,
  max: r?.max != null ? Number(r.max) : null,
});

/**
 * What `stepstream stats` shows (docs/analytics.md): counts by status, duration percentiles of the
 * executions and of each state, retries, and the top errors, over the analytics views. Each query
 * reads one index range (by state machine or alias, by start time).
 */
export const executionStatistics = async (db: Kysely<any>, q: StatisticsQuery): Promise<ExecutionStatistics> => {
  const rdb = readModelDb(db);
  const since = new Date(q.since).toISOString();
  const until = new Date(q.until).toISOString();
  const whose = q.aliasArn !== undefined ? sql`alias_arn = ${q.aliasArn}` : sql`state_machine_arn = ${q.stateMachineArn}`;
  const executions = sql`${t('executions')} where ${whose} and started_at >= ${since}::timestamptz and started_at < ${until}::timestamptz`;
  const byStatus = await sql<{ status: string; n: string; redriven: string; transitions: string }>`
    select status, count(*) as n, count(*) filter (where redrive_count > 0) as redriven, coalesce(sum(state_transitions), 0) as transitions
    from ${executions} group by status`.execute(rdb);
  const overall = await sql<{ pct: number[] | null; max: string | null }>`select ${durations('duration_ms')}
    from ${executions} and duration_ms is not null`.execute(rdb);
  const states = await sql<{
    state_name: string;
    state_type: string;
    runs: string;
    failed: string;
    caught: string;
    retries: string;
    retried: string;
    pct: number[] | null;
    max: string | null;
  }>`select state_name, state_type, count(*) as runs, count(*) filter (where status in ('FAILED', 'TIMED_OUT')) as failed,
      count(*) filter (where status = 'CAUGHT') as caught, coalesce(sum(attempts - 1), 0) as retries, count(*) filter (where attempts > 1) as retried,
      ${durations('duration_ms')}
    from ${t('state_runs')} where ${whose} and entered_at >= ${since}::timestamptz and entered_at < ${until}::timestamptz
    group by state_name, state_type`.execute(rdb);
  const taskWhose =
    q.aliasArn !== undefined
      ? sql`execution_arn in (select execution_arn from ${t('executions')} where alias_arn = ${q.aliasArn})`
      : sql`state_machine_arn = ${q.stateMachineArn}`;
  const errors = await sql<{ error: string; source: 'task' | 'execution'; state: string | null; n: string }>`
    (select coalesce(error, status) as error, 'task' as source, state_name as state, count(*) as n from ${t('task_runs')}
      where ${taskWhose} and scheduled_at >= ${since}::timestamptz and scheduled_at < ${until}::timestamptz and status in ('FAILED', 'TIMED_OUT')
      group by 1, 3)
    union all
    (select coalesce(error, status) as error, 'execution' as source, null as state, count(*) as n from ${executions}
      and status in ('FAILED', 'TIMED_OUT', 'ABORTED') group by 1)
    order by n desc, error limit 10`.execute(rdb);
  const counts = Object.fromEntries(byStatus.rows.map((r) => [r.status, Number(r.n)]));
  return {
    executions: {
      total: byStatus.rows.reduce((n, r) => n + Number(r.n), 0),
      byStatus: counts,
      redriven: byStatus.rows.reduce((n, r) => n + Number(r.redriven), 0),
      durationMs: toDurations(overall.rows[0]),
      stateTransitions: byStatus.rows.reduce((n, r) => n + Number(r.transitions), 0),
    },
    states: states.rows
      .map((r) => ({
        name: r.state_name,
        type: r.state_type,
        runs: Number(r.runs),
        failed: Number(r.failed),
        caught: Number(r.caught),
        retries: Number(r.retries),
        retried: Number(r.retried),
        durationMs: toDurations(r),
      }))
      .sort((a, b) => (b.durationMs.p95 ?? 0) - (a.durationMs.p95 ?? 0) || a.name.localeCompare(b.name)),
    errors: errors.rows.map((r) => ({ error: r.error, source: r.source, state: r.state, count: Number(r.n) })),
  };
};
