import { sql, type Kysely } from 'kysely';
import { readModelDb } from '../stored-text.js';
import { SFN_READ_MODEL, type ActivityRow, type ExecutionRow, type MapRunRow, type StateMachineRow } from './read-model.js';

const t = (table: string) => sql.id(SFN_READ_MODEL, table);
// Every query runs through readModelDb: its parameters in their stored form (an ARN with a NUL is
// simply not found) and its string columns decoded, exactly as the projector wrote them.

export const findStateMachine = async (db: Kysely<any>, arn: string): Promise<StateMachineRow | undefined> => {
  const { rows } = await sql<StateMachineRow>`select arn, name, type, definition, role_arn, creation_date::text as creation_date,
      update_date::text as update_date, revision_id, logging, tracing, encryption
    from ${t('state_machines')} where arn = ${arn}`.execute(readModelDb(db));
  return rows[0];
};

/** State machines by name (code-point order, as AWS lists them), after a keyset cursor. */
/** A page of state machines by name; with `arnPrefix`, only those whose ARN begins so (one account's). */
/** `arn` begins with `prefix` (LIKE with its wildcards escaped), or true without one. */
const prefixed = (prefix: string | undefined) => (prefix === undefined ? sql`true` : sql`arn like ${`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);

export const listStateMachines = async (
  db: Kysely<any>,
  after: { name: string; arn: string } | undefined,
  limit: number,
  arnPrefix?: string,
): Promise<StateMachineRow[]> => {
  const bound = sql`${after ? sql`(name collate "C", arn) > (${after.name} collate "C", ${after.arn})` : sql`true`} and ${prefixed(arnPrefix)}`;
  const { rows } = await sql<StateMachineRow>`select arn, name, type, definition, role_arn, creation_date::text as creation_date,
      update_date::text as update_date, revision_id, logging, tracing, encryption
    from ${t('state_machines')} where ${bound} order by name collate "C", arn limit ${limit}`.execute(readModelDb(db));
  return rows;
};

const executionColumns = sql`arn, stream_name, state_machine_arn, name, status, start_date::text as start_date,
  stop_date::text as stop_date, input, output, error, cause, trace_header, state_machine_version_arn, state_machine_alias_arn, map_run_arn, redrive_count, redrive_date::text as redrive_date`;

export const findExecution = async (db: Kysely<any>, arn: string): Promise<ExecutionRow | undefined> => {
  const { rows } = await sql<ExecutionRow>`select ${executionColumns} from ${t('executions')} where arn = ${arn}`.execute(readModelDb(db));
  return rows[0];
};

/**
 * Which executions ListExecutions lists: a state machine's (by its ARN), those started through one
 * of its versions or aliases (`{ stateMachineArn, versionArn }` / `{ stateMachineArn, aliasArn }`:
 * the version's or alias's index), or a Map Run's child executions.
 */
export type ExecutionsOf =
  | string
  | { readonly mapRunArn: string }
  | { readonly stateMachineArn: string; readonly versionArn: string }
  | { readonly stateMachineArn: string; readonly aliasArn: string };

const executionsOf = (of: ExecutionsOf) =>
  typeof of === 'string'
    ? sql`state_machine_arn = ${of}`
    : 'mapRunArn' in of
      ? sql`map_run_arn = ${of.mapRunArn}`
      : // A version or alias ARN names its machine: the condition is on that column alone, so the
        // only index that fits is the version's (or alias's), read in order.
        'versionArn' in of
        ? sql`state_machine_version_arn = ${of.versionArn}`
        : sql`state_machine_alias_arn = ${of.aliasArn}`;

