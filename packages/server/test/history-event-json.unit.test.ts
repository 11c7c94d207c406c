import test from 'ava';
import { canonicalJson } from '@stepstream/audit';
import fc from 'fast-check';
import { toHistoryEvent } from '../src/operations/get-execution-history.js';
import { historyEventJson, secondsText } from '../src/operations/history-event-json.js';

/** What the parsing path answers for a stored text: the text the composed one must equal. */
const parsed = (type: string, revision: bigint, text: string, includeData: boolean) =>
  JSON.stringify(toHistoryEvent({ type, revision, data: JSON.parse(text) }, includeData));

/** Any UTF-16 string: NUL, lone surrogates, quotes, backslashes, line separators included. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 12 });
const awkward = fc.constantFrom('\u0000', '\ud800', '\udfff', 'x\ud800y\udc00z', '😀', '"', '\\', '\\"', '\\\\"', '\u2028', '</script>', '{"a":"\\"}"}', '');
const text = fc.oneof(
  anyString,
  awkward,
  fc.array(awkward, { maxLength: 4 }).map((xs) => xs.join('')),
);
/** Payloads are JSON texts inside strings: quotes and backslashes escaped twice. */
const payload = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(12345678901234567890, 5e-324, 1e21, -0, 0.1, true, false, null),
);
const value = fc.oneof(scalar, payload, fc.array(scalar, { maxLength: 3 }), fc.dictionary(text, scalar, { maxKeys: 3 }));

/** Details as the engine writes them: one `…EventDetails` object with payloads and their details. */
const engineDetails = fc.record(
  {
    name: text,
    input: payload,
    inputDetails: fc.record({ truncated: fc.boolean() }),
    output: payload,
    resource: text,
    assignedVariables: fc.dictionary(text, payload, { maxKeys: 3 }),
    error: text,
    cause: text,
    timeoutInSeconds: fc.nat(),
    other: value,
  },
  { requiredKeys: [] },
);
const engineData = fc.record({
  timestamp: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: 0, max: 4e12, noNaN: true })),
  previousEventId: fc.nat({ max: 25_000 }),
  details: fc.option(
    fc.tuple(fc.constantFrom('stateEnteredEventDetails', 'taskScheduledEventDetails', 'executionStartedEventDetails', 'xEventDetails'), engineDetails),
  ),
});
const type = fc.oneof(fc.constantFrom('PassStateEntered', 'TaskScheduled', 'ExecutionStarted'), text);
const revision = fc.bigInt({ min: 0n, max: 2n ** 53n - 2n });

