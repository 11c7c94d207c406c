import { sql, type Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import { SHARDS } from './shards.js';

/** How the leases are kept: how long one lasts without renewal, and how often they are renewed. */
export interface LeaseTimes {
  /** A lease not renewed for this long is another node's to take (default 5 s). */
  readonly ttlMs: number;
  /** How often this node renews its leases and looks for shards to take or give (default 1 s). */
  readonly tickMs: number;
}

export const DEFAULT_LEASE_TIMES: LeaseTimes = { ttlMs: 5000, tickMs: 1000 };

/** What the leases tell the engine: shards it now holds (resume their executions) and shards it lost. */
export interface LeaseEvents {
  /** Shards this node now holds, with their new epochs; the engine resumes their running executions. */
  readonly acquired: (shards: readonly number[]) => Promise<void>;
  /** Shards another node took while this one did not renew (a pause, a lost connection): stop their work at once. */
  readonly lost: (shards: readonly number[]) => void;
  /**
   * Before giving shards away (to a node that joined, or at a graceful stop): stop starting their
   * work and wait for what is in flight to be recorded. The leases are released afterwards.
   */
  readonly handOver: (shards: readonly number[]) => Promise<void>;
}

/**
 * The shard leases of one node, kept in the store's `leases` table (migration 0006). Every tick
 * the node marks itself alive (`nodes`), renews what it holds, and moves towards its fair share,
 * ⌈SHARDS / live nodes⌉: it takes free or expired shards (raising their epoch, which fences the
 * previous holder's appends), or hands over the ones above its share. All times are the
 * database's (`now()`), so the nodes' clocks need not agree.
 */
export class ShardLeases {
  /** The shards held, with their epochs: what {@link leaseOwnership} fences with. */
  readonly held = new Map<number, bigint>();
  /** Shards being handed over: still renewed until released, no longer owned. */
  private readonly leaving = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  /** Resumptions of shards taken, under way. */
  private readonly resuming = new Set<Promise<void>>();
  private ticking: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Kysely<any>,
    private readonly schema: string,
    readonly node: string,
    private readonly events: LeaseEvents,
    private readonly log: Logger,
    private readonly times: LeaseTimes = DEFAULT_LEASE_TIMES,
  ) {}

  private t(name: string) {
    return sql.id(this.schema, name);
  }

  /** The first tick (its acquisitions resumed before it returns), then one every `tickMs`. */
  async start(): Promise<void> {
    await sql`insert into ${this.t('nodes')} (node, started_at, seen_at) values (${this.node}, now(), now())
      on conflict (node) do update set started_at = now(), seen_at = now()`.execute(this.db);
    // A node restarted under its name takes back the leases its previous process held (and left to
    // expire when it died) at once, at a new epoch: the old process, were it somehow alive, is fenced.
    // `for update` first: appends still in flight under the old epoch (which hold the rows `for
    // key share`) commit before the epoch moves, and none can commit after.
    const { rows } = await sql<{ shard: number; epoch: string }>`update ${this.t('leases')} l
      set epoch = l.epoch + 1, expires_at = now() + ${`${this.times.ttlMs} milliseconds`}::interval
      where l.shard in (select shard from ${this.t('leases')} where owner = ${this.node} for update)
      returning l.shard, l.epoch::text as epoch`.execute(this.db);
    if (rows.length > 0) this.took(rows, 'took back');
    await this.tick();
    this.schedule();
  }

  /** Shards now held: recorded, then their executions resumed (in the background: renewals go on). */
  private took(rows: readonly { shard: number; epoch: string }[], verb: string): void {
    for (const r of rows) this.held.set(r.shard, BigInt(r.epoch));
    const shards = rows.map((r) => r.shard).sort((a, b) => a - b);
    this.log.info(`node ${this.node} ${verb} ${shards.length} shards (${this.held.size} of ${SHARDS} held): resuming their executions`);
    const resumed = this.events
      .acquired(shards)
      .catch((e: unknown) => this.log.error(`node ${this.node}: resuming the executions of ${shards.length} shards it took failed`, e));
    this.resuming.add(resumed);
    void resumed.finally(() => this.resuming.delete(resumed));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    }, this.times.tickMs);
  }

  /** One round: alive, renew, then take or give towards the fair share. */
  async tick(): Promise<void> {
    const began = performance.now();
    try {
      const ttl = `${this.times.ttlMs} milliseconds`;
      await sql`update ${this.t('nodes')} set seen_at = now() where node = ${this.node}`.execute(this.db);
      const mine = [...this.held.keys(), ...this.leaving];
      if (mine.length > 0) {
        // Renewals touch `expires_at` alone: they do not wait for fenced appends (which lock the
        // lease row `for key share`), so one statement renews them all.
        const { rows } = await sql<{ shard: number }>`update ${this.t('leases')} set expires_at = now() + ${ttl}::interval
          where owner = ${this.node} and shard = any(${mine}::integer[]) returning shard`.execute(this.db);
        const renewed = new Set(rows.map((r) => r.shard));
        // Only shards still held count as lost (one being handed over may be released meanwhile).
        const lost = mine.filter((s) => !renewed.has(s) && this.held.has(s));
        if (lost.length > 0) {
          for (const s of lost) {
            this.held.delete(s);
            this.leaving.delete(s);
          }
          this.log.warn(`node ${this.node} lost ${lost.length} shards to other nodes (its leases expired): their work stops here`);
          this.events.lost(lost);
        }
      }
      if (this.closed) return;
      const { rows: alive } = await sql<{ n: string }>`select count(*)::text as n from ${this.t('nodes')}
        where seen_at > now() - ${ttl}::interval`.execute(this.db);
      const share = Math.ceil(SHARDS / Math.max(1, Number(alive[0]?.n ?? 1)));
      const holding = this.held.size;
      if (holding < share) await this.take(share - holding, ttl);
      else if (holding > share && this.leaving.size === 0) void this.give(holding - share);
      // Nodes silent for a day are forgotten (their leases expired long ago).
      await sql`delete from ${this.t('nodes')} where seen_at < now() - interval '1 day'`.execute(this.db);
    } catch (e) {
      if (!this.closed) this.log.error(`node ${this.node}: keeping its shard leases failed; trying again in ${this.times.tickMs} ms`, e);
    }
    const took = performance.now() - began;
    if (took > this.times.ttlMs / 2 && !this.closed)
      this.log.warn(
        `node ${this.node}: renewing its leases took ${Math.round(took)} ms of their ${this.times.ttlMs} ms: the database or this process is overloaded, and a slower renewal loses them`,
      );
  }

  /** Takes up to `n` free or expired shards, raising each one's epoch. */
  private async take(n: number, ttl: string): Promise<void> {
    const { rows } = await sql<{ shard: number; epoch: string }>`update ${this.t('leases')} l
      set owner = ${this.node}, epoch = l.epoch + 1, expires_at = now() + ${ttl}::interval
      where l.shard in (select shard from ${this.t('leases')} where owner is null or expires_at < now()
        order by random() limit ${n} for update skip locked)
      returning l.shard, l.epoch::text as epoch`.execute(this.db);
    if (rows.length === 0 || this.closed) return;
    this.took(rows, 'took');
  }

  /** Settles once the shards taken so far have had their executions resumed. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.resuming]);
  }

  /** Hands `n` shards over: their work stops and drains here, then their leases are released. */
  private async give(n: number): Promise<void> {
    const shards = [...this.held.keys()].slice(0, n);
    await this.handOver(shards);
  }

  private async handOver(shards: readonly number[]): Promise<void> {
    if (shards.length === 0) return;
    for (const s of shards) {
      this.held.delete(s);
      this.leaving.add(s);
    }
    try {
      await this.events.handOver(shards);
    } finally {
      await sql`update ${this.t('leases')} set owner = null, expires_at = null
        where owner = ${this.node} and shard = any(${[...shards]}::integer[])`
        .execute(this.db)
        .catch((e: unknown) =>
          this.log.warn(`node ${this.node}: releasing ${shards.length} leases failed (they expire in ${this.times.ttlMs} ms): ${String(e)}`),
        );
      for (const s of shards) this.leaving.delete(s);
      this.log.info(`node ${this.node} handed over ${shards.length} shards (${this.held.size} held)`);
    }
  }

  /** A graceful stop: no more ticks; every shard is handed over (its work drained) and released. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.handOver([...this.held.keys()]);
    await sql`delete from ${this.t('nodes')} where node = ${this.node}`.execute(this.db).catch(() => undefined);
  }
}
