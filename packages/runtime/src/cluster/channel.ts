import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { Subject, type Observable } from 'rxjs';
import type { Logger } from '../logger.js';

/**
 * The nodes' channel (LISTEN/NOTIFY on `<schema>_cluster`): short messages every node hears at
 * once, for what must not wait for the next read of `$all` — an activity task offered (its
 * activity's workers, polling any node, try to claim it) and a task's heartbeat (its execution's
 * owner moves the heartbeat timeout). A message may be lost (a reconnect); each use has a slower
 * way that does not depend on it.
 */
export class ClusterChannel {
  private readonly messages = new Subject<string>();
  private client: pg.Client | undefined;
  private closed = false;
  private delay = 100;

  constructor(
    private readonly connectionString: string,
    private readonly db: Kysely<any>,
    readonly name: string,
    private readonly log: Logger,
  ) {}

  get heard(): Observable<string> {
    return this.messages.asObservable();
  }

  async start(): Promise<void> {
    const c = new pg.Client({ connectionString: this.connectionString, application_name: 'stepstream-cluster' });
    c.on('notification', (n) => {
      if (n.payload !== undefined) this.messages.next(n.payload);
    });
    c.on('error', (e) => {
      if (this.closed) return;
      this.log.warn(`the cluster channel's connection was lost (${e.message}); reconnecting`);
      c.end().catch(() => undefined);
      setTimeout(() => void this.restart(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(this.name)}`);
    this.client = c;
    this.delay = 100;
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    try {
      await this.start();
    } catch (e) {
      this.log.warn(`the cluster channel could not reconnect (${(e as Error).message}); retrying`);
      setTimeout(() => void this.restart(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    }
  }

  /** Tells every node (this one included). */
  async say(message: string): Promise<void> {
    if (this.closed) return;
    await sql`select pg_notify(${this.name}, ${message})`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.messages.complete();
    await this.client?.end().catch(() => undefined);
  }
}
