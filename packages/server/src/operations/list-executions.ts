import { invalidToken, resourceNotFound, stateMachineDoesNotExist, stateMachineTypeNotSupported, validationException, type ApiError } from '@stepstream/domain';
import { findMapRun, findStateMachine, listExecutions as query } from '@stepstream/projections';
import { locateStateMachine, locateVersion } from '@stepstream/runtime';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, oneOf, optional } from '../validation.js';
import { pageSize, type Deps } from './deps.js';

export const ListExecutionsInput = t.partial({
  stateMachineArn: optional(t.string),
  mapRunArn: optional(t.string),
  statusFilter: optional(t.string),
  maxResults: optional(integer),
  nextToken: optional(t.string),
  redriveFilter: optional(t.string),
});

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/**
 * What `stateMachineArn` lists: the machine's executions, or — given a version ARN
 * (`…:stateMachine:name:3`) or an alias ARN (`…:stateMachine:name:prod`) — those started through
 * that version or alias (API reference: "You can also return a list of executions associated with a
 * specific alias or version, by specifying an alias ARN or a version ARN in the stateMachineArn
 * parameter"). A machine, version or alias that does not exist is StateMachineDoesNotExist.
 */
const executionsOfMachine = async (engine: Deps['engine'], arn: string): Promise<E.Either<ApiError, Parameters<typeof query>[1]>> => {
  let machineArn = arn;
  let of: Parameters<typeof query>[1] = arn;
  if (E.isRight(locateVersion(arn))) {
    const version = await engine.resources.loadVersion(arn);
    if (E.isLeft(version)) return E.left(stateMachineDoesNotExist(arn));
    machineArn = version.right.stateMachineArn;
    of = { stateMachineArn: machineArn, versionArn: arn };
  } else if (/:stateMachine:[^:/]+:[^:/]+$/.test(arn)) {
    // Qualified but not by a version number: an alias ARN.
    const alias = await engine.resources.loadAlias(arn);
    if (E.isLeft(alias)) return E.left(alias.left._tag === 'InvalidArn' ? alias.left : stateMachineDoesNotExist(arn));
    machineArn = arn.slice(0, arn.lastIndexOf(':'));
    of = { stateMachineArn: machineArn, aliasArn: arn };
  } else {
    const located = locateStateMachine(arn);
    if (E.isLeft(located)) return located;
  }
  const machine = await findStateMachine(await engine.reads.readModel(), machineArn);
  if (!machine) return E.left(stateMachineDoesNotExist(arn));
  // rec: ListExecutions on an Express machine is StateMachineTypeNotSupported (AWS keeps no Express executions).
  if (machine.type === 'EXPRESS') return E.left(stateMachineTypeNotSupported());
  return E.right(of);
};

/** Newest first; keyset pages that stay correct while new executions start. */
export const listExecutions =
  ({ engine, tokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ListExecutionsInput, body, {
      rules: {
        stateMachineArn: [minLength(1), maxLength(256)],
        statusFilter: [oneOf(STATUSES)],
        maxResults: [between(0, 1000)],
        nextToken: [minLength(1), maxLength(3096)],
        redriveFilter: [oneOf(['REDRIVEN', 'NOT_REDRIVEN'])],
      },
    });
    if (E.isLeft(decoded)) return decoded;
    const input = decoded.right;
    if (input.mapRunArn != null && input.stateMachineArn != null) {
      return E.left(validationException('Only one of stateMachineArn or mapRunArn may be given'));
    }
    // Executions of a state machine (or of one of its versions or aliases), or a Map Run's child
    // executions: the same page either way.
    let of: Parameters<typeof query>[1];
    if (input.mapRunArn != null) {
      if (!(await findMapRun(await engine.reads.readModel(), input.mapRunArn))) return E.left(resourceNotFound(input.mapRunArn));
      of = { mapRunArn: input.mapRunArn };
    } else {
      if (input.stateMachineArn == null) {
        return E.left(
          validationException("1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"),
        );
      }
      const target = await executionsOfMachine(engine, input.stateMachineArn);
      if (E.isLeft(target)) return target;
      of = target.right;
    }
    const scope = `ListExecutions:${input.mapRunArn ?? input.stateMachineArn}:${input.statusFilter ?? ''}:${input.redriveFilter ?? ''}`;
    const after = input.nextToken != null ? tokens.read<{ startDate: number; arn: string }>(scope, input.nextToken) : undefined;
    if (input.nextToken != null && !after) return E.left(invalidToken());
    const limit = pageSize(input.maxResults);
    const rows = await query(
      await engine.reads.readModel(),
      of,
      input.statusFilter ?? undefined,
      after,
      limit + 1,
      (input.redriveFilter ?? undefined) as 'REDRIVEN' | 'NOT_REDRIVEN' | undefined,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return E.right({
      executions: page.map((r) => ({
        executionArn: r.arn,
        stateMachineArn: r.state_machine_arn,
        name: r.name,
        status: r.status,
        startDate: epochSeconds(r.start_date),
        ...(r.stop_date !== null ? { stopDate: epochSeconds(r.stop_date) } : {}),
        ...(r.map_run_arn !== null && r.map_run_arn !== undefined ? { mapRunArn: r.map_run_arn } : {}),
        // ExecutionListItem (service model): the version and alias an execution was started through.
        ...(r.state_machine_version_arn !== null && r.state_machine_version_arn !== undefined ? { stateMachineVersionArn: r.state_machine_version_arn } : {}),
        ...(r.state_machine_alias_arn !== null && r.state_machine_alias_arn !== undefined ? { stateMachineAliasArn: r.state_machine_alias_arn } : {}),
        redriveCount: r.redrive_count ?? 0,
        ...(r.redrive_date !== null && r.redrive_date !== undefined ? { redriveDate: epochSeconds(r.redrive_date) } : {}),
      })),
      ...(rows.length > limit && last ? { nextToken: tokens.issue(scope, { startDate: Number(last.start_date), arn: last.arn }) } : {}),
    });
  };
