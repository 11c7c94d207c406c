/**
 * The per-stream hash chain and its checker: each finding kind from a concrete tampering, no
 * finding on an intact chain, unchained prefixes reported but not failed.
 */
import test from 'ava';
import fc from 'fast-check';
import type { ChainEvent, ChainFinding } from '../src/index.js';
import {
  canonicalJson,
  ChainChecker,
  chainMetadata,
  checkChain,
  eventHash,
  GENESIS,
  HASH_FIELD,
  HASH_FIELDS,
  PREVIOUS_HASH_FIELD,
  sha256Hex,
  withoutHashFields,
} from '../src/index.js';

type Event = ChainEvent & { readonly eventId: string };

/** A chained stream of `count` events, as the store wrapper would append them. */
const chain = (streamName: string, count: number, from = 0, previous = GENESIS): Event[] => {
  const events: Event[] = [];
  let previousHash = previous;
  for (let i = from; i < from + count; i++) {
    const revision = BigInt(i);
    const type = i === 0 ? 'ExecutionStarted' : 'PassStateEntered';
    const data = { timestamp: 1_718_000_000_000 + i, previousEventId: i, details: { name: `S${String(i)}`, input: '{"a":1}' } };
    const metadata = chainMetadata({ streamName, revision, type, data, metadata: { requestId: `req-${String(i)}` }, previousHash });
    events.push({ streamName, revision, type, data, metadata, eventId: `${streamName}#${String(i)}` });
    previousHash = metadata.$hash;
  }
  return events;
};

/** Events written before the chain existed: no hash fields. */
const unchained = (streamName: string, count: number): Event[] =>
  Array.from({ length: count }, (_, i) => ({
    streamName,
    revision: BigInt(i),
    type: 'Old',
    data: { i },
    metadata: { requestId: `old-${String(i)}` },
    eventId: `${streamName}#${String(i)}`,
  }));

const at = <T>(list: readonly T[], i: number): T => list[i] as T;
const brief = (findings: readonly ChainFinding[]) =>
  findings.map((f) => ({
    kind: f.kind,
    revision: f.revision,
    ...(f.untilRevision === undefined ? {} : { untilRevision: f.untilRevision }),
    ...(f.eventId === undefined ? {} : { eventId: f.eventId }),
  }));

test('eventHash: hash fields, metadata key order and absent metadata do not matter; everything else does', (t) => {
  const base = { streamName: 's-1', revision: 3n, type: 'T', data: { a: 1, b: [true] }, metadata: { x: 1, y: 2 }, previousHash: GENESIS };
  const hash = eventHash(base);
  t.regex(hash, /^[0-9a-f]{64}$/);
  t.is(eventHash({ ...base, metadata: { y: 2, x: 1, $hash: 'anything', $previousHash: 'at all' } }), hash);
  t.is(eventHash({ ...base, data: { b: [true], a: 1 } }), hash);
  t.is(eventHash({ ...base, metadata: undefined }), eventHash({ ...base, metadata: {} }));
  t.is(eventHash({ ...base, data: undefined }), eventHash({ ...base, data: null }));
  const changed = [
    { ...base, streamName: 's-2' },
    { ...base, revision: 4n },
    { ...base, type: 'U' },
    { ...base, data: { a: 2, b: [true] } },
    { ...base, metadata: { x: 1, y: 3 } },
    { ...base, previousHash: '1'.repeat(64) },
    { ...base, data: { a: 1, b: [true], c: '\ud800' } },
    { ...base, data: { a: 1, b: [true], c: '\ufffd' } },
    { ...base, data: { a: 1, b: [true], c: '\u0000' } },
  ].map(eventHash);
  t.is(new Set([hash, ...changed]).size, changed.length + 1);
  t.throws(() => eventHash({ ...base, previousHash: 'ABC' }), { instanceOf: TypeError });
  t.throws(() => eventHash({ ...base, data: { n: NaN } }), { message: /NaN is not allowed in JSON at \$\["data"\]\["n"\]/ });
});

test('eventHash is SHA-256 of the canonical JSON of { stream, revision, type, data, metadata, previous }', (t) => {
  t.notThrows(() => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.string(),
        fc.jsonValue(),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (streamName, revision, type, data, metadata, previousHash) =>
          eventHash({ streamName, revision, type, data, metadata, previousHash }) ===
          sha256Hex(
            canonicalJson({
              stream: streamName,
              revision: revision.toString(),
              type,
              data,
              metadata: withoutHashFields(metadata),
              previous: previousHash,
            }),
          ),
      ),
      { numRuns: 500 },
    );
  });
});

