import { decodeActivityEvents, decodeStateMachineEvents, executionStartedMetadata, type HistoryEventData } from '@stepstream/domain';
import type { RecordedEvent } from '@stepstream/eventstore';
import { sql, type Transaction } from 'kysely';
import type { Projection, ProjectionBatchHandler, ProjectionHandler } from '../projection.js';

/** The Postgres schema of the Step Functions read model. */
export const SFN_READ_MODEL = 'sfn_read';

/** Rows of the read model (epoch milliseconds are bigints in SQL, numbers here). */
export interface StateMachineRow {
  arn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  definition: string;
  role_arn: string;
  creation_date: string;
  update_date: string | null;
  revision_id: string | null;
  logging: unknown;
  tracing: unknown;
  /** Null: created without one (AWS_OWNED_KEY). */
  encryption: unknown;
}
export interface ExecutionRow {
  arn: string;
  stream_name: string;
  state_machine_arn: string;
  name: string;
  status: string;
  start_date: string;
  stop_date: string | null;
  input: string;
  output: string | null;
  error: string | null;
  cause: string | null;
  trace_header: string | null;
  state_machine_version_arn: string | null;
  state_machine_alias_arn: string | null;
  map_run_arn: string | null;
  redrive_count: number;
  redrive_date: string | null;
}

export interface MapRunRow {
  arn: string;
  execution_arn: string;
  status: string;
  start_date: string;
  stop_date: string | null;
  total: number;
  max_concurrency: number;
  tolerated_failure_count: number;
  tolerated_failure_percentage: number;
  redrive_count: number;
  redrive_date: string | null;
}

export interface ActivityRow {
  arn: string;
  name: string;
  creation_date: string;
}

const t = (schema: string, table: string) => sql.id(schema, table);

const activityHandler: ProjectionHandler = async (tx, event, schema) => {
  const [e] = decodeActivityEvents([event]);
  if (!e) return;
  if (e.type === 'ActivityCreated') {
    await sql`insert into ${t(schema, 'activities')} (arn, name, creation_date)
      values (${e.data.activityArn}, ${e.data.name}, ${e.data.creationDate})
      on conflict (arn) do update set name = excluded.name, creation_date = excluded.creation_date`.execute(tx);
  } else {
    await sql`delete from ${t(schema, 'activities')} where arn = ${e.data.activityArn}`.execute(tx);
  }
};

const stateMachineHandler: ProjectionHandler = async (tx, event, schema) => {
  const [e] = decodeStateMachineEvents([event]);
  switch (e?.type) {
    case 'StateMachineCreated': {
      const d = e.data;
      await sql`insert into ${t(schema, 'state_machines')}
        (arn, name, type, definition, role_arn, creation_date, logging, tracing, encryption)
        values (${d.stateMachineArn}, ${d.name}, ${d.stateMachineType}, ${d.definition}, ${d.roleArn}, ${d.creationDate},
                ${JSON.stringify(d.loggingConfiguration)}::json, ${JSON.stringify(d.tracingConfiguration)}::json,
                ${d.encryptionConfiguration ? JSON.stringify(d.encryptionConfiguration) : null}::json)
        on conflict (arn) do update set name = excluded.name, type = excluded.type, definition = excluded.definition,
          role_arn = excluded.role_arn, creation_date = excluded.creation_date, update_date = null, revision_id = null,
          logging = excluded.logging, tracing = excluded.tracing, encryption = excluded.encryption`.execute(tx);
      return;
    }
    case 'StateMachineUpdated': {
      const d = e.data;
      await sql`update ${t(schema, 'state_machines')} set
          update_date = ${d.updateDate}, revision_id = ${d.revisionId},
          definition = coalesce(${d.definition ?? null}, definition),
          role_arn = coalesce(${d.roleArn ?? null}, role_arn),
          logging = coalesce(${d.loggingConfiguration ? JSON.stringify(d.loggingConfiguration) : null}::json, logging),
          tracing = coalesce(${d.tracingConfiguration ? JSON.stringify(d.tracingConfiguration) : null}::json, tracing),
          encryption = coalesce(${d.encryptionConfiguration ? JSON.stringify(d.encryptionConfiguration) : null}::json, encryption)
        where arn = ${d.stateMachineArn}`.execute(tx);
      return;
    }
    case 'StateMachineDeleted':
      await sql`delete from ${t(schema, 'state_machines')} where arn = ${e.data.stateMachineArn}`.execute(tx);
      return;
  }
};

