import { seal, unseal } from './signed.js';

/** What a task token names: a task of an execution. */
export interface TaskRef {
  readonly executionArn: string;
  readonly taskId: string;
}

/**
 * Task tokens (GetActivityTask, `$$.Task.Token`): opaque to workers and signed with the
 * deployment's secret (in a domain of their own, so a page token is never a task token), so a
 * forged token is refused before anything is looked up and a token can only ever reach its own
 * execution. They do not expire: a task may wait up to a year.
 */
export class TaskTokens {
  constructor(private readonly secret: Buffer) {}

  issue(ref: TaskRef): string {
    return seal(this.secret, 'task-token', { e: ref.executionArn, t: ref.taskId });
  }

  /** The task a token names, or undefined when it is malformed or forged. */
  read(token: string): TaskRef | undefined {
    const v = unseal(this.secret, 'task-token', token) as { e?: unknown; t?: unknown } | undefined;
    return typeof v?.e === 'string' && typeof v.t === 'string' ? { executionArn: v.e, taskId: v.t } : undefined;
  }
}