test('withoutHashFields copies only when there is something to drop', (t) => {
  const plain = { requestId: 'r' };
  t.is(withoutHashFields(plain), plain);
  t.deepEqual(withoutHashFields({ requestId: 'r', $hash: 'h', $previousHash: 'p' }), plain);
  t.deepEqual([...HASH_FIELDS], [HASH_FIELD, PREVIOUS_HASH_FIELD]);
  t.deepEqual(HASH_FIELDS, ['$hash', '$previousHash']);
});

test('chainMetadata links each event to the one before', (t) => {
  const events = chain('s', 3);
  t.is(at(events, 0).metadata?.$previousHash, GENESIS);
  t.is(at(events, 1).metadata?.$previousHash, at(events, 0).metadata?.$hash);
  t.is(at(events, 2).metadata?.$previousHash, at(events, 1).metadata?.$hash);
});

test('an intact chain of 1,000 events: no finding, read whole or from the middle', (t) => {
  const events = chain('execution-a', 1000);
  t.deepEqual(checkChain(events), []);
  t.deepEqual(checkChain(events, { expectedFirstRevision: 0n }), []);
  t.deepEqual(checkChain(events.slice(400)), []);
  const checker = new ChainChecker();
  for (const event of events) t.deepEqual(checker.add(event), []);
  t.is(checker.eventsChecked, 1000);
  t.deepEqual(checker.finish(), []);
});

test('interleaved streams (as in $all): no finding when intact; a tampering is reported on its stream', (t) => {
  const a = chain('execution-a', 50);
  const b = chain('execution-b', 50);
  const all = a.flatMap((event, i) => [event, at(b, i)]);
  t.deepEqual(checkChain(all, { expectedFirstRevision: 0n }), []);
  const tampered = all.map((event) => (event === at(b, 20) ? { ...event, data: { forged: true } } : event));
  t.deepEqual(brief(checkChain(tampered, { expectedFirstRevision: 0n })), [{ kind: 'altered', revision: 20n, eventId: 'execution-b#20' }]);
  t.is(at(checkChain(tampered), 0).streamName, 'execution-b');
});

test('altered: data, type, metadata, revision or stream changed in place', (t) => {
  const events = chain('s', 10);
  const event = at(events, 5);
  const variants: ChainEvent[] = [
    { ...event, data: { ...(event.data as object), timestamp: 0 } },
    { ...event, type: 'PassStateExited' },
    { ...event, metadata: { ...event.metadata, requestId: 'forged' } },
    { ...event, metadata: { ...event.metadata, extra: 1 } },
  ];
  for (const variant of variants) {
    const findings = checkChain(events.map((e) => (e === event ? variant : e)));
    t.deepEqual(brief(findings), [{ kind: 'altered', revision: 5n, eventId: 's#5' }]);
    t.true(at(findings, 0).failure);
  }
  // Its revision changed (read back by revision): a gap where it was, altered where it is.
  const renumbered = events.map((e) => (e === event ? { ...event, revision: 50n } : e));
  t.deepEqual(brief(checkChain(renumbered.sort((x, y) => Number(x.revision - y.revision)))), [
    { kind: 'altered', revision: 50n, eventId: 's#5' },
    { kind: 'missing', revision: 5n, untilRevision: 5n },
    { kind: 'missing', revision: 10n, untilRevision: 49n },
  ]);
  // The same event moved to another stream: missing where it was, altered where it is.
  const moved = checkChain(
    events.map((e) => (e === event ? { ...event, streamName: 't' } : e)),
    { expectedFirstRevision: 0n },
  );
  t.deepEqual(
    moved.map((f) => `${f.streamName} ${f.kind} ${f.revision.toString()}..${String(f.untilRevision ?? f.revision)} ${f.eventId ?? '-'}`),
    ['t altered 5..5 s#5', 's missing 5..5 -', 't missing 0..4 -'],
  );
});

test('altered: an edited $hash is reported once, on its event (the next link still matches its content)', (t) => {
  const events = chain('s', 10);
  const event = at(events, 5);
  const edited = { ...event, metadata: { ...event.metadata, $hash: 'f'.repeat(64) } };
  t.deepEqual(brief(checkChain(events.map((e) => (e === event ? edited : e)))), [{ kind: 'altered', revision: 5n, eventId: 's#5' }]);
  const garbled = { ...event, metadata: { ...event.metadata, $hash: 'not hex' } };
  t.deepEqual(brief(checkChain(events.map((e) => (e === event ? garbled : e)))), [{ kind: 'altered', revision: 5n, eventId: 's#5' }]);
});