/** A state machine's executions, newest first, after a keyset cursor (stable while new ones start). */
export const listExecutions = async (
  db: Kysely<any>,
  of: ExecutionsOf,
  status: string | undefined,
  after: { startDate: number; arn: string } | undefined,
  limit: number,
  redriven?: 'REDRIVEN' | 'NOT_REDRIVEN',
): Promise<ExecutionRow[]> => {
  const redriveBound = redriven === 'REDRIVEN' ? sql`e.redrive_count > 0` : redriven === 'NOT_REDRIVEN' ? sql`e.redrive_count = 0` : sql`true`;
  const bound = after ? sql`(e.start_date, e.arn) < (${after.startDate}::bigint, ${after.arn})` : sql`true`;
  const statusBound = status ? sql`e.status = ${status}` : sql`true`;
  // Ordered by the table's columns (`e.start_date`), not the text the select list names
  // `start_date`: only the bigint order can be read off the indexes (migration 0010). A page is
  // then an index scan that stops after `limit` rows, whatever the number of executions — and
  // the plan must not depend on statistics (stale ones, or none, made the planner pick a bitmap
  // scan and a sort of every matching row: 1.4 s at a million executions), so sorts and bitmap
  // scans are off for this one statement.
  return readModelDb(db)
    .transaction()
    .execute(async (trx) => {
      await sql`select set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)`.execute(trx);
      const { rows } = await sql<ExecutionRow>`select ${executionColumns} from ${t('executions')} e
        where ${executionsOf(of)} and ${statusBound} and ${bound} and ${redriveBound}
        order by e.start_date desc, e.arn desc limit ${limit}`.execute(trx);
      return rows;
    });
};

/** Every execution still running: what the runtime re-arms after a restart. */
export const runningExecutionStreams = async (db: Kysely<any>): Promise<string[]> => {
  const { rows } = await sql<{ stream_name: string }>`select stream_name from ${t('executions')} where status = 'RUNNING'`.execute(readModelDb(db));
  return rows.map((r) => r.stream_name);
};

export const findActivity = async (db: Kysely<any>, arn: string): Promise<ActivityRow | undefined> => {
  const { rows } = await sql<ActivityRow>`select arn, name, creation_date::text as creation_date from ${t('activities')} where arn = ${arn}`.execute(
    readModelDb(db),
  );
  return rows[0];
};

/** Activities by name (code-point order), after a keyset cursor. */
/** A page of activities by name; with `arnPrefix`, only those whose ARN begins so (one account's). */
export const listActivities = async (
  db: Kysely<any>,
  after: { name: string; arn: string } | undefined,
  limit: number,
  arnPrefix?: string,
): Promise<ActivityRow[]> => {
  const bound = sql`${after ? sql`(name collate "C", arn) > (${after.name} collate "C", ${after.arn})` : sql`true`} and ${prefixed(arnPrefix)}`;
  const { rows } = await sql<ActivityRow>`select arn, name, creation_date::text as creation_date
    from ${t('activities')} where ${bound} order by name collate "C", arn limit ${limit}`.execute(readModelDb(db));
  return rows;
};

/** Every activity ARN (the engine keeps them in memory to fail a Task on a deleted activity). */
export const activityArns = async (db: Kysely<any>): Promise<string[]> => {
  const { rows } = await sql<{ arn: string }>`select arn from ${t('activities')}`.execute(readModelDb(db));
  return rows.map((r) => r.arn);
};

const mapRunColumns = sql`arn, execution_arn, status, start_date::text as start_date, stop_date::text as stop_date, total, max_concurrency,
  tolerated_failure_count, tolerated_failure_percentage, redrive_count, redrive_date::text as redrive_date`;

export const findMapRun = async (db: Kysely<any>, arn: string): Promise<MapRunRow | undefined> => {
  const { rows } = await sql<MapRunRow>`select ${mapRunColumns} from ${t('map_runs')} where arn = ${arn}`.execute(readModelDb(db));
  return rows[0];
};

/** An execution's Map Runs, newest first, after a keyset cursor (index `map_runs_newest_first`). */
export const listMapRuns = async (
  db: Kysely<any>,
  executionArn: string,
  after: { startDate: number; arn: string } | undefined,
  limit: number,
): Promise<MapRunRow[]> => {
  const bound = after ? sql`(m.start_date, m.arn) < (${after.startDate}::bigint, ${after.arn})` : sql`true`;
  const { rows } = await sql<MapRunRow>`select ${mapRunColumns} from ${t('map_runs')} m
    where m.execution_arn = ${executionArn} and ${bound}
    order by m.start_date desc, m.arn desc limit ${limit}`.execute(readModelDb(db));
  return rows;
};

/** How many of a Map Run's child executions are in each status. */
export const mapRunCounts = async (db: Kysely<any>, mapRunArn: string): Promise<Record<string, number>> => {
  const { rows } = await sql<{
    status: string;
    n: string;
  }>`select status, count(*)::text as n from ${t('executions')} where map_run_arn = ${mapRunArn} group by status`.execute(readModelDb(db));
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
};
