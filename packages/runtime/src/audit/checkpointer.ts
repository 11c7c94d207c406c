import { keyIdOf, signCheckpoint, type SignedCheckpoint } from '@stepstream/audit';
import type { EventStore } from '@stepstream/eventstore';
import type { Projector } from '@stepstream/projections';
import type { Logger } from '../logger.js';
import { rootHex, type AuditTables } from './audit-queries.js';
import { CHECKPOINT_SIGNED, CHECKPOINT_STREAM } from './audit-tree.js';

/** AuditOptions' defaults: a checkpoint every 10,000 events, or every 10 s when the tree grew. */
export const CHECKPOINT_EVERY = 10_000;
export const CHECKPOINT_INTERVAL_MS = 10_000;

export interface CheckpointerDeps {
  /** The store checkpoints are appended to (the engine's, chained). */
  readonly store: EventStore;
  readonly tables: AuditTables;
  /** The audit tree's projector. */
  readonly projector: Projector;
  /** The Ed25519 private key (PKCS #8 PEM). */
  readonly privateKeyPem: string;
  readonly clock: () => number;
  readonly log: Logger;
  readonly every: number;
  readonly intervalMs: number;
}

/**
 * Signs the audit tree's head and appends it to `audit-checkpoints` as a `CheckpointSigned`
 * event: every `every` events, and every `intervalMs` when the tree grew — unless every leaf
 * since the newest checkpoint is a checkpoint's own event (signing again would cover nothing
 * new, and two nodes would answer each other's checkpoints forever). One signing at a time.
 *
 * The root signed is the projected tree's at its size, read with its size from one row, so the
 * pair is always one the projector committed.
 */
export class Checkpointer {
  readonly keyId: string;
  /** The newest checkpoint this process knows of: signed here, or read from the table. */
  private newest: SignedCheckpoint | undefined;
  private signing: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined;
  private subscription: { unsubscribe(): void } | undefined;
  private counting = false;

  constructor(private readonly deps: CheckpointerDeps) {
    this.keyId = keyIdOf(deps.privateKeyPem);
  }

  /** Signs on the cadence from now on. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(
      () => void this.signIfGrown().catch((e: unknown) => this.deps.log.error('signing an audit checkpoint failed', e)),
      this.deps.intervalMs,
    );
    this.timer.unref();
    // Each projected batch: once `every` events are past the newest checkpoint, sign (the
    // projector's count is a hint; signIfGrown reads the tree itself).
    this.subscription = this.deps.projector.status$.subscribe((s) => {
      if (this.counting || Number(s.eventsApplied) - (this.newest?.treeSize ?? 0) < this.deps.every) return;
      this.counting = true;
      void this.signIfGrown()
        .catch((e: unknown) => this.deps.log.error('signing an audit checkpoint failed', e))
        .finally(() => (this.counting = false));
    });
  }

  /** Stops the cadence and waits for a signing in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    await this.signing.catch(() => undefined);
  }

  /** The newest checkpoint this process signed or read, without a query. */
  newestSigned(): SignedCheckpoint | undefined {
    return this.newest;
  }

  /** Runs `work` after every signing before it. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.signing.then(work, work);
    this.signing = next.catch(() => undefined);
    return next;
  }

  /** The newest checkpoint known: this process's, or a newer one in the table (another node's). */
  private async newestKnown(): Promise<SignedCheckpoint | undefined> {
    const recorded = await this.deps.tables.newestCheckpoint();
    if (recorded && (!this.newest || recorded.treeSize > this.newest.treeSize)) this.newest = recorded;
    return this.newest;
  }

  /** Signs the projected tree if it holds events the newest checkpoint does not cover (but checkpoints); the checkpoint, or undefined. */
  signIfGrown(): Promise<SignedCheckpoint | undefined> {
    return this.serial(async () => {
      const frontier = await this.deps.tables.frontier();
      const from = (await this.newestKnown())?.treeSize ?? 0;
      if (frontier.size <= from || (await this.deps.tables.onlyCheckpointsIn(from, frontier.size))) return undefined;
      return this.sign(frontier.size, rootHex(frontier));
    });
  }

  /**
   * Signs the projected tree as it is now, unless the newest checkpoint already has its size
   * (then that one is returned: a new signature would say the same).
   */
  signNow(): Promise<SignedCheckpoint> {
    return this.serial(async () => {
      const frontier = await this.deps.tables.frontier();
      const newest = await this.newestKnown();
      if (newest && newest.treeSize === frontier.size && newest.keyId === this.keyId) return newest;
      return this.sign(frontier.size, rootHex(frontier));
    });
  }

  private async sign(treeSize: number, rootHash: string): Promise<SignedCheckpoint> {
    const checkpoint = signCheckpoint({ treeSize, rootHash, timestamp: new Date(this.deps.clock()).toISOString() }, this.deps.privateKeyPem);
    await this.deps.store.appendToStream(CHECKPOINT_STREAM, [{ type: CHECKPOINT_SIGNED, data: checkpoint }], { expectedRevision: 'any' });
    if (!this.newest || checkpoint.treeSize >= this.newest.treeSize) this.newest = checkpoint;
    this.deps.log.debug(`audit checkpoint signed: ${treeSize} events, root ${rootHash}`);
    return checkpoint;
  }
}