test('the engine layout is composed, to the character what the parsing path encodes, with and without execution data', (t) => {
  fc.assert(
    fc.property(engineData, type, revision, fc.boolean(), ({ timestamp, previousEventId, details }, ty, rev, includeData) => {
      const stored = JSON.stringify({ timestamp, previousEventId, ...(details ? { [details[0]]: details[1] } : {}) });
      const composed = historyEventJson(ty, rev, stored, includeData);
      return composed !== undefined && composed === parsed(ty, rev, stored, includeData);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('any object JSON.stringify writes: composed to the same text, or left to the parsing path', (t) => {
  let composedCount = 0;
  fc.assert(
    fc.property(
      fc.dictionary(fc.oneof(text, fc.constantFrom('timestamp', 'previousEventId', 'type', 'id', 'input', 'output', '0', '7', '__proto__')), value, {
        maxKeys: 5,
      }),
      fc.boolean(),
      fc.boolean(),
      (members, head, includeData) => {
        const data = head ? { timestamp: 1733480000123, previousEventId: 3, ...members } : members;
        const stored = JSON.stringify(data);
        const composed = historyEventJson('T', 4n, stored, includeData);
        if (composed === undefined) return true;
        composedCount++;
        return composed === parsed('T', 4n, stored, includeData);
      },
    ),
    { numRuns: 3000 },
  );
  t.true(composedCount > 100, `only ${composedCount} composed`);
});

test('the canonical layout the hash chain stores (keys sorted): composed to what the parsing path encodes', (t) => {
  let composedCount = 0;
  fc.assert(
    fc.property(engineData, type, revision, fc.boolean(), ({ timestamp, previousEventId, details }, ty, rev, includeData) => {
      const stored = canonicalJson({ timestamp, previousEventId, ...(details ? { [details[0]]: details[1] } : {}) });
      const composed = historyEventJson(ty, rev, stored, includeData);
      if (composed === undefined) return false;
      composedCount++;
      const expected = parsed(ty, rev, stored, includeData);
      // To the character, unless an object holds array-index keys ("10" sorts before "9"), which a
      // parsed object enumerates first: then the same members with the same values.
      return JSON.stringify(JSON.parse(stored)) === stored
        ? composed === expected
        : JSON.stringify(sorted(JSON.parse(composed))) === JSON.stringify(sorted(JSON.parse(expected)));
    }),
    { numRuns: 3000 },
  );
  t.is(composedCount, 3000);
  const details = '"stateEnteredEventDetails":{"input":"{}","inputDetails":{"truncated":false},"name":"A"}';
  t.is(
    historyEventJson('PassStateEntered', 5n, `{"previousEventId":4,${details},"timestamp":1733480000123}`, false),
    '{"timestamp":1733480000.123,"type":"PassStateEntered","id":6,"previousEventId":4,"stateEnteredEventDetails":{"inputDetails":{"truncated":false},"name":"A"}}',
  );
  // What the any-order reading still leaves to the parsing path.
  for (const [label, stored] of Object.entries({
    'a top-level array-index key': `{"1":"x",${details},"previousEventId":4,"timestamp":1}`,
    'a member named type': `{${details},"previousEventId":4,"timestamp":1,"type":"T"}`,
    'no timestamp': `{${details},"previousEventId":4}`,
    'a string timestamp': `{${details},"previousEventId":4,"timestamp":"1"}`,
    'a fractional previousEventId': `{${details},"previousEventId":4.5,"timestamp":1}`,
    whitespace: `{${details}, "previousEventId":4,"timestamp":1}`,
  })) {
    t.is(historyEventJson('T', 0n, stored, true), undefined, label);
    t.is(historyEventJson('T', 0n, stored, false), undefined, label);
  }
});

/** A JSON value with every object's keys sorted, to compare values whatever their member order. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;

test('the layout is checked to the character: anything else is left to the parsing path', (t) => {
  const details = '"stateEnteredEventDetails":{"name":"A","input":"{}","inputDetails":{"truncated":false}}';
  const refused = {
    'whitespace between members': `{"timestamp":1, "previousEventId":0,${details}}`,
    'whitespace inside the details': '{"timestamp":1,"previousEventId":0,"d":{"name": "A"}}',
    'whitespace after a number': '{"timestamp":1,"previousEventId":0,"d":{"n":1 }}',
    'no previousEventId': `{"timestamp":1,${details}}`,
    'a string timestamp': `{"timestamp":"1","previousEventId":0,${details}}`,
    'a timestamp JSON cannot hold': `{"timestamp":1e400,"previousEventId":0,${details}}`,
    'a previousEventId past 15 digits': `{"timestamp":1,"previousEventId":1234567890123456,${details}}`,
    'a fractional previousEventId': `{"timestamp":1,"previousEventId":1.5,${details}}`,
    'a member named type': `{"timestamp":1,"previousEventId":0,"type":"Other",${details}}`,
    'a member named id': `{"timestamp":1,"previousEventId":0,${details},"id":99}`,
    'a second timestamp': `{"timestamp":1,"previousEventId":0,${details},"timestamp":2}`,
    'an escaped key': `{"timestamp":1,"previousEventId":0,"\\u0074ype":"Other"}`,
    'trailing text': `{"timestamp":1,"previousEventId":0,${details}} `,
    'not closed': `{"timestamp":1,"previousEventId":0,${details}`,
    'a comma and no member': '{"timestamp":1,"previousEventId":0,}',
    'an unterminated string': '{"timestamp":1,"previousEventId":0,"d":"abc}',
    'not an object': '[1,2]',
  };
  for (const [label, stored] of Object.entries(refused)) {
    t.is(historyEventJson('T', 0n, stored, true), undefined, label);
    t.is(historyEventJson('T', 0n, stored, false), undefined, label);
  }
  // An array member is passed on with execution data; without, the parsing path turns it into an
  // object of its indices, so it is left to that path.
  const withArray = '{"timestamp":1,"previousEventId":0,"list":[1,{"input":"x"}]}';
  t.is(historyEventJson('T', 0n, withArray, true), parsed('T', 0n, withArray, true));
  t.is(historyEventJson('T', 0n, withArray, false), undefined);
  t.is(parsed('T', 0n, withArray, false), '{"timestamp":0.001,"type":"T","id":1,"previousEventId":0,"list":{"0":1,"1":{"input":"x"}}}');
});

test('examples: seconds, type, id and previousEventId written in AWS order; payloads dropped one level down only', (t) => {
  const stored =
    '{"timestamp":1733480000123,"previousEventId":4,"stateEnteredEventDetails":{"name":"A","input":"{\\"input\\":\\"\\\\\\"\\"}","inputDetails":{"truncated":false},"output":"1"}}';
  t.is(
    historyEventJson('PassStateEntered', 5n, stored, true),
    '{"timestamp":1733480000.123,"type":"PassStateEntered","id":6,"previousEventId":4,"stateEnteredEventDetails":{"name":"A","input":"{\\"input\\":\\"\\\\\\"\\"}","inputDetails":{"truncated":false},"output":"1"}}',
  );
  t.is(
    historyEventJson('PassStateEntered', 5n, stored, false),
    '{"timestamp":1733480000.123,"type":"PassStateEntered","id":6,"previousEventId":4,"stateEnteredEventDetails":{"name":"A","inputDetails":{"truncated":false}}}',
  );
  t.is(
    historyEventJson('MapStateSucceeded', 0n, '{"timestamp":5,"previousEventId":0}', false),
    '{"timestamp":0.005,"type":"MapStateSucceeded","id":1,"previousEventId":0}',
  );
  const nested = '{"timestamp":1,"previousEventId":0,"d":{"inputDetails":{"input":"kept: two levels down"},"output":"gone"},"input":"kept: top level"}';
  t.is(
    historyEventJson('T', 0n, nested, false),
    '{"timestamp":0.001,"type":"T","id":1,"previousEventId":0,"d":{"inputDetails":{"input":"kept: two levels down"}},"input":"kept: top level"}',
  );
  t.is(historyEventJson('T', 0n, nested, false), parsed('T', 0n, nested, false));
});

test('seconds are written as JavaScript writes ms / 1000, for whole milliseconds of any size and any other number', (t) => {
  const edges = [
    '0',
    '1',
    '5',
    '10',
    '99',
    '100',
    '999',
    '1000',
    '1001',
    '1010',
    '1100',
    '1733480000000',
    '1733480000120',
    '1733480000123',
    '4102444800000',
    '99999999999999',
    '999999999999999',
  ];
  for (const ms of edges) t.is(secondsText(ms), String(Number(ms) / 1000), ms);
  fc.assert(
    fc.property(
      fc.oneof(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 1e12, max: 5e12 }), fc.integer({ min: 0, max: 1e15 - 1 })),
      (n) => secondsText(String(n)) === String(n / 1000),
    ),
    { numRuns: 20_000 },
  );
  // Past 15 digits, signs, fractions and exponents take JavaScript's own formatting.
  for (const ms of ['1000000000000000', '12345678901234567', '-1', '-0', '1.5', '0.001', '1e3', '1E+21', '-2.5e-7'])
    t.is(secondsText(ms), String(Number(ms) / 1000), ms);
  t.is(secondsText('1e400'), undefined, 'not a finite number');
});
