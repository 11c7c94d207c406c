/**
 * Proof bundles built the way the CLI will build them — a chained execution stream among other
 * streams in one Merkle tree, stored nodes, a proof, a signed checkpoint — then checked offline,
 * intact and with every byte position changed.
 */
import test from 'ava';
import type { ProofBundle, StoredEvent } from '../src/index.js';
import {
  canonicalJson,
  chainMetadata,
  eventLeafHash,
  GENESIS,
  generateSigningKey,
  inclusionProof,
  makeProofBundle,
  MerkleFrontier,
  nodeKey,
  PROOF_BUNDLE_FORMAT,
  signCheckpoint,
  toHex,
  verifyBundle,
  withoutHashFields,
} from '../src/index.js';

const KEY = generateSigningKey();
const OTHER_KEY = generateSigningKey();
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:orders:run-1';
const STREAM = 'execution-123456789012:us-east-1:orders:run-1';

/** The stream of an execution, as the domain names it (stand-in for the CLI's conversion). */
const streamNameOf = (arn: string): string => {
  const match = /^arn:aws:states:([a-z0-9-]+):(\d{12}):execution:([^:]+):([^:]+)$/.exec(arn);
  if (match === null) throw new Error(`not an execution ARN: ${arn}`);
  const [, region, account, machine, name] = match as unknown as [string, string, string, string, string];
  return `execution-${account}:${region}:${machine}:${name}`;
};

/** Stored events to AWS history events (stand-in for the domain's conversion): id = revision + 1. */
const toHistory = (events: readonly StoredEvent[]): unknown[] =>
  events.map((event) => ({ ...(event.data as Record<string, unknown>), id: Number(event.revision) + 1, type: event.type }));

interface Appended {
  readonly streamName: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly id: string;
}

/** Appends to an in-memory log: per-stream chains, one global tree with every node stored. */
const makeLog = () => {
  const frontier = new MerkleFrontier();
  const nodes = new Map<string, Uint8Array>();
  const heads = new Map<string, { revision: bigint; hash: string }>();
  const leafOf = new Map<string, number>();
  const events: Appended[] = [];
  const append = (streamName: string, type: string, data: unknown): Appended => {
    const head = heads.get(streamName);
    const revision = head === undefined ? 0n : head.revision + 1n;
    const base = { requestId: `req-${String(events.length)}` };
    const metadata = chainMetadata({ streamName, revision, type, data, metadata: base, previousHash: head?.hash ?? GENESIS });
    const event = { streamName, revision, type, data, metadata, id: `00000000-0000-4000-8000-${String(events.length).padStart(12, '0')}` };
    events.push(event);
    heads.set(streamName, { revision, hash: metadata.$hash });
    leafOf.set(`${streamName}@${revision.toString()}`, frontier.size);
    for (const node of frontier.append(eventLeafHash(metadata.$hash))) nodes.set(nodeKey(node.level, node.index), node.hash);
    return event;
  };
  const lookup = (level: number, index: number) => nodes.get(nodeKey(level, index));
  return { frontier, append, lookup, events, leafOf };
};

