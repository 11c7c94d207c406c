import { checkChain, eventHash, GENESIS, type ChainEvent } from '@stepstream/audit';
import test from 'ava';
import { chainedEventStore, leafDataOf } from '../src/chained.js';
import { isWrongExpectedVersionError } from '../src/port/errors.js';
import type { EventStore, RecordedEvent } from '../src/port/types.js';
import { openPGliteEventStore } from '../src/sql/pglite.js';
import { openPostgresEventStore } from '../src/sql/postgres.js';
import { dropSchema, postgresUnavailable, postgresUrl, uniqueSchema } from '../src/testing/postgres.js';

// The hash chain above the port (chained.ts), on PGlite and on Postgres: every append, whatever
// revision it expects, chains each event to the one before it in its stream, so checkChain finds
// nothing; writers that do not know each other's tips (two processes) still chain; a stream begun
// before the chain existed starts its chain at the genesis hash.

const unavailable = await postgresUnavailable();
const schemas: string[] = [];
test.after.always(async () => {
  for (const s of schemas) await dropSchema(s);
});

const asChain = (events: readonly RecordedEvent[]): ChainEvent[] => events.map((e) => ({ ...e, eventId: e.id }));

const stores: Record<string, () => Promise<EventStore | undefined>> = {
  PGlite: () => openPGliteEventStore(),
  Postgres: async () => {
    if (unavailable) return undefined;
    const schema = uniqueSchema('chained');
    schemas.push(schema);
    return openPostgresEventStore({ connectionString: postgresUrl, schema });
  },
};

for (const [name, open] of Object.entries(stores)) {
  test(`${name}: appends at every kind of expected revision chain every event; checkChain finds nothing`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    const store = chainedEventStore(raw);
    const other = chainedEventStore(raw); // another process: knows no tips
    await store.appendToStream('run-1', [{ type: 'Started', data: { input: 'NUL \u0000 lone \ud800' } }], { expectedRevision: 'no_stream' });
    await store.appendToStream(
      'run-1',
      [
        { type: 'Step', data: { n: 1 } },
        { type: 'Step', data: { n: 2 }, metadata: { requestId: 'r' } },
      ],
      { expectedRevision: 0n },
    );
    await other.appendToStream('run-1', [{ type: 'Step', data: { n: 3 } }], { expectedRevision: 2n }); // a tip it reads
    await store.appendToStream('run-1', [{ type: 'Step', data: { n: 4 } }], { expectedRevision: 3n }); // its remembered tip is stale: read again
    await store.appendToStream('run-1', [{ type: 'Step', data: { n: 5 } }]); // any
    await other.appendToStream('run-1', [{ type: 'Ended', data: {} }], { expectedRevision: 'stream_exists' });
    const events = await raw.readStream('run-1');
    t.is(events.length, 7);
    t.deepEqual(checkChain(asChain(events), { expectedFirstRevision: 0n }), []);
    t.is(events[0]!.metadata['$previousHash'] as string, GENESIS);
    for (const [i, e] of events.entries()) {
      if (i > 0) t.is(e.metadata['$previousHash'], events[i - 1]!.metadata['$hash'], `revision ${i} links to ${i - 1}`);
      t.is(Buffer.from(leafDataOf(e)).toString('hex'), e.metadata['$hash'] as string, 'the leaf data is the $hash');
    }
    t.is(events[2]!.metadata['requestId'], 'r', 'the caller’s metadata is kept');
    // A wrong expectation is still refused, and nothing is written.
    const wrong = await t.throwsAsync(store.appendToStream('run-1', [{ type: 'Late', data: {} }], { expectedRevision: 2n }));
    t.true(isWrongExpectedVersionError(wrong));
    const stale = await t.throwsAsync(store.appendToStream('run-1', [{ type: 'Again', data: {} }], { expectedRevision: 'no_stream' }));
    t.true(isWrongExpectedVersionError(stale));
    t.is((await raw.readStream('run-1')).length, 7);
  });

  test(`${name}: data that is not JSON rejects the append (never throws at the call); appends sent back to back on one stream chain in order`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    const store = chainedEventStore(raw);
    await store.appendToStream('run-2', [{ type: 'Started', data: {} }], { expectedRevision: 'no_stream' });
    // The tip is known (the fast path): the canonical encoding fails before anything is sent.
    let call: Promise<unknown> | undefined;
    t.notThrows(() => {
      call = store.appendToStream('run-2', [{ type: 'Bad', data: { n: Number.NaN } }], { expectedRevision: 0n });
    });
    const error = await t.throwsAsync(call!);
    t.regex(error.message, /NaN is not allowed in JSON/);
    // Three appends sent without waiting, each expecting the revision the one before leaves.
    const sent = [1, 2, 3].map((n) => store.appendToStream('run-2', [{ type: 'Step', data: { n } }], { expectedRevision: BigInt(n - 1) }));
    t.deepEqual(
      (await Promise.all(sent)).map((r) => r.nextExpectedRevision),
      [1n, 2n, 3n],
    );
    const events = await raw.readStream('run-2');
    t.deepEqual(
      events.map((e) => e.type),
      ['Started', 'Step', 'Step', 'Step'],
    );
    t.deepEqual(checkChain(asChain(events), { expectedFirstRevision: 0n }), []);
  });

  test(`${name}: concurrent appends that expect any, from writers that do not share tips, all land and chain`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    const writers = [chainedEventStore(raw), chainedEventStore(raw), chainedEventStore(raw)];
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => writers[i % writers.length]!.appendToStream('busy', [{ type: 'Tick', data: { i } }], { expectedRevision: 'any' })),
    );
    const events = await raw.readStream('busy');
    t.is(events.length, 30);
    t.deepEqual(checkChain(asChain(events), { expectedFirstRevision: 0n }), []);
  });

  test(`${name}: a stream begun before the chain: its next event links to the genesis hash; the earlier ones are unchained, not failures`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    await raw.appendToStream('old', [
      { type: 'A', data: { n: 0 } },
      { type: 'B', data: { n: 1 } },
    ]);
    await chainedEventStore(raw).appendToStream('old', [{ type: 'C', data: { n: 2 } }], { expectedRevision: 1n });
    const events = await raw.readStream('old');
    t.is(events[2]!.metadata['$previousHash'] as string, GENESIS);
    const findings = checkChain(asChain(events), { expectedFirstRevision: 0n });
    t.deepEqual(
      findings.map((f) => f.kind),
      ['unchained'],
    );
    const unchained = events[0]!;
    t.is(
      Buffer.from(leafDataOf(unchained)).toString('hex'),
      eventHash({ ...unchained, previousHash: GENESIS }),
      'a pre-chain event’s leaf is the hash of its content',
    );
  });
}

