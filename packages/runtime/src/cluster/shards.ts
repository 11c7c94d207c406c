import { SHARDS } from '@stepstream/eventstore';

/**
 * The shard of an execution's stream: FNV-1a (32 bits) over its UTF-16 code units, modulo
 * {@link SHARDS}. Every node computes the same one, so exactly one node (the shard's lease holder)
 * performs an execution's timers and tasks. A Map Run child or a `.sync` child is an execution of
 * its own, in the shard of its own stream.
 *
 * @example
 * shardOf('execution-123456789012:us-east-1:orders:run-1'); // a number in [0, 64)
 */
export const shardOf = (stream: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) {
    h ^= stream.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % SHARDS;
};

export { SHARDS };