/** The columns an ExecutionStarted event fills, in the order both inserts below name them. */
const startedRow = (event: RecordedEvent) => {
  const m = executionStartedMetadata(event.metadata);
  const data = event.data as HistoryEventData;
  const d = data.executionStartedEventDetails!;
  return [
    m.executionArn,
    event.streamName,
    m.stateMachineArn,
    m.name,
    data.timestamp,
    d.input,
    m.traceHeader ?? null,
    d.stateMachineVersionArn ?? null,
    d.stateMachineAliasArn ?? null,
    m.parent?.mapRunArn ?? null,
  ];
};

const executionStarted: ProjectionHandler = async (tx, event, schema) => {
  const [arn, stream, machine, name, startDate, input, traceHeader, versionArn, aliasArn, mapRunArn] = startedRow(event);
  await sql`insert into ${t(schema, 'executions')}
    (arn, stream_name, state_machine_arn, name, status, start_date, input, trace_header, state_machine_version_arn, state_machine_alias_arn, map_run_arn)
    values (${arn}, ${stream}, ${machine}, ${name}, 'RUNNING', ${startDate}, ${input}, ${traceHeader}, ${versionArn}, ${aliasArn}, ${mapRunArn})
    on conflict (arn) do nothing`.execute(tx);
};

/**
 * Many executions' starts in one statement: the rows {@link executionStarted} inserts one by one.
 * A start may come with the end that follows it in the batch (`batchFollowers`): its row is then
 * inserted as it ends, what the insert and {@link closed}'s update leave (an execution that has
 * only just started has no Map Run to close). A row already there is left as it is, and only
 * takes the end, as the update would give it.
 */
const executionsStarted: ProjectionBatchHandler = async (tx, events, schema) => {
  const rows = new Map<string, (string | number | null)[]>();
  for (const event of events) {
    if (event.type !== 'ExecutionStarted') {
      const row = rows.get(event.streamName);
      if (!row) throw new Error(`${event.type} of ${event.streamName} came to the batch of starts without its start`);
      const c = closing(event);
      row.splice(10, 5, c.status, c.stopDate, c.output, c.error, c.cause);
      continue;
    }
    rows.set(event.streamName, [...startedRow(event), 'RUNNING', null, null, null, null]);
  }
  const all = [...rows.values()];
  const column = (i: number) => all.map((r) => r[i]);
  await sql`insert into ${t(schema, 'executions')}
    (arn, stream_name, state_machine_arn, name, status, start_date, input, trace_header, state_machine_version_arn, state_machine_alias_arn, map_run_arn,
     stop_date, output, error, cause)
    select arn, stream_name, state_machine_arn, name, status, start_date, input, trace_header, version_arn, alias_arn, map_run_arn,
      stop_date, output, error, cause
    from unnest(${column(0)}::text[], ${column(1)}::text[], ${column(2)}::text[], ${column(3)}::text[], ${column(4)}::bigint[], ${column(5)}::text[],
                ${column(6)}::text[], ${column(7)}::text[], ${column(8)}::text[], ${column(9)}::text[], ${column(10)}::text[], ${column(11)}::bigint[],
                ${column(12)}::text[], ${column(13)}::text[], ${column(14)}::text[])
      as u(arn, stream_name, state_machine_arn, name, start_date, input, trace_header, version_arn, alias_arn, map_run_arn, status, stop_date, output,
           error, cause)
    on conflict (arn) do update set status = excluded.status, stop_date = excluded.stop_date, output = excluded.output, error = excluded.error,
      cause = excluded.cause
      where excluded.stop_date is not null`.execute(tx);
};

/** A Map Run starts in its parent's history; its configuration is in the event's metadata. */
const mapRunStarted: ProjectionHandler = async (tx, event, schema) => {
  const arn = (event.data as HistoryEventData).mapRunStartedEventDetails!.mapRunArn;
  const m = (event.metadata?.['mapRun'] ?? {}) as {
    total?: number;
    maxConcurrency?: number;
    toleratedFailureCount?: number;
    toleratedFailurePercentage?: number;
  };
  await sql`insert into ${t(schema, 'map_runs')}
    (arn, execution_arn, stream_name, status, start_date, total, max_concurrency, tolerated_failure_count, tolerated_failure_percentage)
    select ${arn}, e.arn, ${event.streamName}, 'RUNNING', ${(event.data as HistoryEventData).timestamp}, ${m.total ?? 0}, ${m.maxConcurrency ?? 0},
           ${m.toleratedFailureCount ?? 0}, ${m.toleratedFailurePercentage ?? 0}
    from ${t(schema, 'executions')} e where e.stream_name = ${event.streamName}
    on conflict (arn) do nothing`.execute(tx);
};

