import type { CallMetadata } from '../command.js';
import { shardOf } from './shards.js';

/**
 * Which executions this node runs: their timers fire, their tasks are performed, their Map Runs
 * scheduled here, and nowhere else. API calls are served by any node; only effects are owned.
 */
export interface Ownership {
  /** Whether this node performs the effects of the execution of `stream` now. */
  readonly owns: (stream: string) => boolean;
  /**
   * The metadata that fences an append this node makes as the owner of `stream`'s work (a timer,
   * a task's start, a Map Run child's start): `{$lease: "<shard>/<epoch>/<node>"}`. The store
   * refuses it once another node holds the shard (LeaseLostError). `{}` when one node runs alone.
   */
  readonly fence: (stream: string) => CallMetadata;
}

/** One node alone (the embedded store, or an engine without a cluster): it owns everything, unfenced. */
export const soleOwnership: Ownership = { owns: () => true, fence: () => ({}) };

/** The lease of each shard this node holds now: its epoch. */
export const leaseOwnership = (node: string, held: ReadonlyMap<number, bigint>): Ownership => ({
  owns: (stream) => held.has(shardOf(stream)),
  fence: (stream) => {
    const shard = shardOf(stream);
    const epoch = held.get(shard);
    // Not held (handed over, lost): epoch 0, which no held lease has (a take raises it to 1 or
    // more), so the store refuses the append, naming the lease.
    return { $lease: `${shard}/${epoch ?? 0n}/${node}` };
  },
});