test('altered and broken-link: an edited $previousHash breaks its own hash and its link', (t) => {
  const events = chain('s', 10);
  const event = at(events, 5);
  const edited = { ...event, metadata: { ...event.metadata, $previousHash: '1'.repeat(64) } };
  t.deepEqual(brief(checkChain(events.map((e) => (e === event ? edited : e)))), [
    { kind: 'altered', revision: 5n, eventId: 's#5' },
    { kind: 'broken-link', revision: 5n, eventId: 's#5' },
  ]);
});

test('broken-link: an event rewritten and re-hashed breaks the link of the next one', (t) => {
  const events = chain('s', 10);
  const event = at(events, 5);
  const data = { forged: true };
  const previousHash = at(events, 4).metadata?.$hash as string;
  const forged = { ...event, data, metadata: chainMetadata({ ...event, data, metadata: { requestId: 'forged' }, previousHash }) };
  const findings = checkChain(events.map((e) => (e === event ? forged : e)));
  t.deepEqual(brief(findings), [{ kind: 'broken-link', revision: 6n, eventId: 's#6' }]);
  t.regex(at(findings, 0).message, /\$previousHash is not the hash of revision 5/);
});

test('broken-link: revision 0 must link to GENESIS', (t) => {
  const events = chain('s', 3, 0, '2'.repeat(64));
  t.deepEqual(brief(checkChain(events)), [{ kind: 'broken-link', revision: 0n, eventId: 's#0' }]);
});

test('missing: a deleted event, and revisions before the first one seen', (t) => {
  const events = chain('s', 10);
  const deleted = events.filter((e) => e.revision !== 5n);
  const findings = checkChain(deleted);
  t.deepEqual(brief(findings), [{ kind: 'missing', revision: 5n, untilRevision: 5n }]);
  t.regex(at(findings, 0).message, /revision 5 missing before revision 6/);
  t.deepEqual(brief(checkChain(events.slice(3), { expectedFirstRevision: 0n })), [{ kind: 'missing', revision: 0n, untilRevision: 2n }]);
  // Without an expected start, a stream read from the middle is fine.
  t.deepEqual(checkChain(events.slice(3)), []);
  // Several gaps, one finding each.
  const holes = events.filter((e) => ![2n, 3n, 7n].includes(e.revision));
  t.deepEqual(brief(checkChain(holes)), [
    { kind: 'missing', revision: 2n, untilRevision: 3n },
    { kind: 'missing', revision: 7n, untilRevision: 7n },
  ]);
});

test('missing is only known at the end of a stream; endStream reports it and forgets the stream', (t) => {
  const events = chain('s', 10).filter((e) => e.revision !== 5n);
  const checker = new ChainChecker();
  for (const event of events) t.deepEqual(checker.add(event), []);
  t.deepEqual(brief(checker.endStream('s')), [{ kind: 'missing', revision: 5n, untilRevision: 5n }]);
  t.deepEqual(checker.endStream('s'), []);
  t.deepEqual(checker.finish(), []);
});

test('reordered: two events swapped in the reading order; nothing missing, links checked', (t) => {
  const events = chain('s', 10);
  const swapped = [...events];
  [swapped[5], swapped[6]] = [at(events, 6), at(events, 5)];
  t.deepEqual(brief(checkChain(swapped)), [{ kind: 'reordered', revision: 5n, eventId: 's#5' }]);
  // A late event far behind, filling the middle of a gap.
  const late = [...events.slice(0, 3), ...events.slice(6), ...events.slice(3, 6)];
  t.deepEqual(brief(checkChain(late)), [
    { kind: 'reordered', revision: 3n, eventId: 's#3' },
    { kind: 'reordered', revision: 4n, eventId: 's#4' },
    { kind: 'reordered', revision: 5n, eventId: 's#5' },
  ]);
  const reversed = [...events.slice(0, 3), ...events.slice(6), ...events.slice(3, 6).reverse()];
  t.is(checkChain(reversed).filter((f) => f.kind !== 'reordered').length, 0);
  // Without an expected start, an event below the first one seen is late, not a duplicate…
  t.deepEqual(brief(checkChain([at(events, 1), at(events, 0), ...events.slice(2)])), [{ kind: 'reordered', revision: 0n, eventId: 's#0' }]);
  // …and once seen, what lies between it and the rest is missing.
  t.deepEqual(brief(checkChain([...events.slice(5), at(events, 2)])), [
    { kind: 'reordered', revision: 2n, eventId: 's#2' },
    { kind: 'missing', revision: 3n, untilRevision: 4n },
  ]);
  // A late event that is also forged is both.
  const forged = [...events.slice(0, 5), at(events, 6), { ...at(events, 5), data: {} }, ...events.slice(7)];
  t.deepEqual(brief(checkChain(forged)), [
    { kind: 'altered', revision: 5n, eventId: 's#5' },
    { kind: 'reordered', revision: 5n, eventId: 's#5' },
  ]);
  // Swapping two events' contents under their revisions is altering both.
  const contents = events.map((e) => (e.revision === 5n ? { ...at(events, 6), revision: 5n } : e.revision === 6n ? { ...at(events, 5), revision: 6n } : e));
  t.deepEqual(
    brief(checkChain(contents)).map((f) => `${f.kind}@${f.revision.toString()}`),
    ['altered@5', 'broken-link@5', 'altered@6', 'broken-link@6', 'broken-link@7'],
  );
});