/** A redrive of the parent reuses its Map Run that did not succeed: it runs again. */
const mapRunRedriven: ProjectionHandler = async (tx, event, schema) => {
  const data = event.data as HistoryEventData;
  const d = data.mapRunRedrivenEventDetails!;
  await sql`update ${t(schema, 'map_runs')} set status = 'RUNNING', stop_date = null, redrive_count = ${d.redriveCount}, redrive_date = ${data.timestamp}
    where arn = ${d.mapRunArn}`.execute(tx);
};

/** MapRunSucceeded/MapRunFailed close the execution's running Map Run. */
const mapRunEnded =
  (status: string): ProjectionHandler =>
  async (tx, event, schema) => {
    await sql`update ${t(schema, 'map_runs')} set status = ${status}, stop_date = ${(event.data as HistoryEventData).timestamp}
      where stream_name = ${event.streamName} and status = 'RUNNING'`.execute(tx);
  };

/** The status an execution's closing event gives it. */
const CLOSED_STATUS: Readonly<Record<string, string>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** What an execution's closing event writes on its row. */
const closing = (event: RecordedEvent) => {
  const data = event.data as HistoryEventData;
  const details = data.executionFailedEventDetails ?? data.executionAbortedEventDetails ?? data.executionTimedOutEventDetails ?? undefined;
  return {
    stream: event.streamName,
    status: CLOSED_STATUS[event.type]!,
    stopDate: data.timestamp,
    output: data.executionSucceededEventDetails?.output ?? null,
    error: details?.error ?? null,
    cause: details?.cause ?? null,
  };
};

const closed: ProjectionHandler = async (tx: Transaction<any>, event: RecordedEvent, schema: string) => {
  const c = closing(event);
  await sql`update ${t(schema, 'executions')} set status = ${c.status}, stop_date = ${c.stopDate},
      output = ${c.output}, error = ${c.error}, cause = ${c.cause}
    where stream_name = ${c.stream}`.execute(tx);
  // An execution that ends closes its Map Runs still running (ABORTED, as AWS reports them).
  await sql`update ${t(schema, 'map_runs')} set status = 'ABORTED', stop_date = ${c.stopDate}
    where stream_name = ${c.stream} and status = 'RUNNING'`.execute(tx);
};

/** Many executions' ends (of any of the four closing types) in two statements: what {@link closed} does one by one. */
const closedTogether: ProjectionBatchHandler = async (tx, events, schema) => {
  const rows = events.map(closing);
  const streams = rows.map((r) => r.stream);
  const stopDates = rows.map((r) => r.stopDate);
  await sql`update ${t(schema, 'executions')} as e set status = u.status, stop_date = u.stop_date, output = u.output, error = u.error, cause = u.cause
    from unnest(${streams}::text[], ${rows.map((r) => r.status)}::text[], ${stopDates}::bigint[], ${rows.map((r) => r.output)}::text[],
                ${rows.map((r) => r.error)}::text[], ${rows.map((r) => r.cause)}::text[]) as u(stream_name, status, stop_date, output, error, cause)
    where e.stream_name = u.stream_name`.execute(tx);
  await sql`update ${t(schema, 'map_runs')} as m set status = 'ABORTED', stop_date = u.stop_date
    from unnest(${streams}::text[], ${stopDates}::bigint[]) as u(stream_name, stop_date)
    where m.stream_name = u.stream_name and m.status = 'RUNNING'`.execute(tx);
};

/**
 * The read model behind Describe/List: state machines and executions, projected from the
 * `stateMachine-…` resource events and the executions' history events.
 */
