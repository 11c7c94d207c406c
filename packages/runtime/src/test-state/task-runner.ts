/**
 * Who answers the tasks of the state under test: the request's mock, or the engine's integrations
 * (at TRACE with an HTTP Task's exchange recorded, to show its request and response).
 *
 * @module
 */
import type { PendingTask, TaskSignal } from '@stepstream/domain';
import { httpInvoke, type HttpExchange } from '../integrations/http-task.js';
import type { Integrations, TaskRunner } from '../integrations/integrations.js';
import type { TestStateInput } from './types.js';

/**
 * The signal a mock stands for: its `errorOutput` as the task's failure, or its `result` (JSON
 * `null` when it brings none) as the task's output.
 *
 * @example
 * ```ts
 * mockedSignal({ errorOutput: { error: 'E', cause: 'why' } }); // → { type: 'failed', error: 'E', cause: 'why' }
 * mockedSignal({ result: '{"ok":true}' }); // → { type: 'succeeded', output: '{"ok":true}' }
 * ```
 */
export const mockedSignal = (mock: NonNullable<TestStateInput['mock']>): TaskSignal =>
  'errorOutput' in mock
    ? {
        type: 'failed',
        ...(mock.errorOutput.error !== undefined ? { error: mock.errorOutput.error } : {}),
        ...(mock.errorOutput.cause !== undefined ? { cause: mock.errorOutput.cause } : {}),
      }
    : { type: 'succeeded', output: mock.result ?? 'null' };

/** A mock answers every task of the state (asked for when the task runs). */
export const mockedTasks = (answer: () => TaskSignal): TaskRunner => ({ run: async () => answer() });

const isHttpInvoke = (task: PendingTask) => task.kind === 'service' && task.resourceType === 'http' && (task.action ?? '').startsWith('invoke');

/** The engine's integrations, but an HTTP Task is called here so that its exchange lands in `exchanges` (for TRACE). */
export const tracedTasks = (integrations: TaskRunner & Pick<Integrations, 'connections'>, exchanges: HttpExchange[]): TaskRunner => ({
  run: (task, ctx) => (isHttpInvoke(task) ? httpInvoke(task.input, integrations.connections, 60_000, (x) => exchanges.push(x)) : integrations.run(task, ctx)),
});
