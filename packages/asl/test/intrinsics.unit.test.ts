/**
 * The 18 intrinsic functions, with inputs and outputs recorded on AWS. Case names refer to the
 * conformance corpus: `intrinsic_functions/<file>::<Class>::<test>#<entry>` (a Pass state with
 * `"FunctionResult.$": <expression>`), and `assign/test_assign_reference_variables::
 * test_assign_from_value[BASE_ASSIGN_FROM_INTRINSIC_FUNCTION]` (abbreviated ASSIGN_FROM_INTRINSIC:
 * the same functions evaluated in `Assign` on AWS).
 */
import test from 'ava';
import { evaluateIntrinsic, isStatesError, type EvaluationScope } from '../src/index.js';

const scope = (input: unknown, extra: Partial<EvaluationScope> = {}): EvaluationScope => ({ input, context: {}, ...extra });
const run = (expression: string, input: unknown = {}, extra: Partial<EvaluationScope> = {}) => evaluateIntrinsic(expression, scope(input, extra));

const recorded = test.macro({
  exec(t, _name: string, expression: string, input: unknown, expected: unknown) {
    t.deepEqual(run(expression, input), expected);
  },
  title: (_provided, name: string, expression: string) => `${name}: ${expression}`,
});

const PAIR = (f: string) => `States.${f}($.FunctionInput.fst, $.FunctionInput.snd)`;
const pair = (fst: unknown, snd: unknown) => ({ FunctionInput: { fst, snd } });

const ASSIGN_INPUT = {
  inputArray: [1, 2, 3, 4, 5, 6],
  duplicateArray: [1, 2, 2, 3, 3, 4],
  rawString: 'Hello World',
  encodedString: 'SGVsbG8gV29ybGQ=',
  inputString: 'Hash this string',
  json1: { a: 1, b: 2 },
  json2: { c: 3, d: 4 },
  jsonString: '{"key":"value"}',
  jsonObject: { test: 'object' },
  value1: 5,
  value2: 3,
  csvString: 'a,b,c,d,e',
  name: 'John',
  place: 'LocalStack',
};

