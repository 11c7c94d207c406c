/**
 * Choice rules, checked against executions recorded on AWS. Each row names its case in the
 * conformance corpus (`choice_operators/<test>#cases[i]`, recorded by LocalStack's
 * `tests/aws/services/stepfunctions/v2/choice_operators/` against real AWS): the machine ran
 * `{ "Variable": "$.Variable", <Operator>: <operand> }` on the input shown, and AWS took the
 * `ConditionTrue` branch exactly when the last column is `true`.
 */
import test from 'ava';
import { evaluateChoiceRule, isStatesError, type EvaluationScope } from '../src/index.js';

const scope = (input: unknown): EvaluationScope => ({ input, context: {} });

const recorded = test.macro({
  exec(t, _name: string, operator: string, operand: unknown, input: unknown, expected: boolean) {
    t.is(evaluateChoiceRule({ Variable: '$.Variable', [operator]: operand, Next: 'X' }, scope(input)), expected);
  },
  title: (_provided, name: string, operator: string, operand: unknown, input: unknown, expected: boolean) =>
    `${name}: ${operator} ${JSON.stringify(operand)} on ${JSON.stringify(input)} is ${expected}`,
});

const RECORDED: ReadonlyArray<readonly [string, string, unknown, unknown, boolean]> = [
  ['test_boolean_equals#cases[32]', 'BooleanEquals', true, { Variable: true, Value: true }, true],
  ['test_boolean_equals#cases[35]', 'BooleanEquals', false, { Variable: false, Value: false }, true],
  ['test_boolean_equals#cases[33]', 'BooleanEquals', true, { Variable: false, Value: true }, false],
  ['test_boolean_equals#cases[0]', 'BooleanEquals', true, { Variable: null, Value: true }, false],
  ['test_boolean_equals#cases[11]', 'BooleanEquals', false, { Variable: '', Value: false }, false],
  ['test_boolean_equals#cases[24]', 'BooleanEquals', true, { Variable: [], Value: true }, false],
  ['test_boolean_equals#cases[28]', 'BooleanEquals', true, { Variable: {}, Value: true }, false],
  ['test_boolean_equals_path#cases[35]', 'BooleanEqualsPath', '$.Value', { Variable: false, Value: false }, true],
  ['test_boolean_equals_path#cases[33]', 'BooleanEqualsPath', '$.Value', { Variable: false, Value: true }, false],
  ['test_boolean_equals_path#cases[0]', 'BooleanEqualsPath', '$.Value', { Variable: null, Value: true }, false],
  ['test_boolean_equals_path#cases[12]', 'BooleanEqualsPath', '$.Value', { Variable: ' ', Value: true }, false],
  ['test_boolean_equals_path#cases[24]', 'BooleanEqualsPath', '$.Value', { Variable: [], Value: true }, false],
  ['test_boolean_equals_path#cases[28]', 'BooleanEqualsPath', '$.Value', { Variable: {}, Value: true }, false],
  ['test_is_boolean#cases[11]', 'IsBoolean', false, { Variable: '', Value: false }, true],
  ['test_is_boolean#cases[13]', 'IsBoolean', false, { Variable: ' ', Value: false }, true],
  ['test_is_boolean#cases[17]', 'IsBoolean', false, { Variable: '2012-10-09T19:00:55', Value: false }, true],
  ['test_is_boolean#cases[35]', 'IsBoolean', false, { Variable: false, Value: false }, false],
  ['test_is_boolean#cases[0]', 'IsBoolean', true, { Variable: null, Value: true }, false],
  ['test_is_boolean#cases[10]', 'IsBoolean', true, { Variable: '', Value: true }, false],
  ['test_is_boolean#cases[24]', 'IsBoolean', true, { Variable: [], Value: true }, false],
  ['test_is_boolean#cases[2]', 'IsBoolean', true, { Variable: 0, Value: true }, false],
  ['test_is_null#cases[0]', 'IsNull', true, { Variable: null, Value: true }, true],
  ['test_is_null#cases[11]', 'IsNull', false, { Variable: '', Value: false }, true],
  ['test_is_null#cases[15]', 'IsNull', false, { Variable: 'HelloWorld', Value: false }, true],
  ['test_is_null#cases[33]', 'IsNull', true, { Variable: false, Value: true }, false],
  ['test_is_null#cases[10]', 'IsNull', true, { Variable: '', Value: true }, false],
  ['test_is_null#cases[28]', 'IsNull', true, { Variable: {}, Value: true }, false],
  ['test_is_null#cases[2]', 'IsNull', true, { Variable: 0, Value: true }, false],
  ['test_is_null#cases[8]', 'IsNull', true, { Variable: 1.1, Value: true }, false],
  ['test_is_numeric#cases[11]', 'IsNumeric', false, { Variable: '', Value: false }, true],
  ['test_is_numeric#cases[17]', 'IsNumeric', false, { Variable: '2012-10-09T19:00:55', Value: false }, true],
  ['test_is_numeric#cases[19]', 'IsNumeric', false, { Variable: '2012-10-09T19:00:55Z', Value: false }, true],
  ['test_is_numeric#cases[32]', 'IsNumeric', true, { Variable: true, Value: true }, false],
  ['test_is_numeric#cases[33]', 'IsNumeric', true, { Variable: false, Value: true }, false],
  ['test_is_numeric#cases[0]', 'IsNumeric', true, { Variable: null, Value: true }, false],
  ['test_is_numeric#cases[12]', 'IsNumeric', true, { Variable: ' ', Value: true }, false],
  ['test_is_numeric#cases[24]', 'IsNumeric', true, { Variable: [], Value: true }, false],
  ['test_is_numeric#cases[28]', 'IsNumeric', true, { Variable: {}, Value: true }, false],
  ['test_is_present#cases[10]', 'IsPresent', true, { Variable: '', Value: true }, true],
  ['test_is_present#cases[12]', 'IsPresent', true, { Variable: ' ', Value: true }, true],
  ['test_is_present#cases[14]', 'IsPresent', true, { Variable: 'HelloWorld', Value: true }, true],
  ['test_is_present#cases[35]', 'IsPresent', false, { Variable: false, Value: false }, false],
  ['test_is_present#cases[11]', 'IsPresent', false, { Variable: '', Value: false }, false],
  ['test_is_present#cases[1]', 'IsPresent', false, { Variable: null, Value: false }, false],
  ['test_is_present#cases[25]', 'IsPresent', false, { Variable: [], Value: false }, false],
  ['test_is_present#cases[29]', 'IsPresent', false, { Variable: {}, Value: false }, false],
  ['test_is_string#cases[12]', 'IsString', true, { Variable: ' ', Value: true }, true],
  ['test_is_string#cases[14]', 'IsString', true, { Variable: 'HelloWorld', Value: true }, true],
  ['test_is_string#cases[16]', 'IsString', true, { Variable: '2012-10-09T19:00:55', Value: true }, true],
  ['test_is_string#cases[33]', 'IsString', true, { Variable: false, Value: true }, false],
  ['test_is_string#cases[0]', 'IsString', true, { Variable: null, Value: true }, false],
  ['test_is_string#cases[13]', 'IsString', false, { Variable: ' ', Value: false }, false],
  ['test_is_string#cases[2]', 'IsString', true, { Variable: 0, Value: true }, false],
  ['test_is_string#cases[30]', 'IsString', true, { Variable: { A: 0 }, Value: true }, false],
  ['test_numeric_equals#cases[15]', 'NumericEquals', 1.0, { Variable: 1, Value: 1.0 }, true],
  ['test_numeric_equals#cases[4]', 'NumericEquals', 0, { Variable: 0, Value: 0 }, true],
  ['test_numeric_equals#cases[53]', 'NumericEquals', 0, { Variable: 0.0, Value: 0 }, true],
  ['test_numeric_equals#cases[11]', 'NumericEquals', 1.0, { Variable: 0.0, Value: 1.0 }, false],
  ['test_numeric_equals#cases[17]', 'NumericEquals', 0.0, { Variable: 1.1, Value: 0.0 }, false],
  ['test_numeric_equals#cases[19]', 'NumericEquals', 1.0, { Variable: 1.1, Value: 1.0 }, false],
  ['test_numeric_equals#cases[0]', 'NumericEquals', 0, { Variable: null, Value: 0 }, false],
  ['test_numeric_equals#cases[10]', 'NumericEquals', 1, { Variable: 0.0, Value: 1 }, false],
  ['test_numeric_equals#cases[13]', 'NumericEquals', 0.0, { Variable: 1, Value: 0.0 }, false],
  ['test_numeric_equals#cases[20]', 'NumericEquals', 0, { Variable: '', Value: 0 }, false],
  ['test_numeric_equals_path#cases[14]', 'NumericEqualsPath', '$.Value', { Variable: 1, Value: 1 }, true],
  ['test_numeric_equals_path#cases[15]', 'NumericEqualsPath', '$.Value', { Variable: 1, Value: 1.0 }, true],
  ['test_numeric_equals_path#cases[4]', 'NumericEqualsPath', '$.Value', { Variable: 0, Value: 0 }, true],
  ['test_numeric_equals_path#cases[11]', 'NumericEqualsPath', '$.Value', { Variable: 0.0, Value: 1.0 }, false],
  ['test_numeric_equals_path#cases[12]', 'NumericEqualsPath', '$.Value', { Variable: 1, Value: 0 }, false],
  ['test_numeric_equals_path#cases[17]', 'NumericEqualsPath', '$.Value', { Variable: 1.1, Value: 0.0 }, false],
  ['test_numeric_equals_path#cases[0]', 'NumericEqualsPath', '$.Value', { Variable: null, Value: 0 }, false],
  ['test_numeric_equals_path#cases[10]', 'NumericEqualsPath', '$.Value', { Variable: 0.0, Value: 1 }, false],
  ['test_numeric_equals_path#cases[21]', 'NumericEqualsPath', '$.Value', { Variable: '', Value: 0.0 }, false],
  ['test_numeric_equals_path#cases[29]', 'NumericEqualsPath', '$.Value', { Variable: [], Value: 0.0 }, false],
  ['test_numeric_greater_than#cases[1]', 'NumericGreaterThan', 0, { Variable: 0.0, Value: 0 }, false],
  ['test_numeric_greater_than#cases[2]', 'NumericGreaterThan', 1, { Variable: 0, Value: 1 }, false],
  ['test_numeric_greater_than#cases[3]', 'NumericGreaterThan', 1, { Variable: 1, Value: 1 }, false],
  ['test_numeric_greater_than#cases[4]', 'NumericGreaterThan', 0, { Variable: 1, Value: 0 }, true],
  ['test_numeric_greater_than_equals#cases[0]', 'NumericGreaterThanEquals', 0, { Variable: 0, Value: 0 }, true],
  ['test_numeric_greater_than_equals#cases[1]', 'NumericGreaterThanEquals', 0, { Variable: 0.0, Value: 0 }, true],
  ['test_numeric_greater_than_equals#cases[4]', 'NumericGreaterThanEquals', 0, { Variable: 1, Value: 0 }, true],
  ['test_numeric_greater_than_equals_path#cases[0]', 'NumericGreaterThanEqualsPath', '$.Value', { Variable: 0, Value: 0 }, true],
  ['test_numeric_greater_than_equals_path#cases[1]', 'NumericGreaterThanEqualsPath', '$.Value', { Variable: 0.0, Value: 0 }, true],
  ['test_numeric_greater_than_equals_path#cases[2]', 'NumericGreaterThanEqualsPath', '$.Value', { Variable: 0, Value: 1 }, false],
  ['test_numeric_greater_than_equals_path#cases[3]', 'NumericGreaterThanEqualsPath', '$.Value', { Variable: 1, Value: 1 }, true],
  ['test_numeric_greater_than_equals_path#cases[4]', 'NumericGreaterThanEqualsPath', '$.Value', { Variable: 1, Value: 0 }, true],
  ['test_numeric_greater_than_path#cases[3]', 'NumericGreaterThanPath', '$.Value', { Variable: 1, Value: 1 }, false],
  ['test_numeric_greater_than_path#cases[4]', 'NumericGreaterThanPath', '$.Value', { Variable: 1, Value: 0 }, true],
  ['test_numeric_less_than#cases[0]', 'NumericLessThan', 0, { Variable: 0, Value: 0 }, false],
  ['test_numeric_less_than#cases[4]', 'NumericLessThan', 0, { Variable: 1, Value: 0 }, false],
  ['test_numeric_less_than_equals#cases[0]', 'NumericLessThanEquals', 0, { Variable: 0, Value: 0 }, true],
  ['test_numeric_less_than_equals#cases[1]', 'NumericLessThanEquals', 0, { Variable: 0.0, Value: 0 }, true],
  ['test_numeric_less_than_equals#cases[2]', 'NumericLessThanEquals', 1, { Variable: 0, Value: 1 }, true],
  ['test_numeric_less_than_equals#cases[4]', 'NumericLessThanEquals', 0, { Variable: 1, Value: 0 }, false],
  ['test_numeric_less_than_equals_path#cases[0]', 'NumericLessThanEqualsPath', '$.Value', { Variable: 0, Value: 0 }, true],
  ['test_numeric_less_than_equals_path#cases[1]', 'NumericLessThanEqualsPath', '$.Value', { Variable: 0.0, Value: 0 }, true],
  ['test_numeric_less_than_equals_path#cases[2]', 'NumericLessThanEqualsPath', '$.Value', { Variable: 0, Value: 1 }, true],
  ['test_numeric_less_than_path#cases[1]', 'NumericLessThanPath', '$.Value', { Variable: 0.0, Value: 0 }, false],
  ['test_numeric_less_than_path#cases[2]', 'NumericLessThanPath', '$.Value', { Variable: 0, Value: 1 }, true],
  ['test_numeric_less_than_path#cases[3]', 'NumericLessThanPath', '$.Value', { Variable: 1, Value: 1 }, false],
  ['test_numeric_less_than_path#cases[4]', 'NumericLessThanPath', '$.Value', { Variable: 1, Value: 0 }, false],
  ['test_string_equals#cases[15]', 'StringEquals', 'Hello', { Variable: 'Hello', Value: 'Hello' }, true],
  ['test_string_equals#cases[13]', 'StringEquals', '     ', { Variable: ' ', Value: '     ' }, false],
  ['test_string_equals#cases[14]', 'StringEquals', '\t\r\n', { Variable: '\t\n', Value: '\t\r\n' }, false],
  ['test_string_equals#cases[5]', 'StringEquals', 'HelloWorld', { Variable: '', Value: 'HelloWorld' }, false],
  ['test_string_equals#cases[0]', 'StringEquals', 'HelloWorld', { Variable: null, Value: 'HelloWorld' }, false],
  ['test_string_equals#cases[10]', 'StringEquals', 'HelloWorld', { Variable: { A: 0 }, Value: 'HelloWorld' }, false],
  ['test_string_equals#cases[11]', 'StringEquals', 'HelloWorld', { Variable: false, Value: 'HelloWorld' }, false],
  ['test_string_equals#cases[2]', 'StringEquals', 'HelloWorld', { Variable: 0.0, Value: 'HelloWorld' }, false],
  ['test_string_equals_path#cases[0]', 'StringEqualsPath', '$.Value', { Variable: ' ', Value: '     ' }, false],
  ['test_string_equals_path#cases[1]', 'StringEqualsPath', '$.Value', { Variable: '\t\n', Value: '\t\r\n' }, false],
  ['test_string_equals_path#cases[2]', 'StringEqualsPath', '$.Value', { Variable: 'Hello', Value: 'Hello' }, true],
  ['test_string_greater_than#cases[1]', 'StringGreaterThan', 'A ', { Variable: 'A', Value: 'A ' }, false],
  ['test_string_greater_than#cases[2]', 'StringGreaterThan', 'A\t\n\r', { Variable: 'A', Value: 'A\t\n\r' }, false],
  ['test_string_greater_than#cases[3]', 'StringGreaterThan', 'ABC', { Variable: 'AB', Value: 'ABC' }, false],
  ['test_string_greater_than_equals#cases[0]', 'StringGreaterThanEquals', '', { Variable: '', Value: '' }, true],
  ['test_string_greater_than_equals#cases[1]', 'StringGreaterThanEquals', 'AB', { Variable: 'A', Value: 'AB' }, false],
  ['test_string_greater_than_equals#cases[2]', 'StringGreaterThanEquals', 'A', { Variable: 'AB', Value: 'A' }, true],
  ['test_string_greater_than_equals_path#cases[0]', 'StringGreaterThanEqualsPath', '$.Value', { Variable: '', Value: '' }, true],
  ['test_string_greater_than_equals_path#cases[1]', 'StringGreaterThanEqualsPath', '$.Value', { Variable: 'A', Value: 'AB' }, false],
  ['test_string_greater_than_equals_path#cases[2]', 'StringGreaterThanEqualsPath', '$.Value', { Variable: 'AB', Value: 'A' }, true],
  ['test_string_greater_than_path#cases[0]', 'StringGreaterThanPath', '$.Value', { Variable: '', Value: '' }, false],
  ['test_string_greater_than_path#cases[1]', 'StringGreaterThanPath', '$.Value', { Variable: 'A', Value: 'A ' }, false],
  ['test_string_greater_than_path#cases[2]', 'StringGreaterThanPath', '$.Value', { Variable: 'A', Value: 'A\t\n\r' }, false],
  ['test_string_greater_than_path#cases[3]', 'StringGreaterThanPath', '$.Value', { Variable: 'AB', Value: 'ABC' }, false],
  ['test_string_less_than#cases[0]', 'StringLessThan', '', { Variable: '', Value: '' }, false],
  ['test_string_less_than#cases[1]', 'StringLessThan', 'AB', { Variable: 'A', Value: 'AB' }, true],
  ['test_string_less_than#cases[2]', 'StringLessThan', 'A', { Variable: 'AB', Value: 'A' }, false],
  ['test_string_less_than_equals#cases[0]', 'StringLessThanEquals', '', { Variable: '', Value: '' }, true],
  ['test_string_less_than_equals#cases[1]', 'StringLessThanEquals', 'AB', { Variable: 'A', Value: 'AB' }, true],
  ['test_string_less_than_equals_path#cases[0]', 'StringLessThanEqualsPath', '$.Value', { Variable: '', Value: '' }, true],
  ['test_string_less_than_path#cases[2]', 'StringLessThanPath', '$.Value', { Variable: 'AB', Value: 'A' }, false],
  ['test_timestamp_equals#cases[15]', 'TimestampEquals', '2012-10-09T19:00:56Z', { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' }, false],
  ['test_timestamp_equals#cases[16]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals#cases[5]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: '', Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals#cases[0]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: null, Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals#cases[10]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: {}, Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals#cases[12]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: false, Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals#cases[2]', 'TimestampEquals', '2012-10-09T19:00:55Z', { Variable: 0.0, Value: '2012-10-09T19:00:55Z' }, false],
  ['test_timestamp_equals_path#cases[0]', 'TimestampEqualsPath', '$.Value', { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:55Z' }, true],
  ['test_timestamp_equals_path#cases[1]', 'TimestampEqualsPath', '$.Value', { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' }, false],
  ['test_timestamp_equals_path#cases[2]', 'TimestampEqualsPath', '$.Value', { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' }, false],
  [
    'test_timestamp_greater_than#cases[0]',
    'TimestampGreaterThan',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:55Z' },
    false,
  ],
  [
    'test_timestamp_greater_than#cases[1]',
    'TimestampGreaterThan',
    '2012-10-09T19:00:56Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' },
    false,
  ],
  [
    'test_timestamp_greater_than#cases[2]',
    'TimestampGreaterThan',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' },
    true,
  ],
  [
    'test_timestamp_greater_than_equals#cases[0]',
    'TimestampGreaterThanEquals',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:55Z' },
    true,
  ],
  [
    'test_timestamp_greater_than_equals#cases[1]',
    'TimestampGreaterThanEquals',
    '2012-10-09T19:00:56Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' },
    false,
  ],
  [
    'test_timestamp_greater_than_equals#cases[2]',
    'TimestampGreaterThanEquals',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' },
    true,
  ],
  [
    'test_timestamp_greater_than_path#cases[0]',
    'TimestampGreaterThanPath',
    '$.Value',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' },
    false,
  ],
  [
    'test_timestamp_less_than#cases[0]',
    'TimestampLessThan',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:55Z' },
    false,
  ],
  ['test_timestamp_less_than#cases[1]', 'TimestampLessThan', '2012-10-09T19:00:56Z', { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' }, true],
  [
    'test_timestamp_less_than#cases[2]',
    'TimestampLessThan',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' },
    false,
  ],
  [
    'test_timestamp_less_than_equals#cases[0]',
    'TimestampLessThanEquals',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:55Z' },
    true,
  ],
  [
    'test_timestamp_less_than_equals#cases[1]',
    'TimestampLessThanEquals',
    '2012-10-09T19:00:56Z',
    { Variable: '2012-10-09T19:00:55Z', Value: '2012-10-09T19:00:56Z' },
    true,
  ],
  [
    'test_timestamp_less_than_equals#cases[2]',
    'TimestampLessThanEquals',
    '2012-10-09T19:00:55Z',
    { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' },
    false,
  ],
  [
    'test_timestamp_less_than_equals_path#cases[0]',
    'TimestampLessThanEqualsPath',
    '$.Value',
    { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' },
    false,
  ],
  ['test_timestamp_less_than_path#cases[0]', 'TimestampLessThanPath', '$.Value', { Variable: '2012-10-09T19:00:56Z', Value: '2012-10-09T19:00:55Z' }, false],
];

for (const row of RECORDED) test(recorded, ...row);

// Operators the public corpus does not exercise: values from the ASL spec's own examples
// (https://states-language.net/spec.html#choice-state) and the fact sheet (§4.9).
const spec = (input: unknown, rule: Record<string, unknown>) => evaluateChoiceRule({ Variable: '$.v', ...rule }, scope(input));

test('StringMatches: "*" matches any run of characters (spec: foo*.log, *.log, foo*.*)', (t) => {
  t.true(spec({ v: 'foo23.log' }, { StringMatches: 'foo*.log' }));
  t.true(spec({ v: 'zebra.log' }, { StringMatches: '*.log' }));
  t.true(spec({ v: 'foobar.zebra' }, { StringMatches: 'foo*.*' }));
  t.false(spec({ v: 'foo23.txt' }, { StringMatches: 'foo*.log' }));
  t.false(spec({ v: 1 }, { StringMatches: '*' }));
});

test('StringMatches: "\\*" is a literal star and "\\\\" a literal backslash (spec)', (t) => {
  t.true(spec({ v: 'a*b' }, { StringMatches: 'a\\*b' }));
  t.false(spec({ v: 'axb' }, { StringMatches: 'a\\*b' }));
  t.true(spec({ v: 'a\\b' }, { StringMatches: 'a\\\\b' }));
  t.true(spec({ v: 'a.b(c)' }, { StringMatches: 'a.b(c)' }), 'regex metacharacters have no meaning');
  t.false(spec({ v: 'axb(c)' }, { StringMatches: 'a.b(c)' }));
});

test('IsTimestamp: RFC 3339 with T and Z or an offset; fractions allowed (fact sheet §4.9)', (t) => {
  t.true(spec({ v: '2016-03-14T01:59:00Z' }, { IsTimestamp: true }));
  t.true(spec({ v: '2016-03-14T01:59:00.123456Z' }, { IsTimestamp: true }));
  t.true(spec({ v: '2012-10-09T19:00:55+01:00' }, { IsTimestamp: true }));
  t.false(spec({ v: '2012-10-09T19:00:55' }, { IsTimestamp: true }), 'no offset');
  t.false(spec({ v: '2016-12-05 21:29:29Z' }, { IsTimestamp: true }), 'no T');
  t.false(spec({ v: '2016-13-05T21:29:29Z' }, { IsTimestamp: true }), 'month 13');
  t.true(spec({ v: 17 }, { IsTimestamp: false }));
});

test('Timestamp comparisons compare instants across offsets and fractions', (t) => {
  t.true(spec({ v: '2012-10-09T20:00:55+01:00' }, { TimestampEquals: '2012-10-09T19:00:55Z' }));
  t.true(spec({ v: '2012-10-09T19:00:55.5Z' }, { TimestampGreaterThan: '2012-10-09T19:00:55Z' }));
  t.true(spec({ v: '2012-10-09T19:00:55Z', w: '2012-10-09T19:00:55Z' }, { TimestampGreaterThanEqualsPath: '$.w' }));
  t.false(spec({ v: '2012-10-09T19:00:54Z', w: '2012-10-09T19:00:55Z' }, { TimestampGreaterThanEqualsPath: '$.w' }));
});

test('StringLessThanEqualsPath compares by UTF-16 code units like Java', (t) => {
  t.true(spec({ v: 'A', w: 'AB' }, { StringLessThanEqualsPath: '$.w' }));
  t.false(spec({ v: 'a', w: 'B' }, { StringLessThanEqualsPath: '$.w' }), "'a' (97) sorts after 'B' (66)");
});

test('IsPresent is false for a missing path, without failing', (t) => {
  t.false(spec({}, { IsPresent: true }));
  t.true(spec({}, { IsPresent: false }));
  t.true(spec({ v: null }, { IsPresent: true }), 'null is present');
});

test('a missing Variable fails the execution with States.Runtime for other operators', (t) => {
  const e = t.throws(() => spec({}, { NumericEquals: 1 }));
  t.true(isStatesError(e));
  t.like(e, {
    error: 'States.Runtime',
    cause: "Invalid path '$.v': The choice state's condition path references an invalid value.",
  });
});

test('a missing …Path operand fails the same way, naming that path', (t) => {
  t.like(
    t.throws(() => spec({ v: 1 }, { NumericEqualsPath: '$.w' })),
    { error: 'States.Runtime', cause: "Invalid path '$.w': The choice state's condition path references an invalid value." },
  );
});

test('And / Or / Not combine nested rules (scenarios/test_base_scenarios::test_choice_aws_docs_scenario)', (t) => {
  const input = { type: 'Private', value: 22 };
  const notPrivate = { Not: { Variable: '$.type', StringEquals: 'Private' } };
  const twenties = {
    And: [
      { Variable: '$.value', NumericGreaterThanEquals: 20 },
      { Variable: '$.value', NumericLessThan: 30 },
    ],
  };
  t.false(evaluateChoiceRule(notPrivate, scope(input)));
  t.true(evaluateChoiceRule(twenties, scope(input)));
  t.true(evaluateChoiceRule({ Or: [notPrivate, twenties] }, scope(input)));
  t.false(evaluateChoiceRule({ Or: [notPrivate, { Variable: '$.value', NumericEquals: 0 }] }, scope(input)));
});

test('Variable may read the context object (context_object/test_context_object::test_variable)', (t) => {
  const rule = { Variable: '$$.Execution.Input.input-value', NumericLessThanEquals: 0 };
  t.true(evaluateChoiceRule(rule, { input: {}, context: { Execution: { Input: { 'input-value': 0 } } } }));
});

test('Variable may read a workflow variable', (t) => {
  t.true(evaluateChoiceRule({ Variable: '$x.n', NumericEquals: 2 }, { input: {}, context: {}, variables: { x: { n: 2 } } }));
});
