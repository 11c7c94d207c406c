import { fromHex, HASH_BYTES, nodeKey, toHex, type MerkleFrontier, type NodeLookup, type NodeRef, type SignedCheckpoint } from '@stepstream/audit';
import { readModelDb } from '@stepstream/projections';
import { sql, type Kysely } from 'kysely';
import { AUDIT_SCHEMA, CHECKPOINT_STREAM, readFrontier } from './audit-tree.js';

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

  /** The stored nodes among `refs`, in one query, as a lookup for `inclusionProof` and its kin. */
  async nodes(refs: readonly NodeRef[]): Promise<NodeLookup> {
    const found = new Map<string, Uint8Array>();
    if (refs.length > 0) {
      const { rows } = await sql<{ level: number; index: string; hash: string }>`
        select n.level, n.index::text as index, encode(n.hash, 'hex') as hash from ${this.table('nodes')} n
        join unnest(${refs.map((r) => r.level)}::smallint[], ${refs.map((r) => r.index)}::bigint[]) as u(level, index)
          on n.level = u.level and n.index = u.index`.execute(this.db);
      for (const row of rows) found.set(nodeKey(Number(row.level), Number(row.index)), fromHex(row.hash, HASH_BYTES));
    }
    return (level, index) => found.get(nodeKey(level, index));
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