for (const [name, open] of Object.entries(stores)) {
  test(`${name}: readAll with dataOnlyOfTypes leaves out the data of hashed events of other types, never of unhashed ones`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    await raw.appendToStream('legacy', [{ type: 'Old', data: { n: 0 } }]);
    const store = chainedEventStore(raw);
    await store.appendToStream('chained', [
      { type: 'Step', data: { n: 1 } },
      { type: 'Keep', data: { n: 2 } },
    ]);
    const all = await raw.readAll({ dataOnlyOfTypes: ['Keep'] });
    t.deepEqual(
      all.map((e) => [e.type, e.data]),
      [
        ['Old', { n: 0 }],
        ['Step', null],
        ['Keep', { n: 2 }],
      ],
    );
    t.true(
      all.slice(1).every((e) => typeof e.metadata['$hash'] === 'string'),
      'the hash still comes',
    );
    t.deepEqual(Object.keys(all[1]!.metadata), ['$hash'], 'and alone, for a hashed event of another type');
    t.true('$previousHash' in all[2]!.metadata, 'an event of a listed type comes whole');
    t.deepEqual(
      (await raw.readAll()).map((e) => e.data),
      [{ n: 0 }, { n: 1 }, { n: 2 }],
      'without the option every event has its data',
    );
    // Metadata holding a lone surrogate (a paused frame's input can): `json` keeps its escape, and
    // a read that parsed the metadata in SQL would fail on it, and on every read past it.
    await store.appendToStream('chained', [{ type: 'Odd', data: { n: 3 }, metadata: { frames: { input: 'lone \ud800' } } }]);
    const past = await raw.readAll({ dataOnlyOfTypes: ['Keep'] });
    t.deepEqual(
      past.map((e) => [e.type, e.data]),
      [
        ['Old', { n: 0 }],
        ['Step', null],
        ['Keep', { n: 2 }],
        ['Odd', null],
      ],
    );
    t.regex(String(past[3]!.metadata['$hash']), /^[0-9a-f]{64}$/);
    t.deepEqual((await raw.readAll({ dataOnlyOfTypes: ['Odd'] }))[3]!.metadata['frames'], { input: 'lone \ud800' }, 'whole when its type is listed');
  });

  test(`${name}: dataOnlyOfTypes takes a metadata \`$hash\` for a hash only when it is 64 of [0-9a-f]; readAllBatch reads the same`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    const hex = 'ab'.repeat(32);
    const forged = {
      hex,
      short: hex.slice(1),
      upper: hex.toUpperCase(),
      'one non-hex': `${hex.slice(0, 63)}g`,
      multibyte: `${hex.slice(0, 63)}é`,
      longer: `${hex}0`,
      'not a string': 7,
    };
    const elsewhere = { nested: { inner: { $hash: hex } }, 'not first': { a: 1, $hash: hex } };
    // Appended without the chain, as a forged or pre-chain event would be.
    for (const [label, value] of Object.entries(forged)) {
      await raw.appendToStream(`forged-${label}`, [{ type: 'Step', data: { label }, metadata: { $hash: value } }]);
    }
    for (const [label, metadata] of Object.entries(elsewhere)) await raw.appendToStream(`forged-${label}`, [{ type: 'Step', data: { label }, metadata }]);
    const expected = [...Object.keys(forged), ...Object.keys(elsewhere)].map((label) => (label === 'hex' ? null : { label }));
    const read = await raw.readAll({ dataOnlyOfTypes: ['Keep'] });
    t.deepEqual(
      read.map((e) => e.data),
      expected,
      'data left out only where the hash is one',
    );
    t.deepEqual(read[0]!.metadata, { $hash: hex });
    const batch = await raw.readAllBatch({ maxCount: 100, dataOnlyOfTypes: ['Keep'] });
    t.deepEqual(
      batch.events.map((e) => e.data),
      expected,
    );
    t.deepEqual(
      batch.events.map((e) => e.metadata),
      read.map((e) => e.metadata),
    );
  });
}

