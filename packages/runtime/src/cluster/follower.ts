import { comparePositions, type EventStore, type Position, type RecordedEvent } from '@stepstream/eventstore';
import type { Logger } from '../logger.js';

/** What an execution stream had appended, as the follower saw it in one read. */
export interface ExecutionAppended {
  readonly stream: string;
  /** The last revision seen. */
  readonly revision: bigint;
  /** Whether the execution ended in what was seen (ExecutionSucceeded, Failed, Aborted or TimedOut). */
  readonly ended: boolean;
}

/** What the follower tells the engine of appends made by any node. */
export interface FollowerHandlers {
  readonly executions: (appended: readonly ExecutionAppended[]) => void;
  /** A state machine's stream changed (its cached fold is stale). */
  readonly stateMachine: (stream: string) => void;
  readonly activityCreated: (activityArn: string) => void;
  readonly activityDeleted: (activityArn: string) => void;
  /** A Map Run's stream of updates grew (UpdateMapRun served by some node). */
  readonly mapRun: (stream: string) => void;
}

const ENDS = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);
const PAGE = 1000;

/**
 * Follows `$all` from where it stood when the node started, for what other nodes append: an
 * execution this node owns that another node moved on (a start, a task's answer, a stop served
 * there), a Map Run child that ended, a state machine or an activity written there. It is woken
 * by the store's append signal (LISTEN/NOTIFY on Postgres) and looks again every second.
 *
 * {@link reach} gives read-your-writes across nodes: an API call waits until the follower has
 * read past the newest state machine, activity or Map Run change committed before it began (an
 * event the follower reads: its position moves from event to event of what it follows), so a
 * machine or activity created on another node a moment ago is known here.
 */
export class ClusterFollower {
  private position: Position | undefined;
  private dirty = true;
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly waiters = new Set<{ readonly target: Position; readonly resolve: () => void }>();
  private subscription: { unsubscribe(): void } | undefined;
  private interval: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly handlers: FollowerHandlers,
    private readonly log: Logger,
  ) {}

  /** Starts at the head: what was appended before the node started is resumed from the read models. */
  async start(): Promise<void> {
    this.position = await this.store.headPosition();
    this.subscription = this.store.appended().subscribe(() => this.wake());
    this.interval = setInterval(() => this.wake(), 1000);
    this.interval.unref();
    this.running = this.loop();
  }

  /** Resolves once everything committed up to `target` has been seen (at most `timeoutMs`). */
  reach(target: Position | undefined, timeoutMs = 5000): Promise<void> {
    if (target === undefined || this.seen(target) || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.log.warn('the cluster follower is behind: an API call goes on without what other nodes wrote a moment ago');
        waiter.resolve();
      }, timeoutMs);
      this.waiters.add(waiter);
      this.wake();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscription?.unsubscribe();
    clearInterval(this.interval);
    this.wake();
    await this.running;
    for (const w of [...this.waiters]) w.resolve();
  }

  private seen(target: Position): boolean {
    return this.position !== undefined && comparePositions(this.position, target) >= 0;
  }

  private wake(): void {
    this.dirty = true;
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if (!this.dirty) await new Promise<void>((resolve) => (this.wakeUp = resolve));
      if (this.closed) return;
      this.dirty = false;
      try {
        await this.readOnce();
      } catch (e) {
        if (this.closed) return;
        this.log.error('the cluster follower could not read $all; trying again in 1 s', e);
        await new Promise((r) => setTimeout(r, 1000));
        this.dirty = true;
      }
    }
  }

  /**
   * Reads what was appended after the position (of the categories it follows: one query, no read
   * of the head first) and hands it on; the position moves to the last event read.
   */
  private async readOnce(): Promise<void> {
    const page = await this.store.readAll({
      fromPosition: this.position ?? 'start',
      maxCount: PAGE + 1,
      filter: { categories: ['execution', 'stateMachine', 'activity', 'mapRun'] },
      dataOnlyOfTypes: ['ActivityCreated', 'ActivityDeleted'],
    });
    const from = this.position;
    const fresh = from && page[0] && comparePositions(page[0].position, from) === 0 ? page.slice(1) : page;
    if (fresh.length === 0) return this.release();
    const events = fresh.slice(0, PAGE);
    this.handle(events);
    this.position = events.at(-1)!.position;
    if (fresh.length > PAGE) this.dirty = true;
    this.release();
  }

  private handle(events: readonly RecordedEvent[]): void {
    const executions = new Map<string, { revision: bigint; ended: boolean }>();
    for (const e of events) {
      const stream = e.streamName;
      if (stream.startsWith('execution-')) {
        const seen = executions.get(stream);
        executions.set(stream, { revision: e.revision, ended: (seen?.ended ?? false) || ENDS.has(e.type) });
      } else if (stream.startsWith('stateMachine-')) this.handlers.stateMachine(stream);
      else if (stream.startsWith('mapRun-')) this.handlers.mapRun(stream);
      else if (e.type === 'ActivityCreated' || e.type === 'ActivityDeleted') {
        const arn = (e.data as { activityArn?: unknown } | null)?.activityArn;
        if (typeof arn !== 'string') continue;
        if (e.type === 'ActivityCreated') this.handlers.activityCreated(arn);
        else this.handlers.activityDeleted(arn);
      }
    }
    if (executions.size > 0) this.handlers.executions([...executions].map(([stream, v]) => ({ stream, ...v })));
  }

  private release(): void {
    for (const w of [...this.waiters]) if (this.seen(w.target)) w.resolve();
  }
}
