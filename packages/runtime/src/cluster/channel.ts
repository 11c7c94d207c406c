import { listenChannel, type Listening } from '@stepstream/eventstore';
import { sql, type Kysely } from 'kysely';
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
  private listening: Listening | undefined;
  private closed = false;

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
    this.listening = await listenChannel({
      connectionString: this.connectionString,
      channel: this.name,
      applicationName: 'stepstream-cluster',
      onPayload: (payload) => this.messages.next(payload),
      onNotice: (m) => this.log.warn(`the cluster channel: ${m}`),
    });
  }

  /** Tells every node (this one included). */
  async say(message: string): Promise<void> {
    if (this.closed) return;
    await sql`select pg_notify(${this.name}, ${message})`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.messages.complete();
    await this.listening?.close();
  }
}