const CASES: ReadonlyArray<readonly [string, string, unknown, unknown]> = [
  // States.Array
  ['test_array_0#exec_hist_resp_0', 'States.Array()', { FunctionInput: 'HelloWorld' }, []],
  ['test_array_2#exec_hist_resp_3', PAIR('Array'), pair(null, null), [null, null]],
  ['test_array_2#exec_hist_resp_6', PAIR('Array'), pair('{"Arg1": 1, "Arg2": []}', ' '), ['{"Arg1": 1, "Arg2": []}', ' ']],
  ['ASSIGN_FROM_INTRINSIC simpleArray', "States.Array('a', 'b', 'c')", ASSIGN_INPUT, ['a', 'b', 'c']],
  // States.ArrayPartition
  ['test_array_partition#exec_hist_resp_1', PAIR('ArrayPartition'), pair([], 2), []],
  ['test_array_partition#exec_hist_resp_14', PAIR('ArrayPartition'), pair([0, 1], 5), [[0, 1]]],
  ['test_array_partition#exec_hist_resp_20', PAIR('ArrayPartition'), pair([0, 1, 2, 3], 1), [[0], [1], [2], [3]]],
  ['test_array_partition#exec_hist_resp_22', PAIR('ArrayPartition'), pair([0, 1, 2, 3], 3), [[0, 1, 2], [3]]],
  [
    'ASSIGN_FROM_INTRINSIC partitionedArray',
    'States.ArrayPartition($.inputArray, 2)',
    ASSIGN_INPUT,
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  ],
  // States.ArrayContains
  ['test_array_contains#exec_hist_resp_1', PAIR('ArrayContains'), pair([], []), false],
  ['test_array_contains#exec_hist_resp_4', PAIR('ArrayContains'), pair([[1, 2, 3], 2], [1, 2, 3]), true],
  ['test_array_contains#exec_hist_resp_6', PAIR('ArrayContains'), pair([{ 1: 2, 2: [] }], { 1: 2, 2: [] }), true],
  ['test_array_contains#exec_hist_resp_7', PAIR('ArrayContains'), pair([true, false], true), true],
  ['ASSIGN_FROM_INTRINSIC containsElement', 'States.ArrayContains($.inputArray, 5)', ASSIGN_INPUT, true],
  // States.ArrayRange
  [
    'test_array_range#exec_hist_resp_0',
    'States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)',
    { FunctionInput: { fst: 0, snd: 9, trd: 3 } },
    [0, 3, 6, 9],
  ],
  [
    'test_array_range#exec_hist_resp_1',
    'States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)',
    { FunctionInput: { fst: 0, snd: 10, trd: 3 } },
    [0, 3, 6, 9],
  ],
  ['ASSIGN_FROM_INTRINSIC numberRange', 'States.ArrayRange(1, 10, 2)', ASSIGN_INPUT, [1, 3, 5, 7, 9]],
  // States.ArrayGetItem
  ['test_array_get_item#exec_hist_resp_0', PAIR('ArrayGetItem'), pair([1, 2, 3, 4, 5, 6, 7, 8, 9], 5), 6],
  ['ASSIGN_FROM_INTRINSIC thirdElement', 'States.ArrayGetItem($.inputArray, 2)', ASSIGN_INPUT, 3],
  // States.ArrayLength
  ['test_array_length#exec_hist_resp_0', 'States.ArrayLength($.FunctionInput)', { FunctionInput: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 9],
  [
    'test_array_unique#exec_hist_resp_0 (runs ArrayLength)',
    'States.ArrayLength($.FunctionInput)',
    {
      FunctionInput: [
        null,
        null,
        true,
        true,
        false,
        false,
        1,
        1,
        1.1,
        0,
        0,
        'HelloWorld',
        'HelloWorld',
        [],
        [],
        [null],
        [null],
        { a: 1, b: 2 },
        { a: 1, b: 2 },
        { a: 1, b: 1 },
      ],
    },
    20,
  ],
  // States.ArrayUnique
  ['ASSIGN_FROM_INTRINSIC uniqueValues', 'States.ArrayUnique($.duplicateArray)', ASSIGN_INPUT, [1, 2, 3, 4]],
  // States.Base64Encode / Base64Decode
  ['test_base_64_encode#exec_hist_resp_0', 'States.Base64Encode($.FunctionInput)', { FunctionInput: '' }, ''],
  ['test_base_64_encode#exec_hist_resp_1', 'States.Base64Encode($.FunctionInput)', { FunctionInput: 'Data to encode' }, 'RGF0YSB0byBlbmNvZGU='],
  ['test_base_64_decode#exec_hist_resp_0', 'States.Base64Decode($.FunctionInput)', { FunctionInput: '' }, ''],
  ['ASSIGN_FROM_INTRINSIC decoded', 'States.Base64Decode($.encodedString)', ASSIGN_INPUT, 'Hello World'],
  // States.Hash
  ['test_hash#exec_hist_resp_1', PAIR('Hash'), pair('input data', 'SHA-1'), 'aaff4a450a104cd177d28d18d74485e8cae074b7'],
  ['test_hash#exec_hist_resp_2', PAIR('Hash'), pair('input data', 'SHA-256'), 'b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3'],
  [
    'test_hash#exec_hist_resp_3',
    PAIR('Hash'),
    pair('input data', 'SHA-384'),
    'd28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562',
  ],
  [
    'ASSIGN_FROM_INTRINSIC hashValue',
    "States.Hash($.inputString, 'SHA-256')",
    ASSIGN_INPUT,
    '1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e',
  ],
  // States.JsonMerge
  [
    'test_json_merge#exec_hist_resp_0',
    'States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)',
    pair({ a: { a1: 1, a2: 2 }, b: 2, d: 3 }, { a: { a3: 1, a4: 2 }, c: 3, d: 4 }),
    { a: { a3: 1, a4: 2 }, b: 2, c: 3, d: 4 },
  ],
  ['ASSIGN_FROM_INTRINSIC mergedJson', 'States.JsonMerge($.json1, $.json2, false)', ASSIGN_INPUT, { a: 1, b: 2, c: 3, d: 4 }],
  // States.StringToJson
  ['test_string_to_json#exec_hist_resp_1', 'States.StringToJson($.FunctionInput)', { FunctionInput: ' ' }, null],
  ['test_string_to_json#exec_hist_resp_3', 'States.StringToJson($.FunctionInput)', { FunctionInput: '-0' }, 0],
  ['test_string_to_json#exec_hist_resp_5', 'States.StringToJson($.FunctionInput)', { FunctionInput: '1.1' }, 1.1],
  ['test_string_to_json#exec_hist_resp_7', 'States.StringToJson($.FunctionInput)', { FunctionInput: '"HelloWorld"' }, 'HelloWorld'],
  ['test_string_to_json#exec_hist_resp_9', 'States.StringToJson($.FunctionInput)', { FunctionInput: '{"Arg1": 1, "Arg2": []}' }, { Arg1: 1, Arg2: [] }],
  // States.JsonToString
  ['test_json_to_string#exec_hist_resp_0', 'States.JsonToString($.FunctionInput)', { FunctionInput: null }, 'null'],
  ['test_json_to_string#exec_hist_resp_5', 'States.JsonToString($.FunctionInput)', { FunctionInput: 'HelloWorld' }, '"HelloWorld"'],
  ['test_json_to_string#exec_hist_resp_6', 'States.JsonToString($.FunctionInput)', { FunctionInput: [1, 2, 'HelloWorld'] }, '[1,2,"HelloWorld"]'],
  ['test_json_to_string#exec_hist_resp_7', 'States.JsonToString($.FunctionInput)', { FunctionInput: { Arg1: 1, Arg2: [] } }, '{"Arg1":1,"Arg2":[]}'],
  // States.MathAdd: each argument rounded half up, Java style
  ['test_math_add#exec_hist_resp_0', PAIR('MathAdd'), pair(-9, 3), -6],
  ['test_math_add#exec_hist_resp_1', PAIR('MathAdd'), pair(1.49, 1.5), 3],
  ['test_math_add#exec_hist_resp_4', PAIR('MathAdd'), pair(-1.5, -1.51), -3],
  ['test_math_add#exec_hist_resp_10', PAIR('MathAdd'), pair(-1.5, 0), -1],
  ['test_math_add#exec_hist_resp_12', PAIR('MathAdd'), pair(0.5, 0), 1],
  ['test_math_add#exec_hist_resp_17', PAIR('MathAdd'), pair(-0.5, 0), 0],
  ['test_math_add#exec_hist_resp_19', PAIR('MathAdd'), pair(-2.5, 0), -2],
  ['test_math_add#exec_hist_resp_20', PAIR('MathAdd'), pair(-3.5, 0), -3],
  // States.StringSplit: any delimiter character, empty pieces dropped
  ['test_string_split#exec_hist_resp_1', PAIR('StringSplit'), pair(' , ', ','), [' ', ' ']],
  ['test_string_split#exec_hist_resp_3', PAIR('StringSplit'), pair(',,,,', ','), []],
  ['test_string_split#exec_hist_resp_5', PAIR('StringSplit'), pair('This.is+a,test=string', '.+,='), ['This', 'is', 'a', 'test', 'string']],
  ['test_string_split#exec_hist_resp_6', PAIR('StringSplit'), pair('split on T and \nnew line', 'T\n'), ['split on ', ' and ', 'new line']],
  ['test_escape_sequence#exec_hist_resp_0', "States.StringSplit('Hello\nWorld', '\n')", {}, ['Hello', 'World']],
  // States.Format
  ['test_format_1#exec_hist_resp_0', "States.Format('Formatting argument {}.', $.FunctionInput)", { FunctionInput: '' }, 'Formatting argument .'],
  ['test_format_1#exec_hist_resp_4', "States.Format('Formatting argument {}.', $.FunctionInput)", { FunctionInput: 1 }, 'Formatting argument 1.'],
  ['test_format_1#exec_hist_resp_5', "States.Format('Formatting argument {}.', $.FunctionInput)", { FunctionInput: 1.1 }, 'Formatting argument 1.1.'],
  [
    'test_format_2#exec_hist_resp_3',
    "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)",
    pair(null, null),
    'Formatting arguments fst=null and snd=null.',
  ],
  [
    'test_format_2#exec_hist_resp_6',
    "States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)",
    pair('{"Arg1": 1, "Arg2": []}', 'x'),
    'Formatting arguments fst={"Arg1": 1, "Arg2": []} and snd=x.',
  ],
  ['ASSIGN_FROM_INTRINSIC formattedString', "States.Format('Hello {}, welcome to {}!', $.name, $.place)", ASSIGN_INPUT, 'Hello John, welcome to LocalStack!'],
];

for (const row of CASES) test(recorded, ...row);

test('States.Format renders objects the Java way (test_generic::test_context_json_path#exec_hist_resp_0)', (t) => {
  const context = { Execution: { Name: 'exec' }, StateMachine: { Id: 'arn:aws:states:r:1:stateMachine:sm', Name: 'sm' } };
  t.is(
    evaluateIntrinsic("States.Format('Formatting arguments fst={} and snd={}.', $$.Execution.Name, $$.StateMachine)", { input: {}, context }),
    'Formatting arguments fst=exec and snd={Id=arn:aws:states:r:1:stateMachine:sm, Name=sm}.',
  );
  t.is(run("States.Format('{}', $.a)", { a: [1, 'x', { b: null }] }), '[1, x, {b=null}]');
});

test('States.Format: escaped braces are literal and do not count as placeholders', (t) => {
  t.is(run("States.Format('\\{\\} {} \\'q\\' \\\\', $.a)", { a: 'v' }), "{} v 'q' \\");
});

test('nested calls (test_generic::test_nested_calls_1#exec_hist_resp_0)', (t) => {
  const context = { StateMachine: { Name: 'machine-name' } };
  t.is(evaluateIntrinsic("States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)", { input: {}, context }), 'machine');
});

test('nested StringToJson of an escaped literal (test_json_manipulation::test_json_merge_escaped_argument)', (t) => {
  const context = { Execution: { Input: { input_field: { constant_input_field: 'constant_value' } } } };
  t.deepEqual(
    evaluateIntrinsic('States.JsonMerge(States.StringToJson(\'{"constant_in_literal": "false"}\'), $$.Execution.Input.input_field, false)', {
      input: {},
      context,
    }),
    { constant_in_literal: 'false', constant_input_field: 'constant_value' },
  );
});

test('States.MathRandom without a seed draws from scope.random in [start, end) (test_math_random)', (t) => {
  t.is(run('States.MathRandom($.a, $.b)', { a: 9999, b: 99999 }, { random: () => 0 }), 9999);
  t.is(run('States.MathRandom($.a, $.b)', { a: 9999, b: 99999 }, { random: () => 0.999999999 }), 99998);
  t.is(run('States.MathRandom(12.5, 44.51)', {}, { random: () => 0 }), 12, 'bounds are cast to int');
});

test('States.MathRandom with a seed is repeatable and matches java.util.Random (test_math_random_seeded)', (t) => {
  // new java.util.Random(3).nextInt(999) == 239 (checked on OpenJDK 17).
  t.is(run('States.MathRandom(0, 999, 3)'), 239);
  t.is(run('States.MathRandom(1, 10, -10)'), 1);
});

test('States.UUID() comes from scope.uuid', (t) => {
  t.is(run('States.UUID()', {}, { uuid: () => '0b1e6c4c-4f7b-4c36-9ab9-5d3c0f9c2e11' }), '0b1e6c4c-4f7b-4c36-9ab9-5d3c0f9c2e11');
});

const invalid = test.macro({
  exec(t, expression: string, input: unknown, name: string) {
    const e = t.throws(() => run(expression, input));
    t.true(isStatesError(e));
    t.like(e, { error: 'States.Runtime', cause: `Invalid arguments in ${name}` });
  },
  title: (_p, expression: string) => `fails with Invalid arguments: ${expression}`,
});

// Third-party executions on AWS fail these with States.Runtime and "Invalid arguments in States.X".
test(invalid, 'States.MathAdd($.a, 1)', { a: 'NOT A NUMBER' }, 'States.MathAdd');
test(invalid, 'States.StringToJson($.a)', { a: '{not json' }, 'States.StringToJson');
test(invalid, "States.Format('{} {}', $.a)", { a: 1 }, 'States.Format');
test(invalid, 'States.ArrayGetItem($.a, 3)', { a: [1, 2, 3] }, 'States.ArrayGetItem');
test(invalid, 'States.ArrayPartition($.a, 0)', { a: [1] }, 'States.ArrayPartition');
test(invalid, 'States.ArrayRange(0, 2000, 1)', {}, 'States.ArrayRange');
test(invalid, 'States.ArrayRange(0, 10, 0)', {}, 'States.ArrayRange');
test(invalid, 'States.MathRandom(1.4, 1.6)', {}, 'States.MathRandom');
test(invalid, 'States.JsonMerge($.a, $.b, true)', { a: {}, b: {} }, 'States.JsonMerge');
test(invalid, "States.Hash($.a, 'SHA-999')", { a: 'x' }, 'States.Hash');
test(invalid, 'States.Base64Decode($.a)', { a: 'not base64!' }, 'States.Base64Decode');
test(invalid, 'States.Base64Encode($.a)', { a: 'x'.repeat(10_001) }, 'States.Base64Encode');
test(invalid, 'States.ArrayLength($.a)', { a: 'abc' }, 'States.ArrayLength');

test('a path argument that selects nothing fails with States.Runtime', (t) => {
  t.like(
    t.throws(() => evaluateIntrinsic("States.Format('{}', $.missing)", scope({ a: 1 }), 'x.$')),
    { error: 'States.Runtime', cause: `The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{"a":1}'` },
  );
});
