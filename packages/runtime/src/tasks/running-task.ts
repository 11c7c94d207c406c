import type { PendingTask, TaskSignal } from '@stepstream/domain';

/** The steps of a task the engine performs, each bound to its execution. */
export interface RunningTaskSteps {
  /** Appends `Started` (when the task is not started yet); false when the execution no longer waits for it. */
  readonly start: () => Promise<boolean>;
  /** Runs the integration (or reads the mock) for the task's answer. */
  readonly answer: () => Promise<TaskSignal>;
  /** Records the answer on the execution. */
  readonly record: (answer: TaskSignal) => Promise<unknown>;
  /** A failure of the engine (not of the task, whose failures are answers). */
  readonly failed: (e: unknown) => void;
}

/**
 * One task the engine performs itself (a Lambda function, an HTTP call, a child start, a mocked
 * answer), from its `Started` to its recorded answer — as Temporal's worker keeps one object per
 * activity. The engine keeps one per task in flight, by `stream#taskId`, so a task is never run
 * twice at once in this process, and a graceful stop can wait for each one's answer.
 */
export class RunningTask {
  constructor(
    readonly stream: string,
    readonly executionArn: string,
    readonly task: PendingTask,
    private readonly steps: RunningTaskSteps,
  ) {}

  /** Settles when {@link start}'s run does. */
  settled: Promise<void> = Promise.resolve();

  /** Runs the task (once) and keeps the run in {@link settled}. */
  start(): Promise<void> {
    this.settled = this.run();
    return this.settled;
  }

  /** Runs the task to its recorded answer; settles then (or once it failed in the engine, or was not started). */
  private async run(): Promise<void> {
    const { task, steps } = this;
    try {
      if (task.startedAt === undefined && !(await steps.start())) return;
      // Even while closing: a graceful stop records what finished, so nothing runs twice after a restart.
      await steps.record(await steps.answer());
    } catch (e) {
      steps.failed(e);
    }
  }

  /** The key of a task in its execution: `stream#taskId`. */
  static key(stream: string, taskId: string): string {
    return `${stream}#${taskId}`;
  }
}