export const sfnReadModel: Projection = {
  name: SFN_READ_MODEL,
  migrations: (schema) => ({
    '0001_state_machines_and_executions': {
      async up(db) {
        await sql`create table ${t(schema, 'state_machines')} (
          arn text primary key,
          name text not null,
          type text not null,
          definition text not null,
          role_arn text not null,
          creation_date bigint not null,
          update_date bigint,
          revision_id text,
          logging jsonb not null,
          tracing jsonb not null
        )`.execute(db);
        await sql`create index state_machines_by_name on ${t(schema, 'state_machines')} (name collate "C", arn)`.execute(db);
        await sql`create table ${t(schema, 'executions')} (
          arn text primary key,
          stream_name text not null unique,
          state_machine_arn text not null,
          name text not null,
          status text not null,
          start_date bigint not null,
          stop_date bigint,
          input text not null,
          output text,
          error text,
          cause text,
          trace_header text
        )`.execute(db);
        await sql`create index executions_newest_first on ${t(schema, 'executions')} (state_machine_arn, start_date desc, arn desc)`.execute(db);
        await sql`create index executions_running on ${t(schema, 'executions')} (status) where status = 'RUNNING'`.execute(db);
      },
    },
    '0010_list_indexes': {
      // ListExecutions reads one page off an index for every filter AWS has: by machine (0001),
      // by machine and status, by version, by alias, the redriven ones, a Map Run's children and by
      // status; so a page costs its own rows, not the number of executions (issue 13).
      async up(db) {
        const executions = t(schema, 'executions');
        await sql`create index executions_by_status on ${executions} (state_machine_arn, status, start_date desc, arn desc)`.execute(db);
        await sql`create index executions_by_version on ${executions} (state_machine_version_arn, start_date desc, arn desc) where state_machine_version_arn is not null`.execute(
          db,
        );
        await sql`create index executions_by_alias on ${executions} (state_machine_alias_arn, start_date desc, arn desc) where state_machine_alias_arn is not null`.execute(
          db,
        );
        await sql`create index executions_redriven on ${executions} (state_machine_arn, start_date desc, arn desc) where redrive_count > 0`.execute(db);
        await sql`create index executions_by_map_run_status on ${executions} (map_run_arn, status, start_date desc, arn desc) where map_run_arn is not null`.execute(
          db,
        );
      },
    },
    '0011_map_runs_keyset': {
      // ListMapRuns reads a page after a (start_date, arn) cursor off this index (issue 13).
      async up(db) {
        await sql`create index map_runs_newest_first on ${t(schema, 'map_runs')} (execution_arn, start_date desc, arn desc)`.execute(db);
        await sql`drop index if exists ${t(schema, 'map_runs_by_execution')}`.execute(db);
      },
    },
    '0009_stored_text': {
      // Strings are now written through the stored-text plugin (stored-text.ts): a value that
      // starts with U+0001 is its escape mark. Rows written before kept such values raw: escape
      // them as the plugin would (to_json gives the JSON text JSON.parse reads back). NUL and lone
      // surrogates could not have been stored before, so nothing else needs rewriting.
      // Configurations become `json`: `jsonb` rejects a \u0000 or lone-surrogate escape.
      async up(db) {
        const { rows } = await sql<{ table_name: string; column_name: string }>`select table_name, column_name
          from information_schema.columns
          where table_schema = ${schema} and data_type = 'text'
            and table_name in ('state_machines', 'executions', 'map_runs', 'activities')`.execute(db);
        const byTable = new Map<string, string[]>();
        for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
        // One scan per table.
        for (const [table, columns] of byTable) {
          const marked = (c: string) => sql`left(${sql.id(c)}, 1) = chr(1)`;
          const sets = columns.map((c) => sql`${sql.id(c)} = case when ${marked(c)} then chr(1) || to_json(${sql.id(c)})::text else ${sql.id(c)} end`);
          await sql`update ${t(schema, table)} set ${sql.join(sets)} where ${sql.join(columns.map(marked), sql` or `)}`.execute(db);
        }
        for (const column of ['logging', 'tracing', 'encryption']) {
          await sql`alter table ${t(schema, 'state_machines')} alter column ${sql.id(column)} type json using ${sql.id(column)}::json`.execute(db);
        }
      },
    },
    '0008_running_map_runs_by_stream': {
      // Every execution that ends closes its running Map Runs: without this index that is a scan of every Map Run.
      async up(db) {
        await sql`create index map_runs_running_by_stream on ${t(schema, 'map_runs')} (stream_name) where status = 'RUNNING'`.execute(db);
      },
    },
    '0007_map_run_redrive': {
      async up(db) {
        await sql`alter table ${t(schema, 'map_runs')} add column redrive_count integer not null default 0`.execute(db);
        await sql`alter table ${t(schema, 'map_runs')} add column redrive_date bigint`.execute(db);
      },
    },
    '0006_state_machine_encryption': {
      async up(db) {
        await sql`alter table ${t(schema, 'state_machines')} add column encryption jsonb`.execute(db);
      },
    },
    '0005_redrive': {
      async up(db) {
        await sql`alter table ${t(schema, 'executions')} add column redrive_count integer not null default 0`.execute(db);
        await sql`alter table ${t(schema, 'executions')} add column redrive_date bigint`.execute(db);
      },
    },
    '0004_map_runs': {
      async up(db) {
        await sql`alter table ${t(schema, 'executions')} add column map_run_arn text`.execute(db);
        await sql`create index executions_by_map_run on ${t(schema, 'executions')} (map_run_arn, start_date desc, arn desc) where map_run_arn is not null`.execute(
          db,
        );
        await sql`create table ${t(schema, 'map_runs')} (
          arn text primary key,
          execution_arn text not null,
          stream_name text not null,
          status text not null,
          start_date bigint not null,
          stop_date bigint,
          total integer not null,
          max_concurrency integer not null,
          tolerated_failure_count integer not null,
          tolerated_failure_percentage double precision not null
        )`.execute(db);
        await sql`create index map_runs_by_execution on ${t(schema, 'map_runs')} (execution_arn, start_date desc)`.execute(db);
      },
    },
    '0003_execution_versions': {
      async up(db) {
        await sql`alter table ${t(schema, 'executions')} add column state_machine_version_arn text`.execute(db);
        await sql`alter table ${t(schema, 'executions')} add column state_machine_alias_arn text`.execute(db);
      },
    },
    '0002_activities': {
      async up(db) {
        await sql`create table ${t(schema, 'activities')} (
          arn text primary key,
          name text not null,
          creation_date bigint not null
        )`.execute(db);
        await sql`create index activities_by_name on ${t(schema, 'activities')} (name collate "C", arn)`.execute(db);
      },
    },
  }),
  handlers: {
    ActivityCreated: activityHandler,
    MapRunStarted: mapRunStarted,
    MapRunRedriven: mapRunRedriven,
    ExecutionRedriven: async (tx, event, schema) => {
      const d = event.data as HistoryEventData;
      await sql`update ${t(schema, 'executions')} set status = 'RUNNING', stop_date = null, output = null, error = null, cause = null,
          redrive_count = ${d.executionRedrivenEventDetails?.redriveCount ?? 1}, redrive_date = ${d.timestamp}
        where stream_name = ${event.streamName}`.execute(tx);
    },
    MapRunUpdated: async (tx, event, schema) => {
      const d = event.data as { mapRunArn: string; maxConcurrency?: number; toleratedFailureCount?: number; toleratedFailurePercentage?: number };
      await sql`update ${t(schema, 'map_runs')} set
          max_concurrency = coalesce(${d.maxConcurrency ?? null}::integer, max_concurrency),
          tolerated_failure_count = coalesce(${d.toleratedFailureCount ?? null}::integer, tolerated_failure_count),
          tolerated_failure_percentage = coalesce(${d.toleratedFailurePercentage ?? null}::double precision, tolerated_failure_percentage)
        where arn = ${d.mapRunArn}`.execute(tx);
    },
    MapRunSucceeded: mapRunEnded('SUCCEEDED'),
    MapRunFailed: mapRunEnded('FAILED'),
    ActivityDeleted: activityHandler,
    StateMachineCreated: stateMachineHandler,
    StateMachineUpdated: stateMachineHandler,
    StateMachineDeleted: stateMachineHandler,
    ExecutionStarted: executionStarted,
    ExecutionSucceeded: closed,
    ExecutionFailed: closed,
    ExecutionAborted: closed,
    ExecutionTimedOut: closed,
  },
  // What a busy engine writes most: starts and ends of executions, many per batch; an end that
  // follows its start in the batch goes with it (one row inserted as it ends).
  batchFollowers: { ExecutionStarted: Object.keys(CLOSED_STATUS) },
  batchHandlers: {
    ExecutionStarted: executionsStarted,
    ExecutionSucceeded: closedTogether,
    ExecutionFailed: closedTogether,
    ExecutionAborted: closedTogether,
    ExecutionTimedOut: closedTogether,
  },
};