for (const [name, open] of Object.entries(stores)) {
  test(`${name}: the chain stores the canonical texts it hashed; readAll with storedJson hands them over unparsed, and they check without a parse`, async (t) => {
    const raw = await open();
    if (!raw) return t.log(`skipped: ${unavailable}`);
    t.teardown(() => raw.close());
    await raw.appendToStream('legacy', [{ type: 'Old', data: { b: 1, a: [2, { d: 3, c: 4 }] }, metadata: { z: 1, y: 2 } }]);
    const store = chainedEventStore(raw);
    const data = { zeta: 'NUL \u0000 lone \ud800', alpha: { y: 1e21, x: -0 }, é: 'é' };
    await store.appendToStream('chained', [
      { type: 'Step', data, metadata: { requestId: 'r', executionArn: 'arn' } },
      { type: 'Step', data: 'just a string', metadata: { $id: 'sorts before $previousHash' } },
    ]);
    const texts = await raw.readAll({ storedJson: true });
    const parsed = await raw.readAll();
    t.is(texts.length, 3);
    for (const [i, e] of texts.entries()) {
      const same = parsed[i]!;
      t.is(e.data, undefined, 'nothing parsed');
      t.deepEqual(e.metadata, {});
      t.deepEqual(JSON.parse(e.dataJson!), same.data, 'the data text spells the data');
      t.deepEqual(JSON.parse(e.metadataJson!), same.metadata, 'the metadata text spells the metadata');
      t.is(e.id, same.id);
      t.deepEqual([e.streamName, e.type, e.revision, e.position], [same.streamName, same.type, same.revision, same.position]);
      t.true(Number.isNaN(e.created.getTime()), 'created is not read');
    }
    // What the chain wrote is the RFC 8785 text: keys sorted, no space, as canonicalJson spells it.
    t.is(texts[1]!.dataJson, '{"alpha":{"x":0,"y":1e+21},"zeta":"NUL \\u0000 lone \\ud800","é":"é"}');
    t.true(texts[1]!.metadataJson!.startsWith('{"$hash":"'), 'the hash fields first');
    t.true(texts[1]!.metadataJson!.endsWith(',"executionArn":"arn","requestId":"r"}'));
    t.regex(texts[2]!.metadataJson!, /^\{"\$hash":"[0-9a-f]{64}","\$id":"sorts before \$previousHash","\$previousHash":"[0-9a-f]{64}"\}$/);
    // The legacy event keeps the spelling it was written with.
    t.is(texts[0]!.dataJson, JSON.stringify({ b: 1, a: [2, { d: 3, c: 4 }] }));
    // The checker takes the texts as they are; leafDataOf reads the hash off them.
    t.deepEqual(
      checkChain(
        texts.map((e) => ({ ...e, eventId: e.id })),
        { expectedFirstRevision: 0n },
      ).map((f) => f.kind),
      ['unchained'],
    );
    for (const [i, e] of texts.entries()) t.deepEqual(leafDataOf(e), leafDataOf(parsed[i]!), `the leaf of ${e.streamName} ${e.revision}`);
  });
}