/** A finished execution of 9 events among 3 other streams, then more traffic after it. */
const buildBundle = (): ProofBundle => {
  const log = makeLog();
  const details = [
    { executionStartedEventDetails: { input: '{"order":"o-1","note":"café 😀"}', roleArn: 'arn:aws:iam::123456789012:role/r' } },
    { stateEnteredEventDetails: { name: 'Charge', input: '{"nul":"\\u0000","lone":"\\ud800"}' } },
    { taskScheduledEventDetails: { resource: 'invoke', region: 'us-east-1', parameters: '{}' } },
    { taskStartedEventDetails: { resource: 'invoke' } },
    { taskSucceededEventDetails: { output: '{"ok":true,"amount":42.5}', raw: 'x\u0000y\ud800z' } },
    { stateExitedEventDetails: { name: 'Charge', output: '{"ok":true}' } },
    { stateEnteredEventDetails: { name: 'Done', input: '{}' } },
    { stateExitedEventDetails: { name: 'Done', output: '{}' } },
    { executionSucceededEventDetails: { output: '{"ok":true}' } },
  ];
  const types = [
    'ExecutionStarted',
    'TaskStateEntered',
    'TaskScheduled',
    'TaskStarted',
    'TaskSucceeded',
    'TaskStateExited',
    'SucceedStateEntered',
    'SucceedStateExited',
    'ExecutionSucceeded',
  ];
  for (let i = 0; i < details.length; i++) {
    log.append(`stateMachine-acct:orders`, 'Tagged', { n: i });
    log.append(`execution-other:${String(i % 3)}`, 'PassStateEntered', { n: i });
    log.append(STREAM, types[i] as string, { timestamp: 1_718_000_000_000 + i * 7, previousEventId: i, ...details[i] });
  }
  for (let i = 0; i < 20; i++) log.append(`execution-other:${String(i % 4)}`, 'PassStateEntered', { later: i });
  const stream = log.events.filter((event) => event.streamName === STREAM);
  const head = stream[stream.length - 1] as Appended;
  const checkpoint = signCheckpoint(
    { treeSize: log.frontier.size, rootHash: toHex(log.frontier.root()), timestamp: '2024-06-10T12:00:00.000Z' },
    KEY.privateKeyPem,
  );
  const leafIndex = log.leafOf.get(`${STREAM}@${head.revision.toString()}`) ?? 0;
  const history = toHistory(stream.map((e) => ({ revision: e.revision.toString(), type: e.type, data: e.data, metadata: e.metadata })));
  return makeProofBundle({
    executionArn: EXECUTION_ARN,
    streamName: STREAM,
    events: stream,
    history,
    leafIndex,
    inclusionProof: inclusionProof(leafIndex, log.frontier.size, log.lookup),
    checkpoint,
  });
};

const BUNDLE = buildBundle();
const OPTIONS = { toHistory, streamNameOf };

test('a bundle built from a chain, a tree and a checkpoint verifies offline', (t) => {
  t.is(BUNDLE.format, PROOF_BUNDLE_FORMAT);
  t.is(BUNDLE.events.length, 9);
  t.is(BUNDLE.head.revision, '8');
  t.true(BUNDLE.head.leafIndex > 0 && BUNDLE.head.leafIndex < BUNDLE.checkpoint.treeSize - 1);
  t.deepEqual(verifyBundle(BUNDLE, KEY.publicKeyPem, OPTIONS), { ok: true, problems: [] });
  // Through JSON, the third argument as toHistory itself, or no history check at all.
  const parsed: unknown = JSON.parse(JSON.stringify(BUNDLE));
  t.deepEqual(verifyBundle(parsed, KEY.publicKeyPem, toHistory), { ok: true, problems: [] });
  t.deepEqual(verifyBundle(parsed, KEY.publicKeyPem), { ok: true, problems: [] });
});

const kinds = (bundle: unknown, key = KEY.publicKeyPem) =>
  verifyBundle(bundle, key, OPTIONS).problems.map((p) => `${p.kind}${p.revision === undefined ? '' : `@${p.revision}`}`);

const withEvents = (events: StoredEvent[]): ProofBundle => ({ ...BUNDLE, events, history: toHistory(events) });

test('each kind of problem is named, with its revision', (t) => {
  const events = [...BUNDLE.events];
  const at = (i: number) => events[i] as StoredEvent;
  t.deepEqual(kinds(BUNDLE, OTHER_KEY.publicKeyPem), ['checkpoint']);
  t.deepEqual(kinds({ ...BUNDLE, executionArn: `${EXECUTION_ARN}x` }), ['stream']);
  // An event's data changed, and the history with it: the chain catches it.
  t.deepEqual(kinds(withEvents(events.map((e, i) => (i === 4 ? { ...e, data: { ...(e.data as object), forged: 1 } } : e)))), ['altered@4']);
  // The history alone changed.
  const history = [...BUNDLE.history];
  history[3] = { ...(history[3] as object), id: 99 };
  t.deepEqual(kinds({ ...BUNDLE, history }), ['history@3']);
  t.deepEqual(kinds({ ...BUNDLE, history: BUNDLE.history.slice(0, -1) }), ['history@8']);
  // An event left out; the last one left out (the head then names a missing event).
  t.deepEqual(kinds(withEvents(events.filter((_, i) => i !== 5))), ['missing@5']);
  t.deepEqual(kinds(withEvents(events.slice(0, -1))), ['head@8']);
  // The first one left out: the chain must start at 0.
  t.deepEqual(kinds(withEvents(events.slice(1))), ['missing@0']);
  // Two swapped.
  t.deepEqual(kinds(withEvents([...events.slice(0, 2), at(3), at(2), ...events.slice(4)])), ['reordered@2']);
  // The proof for another leaf, another tree size.
  t.deepEqual(kinds({ ...BUNDLE, head: { ...BUNDLE.head, leafIndex: BUNDLE.head.leafIndex - 1 } }), ['inclusion@8']);
  t.deepEqual(kinds({ ...BUNDLE, inclusionProof: BUNDLE.inclusionProof.slice(1) }), ['inclusion@8']);
  // A conversion that fails.
  const throwing = () => {
    throw new Error('unknown event type');
  };
  t.deepEqual(
    verifyBundle(BUNDLE, KEY.publicKeyPem, throwing).problems.map((p) => p.message),
    ['the events do not convert to a history: unknown event type'],
  );
});

