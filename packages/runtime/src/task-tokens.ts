import { createHmac, timingSafeEqual } from 'node:crypto';

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
    const payload = Buffer.from(JSON.stringify({ e: ref.executionArn, t: ref.taskId })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The task a token names, or undefined when it is malformed or forged. */
  read(token: string): TaskRef | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const { e, t } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { e: unknown; t: unknown };
      return typeof e === 'string' && typeof t === 'string' ? { executionArn: e, taskId: t } : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(`task-token\n${payload}`).digest('base64url');
  }
}
