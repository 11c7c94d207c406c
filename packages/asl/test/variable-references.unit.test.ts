import test from 'ava';
import { variableReferences } from '../src/definition/index.js';

// Expected values are DescribeStateMachine's `variableReferences` as AWS recorded them (LocalStack's
// test_sfn_api_variable_references snapshot, Nov 2024), unless a test says it is inferred.

const machine = (States: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...extra, StartAt: Object.keys(States)[0], States });

test('a `.$` template value reads a variable; the same text under a plain key does not', (t) => {
  const d = machine({
    State0: { Type: 'Pass', Parameters: { result: '$result' }, Assign: { result: 'foobar' }, Next: 'State1' },
    State1: { Type: 'Pass', ResultPath: '$.result', Parameters: { 'result.$': '$result' }, End: true },
  });
  t.deepEqual(variableReferences(d), { State1: ['result'] });
});

test('Choice rules: Variable and …Path operands; an Assign reading a variable; names sorted', (t) => {
  const d = machine({
    Setup: { Type: 'Pass', Assign: { guess: 'the_guess', answer: 'the_answer' }, Next: 'CheckAnswer' },
    CheckAnswer: { Type: 'Choice', Choices: [{ Variable: '$guess', StringEqualsPath: '$answer', Next: 'CorrectAnswer' }], Default: 'WrongAnswer' },
    CorrectAnswer: { Type: 'Pass', Result: { state: 'CORRECT' }, End: true },
    WrongAnswer: { Type: 'Pass', Assign: { 'guess.$': '$answer' }, Result: { state: 'WRONG' }, Next: 'CheckAnswer' },
  });
  t.deepEqual(variableReferences(d), { CheckAnswer: ['answer', 'guess'], WrongAnswer: ['answer'] });
});

test('intrinsic arguments, nested calls, inside nested Maps under the inner state’s own name', (t) => {
  const d = machine({
    Input: { Type: 'Pass', Assign: { bias: 4.3 }, Next: 'IterateLevels' },
    IterateLevels: {
      Type: 'Map',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'AssignCurrentVector',
        States: {
          AssignCurrentVector: { Type: 'Pass', Assign: { 'xCurrent.$': '$[0]', 'yCurrent.$': '$[1]', 'zCurrent.$': '$[2]' }, Next: 'Calculate' },
          Calculate: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'INLINE' },
              StartAt: 'Summate',
              States: {
                Summate: {
                  Type: 'Pass',
                  Assign: { 'Sum.$': 'States.MathAdd(States.MathAdd(States.MathAdd($yCurrent, $xCurrent), $zCurrent), $bias)' },
                  End: true,
                },
              },
            },
            End: true,
          },
        },
      },
      End: true,
    },
  });
  t.deepEqual(variableReferences(d), { Summate: ['bias', 'xCurrent', 'yCurrent', 'zCurrent'] });
});

test('path fields: ErrorPath/CausePath, ItemsPath, MaxConcurrencyPath, ToleratedFailure…Path', (t) => {
  t.deepEqual(
    variableReferences(
      machine({ P: { Type: 'Pass', Assign: { e: 1 }, Next: 'Fail' }, Fail: { Type: 'Fail', CausePath: '$causeVar', ErrorPath: '$errorVar' } }),
    ),
    {
      Fail: ['causeVar', 'errorVar'],
    },
  );
  const map = (fields: Record<string, unknown>) =>
    machine({
      MapState: {
        Type: 'Map',
        ...fields,
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'H', States: { H: { Type: 'Pass', End: true } } },
        End: true,
      },
    });
  t.deepEqual(variableReferences(map({ ItemsPath: '$PokemonList' })), { MapState: ['PokemonList'] });
  t.deepEqual(variableReferences(map({ ItemsPath: '$.Values', MaxConcurrencyPath: '$maxConcurrency' })), { MapState: ['maxConcurrency'] });
  t.deepEqual(variableReferences(map({ ToleratedFailurePercentagePath: '$toleratedFailurePercentage', ToleratedFailureCountPath: '$toleratedFailureCount' })), {
    MapState: ['toleratedFailureCount', 'toleratedFailurePercentage'],
  });
});

test('no reads at all: no variableReferences (Assign from the input or the result only)', (t) => {
  const d = machine({
    State0: { Type: 'Pass', Parameters: { input: 'PENDING' }, Assign: { 'result.$': '$.input' }, Next: 'State1' },
    State1: { Type: 'Pass', Assign: { result: 'SUCCESS', 'originalResult.$': '$.input' }, End: true },
  });
  t.is(variableReferences(d), undefined);
  t.is(
    variableReferences(
      machine({
        M: {
          Type: 'Map',
          ItemSelector: { 'value.$': '$$.Map.Item.Value', bucketName: '$bucket' },
          ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } },
          End: true,
        },
      }),
    ),
    undefined,
  );
});

test('JSONata (inferred from the same rule): free variables only, not $states, functions or names the expression binds', (t) => {
  const d = machine(
    {
      A: { Type: 'Pass', Assign: { total: 1, items: [1] }, Next: 'B' },
      B: {
        Type: 'Pass',
        Output: '{% ($n := $count($items); $map($items, function($v) { $v + $total + $n }) ~> $string) %}',
        Assign: { seen: '{% $states.input.a & $label %}' },
        End: true,
      },
    },
    { QueryLanguage: 'JSONata' },
  );
  t.deepEqual(variableReferences(d), { B: ['items', 'label', 'total'] });
});
