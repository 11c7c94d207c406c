/**
 * The chain over stored texts: `chainEvent` writes the canonical texts it hashed, and the checker
 * given those texts (or any other spelling of the same values) finds exactly what it finds given
 * the parsed values — nothing on an intact chain, the same findings under every tampering.
 */
import test from 'ava';
import fc from 'fast-check';
import canonicalizeModule from 'canonicalize';
import type { ChainEvent, ChainFinding, Metadata } from '../src/index.js';
import {
  chainEvent,
  chainFieldsOfJson,
  chainMetadata,
  checkChain,
  eventHash,
  eventHashOfJson,
  fromHex,
  GENESIS,
  leafHash,
  leafHashOfHex,
  splitChainFields,
  toHex,
} from '../src/index.js';

const canonicalize = canonicalizeModule as unknown as (value: unknown) => string | undefined;

/** JSON values as the engine stores them (no -0: JSON.parse gives 0 back, and the store holds text). */
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
/** Metadata keys, some of which sort before `$previousHash` (`$a`, `!x`, `#`…), so the slow spelling is tried too. */
const metadataKey = fc.oneof(fc.constantFrom('requestId', 'executionArn', '$id', '$a', '!x', '#', 'zz', '$q'), fc.string({ maxLength: 6 }));
const metadata = fc.dictionary(metadataKey, jsonValue, { maxKeys: 4 }).filter((m) => !('$hash' in m) && !('$previousHash' in m));

test('chainEvent: the texts are the RFC 8785 spelling of the data and of the metadata it returns, and hash to its $hash', (t) => {
  fc.assert(
    fc.property(jsonValue, metadata, fc.string({ maxLength: 8 }), fc.bigInt({ min: 0n, max: 2n ** 40n }), (data, meta, type, revision) => {
      const input = { streamName: 'execution-s:r', revision, type, data, metadata: meta, previousHash: GENESIS };
      const chained = chainEvent(input);
      t.is<string | undefined, string | undefined>(chained.dataJson, canonicalize(data));
      t.is<string | undefined, string | undefined>(chained.metadataJson, canonicalize(chained.metadata));
      t.deepEqual(chained.metadata, chainMetadata(input));
      t.is(chained.metadata.$hash, eventHash(input));
      // The chain's own spelling can be read without a parse whenever the rest sorts after the hash fields.
      const fields = chainFieldsOfJson(chained.metadataJson);
      if (Object.keys(meta).every((k) => k > '$previousHash')) {
        t.truthy(fields);
        t.is(fields?.hash, chained.metadata.$hash);
        t.is(fields?.previous, GENESIS);
        t.is(eventHashOfJson(input, chained.dataJson, fields?.restJson ?? ''), chained.metadata.$hash);
      }
      // JSON.stringify's spelling (the hash fields last) is not the chain's: it is parsed.
      t.is(splitChainFields(JSON.stringify(chained.metadata)), undefined);
    }),
    { numRuns: 300 },
  );
});

test('splitChainFields and chainFieldsOfJson read only the chain spelling; chainFieldsOfJson also wants hex', (t) => {
  const h = 'ab'.repeat(32);
  t.deepEqual(splitChainFields(`{"$hash":"${h}","$previousHash":"${GENESIS}"}`), { hash: h, previous: GENESIS, restJson: '{}' });
  t.deepEqual(splitChainFields(`{"$hash":"${h}","$previousHash":"${GENESIS}","a":1}`), { hash: h, previous: GENESIS, restJson: '{"a":1}' });
  for (const other of [
    `{"$previousHash":"${GENESIS}","$hash":"${h}"}`,
    `{ "$hash":"${h}","$previousHash":"${GENESIS}"}`,
    `{"$hash":"${h}","$previousHash":"${GENESIS}"  }`,
    `{"$hash":"${h}0","$previousHash":"${GENESIS}"}`,
    `{"a":1}`,
    '{}',
  ]) {
    t.is(splitChainFields(other), undefined, other);
  }
  const upper = `{"$hash":"${h.toUpperCase()}","$previousHash":"${GENESIS}"}`;
  t.truthy(splitChainFields(upper));
  t.is(chainFieldsOfJson(upper), undefined);
});

