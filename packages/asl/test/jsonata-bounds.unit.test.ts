import test, { type ExecutionContext } from 'ava';
import { evaluateJsonata, QueryEvaluationError, type JsonataScope } from '../src/index.js';
import { MAX_EVALUATION_DEPTH, MAX_EVALUATION_STEPS, MAX_RESULT_NESTING, MAX_STRING_LENGTH } from '../src/jsonata-budget.js';

// Issue 11: an expression from a definition cannot hold the event loop or exhaust memory. Each
// runaway ends as a States.QueryEvaluationError (routed like any evaluation error) whose cause
// names the limit; the outcome is asserted, never the time it took.

const scope: JsonataScope = {
  states: { input: { items: [3, 1, 2] }, context: {} },
  variables: {},
  now: 0,
  random: () => 0.25,
  uuid: () => '11111111-2222-4333-8444-555555555555',
};
const ev = (expression: string) => evaluateJsonata(`{% ${expression} %}`, scope, 'Output');

const fails = (t: ExecutionContext, expression: string, cause: string) => {
  const e = t.throws(() => ev(expression), { instanceOf: QueryEvaluationError });
  t.is(e?.error, 'States.QueryEvaluationError');
  t.is(e?.location, 'Output');
  t.is(e?.cause, `The JSONata expression '${expression}' specified for the field 'Output' ${cause}`);
};

const STEPS = `exceeded the evaluation budget of ${MAX_EVALUATION_STEPS} steps.`;
const DEPTH = `exceeded the maximum nesting depth of ${MAX_EVALUATION_DEPTH} (recursion too deep).`;
const doubled = (n: number, seed: string, op: (v: string) => string) =>
  `($s := ${seed}; ${Array.from({ length: n }, () => `$s := ${op('$s')}`).join('; ')}; $s)`;

test('an infinite tail-recursive loop (jsonata runs it as a loop) ends on the step budget', (t) => {
  fails(t, '($f := function($x){ $f($x) }; $f(0))', STEPS);
});

test('an unbounded non-tail recursion ends on the nesting depth, not as a stack overflow', (t) => {
  fails(t, '($f := function($x){ 1 + $f($x) }; $f(0))', DEPTH);
});

test('a range of ten million items is charged before it is allocated', (t) => {
  fails(t, '$sum([1..10000000])', STEPS);
  fails(t, '$map([1..10000000], function($v){ $v * 2 })', STEPS);
  // jsonata's own limit still answers past 1e7.
  const e = t.throws(() => ev('$sum([1..20000000])'), { instanceOf: QueryEvaluationError });
  t.regex(e?.cause ?? '', /^D2014: /);
});

test('ranges inside a recursion are charged each time they are evaluated', (t) => {
  fails(t, '($f := function($n){ $n = 0 ? 0 : $sum([1..100000]) + $f($n - 1) }; $f(20))', STEPS);
  t.is(ev('($f := function($n){ $n = 0 ? 0 : $count([1..1000]) + $f($n - 1) }; $f(20))'), 20000);
});

test('a string built by doubling stops at the string length limit, before anything flattens it', (t) => {
  fails(
    t,
    `$length(${doubled(30, '"xxxxxxxxxx"', (s) => `${s} & ${s}`)})`,
    `built a string of ${10 * 2 ** 19} characters, more than the limit of ${MAX_STRING_LENGTH}.`,
  );
});

test('$pad and $join refuse a string past the limit before building it', (t) => {
  fails(t, '$length($pad("x", 100000000))', `built a string of 100000000 characters, more than the limit of ${MAX_STRING_LENGTH}.`);
  fails(t, '$join($map([1..10], function(){ $pad("", 1000000, "y") }))', `built a string of 5000000 characters, more than the limit of ${MAX_STRING_LENGTH}.`);
});

test('an array doubled in place is charged for its copies', (t) => {
  fails(t, `$count(${doubled(30, '[1, 1]', (s) => `[${s}, ${s}]`)})`, STEPS);
  fails(t, `$count(${doubled(30, '[1, 1]', (s) => `$append(${s}, ${s})`)})`, STEPS);
});

test('a value sharing itself is charged for every node it serialises, in $string and in the result', (t) => {
  const shared = (n: number) => `($a := {"k": 1}; ${Array.from({ length: n }, () => '$a := {"l": $a, "r": $a}').join('; ')}; $a)`;
  fails(t, `$string(${shared(30)})`, STEPS);
  fails(t, shared(30), STEPS);
  let small: unknown = { k: 1 };
  for (let i = 0; i < 3; i++) small = { l: small, r: small };
  t.is(ev(`$string(${shared(3)})`), JSON.stringify(small));
  t.deepEqual(ev(shared(3)), small);
});

test('a result nested deeper than the JSON limit fails instead of overflowing the copy', (t) => {
  fails(
    t,
    '($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, {"a": $acc}) }; $f(5000, 1))',
    `returned a value nested deeper than ${MAX_RESULT_NESTING} levels.`,
  );
});

test('$distinct pays for its comparisons', (t) => {
  fails(t, '$count($distinct($map([1..50000], function($v){ $v })))', STEPS);
  t.deepEqual(ev('$distinct($map([1..2000], function($v){ $v % 3 }))'), [1, 2, 0]);
});

test('an expression cannot switch its budget off by binding a hook name', (t) => {
  fails(t, '($__evaluate_entry := (); $f := function($x){ $f($x) }; $f(0))', "binds the reserved name '$__evaluate_entry'.");
  fails(t, '(function($__evaluate_exit){ 1 })(0)', "binds the reserved name '$__evaluate_exit'.");
  // As a string, the name is just text.
  t.is(ev('"__evaluate_entry"'), '__evaluate_entry');
});

test('ordinary expressions are unaffected: sizeable mappings, recursion, the wrapped functions', (t) => {
  t.is(ev('$sum($map([1..10000], function($v){ $v * 2 }))'), 100010000);
  t.is(ev('($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(20))'), 2432902008176640000);
  t.is(ev('($loop := function($n, $acc){ $n = 0 ? $acc : $loop($n - 1, $acc + $n) }; $loop(10000, 0))'), 50005000);
  t.is(ev('$count($reduce([1..2000], function($acc, $v){ $append($acc, $v) }, []))'), 2000);
  t.is(ev('$pad("ab", 6, "xy") & "|" & $pad("7", -3, "0") & "|" & ("x" ~> $pad(3, "#"))'), 'abxyxy|007|x##');
  t.is(ev('$join(["a", "b", "c"], "-") & $join("z")'), 'a-b-cz');
  t.is(ev('$string({"a": [1, 2]}) & $string("s") & $string(1.5)'), '{"a":[1,2]}s1.5');
  t.deepEqual(ev('$distinct([1, 2, 1, "a", "a"])'), [1, 2, 'a']);
  t.deepEqual(ev('$sort($states.input.items)'), [1, 2, 3]);
  t.deepEqual(ev('{"pad": $pad}.pad("q", 2)'), 'q ');
});

test('a variable still hides a wrapped built-in of the same name, as on AWS', (t) => {
  t.is(evaluateJsonata('{% $pad %}', { ...scope, variables: { pad: 'mine' } }, 'Output'), 'mine');
});
