import { scopeOf } from '../locate.js';
import {
  executionAlreadyExists,
  executionArn as makeExecutionArn,
  executionStream,
  invalidName,
  isValidName,
  type ApiError,
  type ExecutionInfo,
  type ParentTask,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import * as express from '../express/start.js';
import type { ChildExecutions } from '../integrations/integrations.js';
import type { MockConfig } from '../integrations/mocks.js';
import { resolveStartTarget } from './start-target.js';
import type { ExecutionUseCaseDeps } from './use-case-deps.js';

/** What StartExecution needs besides the execution use cases' deps: the resources, ids, Express, and mocks. */
export interface StartExecutionDeps extends ExecutionUseCaseDeps {
  /** What an Express start needs (src/express/start.ts); its stores and scope serve the target's resolution too. */
  readonly expressStarts: express.ExpressStartDeps;
  readonly random: () => number;
  readonly mocks?: MockConfig | undefined;
  /** Executions started on a mock test case run on their own virtual clock. */
  readonly virtualTestCases?: boolean;
  /** Work a graceful stop waits for (an Express execution run in the background). */
  readonly track: (run: Promise<void>) => void;
}

/** StartExecution's input (and a `.sync` child's parent task). */
export interface StartExecutionInput {
  stateMachineArn: string;
  name?: string;
  input?: string;
  traceHeader?: string;
  parent?: ParentTask;
}

/**
 * StartExecution: a STANDARD execution's first events, appended with `no_stream` (the store
 * enforces the name's uniqueness); idempotent while RUNNING with the same input. An EXPRESS
 * machine's execution runs in the background and stores nothing.
 *
 * @example
 * await startExecution(deps, { stateMachineArn, name: 'order-1', input: '{}' }); // right({ executionArn, startDate })
 * await startExecution(deps, { stateMachineArn, name: 'order-1', input: '{"other":1}' }); // left(ExecutionAlreadyExists)
 */
export const startExecution = async (
  deps: StartExecutionDeps,
  input: StartExecutionInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, { executionArn: string; startDate: number }>> => {
  const { expressStarts, clock } = deps;
  const resolved = await resolveStartTarget({ ...expressStarts, random: deps.random, mocks: deps.mocks }, input.stateMachineArn);
  if (E.isLeft(resolved)) return resolved;
  const { sm, testCase, versionArn, aliasArn } = resolved.right;
  const name = input.name ?? expressStarts.uuid();
  if (!isValidName(name)) return E.left(invalidName(name));
  if (sm.stateMachineType === 'EXPRESS') {
    // Express: asynchronous, at least once, nothing stored (AWS keeps no Express history).
    const started = express.expressInfo(expressStarts, sm, name, input.input ?? '{}', input.traceHeader);
    deps.track(express.runExpressInBackground(started, expressStarts));
    return E.right({ executionArn: started.executionArn, startDate: started.startDate });
  }
  // In its state machine's account (several accounts, docs/security.md), not necessarily the engine's.
  const scope = scopeOf(expressStarts.scope, sm.stateMachineArn);
  const executionArn = makeExecutionArn(scope, sm.name, name);
  const stream = executionStream(scope.account, scope.region, sm.name, name);
  const text = input.input ?? '{}';
  return deps.queue.run(stream, async () => {
    // A new name is the common case: append with no_stream straight away (the store enforces
    // uniqueness); only when the name is taken, read the execution for the idempotency rule.
    const now = clock();
    const info: ExecutionInfo = {
      executionArn,
      stateMachineArn: sm.stateMachineArn,
      stateMachineName: sm.name,
      name,
      roleArn: sm.roleArn,
      definition: sm.definition,
      stateMachineType: sm.stateMachineType,
      input: text,
      startDate: now,
      ...(input.traceHeader !== undefined ? { traceHeader: input.traceHeader } : {}),
      ...(input.parent !== undefined ? { parent: input.parent } : {}),
      ...(testCase !== undefined ? { testCase } : {}),
      ...(testCase !== undefined && deps.virtualTestCases === true ? { time: 'virtual' as const } : {}),
      ...(versionArn !== undefined ? { stateMachineVersionArn: versionArn } : {}),
      ...(aliasArn !== undefined ? { stateMachineAliasArn: aliasArn } : {}),
    };
    const started = await deps.commands.start(stream, info, now, meta);
    if (started) {
      deps.acknowledge(started.position);
      return E.right({ executionArn, startDate: now });
    }
    // Idempotent while RUNNING with the same input; otherwise the name is taken.
    const existing = await deps.commands.load(stream);
    return existing.status === 'RUNNING' && existing.info?.input === text
      ? E.right({ executionArn, startDate: existing.info.startDate })
      : E.left(executionAlreadyExists(executionArn));
  });
};

/**
 * The `arn:aws:states:::states:startExecution` integration's way to start a child: StartExecution
 * with the parent's task, its answer as the integration reads it (an error by its tag).
 */
export const childExecutions = (start: (input: StartExecutionInput) => ReturnType<typeof startExecution>): ChildExecutions => ({
  start: async (input, parent) => {
    const r = await start({
      stateMachineArn: input.stateMachineArn,
      input: input.input,
      ...(input.name !== undefined ? { name: input.name } : {}),
      parent,
    });
    return E.isRight(r)
      ? { ok: true, executionArn: r.right.executionArn, startDate: r.right.startDate }
      : { ok: false, tag: r.left._tag, message: r.left.message };
  },
});
