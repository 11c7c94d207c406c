import { scopeOf } from '../locate.js';
import {
  invalidName,
  isValidName,
  stateMachineDoesNotExist,
  stateMachineTypeNotSupported,
  type ApiError,
  type ExecutionInfo,
  type ExecutionState,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import { runExpress } from './run.js';
import type { Logger } from '../logger.js';
import type { ResourceDeps } from '../resources/resource-deps.js';
import { loadStateMachine } from '../resources/state-machines.js';

/** What an Express run needs: the integrations it calls, the decider's environment, the clock. */
export type ExpressDeps = Omit<Parameters<typeof runExpress>[1], 'stopWhen'>;

/** What starting Express executions needs: where machines are read, ids and time, and how runs run. */
export interface ExpressStartDeps extends Pick<ResourceDeps, 'store' | 'machines' | 'scope' | 'uuid' | 'clock' | 'folds'> {
  readonly express: ExpressDeps;
  readonly log: Logger;
}

/** An Express execution's identity: `arn:…:express:<machine>:<name>:<uuid>`. */
export const expressInfo = (
  deps: Pick<ResourceDeps, 'scope' | 'uuid' | 'clock'>,
  sm: { name: string; stateMachineArn: string; roleArn: string; definition: string },
  name: string,
  input: string,
  traceHeader: string | undefined,
): ExecutionInfo => {
  const { partition, region, account } = scopeOf(deps.scope, sm.stateMachineArn);
  return {
    executionArn: `arn:${partition}:states:${region}:${account}:express:${sm.name}:${name}:${deps.uuid()}`,
    stateMachineArn: sm.stateMachineArn,
    stateMachineName: sm.name,
    name,
    roleArn: sm.roleArn,
    definition: sm.definition,
    stateMachineType: 'EXPRESS',
    input,
    startDate: deps.clock(),
    ...(traceHeader !== undefined ? { traceHeader } : {}),
  };
};

/** StartExecution on an Express machine: the run goes on in the background (at least once, nothing stored); it never throws. */
export const runExpressInBackground = async (info: ExecutionInfo, deps: Pick<ExpressStartDeps, 'express' | 'log'>): Promise<void> => {
  try {
    const run = await runExpress(info, deps.express);
    deps.log.debug(`express ${info.executionArn} ${run.state.status} in ${run.endedAt - run.startedAt} ms`);
  } catch (e) {
    deps.log.error(`express execution ${info.executionArn} failed in the engine`, e);
  }
};

/**
 * StartSyncExecution: runs an Express execution to its end and answers with its result (200 even
 * when it failed, as AWS does). STANDARD machines get StateMachineTypeNotSupported.
 */
export const startSyncExecution = async (
  deps: ExpressStartDeps,
  input: { stateMachineArn: string; name?: string; input?: string; traceHeader?: string },
): Promise<E.Either<ApiError, { info: ExecutionInfo; state: ExecutionState; startedAt: number; endedAt: number }>> => {
  const machine = await loadStateMachine(deps, input.stateMachineArn);
  if (E.isLeft(machine)) return machine;
  const sm = machine.right.current;
  if (!sm) return E.left(stateMachineDoesNotExist(input.stateMachineArn));
  if (sm.stateMachineType !== 'EXPRESS') return E.left(stateMachineTypeNotSupported());
  const name = input.name ?? deps.uuid();
  if (!isValidName(name)) return E.left(invalidName(name));
  const info = expressInfo(deps, sm, name, input.input ?? '{}', input.traceHeader);
  const run = await runExpress(info, deps.express);
  return E.right({ info, state: run.state, startedAt: run.startedAt, endedAt: run.endedAt });
};
