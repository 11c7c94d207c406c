import {
  foldRuns,
  HistoryEventType,
  type EventOutcome,
  type ExecutionFacts,
  type MapRunFacts,
  type RunsCursor,
  type RunsEvent,
  type StateRun,
  type TaskRun,
} from '@stepstream/domain';
import type { RecordedEvent } from '@stepstream/eventstore';
import { sql, type Transaction } from 'kysely';
import type { Projection, ProjectionBatchHandler } from '../projection.js';

/** The Postgres schema of the analytics read model. */
export const ANALYTICS_SCHEMA = 'analytics';

const t = (schema: string, table: string) => sql.id(schema, table);

/** Epoch milliseconds as a timestamptz parameter (ISO text, exact to the millisecond). */
const ts = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** What one committed event of an execution did, for metrics and traces (analytics.md). */
export interface AnalyticsOutcome extends EventOutcome {
  readonly eventId: number;
  readonly type: string;
  /** The execution after the event. */
  readonly execution: ExecutionFacts;
}

/**
 * Hears what each batch the analytics projector committed did (its executions started and ended,
 * state runs and task attempts ended, tasks scheduled and started): metrics and traces. Called
 * after the commit, once per batch, never for a batch that rolled back or for a rebuild.
 */
export type AnalyticsListener = (outcomes: readonly AnalyticsOutcome[]) => void;

interface Staged {
  readonly outcomes: Map<string, AnalyticsOutcome>;
}

const toRunsEvent = (e: RecordedEvent): RunsEvent => ({
  id: Number(e.revision) + 1,
  type: e.type,
  data: e.data,
  ...(e.metadata ? { metadata: e.metadata } : {}),
});

