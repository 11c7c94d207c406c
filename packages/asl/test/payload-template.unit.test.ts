/**
 * Payload templates (Parameters, ResultSelector, ItemSelector). Case names refer to the
 * conformance corpus (executions recorded on AWS).
 */
import test from 'ava';
import { evaluateFieldExpression, evaluatePayloadTemplate, type EvaluationScope } from '../src/index.js';

const scope = (input: unknown, context: unknown = {}): EvaluationScope => ({ input, context });

test('`.$` keys take a path and lose the suffix (base/test_base::test_json_path_array_access[$.items[0]])', (t) => {
  t.deepEqual(evaluatePayloadTemplate({ 'item.$': '$.items[0]' }, scope({ items: [{ item_key: 0 }, { item_key: 1 }] })), {
    item: { item_key: 0 },
  });
});

test('other values are literals, kept as they are (comments::test_comment_in_parameters)', (t) => {
  const template = { Comment: 'Comment text', comment: 'comment text', constant: 'constant text' };
  t.deepEqual(evaluatePayloadTemplate(template, scope({})), template);
});

test('literal strings that look like paths stay strings (scenarios::test_escape_sequence_parsing[ESCAPE_SEQUENCES_STRING_LITERALS])', (t) => {
  const template = { literal_single_quote: "'", not_a_path: '$.x', escaped: 'An escaped quote: \\"hello\\"' };
  t.deepEqual(evaluatePayloadTemplate(template, scope({})), template);
});

test('templates are evaluated recursively in objects and arrays', (t) => {
  const template = { a: { 'b.$': '$.x', c: [{ 'd.$': '$.y' }, 1, 'lit'] }, 'n.$': 'States.MathAdd($.x, 1)' };
  t.deepEqual(evaluatePayloadTemplate(template, scope({ x: 1, y: 'why' })), { a: { b: 1, c: [{ d: 'why' }, 1, 'lit'] }, n: 2 });
});

test('`.$` keys read the context object (base/test_base::test_query_context_object_values)', (t) => {
  const context = { Execution: { Id: 'arn:x', Input: { message: 'TestMessage' } }, State: { Name: 'QueryValues1' } };
  t.deepEqual(evaluatePayloadTemplate({ 'execution_id.$': '$$.Execution.Id', 'state_name.$': '$$.State.Name', 'context_object.$': '$$' }, scope({}, context)), {
    execution_id: 'arn:x',
    state_name: 'QueryValues1',
    context_object: context,
  });
});

test('an indefinite path on missing data gives [] (base/test_base::test_json_path_array_wildcard_or_slice_with_no_input[$.items[*]])', (t) => {
  t.deepEqual(evaluatePayloadTemplate({ 'item.$': '$.items[*]' }, scope({})), { item: [] });
});

test('filters in templates (base/test_base::test_state_pass_regex_json_path_base)', (t) => {
  const input = {
    users: [
      { year: 1997, status: 0 },
      { year: 1998, status: 1 },
    ],
  };
  t.deepEqual(evaluatePayloadTemplate({ 'FromInput.$': '$.users[?(@.status == 0)]' }, scope(input)), {
    FromInput: [{ year: 1997, status: 0 }],
  });
});

test("a path that selects nothing fails with AWS's cause (scenarios::test_invalid_jsonpath[INVALID_JSONPATH_IN_STRING_EXPR_CONTEXTPATH])", (t) => {
  const e = t.throws(() =>
    evaluatePayloadTemplate({ 'value.$': '$$.Execution.Input.no_such_jsonpath' }, scope({ 'int-literal': 0 }, { Execution: { Input: { 'int-literal': 0 } } })),
  );
  t.like(e, {
    error: 'States.Runtime',
    cause: `The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`,
  });
});

test('a path on a null input fails with "Unable to apply Path transformation to null or empty input."', (t) => {
  t.like(
    t.throws(() => evaluatePayloadTemplate({ 'Input.$': '$' }, scope(null))),
    {
      error: 'States.Runtime',
      cause: 'Unable to apply Path transformation to null or empty input.',
    },
  );
});

test('Fail ErrorPath/CausePath take paths or intrinsics (base/test_base::test_state_fail_intrinsic, context_object::test_error_cause_path)', (t) => {
  const s = scope({ Error: 'error string', Cause: 'cause string' }, { State: { Name: 'StartState' } });
  t.is(evaluateFieldExpression("States.Format('{}', $.Error)", s, 'ErrorPath'), 'error string');
  t.is(
    evaluateFieldExpression("States.Format('This is a custom error message for {}, caused by {}.', $.Error, $.Cause)", s, 'CausePath'),
    'This is a custom error message for error string, caused by cause string.',
  );
  t.is(evaluateFieldExpression('$$.State.Name', s, 'ErrorPath'), 'StartState');
});

test('a missing ErrorPath names the field without `.$` (scenarios::test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH])', (t) => {
  t.like(
    t.throws(() => evaluateFieldExpression('$.ErrorX', scope({ Error: 'error-value' }), 'ErrorPath')),
    {
      error: 'States.Runtime',
      cause: `The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"Error":"error-value"}'`,
    },
  );
});

test('a `__proto__` key stays data', (t) => {
  const out = evaluatePayloadTemplate(JSON.parse('{"__proto__.$": "$.a"}'), scope({ a: { polluted: true } })) as object;
  t.deepEqual(Object.keys(out), ['__proto__']);
  t.is(Object.getPrototypeOf(out), Object.prototype);
});
