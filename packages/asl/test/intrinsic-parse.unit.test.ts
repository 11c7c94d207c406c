/**
 * Parsing intrinsic calls: what becomes an InvalidDefinition at CreateStateMachine.
 * "The following characters are reserved … and must be escaped with a backslash: ' { } and \"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
 */
import test from 'ava';
import { isIntrinsicCall, parseIntrinsic } from '../src/index.js';

test('parses literals, paths and nested calls', (t) => {
  t.deepEqual(parseIntrinsic("States.Format('a\\'b {}', $.x[0]['k,)'], -1.5, true, null, States.UUID())"), {
    kind: 'call',
    name: 'States.Format',
    args: [
      { kind: 'string', value: "a'b {}", raw: "a\\'b {}" },
      { kind: 'path', path: "$.x[0]['k,)']" },
      { kind: 'number', value: -1.5 },
      { kind: 'boolean', value: true },
      { kind: 'null' },
      { kind: 'call', name: 'States.UUID', args: [] },
    ],
  });
});

test('paths may use $$ and variables', (t) => {
  t.deepEqual(parseIntrinsic('States.Array($$.Execution.Id, $var.a)').args, [
    { kind: 'path', path: '$$.Execution.Id' },
    { kind: 'path', path: '$var.a' },
  ]);
});

test('rejects unknown functions, bad escapes, wrong arity and trailing text', (t) => {
  t.throws(() => parseIntrinsic('States.Nope(1)'), { message: /unknown function States\.Nope/ });
  t.throws(() => parseIntrinsic("States.Format('\\n')"), { message: /illegal escape/ });
  t.throws(() => parseIntrinsic('States.MathAdd(1)'), { message: /takes 2 arguments, got 1/ });
  t.throws(() => parseIntrinsic('States.UUID(1)'), { message: /takes 0 arguments/ });
  t.throws(() => parseIntrinsic('States.UUID() x'), { message: /unexpected text/ });
  t.throws(() => parseIntrinsic("States.Format('x"), { message: /unterminated string/ });
  t.throws(() => parseIntrinsic('States.Array($.a[)'), { message: /Invalid/ });
});

test('isIntrinsicCall tells calls from paths and plain text', (t) => {
  t.true(isIntrinsicCall("States.Format('{}', $.a)"));
  t.true(isIntrinsicCall('States.UUID()'));
  t.false(isIntrinsicCall('$.a'));
  t.false(isIntrinsicCall('States.Format'));
  t.false(isIntrinsicCall('ConditionTrue'));
});