test('events without hashes prove nothing: such a bundle does not verify', (t) => {
  const stripped = withEvents(BUNDLE.events.map((e) => ({ ...e, metadata: withoutHashFields(e.metadata) })));
  const result = verifyBundle(stripped, KEY.publicKeyPem, OPTIONS);
  t.false(result.ok);
  t.deepEqual(
    result.problems.map((p) => p.kind),
    ['unchained', 'head'],
  );
  t.is(result.problems[0]?.message, 'revisions 0..8 have no hash (written before the chain existed)');
});

test('malformed bundles are refused before anything else', (t) => {
  const { history: _history, ...noHistory } = BUNDLE;
  const event = BUNDLE.events[0] as StoredEvent;
  const cases: unknown[] = [
    null,
    [],
    noHistory,
    { ...BUNDLE, extra: true },
    { ...BUNDLE, format: 'stepstream-proof-bundle-v2' },
    { ...BUNDLE, events: [] },
    { ...BUNDLE, events: [{ ...event, created: '2024-06-10' }] },
    { ...BUNDLE, events: [{ ...event, revision: '00' }] },
    { ...BUNDLE, events: [{ ...event, revision: 0 }] },
    { ...BUNDLE, head: { ...BUNDLE.head, leafIndex: '3' } },
    { ...BUNDLE, head: { ...BUNDLE.head, hash: BUNDLE.head.hash.toUpperCase() } },
    { ...BUNDLE, inclusionProof: ['ab'] },
  ];
  for (const value of cases) t.deepEqual(kinds(value), ['malformed'], JSON.stringify(value).slice(0, 80));
  t.throws(() => makeProofBundle({ ...BUNDLE, events: [], leafIndex: 0, inclusionProof: [] }), { instanceOf: TypeError });
});

test('changing any single byte of the serialized bundle is rejected', (t) => {
  const text = JSON.stringify(BUNDLE);
  const bytes = Buffer.from(text, 'utf8');
  const original = canonicalJson(BUNDLE);
  t.false(text.includes('eventId'), 'no unhashed event ids in a bundle');
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let rejected = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    for (const candidate of [byte ^ 0x01, byte ^ 0x02, byte ^ 0x04, byte ^ 0x10, byte ^ 0x20, 0x30, 0x61]) {
      if (candidate === byte) continue;
      const changed = Buffer.from(bytes);
      changed[i] = candidate;
      let value: unknown;
      try {
        value = JSON.parse(decoder.decode(changed));
      } catch {
        continue;
      }
      // Only a change of value counts (not one that parses to the same thing).
      let same: boolean;
      try {
        same = canonicalJson(value) === original;
      } catch {
        same = false;
      }
      if (same) continue;
      const result = verifyBundle(value, KEY.publicKeyPem, OPTIONS);
      t.false(result.ok, `byte ${String(i)}: ${decoder.decode(changed.subarray(Math.max(0, i - 30), i + 30))}`);
      rejected += 1;
      break;
    }
  }
  // Structural bytes ({ } " : ,) rarely have a parseable replacement; about three in four bytes do.
  t.log(`${String(rejected)} changed bundles rejected, of ${String(bytes.length)} bytes`);
  t.true(rejected > bytes.length * 0.7, `${String(rejected)} of ${String(bytes.length)}`);
});
