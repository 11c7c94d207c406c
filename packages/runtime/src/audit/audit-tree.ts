import { HASH_FIELD, isHexHash, isTreeSize, leafHashOfHex, MerkleFrontier, toHex, type MerkleFrontierJSON, type SignedCheckpoint } from '@stepstream/audit';
import { leafDataOf, type RecordedEvent } from '@stepstream/eventstore';
import type { Projection, ProjectionBatchHandler } from '@stepstream/projections';
import { sql, type Kysely } from 'kysely';

/** The audit tree's projection: also the Postgres schema of its tables. */
export const AUDIT_SCHEMA = 'audit';
/** The stream that holds the signed checkpoints. */
export const CHECKPOINT_STREAM = 'audit-checkpoints';
/** The type of a signed checkpoint's event; its data is the {@link SignedCheckpoint}. */
export const CHECKPOINT_SIGNED = 'CheckpointSigned';

const t = (schema: string, table: string) => sql.id(schema, table);

/** A `CheckpointSigned` event's data, if it has a checkpoint's shape (its signature is checked by whoever relies on it). */
export const checkpointOf = (event: RecordedEvent): SignedCheckpoint | undefined => {
  if (event.type !== CHECKPOINT_SIGNED || event.streamName !== CHECKPOINT_STREAM) return undefined;
  const d = event.data as Partial<Record<keyof SignedCheckpoint, unknown>> | null;
  if (typeof d !== 'object' || d === null) return undefined;
  const { treeSize, rootHash, timestamp, keyId, signature } = d;
  if (!isTreeSize(treeSize) || !isHexHash(rootHash) || typeof timestamp !== 'string' || typeof keyId !== 'string' || typeof signature !== 'string') {
    return undefined;
  }
  return { treeSize, rootHash, timestamp, keyId, signature };
};

/**
 * The levels of the perfect subtrees the `nodes` table holds: every fourth (4, 8, 12 …). A leaf
 * hash (level 0) is the hash of its `leaves.leaf_data`; a node between two stored levels is
 * folded from at most 8 nodes of the stored level below it (`AuditTables.nodes`). Storing every
 * level was two rows an event; this is one row for sixteen, and a proof reads at most 8 rows for
 * each of its ~log2(n) hashes.
 */
export const NODE_LEVEL_STEP = 4;

/** Whether the `nodes` table holds the perfect subtrees of `level`. */
export const isStoredLevel = (level: number): boolean => level > 0 && level % NODE_LEVEL_STEP === 0;

/** The tree as projected so far: its frontier (size and subtree roots), as one row holds it. */
export const readFrontier = async (tx: Kysely<any>, schema: string): Promise<MerkleFrontier> => {
  const { rows } = await sql<{ frontier: MerkleFrontierJSON | string }>`select frontier from ${t(schema, 'tree')}`.execute(tx);
  const row = rows[0];
  if (!row) return new MerkleFrontier();
  return MerkleFrontier.from(typeof row.frontier === 'string' ? (JSON.parse(row.frontier) as MerkleFrontierJSON) : row.frontier);
};

/**
 * Appends a batch of events, in `$all` commit order, to the tree: one leaf each
 * (`leafHash(leafDataOf(event))`), every perfect subtree it completes, the new frontier, and the
 * checkpoints among them. Four statements whatever the batch's size (the leaves and the nodes go
 * in as arrays through `unnest`); the projector commits them with its checkpoint.
 *
 * It never fails on an event's content: a `CheckpointSigned` event that is not a checkpoint is a
 * leaf like any other and adds no checkpoint row (a skipped leaf would break every later proof).
 */
