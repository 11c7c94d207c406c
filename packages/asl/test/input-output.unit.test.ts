/**
 * InputPath, ResultPath, OutputPath. Case names refer to the conformance corpus (executions
 * recorded on AWS); "fact sheet" is the workplace's shared aws-facts.md §4.1.
 */
import test from 'ava';
import { applyInputPath, applyOutputPath, applyResultPath, type EvaluationScope } from '../src/index.js';

const context = { Execution: { Input: { 'input-value': 0 } }, State: { Name: 'TestState' } };
const scope: EvaluationScope = { input: 'unused: the functions take the value to filter', context };

test('InputPath: undefined means $, null means {} (fact sheet §4.1)', (t) => {
  t.deepEqual(applyInputPath(undefined, { a: 1 }, scope), { a: 1 });
  t.deepEqual(applyInputPath('$', { a: 1 }, scope), { a: 1 });
  t.deepEqual(applyInputPath(null, { a: 1 }, scope), {});
  t.deepEqual(applyInputPath('$.a', { a: { b: 1 } }, scope), { b: 1 });
});

test('InputPath $$ selects the context object (context_object::test_input_path[$$])', (t) => {
  t.deepEqual(applyInputPath('$$', { 'input-value': 0 }, scope), context);
});

test('InputPath that selects nothing fails (scenarios::test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_INPUTPATH])', (t) => {
  t.like(
    t.throws(() => applyInputPath('$.NoSuchInputPath', { 'int-literal': 0 }, scope)),
    {
      error: 'States.Runtime',
      cause: "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']",
    },
  );
});

test('the default $ passes a null input through; other paths on null fail', (t) => {
  t.is(applyInputPath(undefined, null, scope), null);
  t.like(
    t.throws(() => applyInputPath('$.a', null, scope)),
    { cause: 'Unable to apply Path transformation to null or empty input.' },
  );
});

test('OutputPath: undefined means $, null means {} (fact sheet §4.1)', (t) => {
  t.deepEqual(applyOutputPath(undefined, [1], scope), [1]);
  t.deepEqual(applyOutputPath(null, [1], scope), {});
  t.deepEqual(applyOutputPath('$.result_path.merged', { result_path: { merged: { k: 'v' } } }, scope), { k: 'v' });
});

test('OutputPath $$.Execution.Input (context_object::test_output_path[$$.Execution.Input])', (t) => {
  t.deepEqual(applyOutputPath('$$.Execution.Input', { 'input-value': 0 }, scope), { 'input-value': 0 });
});

test('OutputPath that selects nothing fails (scenarios::test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_OUTPUTPATH])', (t) => {
  t.like(
    t.throws(() => applyOutputPath('$.NoSuchOutputPath', { 'int-literal': 0 }, scope)),
    {
      error: 'States.Runtime',
      cause: "Invalid path '$.NoSuchOutputPath' : No results for path: $['NoSuchOutputPath']",
    },
  );
});

test('OutputPath with a missing intermediate property (scenarios::test_catch_states_runtime)', (t) => {
  t.like(
    t.throws(() => applyOutputPath('$.no.such.result.path', {}, scope)),
    {
      error: 'States.Runtime',
      cause: "Invalid path '$.no.such.result.path' : Missing property in path $['no']",
    },
  );
});

test('ResultPath: null keeps the raw input, undefined and $ take the result', (t) => {
  t.deepEqual(applyResultPath(null, { a: 1 }, 'r'), { a: 1 });
  t.is(applyResultPath(undefined, { a: 1 }, 'r'), 'r');
  t.is(applyResultPath('$', { a: 1 }, 'r'), 'r');
});

test('ResultPath merges into a copy of the raw input (base/test_base::test_query_context_object_values)', (t) => {
  const raw = { message: 'TestMessage' };
  const out = applyResultPath('$.query_values_1', raw, { state_name: 'QueryValues1' });
  t.deepEqual(out, { message: 'TestMessage', query_values_1: { state_name: 'QueryValues1' } });
  t.deepEqual(raw, { message: 'TestMessage' }, 'the raw input is not modified');
});

test('ResultPath creates missing objects and overwrites existing members', (t) => {
  t.deepEqual(applyResultPath('$.a.b.c', { x: 1 }, 2), { x: 1, a: { b: { c: 2 } } });
  t.deepEqual(applyResultPath('$.a.b', { a: { b: 1, k: 0 } }, 2), { a: { b: 2, k: 0 } });
  t.deepEqual(applyResultPath("$['a'][1]", { a: [0, 1, 2] }, 'x'), { a: [0, 'x', 2] });
});

test("ResultPath into a non-object fails with States.Runtime (aws/aws-cdk#29473 shows AWS's text)", (t) => {
  t.like(
    t.throws(() => applyResultPath('$.partitioned', '{"min_size":10000}', 1)),
    {
      error: 'States.Runtime',
      cause: 'Unable to apply ReferencePath $.partitioned to input "{\\"min_size\\":10000}"',
    },
  );
  t.throws(() => applyResultPath('$.a.b', { a: 5 }, 1));
});

test('ResultPath must be a reference path', (t) => {
  t.throws(() => applyResultPath('$.a[*]', {}, 1), { message: /not a reference path/ });
  t.throws(() => applyResultPath('$$.a', {}, 1), { message: /not a reference path/ });
});