/** Folds a batch's executions and writes what ended, in one statement per table. */
const applyBatch =
  (staged: Staged | undefined): ProjectionBatchHandler =>
  async (tx: Transaction<any>, events: readonly RecordedEvent[], schema: string) => {
    const byStream = new Map<string, RecordedEvent[]>();
    for (const e of events) {
      const list = byStream.get(e.streamName);
      if (list) list.push(e);
      else byStream.set(e.streamName, [e]);
    }
    const continued = [...byStream].filter(([, es]) => es[0]!.revision !== 0n).map(([s]) => s);
    const cursors = new Map<string, RunsCursor>();
    if (continued.length > 0) {
      const { rows } = await sql<{ stream_name: string; cursor: string }>`select stream_name, cursor::text as cursor
        from ${t(schema, 'execution_rows')} where stream_name = any(${continued}::text[])`.execute(tx);
      for (const r of rows) cursors.set(r.stream_name, JSON.parse(r.cursor) as RunsCursor);
    }
    const executions: { stream: string; cursor: RunsCursor }[] = [];
    const stateRuns: { r: StateRun; x: ExecutionFacts }[] = [];
    const taskRuns: { r: TaskRun; x: ExecutionFacts }[] = [];
    const mapRuns: { m: MapRunFacts; x: ExecutionFacts }[] = [];
    for (const [stream, list] of byStream) {
      const folded = foldRuns(cursors.get(stream), list.map(toRunsEvent));
      if (!folded.cursor) continue;
      executions.push({ stream, cursor: folded.cursor });
      const x = folded.cursor.execution;
      for (const r of folded.stateRuns) stateRuns.push({ r, x });
      for (const r of folded.taskRuns) taskRuns.push({ r, x });
      for (const m of folded.mapRuns) mapRuns.push({ m, x });
      if (staged) {
        for (const e of list) {
          const id = Number(e.revision) + 1;
          const outcome = folded.byEvent.get(id);
          const own = e.type === 'ExecutionStarted' || e.type === 'ExecutionRedriven' || CLOSING.has(e.type);
          if (outcome || own)
            staged.outcomes.set(e.id, {
              eventId: id,
              type: e.type,
              execution: x,
              stateRuns: outcome?.stateRuns ?? [],
              taskRuns: outcome?.taskRuns ?? [],
              ...(outcome?.task ? { task: outcome.task } : {}),
            });
        }
      }
    }
    if (executions.length > 0) {
      const col = <T>(f: (x: ExecutionFacts, stream: string, cursor: RunsCursor) => T) => executions.map((e) => f(e.cursor.execution, e.stream, e.cursor));
      await sql`insert into ${t(schema, 'execution_rows')}
          (arn, stream_name, state_machine_arn, state_machine_type, name, version_arn, alias_arn, map_run_arn, parent_execution_arn,
           status, started_at, stopped_at, duration_ms, redrive_count, error, cause, state_transitions, last_event_id, cursor)
        select * from unnest(${col((x) => x.executionArn)}::text[], ${col((_, s) => s)}::text[], ${col((x) => x.stateMachineArn)}::text[],
          ${col((x) => x.stateMachineType)}::text[], ${col((x) => x.name)}::text[], ${col((x) => x.versionArn ?? null)}::text[],
          ${col((x) => x.aliasArn ?? null)}::text[], ${col((x) => x.mapRunArn ?? null)}::text[], ${col((x) => x.parentExecutionArn ?? null)}::text[],
          ${col((x) => x.status)}::text[], ${col((x) => ts(x.started))}::timestamptz[], ${col((x) => ts(x.ended))}::timestamptz[],
          ${col((x) => (x.ended === undefined ? null : x.ended - x.started))}::bigint[], ${col((x) => x.redriveCount)}::integer[],
          ${col((x) => x.error ?? null)}::text[], ${col((x) => x.cause ?? null)}::text[], ${col((x) => x.transitions)}::integer[],
          ${col((x) => x.lastEventId)}::integer[], ${col((_, __, c) => JSON.stringify(c))}::json[])
        on conflict (arn) do update set status = excluded.status, stopped_at = excluded.stopped_at, duration_ms = excluded.duration_ms,
          redrive_count = excluded.redrive_count, error = excluded.error, cause = excluded.cause, state_transitions = excluded.state_transitions,
          last_event_id = excluded.last_event_id, cursor = excluded.cursor`.execute(tx);
    }
    if (stateRuns.length > 0) {
      const col = <T>(f: (s: (typeof stateRuns)[number]) => T) => stateRuns.map(f);
      await sql`insert into ${t(schema, 'state_run_rows')}
          (execution_arn, entered_event_id, ended_event_id, state_machine_arn, version_arn, alias_arn, state_name, state_type, frame,
           entered_at, ended_at, duration_ms, attempts, status, error, cause)
        select * from unnest(${col((s) => s.r.executionArn)}::text[], ${col((s) => s.r.enteredEventId)}::integer[], ${col((s) => s.r.endedEventId)}::integer[],
          ${col((s) => s.x.stateMachineArn)}::text[], ${col((s) => s.x.versionArn ?? null)}::text[], ${col((s) => s.x.aliasArn ?? null)}::text[],
          ${col((s) => s.r.state)}::text[], ${col((s) => s.r.type)}::text[], ${col((s) => s.r.frame)}::text[], ${col((s) => ts(s.r.entered))}::timestamptz[],
          ${col((s) => ts(s.r.ended))}::timestamptz[], ${col((s) => s.r.ended - s.r.entered)}::bigint[], ${col((s) => s.r.attempts)}::integer[],
          ${col((s) => s.r.status)}::text[], ${col((s) => s.r.error ?? null)}::text[], ${col((s) => s.r.cause ?? null)}::text[])`.execute(tx);
    }
    if (taskRuns.length > 0) {
      const col = <T>(f: (s: (typeof taskRuns)[number]) => T) => taskRuns.map(f);
      await sql`insert into ${t(schema, 'task_run_rows')}
          (execution_arn, scheduled_event_id, ended_event_id, state_entered_event_id, state_machine_arn, state_name, kind, resource, pattern,
           scheduled_at, started_at, ended_at, schedule_ms, run_ms, duration_ms, status, error, cause, heartbeat_timed_out)
        select * from unnest(${col((s) => s.r.executionArn)}::text[], ${col((s) => s.r.scheduledEventId)}::integer[], ${col((s) => s.r.endedEventId)}::integer[],
          ${col((s) => s.r.stateEnteredEventId)}::integer[], ${col((s) => s.x.stateMachineArn)}::text[], ${col((s) => s.r.state)}::text[],
          ${col((s) => s.r.kind)}::text[], ${col((s) => s.r.resource)}::text[], ${col((s) => s.r.pattern)}::text[], ${col((s) => ts(s.r.scheduled))}::timestamptz[],
          ${col((s) => ts(s.r.started))}::timestamptz[], ${col((s) => ts(s.r.ended))}::timestamptz[],
          ${col((s) => (s.r.started === undefined ? null : s.r.started - s.r.scheduled))}::bigint[],
          ${col((s) => (s.r.started === undefined ? null : s.r.ended - s.r.started))}::bigint[], ${col((s) => s.r.ended - s.r.scheduled)}::bigint[],
          ${col((s) => s.r.status)}::text[], ${col((s) => s.r.error ?? null)}::text[], ${col((s) => s.r.cause ?? null)}::text[],
          ${col((s) => s.r.heartbeatTimedOut === true)}::boolean[])`.execute(tx);
    }
    if (mapRuns.length > 0) {
      const col = <T>(f: (s: (typeof mapRuns)[number]) => T) => mapRuns.map(f);
      await sql`insert into ${t(schema, 'map_run_rows')} (arn, execution_arn, state_machine_arn, state_name, status, started_at, stopped_at, duration_ms, redrive_count)
        select * from unnest(${col((s) => s.m.mapRunArn)}::text[], ${col((s) => s.m.executionArn)}::text[], ${col((s) => s.x.stateMachineArn)}::text[],
          ${col((s) => s.m.state)}::text[], ${col((s) => s.m.status)}::text[], ${col((s) => ts(s.m.started))}::timestamptz[],
          ${col((s) => ts(s.m.ended))}::timestamptz[], ${col((s) => (s.m.ended === undefined ? null : s.m.ended - s.m.started))}::bigint[],
          ${col((s) => s.m.redriveCount)}::integer[])
        on conflict (arn) do update set status = excluded.status, stopped_at = excluded.stopped_at, duration_ms = excluded.duration_ms,
          redrive_count = excluded.redrive_count`.execute(tx);
    }
  };

