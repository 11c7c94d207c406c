/**
 * JSONPath selection. Case names refer to the conformance corpus (executions recorded on AWS).
 */
import test from 'ava';
import { isDefinitePath, queryPath, resolvePath, selectPath } from '../src/index.js';

const ITEMS = { items: Array.from({ length: 11 }, (_, i) => ({ item_key: i })) };

test('a definite path selects one value (base/test_base::test_json_path_array_access[$.items[0]])', (t) => {
  t.deepEqual(selectPath('$.items[0]', ITEMS), { found: true, value: { item_key: 0 } });
  t.deepEqual(selectPath('$.items[-1].item_key', ITEMS), { found: true, value: 10 });
  t.deepEqual(selectPath("$['items'][2]['item_key']", ITEMS), { found: true, value: 2 });
  t.deepEqual(selectPath('$', ITEMS), { found: true, value: ITEMS });
});

test('a definite path that selects nothing is not found', (t) => {
  t.deepEqual(selectPath('$.x', {}), { found: false });
  t.deepEqual(selectPath('$.items[11]', ITEMS), { found: false });
  t.deepEqual(selectPath('$.items.x', ITEMS), { found: false }, 'a property of an array');
  t.deepEqual(selectPath('$.a.b', { a: null }), { found: false });
});

test('a present null is found', (t) => {
  t.deepEqual(selectPath('$.a', { a: null }), { found: true, value: null });
});

const noInput = test.macro({
  exec(t, path: string) {
    t.deepEqual(selectPath(path, {}), { found: true, value: [] });
  },
  title: (_p, path: string) => `indefinite ${path} on {} selects [] (base/test_base::test_json_path_array_wildcard_or_slice_with_no_input[${path}])`,
});
for (const p of [
  '$.item.items[1:5]',
  '$.item.items[1:]',
  '$.item.items[:1]',
  '$.item.items[*]',
  '$.items[*].itemValue',
  '$.items[1:].itemValue',
  '$.items[:1]',
  '$.items[*]',
  '$[*]',
]) {
  test(noInput, p);
}

test('wildcards, slices, unions and deep scan select arrays in document order', (t) => {
  const doc = { a: [{ v: 1 }, { v: 2 }, { w: 3 }, { v: 4 }], o: { x: 1, y: { v: 5 } } };
  t.deepEqual(selectPath('$.a[*].v', doc), { found: true, value: [1, 2, 4] });
  t.deepEqual(selectPath('$.a[1:3]', doc), { found: true, value: [{ v: 2 }, { w: 3 }] });
  t.deepEqual(selectPath('$.a[-2:]', doc), { found: true, value: [{ w: 3 }, { v: 4 }] });
  t.deepEqual(selectPath('$.a[0,3].v', doc), { found: true, value: [1, 4] });
  t.deepEqual(selectPath('$.o.*', doc), { found: true, value: [1, { v: 5 }] });
  t.deepEqual(selectPath('$..v', doc), { found: true, value: [1, 2, 4, 5] });
});

test('a trailing multi-property step merges into one object (Jayway)', (t) => {
  t.deepEqual(selectPath("$['a','b','z']", { a: 1, b: 2, c: 3 }), { found: true, value: { a: 1, b: 2 } });
});

test('filters select matching elements (base/test_base::test_state_pass_regex_json_path_base)', (t) => {
  const users = {
    users: [
      { year: 1997, status: 0 },
      { year: 1998, status: 1 },
    ],
  };
  t.deepEqual(selectPath('$.users[?(@.status == 0)]', users), { found: true, value: [{ year: 1997, status: 0 }] });
  t.deepEqual(selectPath('$.users[?(@.year > 1997 && @.status != 0)].year', users), { found: true, value: [1998] });
  t.deepEqual(selectPath('$.users[?(@.missing)]', users), { found: true, value: [] });
  t.deepEqual(selectPath('$.u[?(@.n =~ /a.*/i)].n', { u: [{ n: 'Ab' }, { n: 'ba' }] }), { found: true, value: ['Ab'] });
  t.deepEqual(selectPath('$.u[?(@.n in [1, 2])].n', { u: [{ n: 1 }, { n: 3 }] }), { found: true, value: [1] });
});

test('a quoted bracket name keeps backslashes that do not escape the quote (scenarios::test_escape_sequence_parsing[ESCAPE_SEQUENCES_JSONPATH])', (t) => {
  // The definition's path is $['Test\""Name"'] and the input key is Test\""Name".
  t.deepEqual(selectPath(`$['Test\\""Name"']`, { 'Test\\""Name"': 'Value"\\' }), { found: true, value: 'Value"\\' });
  t.deepEqual(selectPath("$['it\\'s']", { "it's": 1 }), { found: true, value: 1 });
});

test('dot names may contain dashes (context_object::test_variable reads $$.Execution.Input.input-value)', (t) => {
  t.deepEqual(selectPath('$.input-value', { 'input-value': 0 }), { found: true, value: 0 });
});

test('isDefinitePath', (t) => {
  t.true(isDefinitePath('$'));
  t.true(isDefinitePath("$.a[0]['b']"));
  t.true(isDefinitePath('$$.Execution.Id'));
  t.false(isDefinitePath('$.a[*]'));
  t.false(isDefinitePath('$.a[0:1]'));
  t.false(isDefinitePath('$..a'));
  t.false(isDefinitePath('$.a[?(@.b)]'));
  t.false(isDefinitePath('$.a[0,1]'));
});

test('malformed paths throw a plain Error', (t) => {
  t.throws(() => selectPath('$.a[', {}));
  t.throws(() => selectPath('a.b', {}));
  t.throws(() => selectPath('$.', {}));
  t.throws(() => selectPath('$.a.length()', {}));
});

test('resolvePath picks the root from the prefix', (t) => {
  const scope = { input: { a: 1 }, context: { State: { Name: 'S' } }, variables: { v: { b: [1, 2] } } };
  t.deepEqual(resolvePath('$.a', scope), { found: true, value: 1 });
  t.deepEqual(resolvePath('$$.State.Name', scope), { found: true, value: 'S' });
  t.deepEqual(resolvePath('$v.b[1]', scope), { found: true, value: 2 });
  t.deepEqual(resolvePath('$v', scope), { found: true, value: { b: [1, 2] } });
  t.deepEqual(resolvePath('$nope', scope), { found: false });
  t.deepEqual(resolvePath('$v', { input: {}, context: {} }), { found: false });
});

test("queryPath gives Jayway's reason, which AWS quotes", (t) => {
  const scope = (input: unknown) => ({ input, context: {} });
  // scenarios::test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_INPUTPATH]
  t.deepEqual(queryPath('$.NoSuchInputPath', scope({ 'int-literal': 0 })), {
    found: false,
    reason: "No results for path: $['NoSuchInputPath']",
  });
  // scenarios::test_catch_states_runtime
  t.deepEqual(queryPath('$.no.such.result.path', scope({})), { found: false, reason: "Missing property in path $['no']" });
  t.deepEqual(queryPath('$.a.b', scope({ a: {} })), { found: false, reason: "No results for path: $['a']['b']" });
  t.deepEqual(queryPath('$.a[3]', scope({ a: [] })), { found: false, reason: "No results for path: $['a'][3]" });
});

test('a deep scan over an array of 130,000 elements (a 256 KiB input of zeros) selects them all: no call-stack overflow', (t) => {
  const input = new Array<number>(130_000).fill(0);
  const r = queryPath('$..[*]', { input, context: {}, variables: {} });
  t.is(r.found ? (r.value as unknown[]).length : r.reason, 130_000);
});
