/**
 * What the tamper tests share: a store filled by a real engine (executions over HTTP), checkpoints
 * signed over it, and an operator's edits of the events table with its append-only triggers
 * bypassed — each edit recorded with what `stepstream verify` must say about it.
 */
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { SignedCheckpoint } from '@stepstream/audit';
import type { EventStore, RecordedEvent } from '@stepstream/eventstore';
import { CHECKPOINT_STREAM, Engine } from '@stepstream/runtime';
import { serveApi } from '@stepstream/server';
import type { Kysely } from 'kysely';
import type { Problem } from '../src/verify/problems.js';

/** Runs SQL on the database that holds the events (PGlite's `query` or a pg client's). */
export type Sql = (text: string, params?: readonly unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

const quiet = { debug() {}, info() {}, warn() {}, error: (m: string, e?: unknown) => console.error(m, e) };

/** Ten Pass states in a row: each execution writes 22 events with some data in each. */
const definition = JSON.stringify({
  StartAt: 'S0',
  States: Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [
      `S${String(i)}`,
      {
        Type: 'Pass',
        Result: { step: i, label: `étape ${String(i)}`, items: [i, i * 2, 'x'] },
        ResultPath: `$.r${String(i)}`,
        ...(i === 9 ? { End: true } : { Next: `S${String(i + 1)}` }),
      },
    ]),
  ),
});