const CLOSING = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * The analytics read model (docs/analytics.md): executions, state runs, task runs and Map Runs,
 * folded from the executions' histories ({@link foldRuns}), in tables behind four views whose
 * columns are the documented, stable interface. With a listener, what each committed batch did
 * is handed to it (the engine's metrics and traces); the projector calls `committed` after each
 * commit (its `onCommitted`).
 */
export const analyticsReadModel = (listener?: AnalyticsListener): Projection & { readonly committed: (events: readonly RecordedEvent[]) => void } => {
  const staged: Staged | undefined = listener ? { outcomes: new Map() } : undefined;
  return {
    name: ANALYTICS_SCHEMA,
    migrations: (schema) => migrations(schema),
    handlers: {},
    inOrder: applyBatch(staged),
    inOrderTypes: Object.keys(HistoryEventType),
    committed: (events) => {
      if (!staged || !listener) return;
      const out: AnalyticsOutcome[] = [];
      for (const e of events) {
        const o = staged.outcomes.get(e.id);
        if (o) out.push(o);
      }
      staged.outcomes.clear();
      if (out.length > 0) listener(out);
    },
  };
};

const migrations = (schema: string) => ({
  '0002_heartbeat_timed_out': {
    // A timed-out task attempt that was its heartbeat's (TaskRun.heartbeatTimedOut).
    async up(db: any) {
      await sql`alter table ${t(schema, 'task_run_rows')} add column heartbeat_timed_out boolean not null default false`.execute(db);
      await sql`drop view ${t(schema, 'task_runs')}`.execute(db);
      await sql`create view ${t(schema, 'task_runs')} as
        select execution_arn, scheduled_event_id, ended_event_id, state_entered_event_id, state_machine_arn, state_name, kind, resource, pattern,
          scheduled_at, started_at, ended_at, schedule_ms, run_ms, duration_ms, status, error, cause, status = 'TIMED_OUT' as timed_out,
          heartbeat_timed_out
        from ${t(schema, 'task_run_rows')}`.execute(db);
    },
  },
  '0001_analytics': {
    async up(db: any) {
      await sql`create table ${t(schema, 'execution_rows')} (
        arn text primary key,
        stream_name text not null unique,
        state_machine_arn text not null,
        state_machine_type text not null,
        name text not null,
        version_arn text,
        alias_arn text,
        map_run_arn text,
        parent_execution_arn text,
        status text not null,
        started_at timestamptz not null,
        stopped_at timestamptz,
        duration_ms bigint,
        redrive_count integer not null,
        error text,
        cause text,
        state_transitions integer not null,
        last_event_id integer not null,
        cursor json not null
      )`.execute(db);
      await sql`create index execution_rows_by_machine on ${t(schema, 'execution_rows')} (state_machine_arn, started_at)`.execute(db);
      await sql`create index execution_rows_by_alias on ${t(schema, 'execution_rows')} (alias_arn, started_at) where alias_arn is not null`.execute(db);
      await sql`create index execution_rows_by_map_run on ${t(schema, 'execution_rows')} (map_run_arn, status) where map_run_arn is not null`.execute(db);
      await sql`create table ${t(schema, 'state_run_rows')} (
        execution_arn text not null,
        entered_event_id integer not null,
        ended_event_id integer not null,
        state_machine_arn text not null,
        version_arn text,
        alias_arn text,
        state_name text not null,
        state_type text not null,
        frame text not null,
        entered_at timestamptz not null,
        ended_at timestamptz not null,
        duration_ms bigint not null,
        attempts integer not null,
        status text not null,
        error text,
        cause text,
        primary key (execution_arn, entered_event_id)
      )`.execute(db);
      await sql`create index state_run_rows_by_state on ${t(schema, 'state_run_rows')} (state_machine_arn, state_name, entered_at) include (duration_ms)`.execute(
        db,
      );
      await sql`create table ${t(schema, 'task_run_rows')} (
        execution_arn text not null,
        scheduled_event_id integer not null,
        ended_event_id integer not null,
        state_entered_event_id integer not null,
        state_machine_arn text not null,
        state_name text not null,
        kind text not null,
        resource text not null,
        pattern text not null,
        scheduled_at timestamptz not null,
        started_at timestamptz,
        ended_at timestamptz not null,
        schedule_ms bigint,
        run_ms bigint,
        duration_ms bigint not null,
        status text not null,
        error text,
        cause text,
        primary key (execution_arn, scheduled_event_id)
      )`.execute(db);
      await sql`create index task_run_rows_by_machine on ${t(schema, 'task_run_rows')} (state_machine_arn, scheduled_at)`.execute(db);
      await sql`create index task_run_rows_by_resource on ${t(schema, 'task_run_rows')} (resource, scheduled_at)`.execute(db);
      await sql`create table ${t(schema, 'map_run_rows')} (
        arn text primary key,
        execution_arn text not null,
        state_machine_arn text not null,
        state_name text not null,
        status text not null,
        started_at timestamptz not null,
        stopped_at timestamptz,
        duration_ms bigint,
        redrive_count integer not null
      )`.execute(db);
      // The stable interface: these views and their columns (docs/analytics.md). The tables behind
      // them may change from one version to the next.
      await sql`create view ${t(schema, 'executions')} as
        select arn as execution_arn, name, state_machine_arn, state_machine_type, version_arn, alias_arn, map_run_arn, parent_execution_arn,
          status, started_at, stopped_at, duration_ms, redrive_count, error, cause, state_transitions
        from ${t(schema, 'execution_rows')}`.execute(db);
      await sql`create view ${t(schema, 'state_runs')} as
        select execution_arn, entered_event_id, ended_event_id, state_machine_arn, version_arn, alias_arn, state_name, state_type, frame,
          entered_at, ended_at, duration_ms, attempts, attempts - 1 as retries, status, error, cause
        from ${t(schema, 'state_run_rows')}`.execute(db);
      await sql`create view ${t(schema, 'task_runs')} as
        select execution_arn, scheduled_event_id, ended_event_id, state_entered_event_id, state_machine_arn, state_name, kind, resource, pattern,
          scheduled_at, started_at, ended_at, schedule_ms, run_ms, duration_ms, status, error, cause, status = 'TIMED_OUT' as timed_out
        from ${t(schema, 'task_run_rows')}`.execute(db);
      await sql`create view ${t(schema, 'map_runs')} as
        select m.arn as map_run_arn, m.execution_arn, m.state_machine_arn, m.state_name, m.status, m.started_at, m.stopped_at, m.duration_ms,
          m.redrive_count,
          (select count(*) from ${t(schema, 'execution_rows')} c where c.map_run_arn = m.arn) as child_executions,
          (select count(*) from ${t(schema, 'execution_rows')} c where c.map_run_arn = m.arn and c.status = 'SUCCEEDED') as child_executions_succeeded,
          (select count(*) from ${t(schema, 'execution_rows')} c where c.map_run_arn = m.arn and c.status in ('FAILED', 'TIMED_OUT', 'ABORTED'))
            as child_executions_failed
        from ${t(schema, 'map_run_rows')} m`.execute(db);
    },
  },
});