/** A stream of events chained as the store wrapper appends them, with the texts it writes. */
const stream = (name: string, datas: readonly unknown[], metas: readonly Metadata[]) => {
  let previousHash = GENESIS;
  return datas.map((data, i) => {
    const revision = BigInt(i);
    const type = i === 0 ? 'ExecutionStarted' : 'PassStateEntered';
    const c = chainEvent({ streamName: name, revision, type, data, metadata: metas[i % metas.length] ?? {}, previousHash });
    previousHash = c.metadata.$hash;
    return { streamName: name, revision, type, data, metadata: c.metadata as Metadata, eventId: `${name}#${String(i)}` };
  });
};

type Parsed = ReturnType<typeof stream>[number];

/** Three ways the checker may be given the same stored event: parsed, the canonical texts, another spelling of them. */
const forms = (events: readonly Parsed[]): Record<'parsed' | 'canonical' | 'stringified', ChainEvent[]> => ({
  parsed: [...events],
  canonical: events.map((e) => ({ ...e, data: undefined, metadata: undefined, dataJson: canonicalize(e.data), metadataJson: canonicalize(e.metadata) })),
  stringified: events.map((e) => ({
    ...e,
    data: undefined,
    metadata: undefined,
    dataJson: JSON.stringify(e.data, null, 1),
    metadataJson: JSON.stringify(e.metadata),
  })),
});

const brief = (findings: readonly ChainFinding[]) => findings.map((f) => `${f.kind} ${f.streamName} ${f.revision.toString()} ${f.eventId ?? '-'} ${f.message}`);

/** One tampering of a stored event, on its values (the texts are then written from them). */
const tamperings: ((e: Parsed) => Parsed)[] = [
  (e) => ({ ...e, data: { forged: e.data } }),
  (e) => ({ ...e, type: `${e.type}X` }),
  (e) => ({ ...e, metadata: { ...e.metadata, requestId: 'forged' } }),
  (e) => ({ ...e, metadata: { ...e.metadata, $hash: 'cd'.repeat(32) } }),
  (e) => ({ ...e, metadata: { ...e.metadata, $previousHash: 'ef'.repeat(32) } }),
  (e) => {
    const { $hash: _h, $previousHash: _p, ...rest } = e.metadata as Record<string, unknown>;
    return { ...e, metadata: rest };
  },
  (e) => ({ ...e, revision: e.revision + 100n }),
];

test('the checker finds the same given parsed values, the canonical texts or another spelling: nothing when intact, the same under tampering', (t) => {
  fc.assert(
    fc.property(
      fc.array(jsonValue, { minLength: 1, maxLength: 8 }),
      fc.array(metadata, { minLength: 1, maxLength: 3 }),
      fc.nat(),
      fc.integer({ min: -1, max: tamperings.length - 1 }),
      (datas, metas, which, how) => {
        const intact = stream('execution-a:1', datas, metas);
        const events = how < 0 ? intact : intact.map((e, i) => (i === which % intact.length ? (tamperings[how] as (e: Parsed) => Parsed)(e) : e));
        const found = Object.fromEntries(Object.entries(forms(events)).map(([form, given]) => [form, brief(checkChain(given, { expectedFirstRevision: 0n }))]));
        if (how < 0) t.deepEqual(found.parsed, []);
        else t.true((found.parsed ?? []).length > 0, `tampering ${String(how)} found`);
        t.deepEqual(found.canonical, found.parsed);
        t.deepEqual(found.stringified, found.parsed);
      },
    ),
    { numRuns: 400 },
  );
});

test('data text that is not JSON is altered, with why', (t) => {
  const [event] = stream('s', [{ a: 1 }], [{}]);
  const findings = checkChain([
    { ...(event as Parsed), data: undefined, dataJson: '{"a":', metadata: undefined, metadataJson: JSON.stringify(event?.metadata) },
  ]);
  t.is(findings.length, 1);
  t.is(findings[0]?.kind, 'altered');
  t.regex(findings[0]?.message ?? '', /its data is not JSON/);
});

test('leafHashOfHex is leafHash of the bytes the hex spells', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
      const hex = toHex(bytes);
      t.deepEqual(toHex(leafHashOfHex(hex)), toHex(leafHash(fromHex(hex))));
    }),
  );
});
