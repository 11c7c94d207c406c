import { leafHash, MerkleFrontier, toHex, type TreeNode } from '@stepstream/audit';
import {
  leafDataOf,
  makePgPool,
  openPGlite,
  openPGliteEventStore,
  openPostgresEventStore,
  type EventStore,
  type Position,
  type RecordedEvent,
} from '@stepstream/eventstore';
import { postgresUnavailable, postgresUrl } from '@stepstream/eventstore/testing';
import { Kysely, PostgresDialect, sql } from 'kysely';

// Databases for the audit tree's tests: each test gets one of its own (the tree covers every event
// of `$all`, and its schema has a fixed name), embedded PGlite or a Postgres database created for it.

export interface AuditBackend {
  /** The store as the engine is given it (not chained: the engine chains). */
  readonly store: EventStore;
  readonly db: Kysely<any>;
  close(): Promise<void>;
}

export interface BackendKind {
  readonly label: string;
  readonly open: () => Promise<AuditBackend>;
  /** Why it cannot run here. */
  readonly skip?: string;
}

const openPGliteBackend = async (): Promise<AuditBackend> => {
  const shared = await openPGlite();
  const store = await openPGliteEventStore({ shared });
  return {
    store,
    db: shared.db,
    close: async () => {
      await store.close();
      await shared.db.destroy();
      await shared.pglite.close();
    },
  };
};

const openPostgresBackend = async (): Promise<AuditBackend> => {
  const database = `t_audit_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(postgresUrl, 1) }) });
  await sql`create database ${sql.id(database)}`.execute(admin);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const store = await openPostgresEventStore({ connectionString: url.toString(), maxConnections: 5 });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: makePgPool(url.toString(), 5) }) });
  return {
    store,
    db,
    close: async () => {
      await store.close();
      await db.destroy();
      await sql`drop database if exists ${sql.id(database)} with (force)`.execute(admin);
      await admin.destroy();
    },
  };
};

/** PGlite, and Postgres when its server answers. */
export const backendKinds = async (): Promise<BackendKind[]> => {
  const unavailable = await postgresUnavailable();
  return [
    { label: 'PGlite', open: openPGliteBackend },
    { label: 'Postgres', open: openPostgresBackend, ...(unavailable ? { skip: unavailable } : {}) },
  ];
};

/** Every event of `$all`, in commit order. */
export const readEverything = async (store: EventStore): Promise<RecordedEvent[]> => {
  const out: RecordedEvent[] = [];
  let from: Position | 'start' = 'start';
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
    out.push(...(from === 'start' ? page : page.slice(1)));
    if (page.length < 1000) return out;
    from = page.at(-1)!.position;
  }
};

/**
 * The tree over `events` computed here, independently of the projector: with `@stepstream/audit`'s
 * frontier over `leafHash(leafDataOf(event))`, the root at every size (hex, index = size) and every
 * perfect subtree node (`level/index` → hex).
 */
export const independentTree = (events: readonly RecordedEvent[]) => {
  const frontier = new MerkleFrontier();
  const roots = [toHex(frontier.root())];
  const nodes = new Map<string, string>();
  for (const event of events) {
    for (const node of frontier.append(leafHash(leafDataOf(event))) as TreeNode[]) nodes.set(`${node.level}/${node.index}`, toHex(node.hash));
    roots.push(toHex(frontier.root()));
  }
  return { roots, nodes };
};

/** The nodes the projector stored (`level/index` → hex). */
export const storedNodes = async (db: Kysely<any>): Promise<Map<string, string>> => {
  const { rows } = await sql<{
    level: number;
    index: string;
    hash: string;
  }>`select level, index::text as index, encode(hash, 'hex') as hash from audit.nodes`.execute(db);
  return new Map(rows.map((r) => [`${r.level}/${r.index}`, r.hash]));
};
