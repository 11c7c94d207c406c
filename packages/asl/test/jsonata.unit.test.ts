import test, { type ExecutionContext } from 'ava';
import { createHash } from 'node:crypto';
import { evaluateJsonata, evaluateJsonataTemplate, expectJsonataType, isJsonataText, QueryEvaluationError, type JsonataScope } from '../src/index.js';

// JSONata in JSONata states: AWS's added functions, what AWS removes, and its error texts.
// Expected values marked (rec) come from executions recorded against AWS (conformance corpus).

const NOW = Date.UTC(2026, 10, 25, 12, 30, 0, 123);
const scope = (over: Partial<JsonataScope> = {}): JsonataScope => ({
  states: { input: { a: 1, items: [1, 2, 3], text: 'hello' }, context: { State: { Name: 'S' } } },
  variables: {},
  now: NOW,
  random: () => 0.25,
  uuid: () => '11111111-2222-4333-8444-555555555555',
  ...over,
});
const ev = (expression: string, over: Partial<JsonataScope> = {}) => evaluateJsonata(`{% ${expression} %}`, scope(over), 'Output');
const failure = (t: ExecutionContext, expression: string, over: Partial<JsonataScope> = {}) => {
  const e = t.throws(() => ev(expression, over), { instanceOf: QueryEvaluationError });
  t.is(e?.error, 'States.QueryEvaluationError');
  return e!;
};

test('only a whole "{% … %}" string is an expression', (t) => {
  t.true(isJsonataText('{% 1 %}'));
  t.true(isJsonataText('{%1%}'));
  t.false(isJsonataText(' {% 1 %}'));
  t.false(isJsonataText('x {% 1 %}'));
  t.false(isJsonataText(1));
});

test('$states.input and $states.context; variables as $name', (t) => {
  t.is(ev('$states.input.a + 1'), 2);
  t.is(ev('$states.context.State.Name'), 'S');
  t.is(ev('$x * 2', { variables: { x: 21 } }), 42);
});

test('$partition splits an array into chunks; the last may be smaller (rec)', (t) => {
  t.deepEqual(ev('$partition([0, 1, 2, 3], 3)'), [[0, 1, 2], [3]]);
  t.deepEqual(ev('$partition([0, 1, 2], 5)'), [[0, 1, 2]], 'one chunk stays an array of one array (rec)');
  t.deepEqual(ev('$partition([0], 2)'), [[0]]);
  failure(t, '$partition([0], 0)');
  failure(t, '$partition("x", 1)');
});

test('$range includes its end, steps either way, and a one-item range is its item (rec: $range(1, 9, 9) is 1)', (t) => {
  t.deepEqual(ev('$range(0, 9, 3)'), [0, 3, 6, 9]);
  t.deepEqual(ev('$range(0, 10, 3)'), [0, 3, 6, 9]);
  t.deepEqual(ev('$range(1, 9, 2)'), [1, 3, 5, 7, 9]);
  t.is(ev('$range(1, 9, 9)'), 1);
  t.deepEqual(ev('$range(5, 1, -2)'), [5, 3, 1]);
  failure(t, '$range(0, 5, 0)');
  failure(t, '$range(0.5, 5, 1)');
});

test('$hash gives a lowercase hex digest for each of AWS’s algorithms and refuses others', (t) => {
  for (const [name, node] of [
    ['MD5', 'md5'],
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ] as const) {
    t.is(ev(`$hash('input data', '${name}')`), createHash(node).update('input data').digest('hex'));
  }
  failure(t, "$hash('x', 'SHA-3')");
  failure(t, '$hash(1, "MD5")');
});

test('$random: from the injected source without a seed; the same seed always gives the same number in [0, 1)', (t) => {
  t.is(ev('$random()'), 0.25);
  const a = ev('$random(42)');
  t.is(typeof a, 'number');
  t.true((a as number) >= 0 && (a as number) < 1);
  t.is(ev('$random(42)', { random: () => 0.9 }), a, 'a seeded draw ignores the injected source');
  t.not(ev('$random(43)'), a);
});

test('$uuid comes from the injected source; $now and $millis read the decision’s time', (t) => {
  t.is(ev('$uuid()'), '11111111-2222-4333-8444-555555555555');
  t.is(ev('$millis()'), NOW);
  t.is(ev('$now()'), '2026-11-25T12:30:00.123Z');
  t.is(ev("$now('[Y0001]-[M01]-[D01]')"), '2026-11-25');
});

test('$parse reads JSON text (rec: "-0" is 0, "[1, 2, \\"HelloWorld\\"]" an array)', (t) => {
  t.is(ev('$parse("-0")'), 0);
  t.is(ev('$parse("1.1")'), 1.1);
  t.is(ev('$parse("true")'), true);
  t.deepEqual(ev('$parse("[1, 2, \\"HelloWorld\\"]")'), [1, 2, 'HelloWorld']);
  t.deepEqual(ev('$parse(\'{"Arg1": 1, "Arg2": []}\')'), { Arg1: 1, Arg2: [] });
  failure(t, '$parse("{nope")');
});

test('$eval is removed: calling it is calling a non-function (T1006)', (t) => {
  const e = failure(t, "$eval('1 + 1')");
  t.is(e.cause, 'T1006: Attempted to invoke a non-function');
});

test('a variable hides the built-in function of the same name', (t) => {
  t.is(ev('$count([1, 2])'), 2);
  const e = failure(t, '$count([1, 2])', { variables: { count: 5 } });
  t.regex(e.cause, /^T1006: /);
});

test('nothing (undefined) is an error naming the expression and the field (rec)', (t) => {
  const e = t.throws(() => evaluateJsonata('{% $doesNotExist %}', scope(), 'Arguments/FunctionName'), { instanceOf: QueryEvaluationError });
  t.is(e?.cause, "The JSONata expression '$doesNotExist' specified for the field 'Arguments/FunctionName' returned nothing (undefined).");
  t.is(e?.location, 'Arguments/FunctionName');
});

test('templates evaluate expressions at any depth and name nested fields in errors', (t) => {
  t.deepEqual(evaluateJsonataTemplate({ a: '{% $states.input.a %}', b: ['{% 1 + 1 %}', 'lit {% x %}'], c: { d: true } }, scope(), 'Output'), {
    a: 1,
    b: [2, 'lit {% x %}'],
    c: { d: true },
  });
  const e = t.throws(() => evaluateJsonataTemplate({ result: '{% $nope %}' }, scope(), 'Output'), { instanceOf: QueryEvaluationError });
  t.is(e?.location, 'Output/result');
});

test('non-finite numbers become the strings JavaScript names them by; runtime errors carry the JSONata code', (t) => {
  t.is(ev('1/0'), 'Infinity');
  const e = failure(t, '"a" + 1');
  t.regex(e.cause, /^T2001: /);
});

test('a result of the wrong type names what was expected (rec: Items)', (t) => {
  const e = t.throws(() => expectJsonataType('{% true %}', true, 'array', 'Items'), { instanceOf: QueryEvaluationError });
  t.is(
    e?.cause,
    "The JSONata expression 'true' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'boolean' for value: true",
  );
  t.notThrows(() => expectJsonataType('{% [1] %}', [1], 'array', 'Items'));
});