test('duplicate: the same revision twice', (t) => {
  const events = chain('s', 10);
  const doubled = [...events.slice(0, 6), at(events, 5), ...events.slice(6)];
  t.deepEqual(brief(checkChain(doubled)), [{ kind: 'duplicate', revision: 5n, eventId: 's#5' }]);
  // A forged event inserted under an existing revision.
  const inserted = [...events.slice(0, 6), { ...at(events, 5), data: { forged: true }, eventId: 'forged' }, ...events.slice(6)];
  t.deepEqual(brief(checkChain(inserted)), [
    { kind: 'altered', revision: 5n, eventId: 'forged' },
    { kind: 'duplicate', revision: 5n, eventId: 'forged' },
  ]);
});

test('unchained: a prefix written before the chain is reported, not failed; the chain starts after it', (t) => {
  const old = unchained('s', 10);
  // The first chained event links to whatever the wrapper chose (here: not GENESIS, not a hash of the prefix).
  const newer = chain('s', 10, 10, '3'.repeat(64));
  const findings = checkChain([...old, ...newer], { expectedFirstRevision: 0n });
  t.deepEqual(brief(findings), [{ kind: 'unchained', revision: 0n, untilRevision: 9n, eventId: 's#0' }]);
  t.false(at(findings, 0).failure);
  t.regex(at(findings, 0).message, /revisions 0\.\.9 have no hash/);
  // All unchained: one finding, no failure.
  t.deepEqual(
    checkChain(old).map((f) => [f.kind, f.failure]),
    [['unchained', false]],
  );
  // Tampering after the prefix is still caught.
  const tampered = [...old, ...newer.map((e) => (e.revision === 15n ? { ...e, type: 'X' } : e))];
  t.deepEqual(
    brief(checkChain(tampered)).filter((f) => f.kind !== 'unchained'),
    [{ kind: 'altered', revision: 15n, eventId: 's#15' }],
  );
});

test('an event without hash after the chain started is altered, not unchained', (t) => {
  const events = chain('s', 10);
  const stripped = events.map((e) => (e.revision === 5n ? { ...e, metadata: withoutHashFields(e.metadata ?? {}) } : e));
  t.deepEqual(brief(checkChain(stripped)), [{ kind: 'altered', revision: 5n, eventId: 's#5' }]);
  // Removing only one of the two fields is altering too.
  const half = events.map((e) => (e.revision === 5n ? { ...e, metadata: { ...e.metadata, $previousHash: undefined } } : e));
  t.deepEqual(brief(checkChain(half)), [{ kind: 'altered', revision: 5n, eventId: 's#5' }]);
});

test('findings come as soon as they are certain', (t) => {
  const events = chain('s', 6);
  const checker = new ChainChecker({ expectedFirstRevision: 0n });
  t.deepEqual(checker.add(at(events, 0)), []);
  t.deepEqual(brief(checker.add({ ...at(events, 1), type: 'X' })), [{ kind: 'altered', revision: 1n, eventId: 's#1' }]);
  t.deepEqual(checker.add(at(events, 3)), []); // 2 may still come
  t.deepEqual(brief(checker.add(at(events, 2))), [{ kind: 'reordered', revision: 2n, eventId: 's#2' }]);
  t.deepEqual(checker.add(at(events, 5)), []);
  t.deepEqual(brief(checker.finish()), [{ kind: 'missing', revision: 4n, untilRevision: 4n }]);
});
