import { executionDoesNotExist, invalidArn, invalidToken, resourceNotFound } from '@stepstream/domain';
import { findExecution, findMapRun, listMapRuns as query, mapRunCounts, type MapRunRow } from '@stepstream/projections';
import { locateExecution } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, long, maxLength, minLength, optional } from '../validation.js';
import { pageSize, type Deps } from './deps.js';

/**
 * The ARN of a Map Run's sub-workflow, `…:stateMachine:<machine>/<label>`, from the Map Run's
 * `…:mapRun:<machine>/<label>:<id>` (ListMapRuns reports it, recorded).
 */
export const mapRunStateMachineArn = (mapRunArn: string): string => mapRunArn.slice(0, mapRunArn.lastIndexOf(':')).replace(':mapRun:', ':stateMachine:');

/**
 * A Map Run's counts, from its child executions' statuses. `resultsWritten`: 0 while the run goes,
 * then the children whose results the Map collected (recorded: 2 of 2 succeeded, no ResultWriter).
 */
const counts = (run: MapRunRow, byStatus: Record<string, number>) => {
  const running = byStatus['RUNNING'] ?? 0;
  const succeeded = byStatus['SUCCEEDED'] ?? 0;
  const failed = byStatus['FAILED'] ?? 0;
  const timedOut = byStatus['TIMED_OUT'] ?? 0;
  const aborted = byStatus['ABORTED'] ?? 0;
  const started = running + succeeded + failed + timedOut + aborted;
  return {
    pending: Math.max(0, run.total - started),
    running,
    succeeded,
    failed,
    timedOut,
    aborted,
    total: run.total,
    resultsWritten: run.status === 'RUNNING' ? 0 : succeeded,
    failuresNotRedrivable: 0,
    pendingRedrive: 0,
  };
};

const MapRunArn = t.type({ mapRunArn: t.string });

/**
 * DescribeMapRun: a Distributed Map's run, from the read model (its configuration as the Map
 * evaluated it, its status from the parent's history) and its child executions' statuses.
 * `itemCounts` equals `executionCounts` (one child per item; with an ItemBatcher one per batch).
 */
export const describeMapRun =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(MapRunArn, body, { required: ['mapRunArn'], rules: { mapRunArn: [minLength(1), maxLength(2000)] } });
    if (E.isLeft(decoded)) return decoded;
    const arn = decoded.right.mapRunArn;
    if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:mapRun:[^:]+:[^:]+$/.test(arn)) return E.left(invalidArn(arn, { kind: 'prefix' }));
    const db = await engine.reads.readModel();
    const run = await findMapRun(db, arn);
    if (!run) return E.left(resourceNotFound(arn));
    const c = counts(run, await mapRunCounts(db, arn));
    return E.right({
      mapRunArn: run.arn,
      executionArn: run.execution_arn,
      status: run.status,
      startDate: epochSeconds(run.start_date),
      ...(run.stop_date !== null ? { stopDate: epochSeconds(run.stop_date) } : {}),
      maxConcurrency: run.max_concurrency,
      toleratedFailurePercentage: run.tolerated_failure_percentage,
      toleratedFailureCount: run.tolerated_failure_count,
      itemCounts: c,
      executionCounts: c,
      redriveCount: run.redrive_count,
      ...(run.redrive_date !== null ? { redriveDate: epochSeconds(run.redrive_date) } : {}),
    });
  };

/** ListMapRuns: an execution's Map Runs, newest first, in keyset pages (the token holds the last one's start date and ARN). */
export const listMapRuns =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(
      t.intersection([t.type({ executionArn: t.string }), t.partial({ maxResults: optional(integer), nextToken: optional(t.string) })]),
      body,
      {
        required: ['executionArn'],
        rules: { executionArn: [minLength(1), maxLength(256)], maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] },
      },
    );
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, maxResults, nextToken } = decoded.right;
    const located = locateExecution(executionArn);
    if (E.isLeft(located)) return located;
    const db = await engine.reads.readModel();
    const execution = await findExecution(db, executionArn);
    if (!execution) return E.left(executionDoesNotExist(executionArn));
    const scope = `ListMapRuns:${executionArn}`;
    const after = nextToken != null ? tokens.read<{ startDate: number; arn: string }>(scope, nextToken) : undefined;
    if (nextToken != null && (typeof after?.startDate !== 'number' || typeof after.arn !== 'string')) return E.left(invalidToken());
    const limit = pageSize(maxResults);
    const rows = await query(db, executionArn, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return E.right({
      mapRuns: page.map((r) => ({
        executionArn: r.execution_arn,
        mapRunArn: r.arn,
        stateMachineArn: mapRunStateMachineArn(r.arn),
        startDate: epochSeconds(r.start_date),
        ...(r.stop_date !== null ? { stopDate: epochSeconds(r.stop_date) } : {}),
      })),
      ...(rows.length > limit && last ? { nextToken: tokens.issue(scope, { startDate: Number(last.start_date), arn: last.arn }) } : {}),
    });
  };

export const UpdateMapRunInput = t.intersection([
  t.type({ mapRunArn: t.string }),
  t.partial({ maxConcurrency: optional(integer), toleratedFailurePercentage: optional(t.number), toleratedFailureCount: optional(long) }),
]);

/** UpdateMapRun: a running Map Run's MaxConcurrency and tolerated failures. */
export const updateMapRun =
  ({ engine }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(UpdateMapRunInput, body, {
      required: ['mapRunArn'],
      rules: {
        mapRunArn: [minLength(1), maxLength(2000)],
        maxConcurrency: [between(0, 1_000_000)],
        toleratedFailurePercentage: [between(0, 100)],
        toleratedFailureCount: [between(0, 1_000_000_000)],
      },
    });
    if (E.isLeft(decoded)) return decoded;
    const { mapRunArn, maxConcurrency, toleratedFailureCount, toleratedFailurePercentage } = decoded.right;
    const run = await findMapRun(await engine.reads.readModel(), mapRunArn);
    if (!run) return E.left(resourceNotFound(mapRunArn));
    return engine.executions.updateMapRun(
      mapRunArn,
      {
        ...(maxConcurrency != null ? { maxConcurrency } : {}),
        ...(toleratedFailureCount != null ? { toleratedFailureCount } : {}),
        ...(toleratedFailurePercentage != null ? { toleratedFailurePercentage } : {}),
      },
      run.status === 'RUNNING',
      { requestId: ctx.requestId },
    );
  };