const finished = async (client: SFNClient, executionArn: string) => {
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d.status;
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Every event of `$all`, in order. */
export const readEverything = async (store: EventStore): Promise<RecordedEvent[]> => {
  const head = await store.headPosition();
  if (head === undefined) return [];
  const events: RecordedEvent[] = [];
  for (let from: RecordedEvent['position'] | 'start' = 'start'; ;) {
    const page = await store.readAll({ fromPosition: from, toPosition: head, maxCount: 1000 });
    const fresh = from === 'start' ? page : page.slice(1);
    events.push(...fresh);
    if (page.length < 1000) return events;
    from = page[page.length - 1]!.position;
  }
};

/**
 * A real engine over `store`/`db`, with the deployment's key, runs `executions` executions (over
 * HTTP, through the SDK) in two halves and signs a checkpoint after each (`engine.audit`); it is
 * closed at the end.
 */
export const fillStore = async (
  store: EventStore,
  db: Kysely<any>,
  privateKeyPem: string,
  executions: number,
): Promise<{ first: SignedCheckpoint; second: SignedCheckpoint }> => {
  // Checkpoints only when asked, so the test knows which there are.
  const engine = new Engine({ store, db, log: quiet, audit: { privateKeyPem, checkpointEvery: 1e9, checkpointIntervalMs: 1e9 } });
  await engine.start();
  const api = await serveApi({ engine, host: '127.0.0.1', port: 0, log: quiet });
  const client = new SFNClient({ endpoint: api.url, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  try {
    const { stateMachineArn } = await client.send(new CreateStateMachineCommand({ name: 'tamper', roleArn: 'arn:aws:iam::123456789012:role/r', definition }));
    const run = async (from: number, to: number) => {
      const arns = await Promise.all(
        Array.from({ length: to - from }, async (_, i) => {
          const input = JSON.stringify({ order: from + i, note: `commande n° ${String(from + i)}` });
          return (await client.send(new StartExecutionCommand({ stateMachineArn, name: `run-${String(from + i)}`, input }))).executionArn!;
        }),
      );
      for (const arn of arns) if ((await finished(client, arn)) !== 'SUCCEEDED') throw new Error(`${arn} did not succeed`);
    };
    await run(0, executions / 2);
    const first = await engine.audit.checkpointNow();
    await run(executions / 2, executions);
    const second = await engine.audit.checkpointNow();
    if (first === undefined || second === undefined) throw new Error('the engine signed no checkpoint');
    return { first, second };
  } finally {
    client.destroy();
    await api.close();
    await engine.close();
  }
};

/** What verify must report about one edit. */
export interface Expectation {
  readonly what: string;
  /** The store's event id the finding must carry. */
  readonly eventId?: string;
  /** Or the stream and revision a `missing` finding must name (a revision left empty). */
  readonly missing?: { readonly stream: string; readonly revision: bigint };
  /** The kinds acceptable for it. */
  readonly kinds: readonly Problem['kind'][];
}

/** A copy of a JSON value. */
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The first string in a JSON value, with a setter: data edits inside the values themselves. */
const firstString = (value: unknown): { get: () => string; set: (s: string) => void } | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (typeof member === 'string') {
      return { get: () => member, set: (s) => ((value as Record<string, unknown>)[key] = s) };
    }
    const inner = firstString(member);
    if (inner) return inner;
  }
  return undefined;
};

/** Six ways to change an event's data, at its start, middle and end; each changes its canonical JSON. */
export const alterData = (data: unknown, variant: number): unknown => {
  const d = copy(data) as Record<string, unknown>;
  const text = firstString(d);
  switch (variant % 6) {
    case 0:
      d['timestamp'] = Number(d['timestamp']) + 1;
      return d;
    case 1:
      d['previousEventId'] = Number(d['previousEventId']) + 1;
      return d;
    case 2:
      if (text) text.set(`X${text.get().slice(1)}`);
      else d['timestamp'] = Number(d['timestamp']) + 2;
      return d;
    case 3:
      if (text) text.set(`${text.get()}.`);
      else d['timestamp'] = Number(d['timestamp']) + 3;
      return d;
    case 4:
      d['injected'] = true;
      return d;
    default: {
      const detail = Object.keys(d).find((k) => k !== 'timestamp' && k !== 'previousEventId');
      if (detail) delete d[detail];
      else d['timestamp'] = 0;
      return d;
    }
  }
};

/** One hex digit of a hash changed. */
const flipHex = (hash: unknown) => {
  const text = String(hash);
  return `${text[0] === '0' ? '1' : '0'}${text.slice(1)}`;
};

/** Five ways to change an event's metadata: its hashes, or the fields beside them. */
export const alterMetadata = (metadata: Readonly<Record<string, unknown>>, variant: number): Record<string, unknown> => {
  const m = copy(metadata) as Record<string, unknown>;
  switch (variant % 5) {
    case 0:
      m['$hash'] = flipHex(m['$hash']);
      return m;
    case 1:
      m['$previousHash'] = flipHex(m['$previousHash']);
      return m;
    case 2:
      delete m['$hash'];
      return m;
    case 3:
      m['operator'] = 'was here';
      return m;
    default:
      delete m['$previousHash'];
      return m;
  }
};

/** The edits made, and how many events each class touched. */
export interface Tampering {
  readonly expectations: readonly Expectation[];
  readonly counts: Readonly<Record<string, number>>;
  /** The ids of the checkpoint events, for the checkpoint findings. */
  readonly checkpointEventIds: readonly string[];
}

const EVENTS = '"stepstream"."events"';

/**
 * An operator's edits, with the triggers bypassed by the caller: more than 200 events altered
 * (data, metadata, type, revision, stream name), one deleted, two swapped, the tail of `$all`
 * before the last checkpoint truncated, two forged events inserted. `events` is `$all` before.
 */
export const tamper = async (sql: Sql, events: readonly RecordedEvent[]): Promise<Tampering> => {
  const expectations: Expectation[] = [];
  const counts: Record<string, number> = {};
  const note = (what: string, e: Expectation) => {
    expectations.push(e);
    counts[what] = (counts[what] ?? 0) + 1;
  };
  const checkpoints = events.filter((e) => e.streamName === CHECKPOINT_STREAM);
  const last = checkpoints[checkpoints.length - 1]!;
  const lastIndex = events.indexOf(last);

  // The tail of $all before the last checkpoint: five events, each the end of its stream.
  const truncated = events.slice(lastIndex - 5, lastIndex);
  const spared = new Set(truncated.map((e) => e.streamName));
  const streams = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    if (!e.streamName.startsWith('execution-') || spared.has(e.streamName)) continue;
    const list = streams.get(e.streamName) ?? [];
    list.push(e);
    streams.set(e.streamName, list);
  }
  const usable = [...streams.values()].filter((list) => list.length === 22);
  const [deleted, swapped, forgedTail, ...rest] = usable;
  if (!deleted || !swapped || !forgedTail || rest.length < 34) throw new Error(`too few executions to tamper with: ${String(usable.length)}`);
  const at = (list: RecordedEvent[], revision: number) => list[revision]!;

  let variant = 0;
  for (const list of rest) {
    // Data: revisions 1, 3 and 9, in six ways.
    for (const revision of [1, 3, 9]) {
      const e = at(list, revision);
      await sql(`update ${EVENTS} set data = $1::json where event_id = $2::uuid`, [JSON.stringify(alterData(e.data, variant++)), e.id]);
      note('data', { what: `data of ${e.streamName}@${String(e.revision)}`, eventId: e.id, kinds: ['altered'] });
    }
    // Metadata: revision 5, in five ways (the hashes and the fields beside them).
    const m = at(list, 5);
    await sql(`update ${EVENTS} set metadata = $1::json where event_id = $2::uuid`, [JSON.stringify(alterMetadata(m.metadata, variant++)), m.id]);
    note('metadata', { what: `metadata of ${m.streamName}@5`, eventId: m.id, kinds: ['altered', 'broken-link'] });
    // Type: revision 7.
    const t = at(list, 7);
    await sql(`update ${EVENTS} set type = $1 where event_id = $2::uuid`, [t.type === 'PassStateExited' ? 'PassStateEntered' : 'PassStateExited', t.id]);
    note('type', { what: `type of ${t.streamName}@7`, eventId: t.id, kinds: ['altered'] });
    // Revision: the last event moved one further (its own revision is now missing).
    const r = at(list, 21);
    await sql(`update ${EVENTS} set revision = revision + 1 where event_id = $1::uuid`, [r.id]);
    note('revision', { what: `revision of ${r.streamName}@21`, eventId: r.id, kinds: ['altered'] });
    expectations.push({ what: `${r.streamName}@21 left empty`, missing: { stream: r.streamName, revision: 21n }, kinds: ['missing'] });
  }
  // Stream name: revision 2 of two streams traded places, pair by pair.
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const a = at(rest[i]!, 2);
    const b = at(rest[i + 1]!, 2);
    await sql(`update ${EVENTS} set stream_name = '~moving' where event_id = $1::uuid`, [a.id]);
    await sql(`update ${EVENTS} set stream_name = $1 where event_id = $2::uuid`, [a.streamName, b.id]);
    await sql(`update ${EVENTS} set stream_name = $1 where event_id = $2::uuid`, [b.streamName, a.id]);
    for (const e of [a, b]) note('stream', { what: `stream of ${e.streamName}@2`, eventId: e.id, kinds: ['altered', 'broken-link'] });
  }

  // One event deleted from the middle of a stream.
  const gone = at(deleted, 11);
  await sql(`delete from ${EVENTS} where event_id = $1::uuid`, [gone.id]);
  note('deleted', { what: `deleted ${gone.streamName}@11`, eventId: gone.id, kinds: ['missing'] });

  // Two events swapped: revisions 5 and 6 of one stream trade places.
  const [five, six] = [at(swapped, 5), at(swapped, 6)];
  await sql(`update ${EVENTS} set revision = -1 where event_id = $1::uuid`, [five.id]);
  await sql(`update ${EVENTS} set revision = 5 where event_id = $1::uuid`, [six.id]);
  await sql(`update ${EVENTS} set revision = 6 where event_id = $1::uuid`, [five.id]);
  for (const e of [five, six])
    note('swapped', { what: `swapped ${e.streamName}@${String(e.revision)}`, eventId: e.id, kinds: ['altered', 'reordered', 'broken-link'] });

  // The tail of $all before the last checkpoint, deleted: only the checkpoint can tell, and the
  // audit tree's leaves which events they were.
  for (const e of truncated) {
    await sql(`delete from ${EVENTS} where event_id = $1::uuid`, [e.id]);
    note('truncated', { what: `truncated ${e.streamName}@${String(e.revision)}`, eventId: e.id, kinds: ['truncated'] });
  }
  expectations.push({ what: 'the last checkpoint signs more events than there are', eventId: last.id, kinds: ['truncated'] });

  // Two forged events: one without hashes in a new stream, one at the end of a stream with its
  // predecessor's hashes copied.
  const forgedStream = `${forgedTail[0]!.streamName.slice(0, -2)}-forged`;
  const forged = await sql(
    `insert into ${EVENTS} (stream_name, revision, event_id, type, data, metadata) values ($1, 0, gen_random_uuid(), 'ExecutionStarted', $2::json, '{}'::json) returning event_id::text as id`,
    [forgedStream, JSON.stringify({ timestamp: 1718000000000, previousEventId: 0, executionStartedEventDetails: { input: '{}' } })],
  );
  note('inserted', { what: 'a forged stream', eventId: String(forged.rows[0]!['id']), kinds: ['inserted'] });
  const tail = forgedTail[21]!;
  const appended = await sql(
    `insert into ${EVENTS} (stream_name, revision, event_id, type, data, metadata) values ($1, 22, gen_random_uuid(), 'ExecutionSucceeded', $2::json, $3::json) returning event_id::text as id`,
    [
      tail.streamName,
      JSON.stringify({ timestamp: 1718000000001, previousEventId: 22, executionSucceededEventDetails: { output: '{"forged":true}' } }),
      JSON.stringify(tail.metadata),
    ],
  );
  note('inserted', { what: `a forged end of ${tail.streamName}`, eventId: String(appended.rows[0]!['id']), kinds: ['altered', 'broken-link'] });

  return { expectations, counts, checkpointEventIds: checkpoints.map((e) => e.id) };
};