const appendLeaves: ProjectionBatchHandler = async (tx, events, schema) => {
  const frontier = await readFrontier(tx, schema);
  const first = frontier.size;
  const streams: string[] = [];
  const revisions: string[] = [];
  const ids: string[] = [];
  const commits: string[] = [];
  const prepares: string[] = [];
  const data: string[] = [];
  const levels: number[] = [];
  const indexes: number[] = [];
  const hashes: string[] = [];
  const checkpoints: { checkpoint: SignedCheckpoint; event: RecordedEvent }[] = [];
  for (const event of events) {
    // The leaf data is the event's `$hash` (leafDataOf), used as the hex it is stored as.
    const stored = event.metadata[HASH_FIELD];
    const hex = isHexHash(stored) ? stored : toHex(leafDataOf(event));
    streams.push(event.streamName);
    revisions.push(event.revision.toString());
    ids.push(event.id);
    commits.push(event.position.commit.toString());
    prepares.push(event.position.prepare.toString());
    data.push(hex);
    for (const node of frontier.append(leafHashOfHex(hex))) {
      if (!isStoredLevel(node.level)) continue;
      levels.push(node.level);
      indexes.push(node.index);
      hashes.push(toHex(node.hash));
    }
    const checkpoint = checkpointOf(event);
    if (checkpoint) checkpoints.push({ checkpoint, event });
  }
  await sql`insert into ${t(schema, 'leaves')} (leaf_index, stream_name, revision, event_id, commit_position, prepare_position, leaf_data)
    select ${first} + n - 1, stream_name, revision, event_id, commit_position, prepare_position, decode(leaf_data, 'hex')
    from unnest(${streams}::text[], ${revisions}::bigint[], ${ids}::uuid[], ${commits}::numeric[], ${prepares}::numeric[], ${data}::text[])
      with ordinality as u(stream_name, revision, event_id, commit_position, prepare_position, leaf_data, n)`.execute(tx);
  await sql`insert into ${t(schema, 'nodes')} (level, index, hash)
    select level, index, decode(hash, 'hex') from unnest(${levels}::smallint[], ${indexes}::bigint[], ${hashes}::text[]) as u(level, index, hash)`.execute(tx);
  await sql`insert into ${t(schema, 'tree')} (id, size, frontier) values (true, ${frontier.size}, ${JSON.stringify(frontier)}::jsonb)
    on conflict (id) do update set size = excluded.size, frontier = excluded.frontier`.execute(tx);
  for (const { checkpoint: c, event } of checkpoints) {
    // Several nodes may sign the same tree size: the first checkpoint of a size is kept.
    await sql`insert into ${t(schema, 'checkpoints')} (tree_size, root_hash, timestamp, key_id, signature, commit_position, prepare_position)
      values (${c.treeSize}, decode(${c.rootHash}, 'hex'), ${c.timestamp}, ${c.keyId}, ${c.signature}, ${event.position.commit.toString()},
        ${event.position.prepare.toString()})
      on conflict (tree_size) do nothing`.execute(tx);
  }
};

/**
 * The audit tree: an RFC 6962 / 9162 Merkle tree over every event in `$all` commit order, kept by
 * an in-order projector in the schema `audit`:
 * - `leaves`: leaf `leaf_index` is the event at that place in `$all` (its stream, revision, id,
 *   position) with its leaf data (`leafDataOf`: the 32 bytes of its `$hash`);
 * - `nodes`: the perfect subtrees `(level, index)` → hash of every fourth level (`isStoredLevel`);
 *   the others are folded from them or from the leaves when a proof needs them; a complete node
 *   never changes, so any proof for any past tree size is read from here;
 * - `tree`: the size and the frontier (the roots of the subtrees at the right edge), one row;
 * - `checkpoints`: the signed checkpoints, from the `CheckpointSigned` events of
 *   `audit-checkpoints` (which are leaves too).
 *
 * A rebuild replays `$all` from zero and arrives at the same tree.
 */
export const auditTree: Projection = {
  name: AUDIT_SCHEMA,
  migrations: (schema) => ({
    '0001_audit_tree': {
      async up(db) {
        await sql`create table ${t(schema, 'leaves')} (
          leaf_index bigint primary key,
          stream_name text not null,
          revision bigint not null,
          event_id uuid not null,
          commit_position numeric(20) not null,
          prepare_position numeric(20) not null,
          leaf_data bytea not null
        )`.execute(db);
        await sql`create unique index leaves_by_stream on ${t(schema, 'leaves')} (stream_name, revision)`.execute(db);
        await sql`create table ${t(schema, 'nodes')} (
          level smallint not null,
          index bigint not null,
          hash bytea not null,
          primary key (level, index)
        )`.execute(db);
        await sql`create table ${t(schema, 'tree')} (
          id boolean primary key default true check (id),
          size bigint not null,
          frontier jsonb not null
        )`.execute(db);
        await sql`create table ${t(schema, 'checkpoints')} (
          tree_size bigint primary key,
          root_hash bytea not null,
          timestamp text not null,
          key_id text not null,
          signature text not null,
          commit_position numeric(20) not null,
          prepare_position numeric(20) not null
        )`.execute(db);
      },
    },
  }),
  handlers: {},
  inOrder: appendLeaves,
  // A leaf is the event's `$hash` (`leafDataOf`): only an event without one, and a checkpoint, needs its data.
  dataOnlyOfTypes: [CHECKPOINT_SIGNED],
};
