/**
 * Who answers the tasks of the state under test: the request's mock, or the engine's integrations
 * (at TRACE with an HTTP Task's exchange recorded, to show its request and response).
 *
 * @module
 */
import type { PendingTask, TaskSignal } from '@stepstream/domain';
import { httpInvoke, type HttpExchange } from '../http-task.js';
import { Integrations, type TaskContext, type TaskRunner } from '../integrations.js';
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

/**
 * A {@link TaskRunner} where an Express run takes {@link Integrations}: every task goes to the
 * runner; nothing else of the engine's integrations is used. (`runExpress` types its integrations
 * as the class, whose private members only an instance has; were it to take a `TaskRunner`, the
 * runner would go in as it is.)
 */
class RunnerIntegrations extends Integrations {
  constructor(
    base: Integrations,
    private readonly runner: TaskRunner,
  ) {
    super(base.lambda, undefined, undefined, base.connections);
  }

  override run(task: PendingTask, ctx: TaskContext): Promise<TaskSignal> {
    return this.runner.run(task, ctx);
  }
}

/** `runner` in the shape `runExpress` takes: the engine's integrations as they are, any other runner on top of them. */
export const asIntegrations = (base: Integrations, runner: TaskRunner): Integrations =>
  runner instanceof Integrations ? runner : new RunnerIntegrations(base, runner);
