import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import type { ActivityQueue, OfferedTask } from '../tasks/activity-tasks.js';

/**
 * How long a claimed task is held for its claimer's ActivityStarted append (milliseconds, normally)
 * before another node may claim it: short, since a second claim is harmless (the ActivityStarted
 * append decides, and the loser hands nothing to its worker) while a claim lost with its node
 * holds the task from every worker until it expires.
 */
const CLAIM = '5 seconds';
/** A waiting worker looks again at least this often (a message on the channel can be lost). */
const RECHECK_MS = 1000;

/** What a claim found: a row of `activity_tasks`. */
interface Row {
  stream_name: string;
  task_id: string;
  activity_arn: string;
  execution_arn: string;
  input: string;
}

const toTask = (r: Row): OfferedTask => ({
  activityArn: r.activity_arn,
  stream: r.stream_name,
  executionArn: r.execution_arn,
  taskId: r.task_id,
  input: JSON.parse(r.input) as string,
});

/**
 * The activity queue of several nodes, in the store's `activity_tasks` table (migration 0006): the
 * node that owns an execution offers its activity task there; a worker long-polling any node
 * claims the oldest one with `for update skip locked` (one claimer per task), and the claimer's
 * ActivityStarted append decides, as on one node, whether the hand-over counts. A claim whose
 * node died before its append expires after 5 s and the task is offered again. Offers are
 * announced on the cluster channel, so a worker waiting on another node claims at once.
 */
export class SharedActivityQueue implements ActivityQueue {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;
  /**
   * The tasks this node offered or claimed (`stream#taskId`): the only rows it deletes when told a
   * task is over (every task the engine forgets, Lambda ones included, would be a query each).
   * A row another node offered is deleted by the claim that finds its task over.
   */
  private readonly mine = new Set<string>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string,
    private readonly node: string,
    private readonly say: (message: string) => Promise<void>,
    private readonly log: Logger,
  ) {}

  private t() {
    return sql.id(this.schema, 'activity_tasks');
  }

  /** A message heard on the cluster channel: `activity <arn>` wakes that activity's workers here. */
  heard(message: string): void {
    if (message.startsWith('activity ')) this.wakeWorkers(message.slice('activity '.length));
  }

  offer(task: OfferedTask): void {
    // Tasks that ended on another node (after a hand-over) stay here: a bound, and then a clean slate.
    if (this.mine.size > 100_000) this.mine.clear();
    this.mine.add(`${task.stream}#${task.taskId}`);
    const insert = async () => {
      const { rows } = await sql<{ fresh: boolean }>`insert into ${this.t()} (stream_name, task_id, activity_arn, execution_arn, input)
        values (${task.stream}, ${task.taskId}, ${task.activityArn}, ${task.executionArn}, ${JSON.stringify(task.input)}::json)
        on conflict (stream_name, task_id) do nothing returning true as fresh`.execute(this.db);
      return rows.length > 0;
    };
    void (async () => {
      // The task is in no other queue: an offer that fails (the database busy or away) is tried again.
      for (let attempt = 1, pause = 100; ; attempt++, pause = Math.min(pause * 2, 5000)) {
        try {
          if (!(await insert())) return;
          break;
        } catch (e) {
          if (this.closed) return;
          if (attempt === 1 || attempt % 10 === 0)
            this.log.error(`offering activity task ${task.taskId} of ${task.stream} failed (attempt ${attempt}); trying again in ${pause} ms`, e);
          await new Promise((r) => setTimeout(r, pause));
        }
      }
      this.wakeWorkers(task.activityArn);
      await this.say(`activity ${task.activityArn}`).catch(() => undefined);
    })();
  }

  giveBack(task: OfferedTask): void {
    void (async () => {
      await sql`update ${this.t()} set claimed_by = null, claimed_until = null
        where stream_name = ${task.stream} and task_id = ${task.taskId}`.execute(this.db);
      this.wakeWorkers(task.activityArn);
      await this.say(`activity ${task.activityArn}`);
    })().catch((e: unknown) => this.log.warn(`giving back activity task ${task.taskId} failed (its claim expires in ${CLAIM}): ${String(e)}`));
  }

  forget(stream: string, taskId: string): void {
    if (!this.mine.delete(`${stream}#${taskId}`)) return;
    sql`delete from ${this.t()} where stream_name = ${stream} and task_id = ${taskId}`
      .execute(this.db)
      .catch((e: unknown) => this.log.warn(`forgetting activity task ${taskId} of ${stream} failed (the next claim of it forgets it): ${String(e)}`));
  }

  async queued(activityArn: string): Promise<readonly OfferedTask[]> {
    const { rows } = await sql<Row>`select stream_name, task_id, activity_arn, execution_arn, input::text as input from ${this.t()}
      where activity_arn = ${activityArn} and (claimed_until is null or claimed_until < now()) order by seq limit 1000`.execute(this.db);
    return rows.map(toTask);
  }

  waiting(activityArn: string): number {
    return this.waiters.get(activityArn)?.size ?? 0;
  }

  async take(activityArn: string, ms: number, signal?: AbortSignal): Promise<OfferedTask | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const claimed = await this.claim(activityArn);
      if (claimed) return claimed;
      const left = deadline - performance.now();
      if (left <= 0 || this.closed || signal?.aborted) return undefined;
      await this.until(activityArn, Math.min(left, RECHECK_MS), signal);
    }
  }

  close(): void {
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of [...set]) w();
  }

  private async claim(activityArn: string): Promise<OfferedTask | undefined> {
    const { rows } = await sql<Row>`update ${this.t()} t set claimed_by = ${this.node}, claimed_until = now() + ${CLAIM}::interval
      where (t.stream_name, t.task_id) in (select stream_name, task_id from ${this.t()}
        where activity_arn = ${activityArn} and (claimed_until is null or claimed_until < now())
        order by seq limit 1 for update skip locked)
      returning t.stream_name, t.task_id, t.activity_arn, t.execution_arn, t.input::text as input`.execute(this.db);
    const task = rows[0] ? toTask(rows[0]) : undefined;
    if (task) this.mine.add(`${task.stream}#${task.taskId}`);
    return task;
  }

  /** Waits until an offer of the activity is heard, `ms` pass, or `signal` aborts. */
  private until(activityArn: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(activityArn) ?? new Set();
      this.waiters.set(activityArn, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(activityArn) === set) this.waiters.delete(activityArn);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  private wakeWorkers(activityArn: string): void {
    for (const w of [...(this.waiters.get(activityArn) ?? [])]) w();
  }
}
