import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { between, decodeRequest, long, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';

export const InspectExecutionInput = t.intersection([t.type({ executionArn: t.string }), t.partial({ eventId: optional(long) })]);

/**
 * `Stepstream.InspectExecution` `{ executionArn, eventId? }`: the execution after event `eventId`
 * of its history (its last event when omitted), as the engine saw it: status, the active state of
 * every frame with its input, retry counts, variables and context object, the finished branches
 * and iterations, timers, tasks (with the task token of each that waits for one: an activity's, a
 * `.waitForTaskToken` callback's) and Map Runs (`@stepstream/domain`'s `Inspection`). An unknown
 * execution is ExecutionDoesNotExist; an event past the end of the history a ValidationException
 * that says how long the history is. See docs/api.md and docs/time-travel.md.
 */
export const inspectExecution =
  ({ engine, taskTokens }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(InspectExecutionInput, body, {
      required: ['executionArn'],
      rules: { executionArn: [minLength(1), maxLength(256)], eventId: [between(1, Number.MAX_SAFE_INTEGER)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, eventId } = decoded.right;
    const inspected = await engine.executions.inspectExecution(executionArn, eventId ?? undefined);
    if (E.isLeft(inspected)) return inspected;
    // A task that waits for an answer by token (an activity's, a `.waitForTaskToken` callback) shows
    // its token, so whoever may inspect the execution may also answer it (the console does).
    const tasks = inspected.right.tasks.map((task) =>
      task.kind === 'activity' || task.pattern === 'waitForTaskToken'
        ? { ...task, taskToken: taskTokens.issue({ executionArn: inspected.right.executionArn, taskId: task.taskId }) }
        : task,
    );
    return E.right({ ...inspected.right, tasks });
  };
