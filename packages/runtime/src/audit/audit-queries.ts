import {
  fromHex,
  HASH_BYTES,
  leafHash,
  nodeHash,
  nodeKey,
  toHex,
  type MerkleFrontier,
  type NodeLookup,
  type NodeRef,
  type SignedCheckpoint,
} from '@stepstream/audit';
import { readModelDb } from '@stepstream/projections';
import { sql, type Kysely } from 'kysely';
import { AUDIT_SCHEMA, CHECKPOINT_STREAM, NODE_LEVEL_STEP, readFrontier } from './audit-tree.js';

/**
 * Reads of the audit tree's tables (`audit-tree.ts`), for proofs and checkpoints. Every read goes
 * through `readModelDb`, as the projector writes (stream names are stored exactly).
 */
export class AuditTables {
  private readonly db: Kysely<any>;

  constructor(
    db: Kysely<any>,
    private readonly schema = AUDIT_SCHEMA,
  ) {
    this.db = readModelDb(db);
  }

  private table(name: string) {
    return sql.id(this.schema, name);
  }

  /** The tree as projected: its size and frontier (the root is `frontier.root()`). */
  frontier(): Promise<MerkleFrontier> {
    return readFrontier(this.db, this.schema);
  }

  /** The leaf index of a stream's event, or undefined while the projector has not reached it. */
  async leafOf(streamName: string, revision: bigint): Promise<number | undefined> {
    const { rows } = await sql<{ leaf_index: string }>`select leaf_index::text as leaf_index from ${this.table('leaves')}
      where stream_name = ${streamName} and revision = ${revision.toString()}`.execute(this.db);
    return rows[0] ? Number(rows[0].leaf_index) : undefined;
  }

  /**
   * The perfect-subtree nodes `refs`, in two queries whatever their number, as a lookup for
   * `inclusionProof` and its kin. A node of a stored level (`isStoredLevel`) is read; a leaf hash
   * is the hash of its leaf's data; any other node is folded from the nodes of the stored level
   * below it (or from the leaves), at most 8 of them. A node the tables do not have yet is absent
   * from the lookup.
   */
  async nodes(refs: readonly NodeRef[]): Promise<NodeLookup> {
    /** Where a node comes from: a range of nodes of its base level (0: the leaves), folded up. */
    const baseOf = (ref: NodeRef) => {
      const level = ref.level - (ref.level % NODE_LEVEL_STEP);
      const span = 2 ** (ref.level - level);
      return { level, first: ref.index * span, span };
    };
    const leafIndexes = new Set<number>();
    const stored = new Map<string, NodeRef>();
    for (const ref of refs) {
      const base = baseOf(ref);
      for (let i = base.first; i < base.first + base.span; i++) {
        if (base.level === 0) leafIndexes.add(i);
        else stored.set(nodeKey(base.level, i), { level: base.level, index: i });
      }
    }
    const found = new Map<string, Uint8Array>();
    if (leafIndexes.size > 0) {
      const { rows } = await sql<{ leaf_index: string; leaf_data: string }>`
        select leaf_index::text as leaf_index, encode(leaf_data, 'hex') as leaf_data from ${this.table('leaves')}
        where leaf_index = any(${[...leafIndexes]}::bigint[])`.execute(this.db);
      for (const row of rows) found.set(nodeKey(0, Number(row.leaf_index)), leafHash(fromHex(row.leaf_data, HASH_BYTES)));
    }
    if (stored.size > 0) {
      const wanted = [...stored.values()];
      const { rows } = await sql<{ level: number; index: string; hash: string }>`
        select n.level, n.index::text as index, encode(n.hash, 'hex') as hash from ${this.table('nodes')} n
        join unnest(${wanted.map((r) => r.level)}::smallint[], ${wanted.map((r) => r.index)}::bigint[]) as u(level, index)
          on n.level = u.level and n.index = u.index`.execute(this.db);
      for (const row of rows) found.set(nodeKey(Number(row.level), Number(row.index)), fromHex(row.hash, HASH_BYTES));
    }
    /** Node (level, index) folded from `found`, or undefined when one below it is missing. */
    const fold = (level: number, index: number, base: number): Uint8Array | undefined => {
      if (level === base) return found.get(nodeKey(level, index));
      const left = fold(level - 1, 2 * index, base);
      const right = left && fold(level - 1, 2 * index + 1, base);
      return left && right && nodeHash(left, right);
    };
    const nodes = new Map<string, Uint8Array>();
    for (const ref of refs) {
      const hash = fold(ref.level, ref.index, baseOf(ref).level);
      if (hash) nodes.set(nodeKey(ref.level, ref.index), hash);
    }
    return (level, index) => nodes.get(nodeKey(level, index));
  }

  /**
   * The newest checkpoint (the largest tree) recorded, of a tree that holds leaf `covering` when
   * given, signed by `keyId` when given.
   */
  async newestCheckpoint(options: { readonly covering?: number; readonly keyId?: string } = {}): Promise<SignedCheckpoint | undefined> {
    const { rows } = await sql<{ tree_size: string; root_hash: string; timestamp: string; key_id: string; signature: string }>`
      select tree_size::text as tree_size, encode(root_hash, 'hex') as root_hash, timestamp, key_id, signature from ${this.table('checkpoints')}
      where tree_size > ${options.covering ?? -1} and (${options.keyId ?? null}::text is null or key_id = ${options.keyId ?? null})
      order by tree_size desc limit 1`.execute(this.db);
    const row = rows[0];
    return row && { treeSize: Number(row.tree_size), rootHash: row.root_hash, timestamp: row.timestamp, keyId: row.key_id, signature: row.signature };
  }

  /** Whether every leaf in `[from, to)` is a checkpoint's event (then a new checkpoint would sign nothing new). */
  async onlyCheckpointsIn(from: number, to: number): Promise<boolean> {
    const { rows } = await sql<{ other: boolean }>`select exists (select 1 from ${this.table('leaves')}
      where leaf_index >= ${from} and leaf_index < ${to} and stream_name <> ${CHECKPOINT_STREAM}) as other`.execute(this.db);
    return rows[0]?.other === false;
  }
}

/** A tree root as 64 hex digits. */
export const rootHex = (frontier: MerkleFrontier): string => toHex(frontier.root());
