/**
 * Static validation of definitions: one test per rule family, each asserting the exact
 * diagnostics (code, message, location). Where the row is AWS's recorded answer the comment
 * names the recording; the sources of every text are in `src/definition/messages.ts`.
 */
import test from 'ava';
import { describeDiagnostics, parseDefinition, type Diagnostic } from '../src/definition/index.js';

type Expected = readonly [code: string, message: string, location: string];

const SVF = 'SCHEMA_VALIDATION_FAILED';
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

/** A machine whose first state is its StartAt. */
const machine = (states: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  StartAt: Object.keys(states)[0],
  States: states,
  ...top,
});

/** A one-state machine around `state` (given `End: true` unless it is terminal already). */
const single = (state: Record<string, unknown>, top: Record<string, unknown> = {}) =>
  machine({ S: ['Choice', 'Succeed', 'Fail'].includes(state['Type'] as string) ? state : { End: true, ...state } }, top);

const diagnose = (definition: unknown): readonly Expected[] =>
  parseDefinition(typeof definition === 'string' ? definition : JSON.stringify(definition)).diagnostics.map((d: Diagnostic): Expected => [
    d.code,
    d.message,
    d.location,
  ]);

test('structure: AWS wording for missing fields, unknown types and fields, empty text, and locations', (t) => {
  // rec: test_sfn_api_validation EMPTY_DICT, EMPTY_STRING.
  t.deepEqual(diagnose({}), [[SVF, 'These fields are required: [States, StartAt]', '/']]);
  t.deepEqual(diagnose(''), [[SVF, 'Definition must be a valid JSON object', '']]);
  t.deepEqual(diagnose('[]'), [[SVF, 'Definition must be a valid JSON object', '']]);
  // rec: test_test_state_machine_scenarios test_state_name_invalid_state_definition.
  t.deepEqual(diagnose(machine({ S: { Type: 'Nope' }, E: { Type: 'Succeed' } })).slice(0, 1), [
    [SVF, "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]", '/States/S/Type'],
  ]);
  // measured (floci-io/floci#2735): at the state, for Retry/Catch/TimeoutSeconds on types without them.
  t.deepEqual(diagnose(single({ Type: 'Pass', Retry: [], TimeoutSeconds: 1 })), [
    [SVF, "Field 'Retry' is not supported", '/States/S'],
    [SVF, "Field 'TimeoutSeconds' is not supported", '/States/S'],
  ]);
  // measured: a location-less diagnostic prints `at null` in CreateStateMachine's message.
  const loop = parseDefinition(JSON.stringify(machine({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } })));
  t.is(describeDiagnostics(loop.diagnostics), 'MISSING_END_STATE: Workflow has no terminal state at null');
});

test('paths: JSONPath for InputPath/OutputPath, reference paths elsewhere, null where allowed', (t) => {
  // measured (cfn-lint#4078).
  t.deepEqual(diagnose(single({ Type: 'Pass', OutputPath: 'Test' })), [[SVF, 'Value must be a valid JSONPath.', '/States/S/OutputPath']]);
  t.deepEqual(diagnose(single({ Type: 'Pass', InputPath: '$.a[', OutputPath: null, ResultPath: null })), [
    [SVF, 'Value must be a valid JSONPath.', '/States/S/InputPath'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass', InputPath: '$.items[?(@.n > 1)]', ResultPath: '$.a[*]' })), [
    [SVF, 'Value is not a Reference Path', '/States/S/ResultPath'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass', ResultPath: '$$.Execution.Id' })), [[SVF, 'Value is not a Reference Path', '/States/S/ResultPath']]);
  t.deepEqual(diagnose(single({ Type: 'Pass', ResultPath: 'result' })), [
    [SVF, "Value is not a Reference Path: Reference path didn't start with '$'", '/States/S/ResultPath'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Wait', SecondsPath: 7 })), [[SVF, 'Expected value of type String', '/States/S/SecondsPath']]);
  // measured (floci-io/floci#3733): only ItemsPath may read the context object.
  const processor = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
  t.deepEqual(diagnose(single({ Type: 'Map', ItemsPath: '$$.Execution.Input.items', MaxConcurrencyPath: '$$.Execution.Input.n', ItemProcessor: processor })), [
    [SVF, 'Value is not a Reference Path', '/States/S/MaxConcurrencyPath'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Fail', ErrorPath: "States.Format('e{}', $.a)", CausePath: '$.c[0]' })), []);
  t.deepEqual(diagnose(single({ Type: 'Fail', ErrorPath: 'oops' })), [
    [SVF, 'Value must be a valid reference path or a valid intrinsic function call', '/States/S/ErrorPath'],
  ]);
});

test('payload templates: `.$` values are paths or intrinsic calls, reported at the template; Credentials name a role', (t) => {
  const message = (key: string) => `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`;
  // rec: test_base_scenarios test_illegal_escapes (\" is no intrinsic escape).
  t.deepEqual(diagnose(single({ Type: 'Pass', Parameters: { 'parsed.$': 'States.StringToJson(\'{"text":"An \\"escaped\\" quote"}\')' } })), [
    [SVF, message('parsed.$'), '/States/S/Parameters'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass', Parameters: { ok: { 'a.$': '$.vals[3:]', list: [{ 'b.$': 'nope' }] }, 'c.$': 3 } })), [
    [SVF, message('b.$'), '/States/S/Parameters'],
    [SVF, message('c.$'), '/States/S/Parameters'],
  ]);
  // measured (cfn-lint#4085): Assign in a JSONPath state.
  t.deepEqual(diagnose(single({ Type: 'Pass', Assign: { 'Variable.$': 'Test' } })), [[SVF, message('Variable.$'), '/States/S/Assign']]);
  const nest = (n: number): string => (n === 0 ? "'x'" : `States.Array(${nest(n - 1)})`);
  t.deepEqual(diagnose(single({ Type: 'Pass', Parameters: { 'ten.$': nest(10) } })), []);
  t.deepEqual(diagnose(single({ Type: 'Pass', Parameters: { 'eleven.$': nest(11) } })), [[SVF, message('eleven.$'), '/States/S/Parameters']]);
  t.deepEqual(diagnose(single({ Type: 'Task', Resource: LAMBDA, ResultSelector: { 'n.$': 'States.Nope()' } })), [
    [SVF, message('n.$'), '/States/S/ResultSelector'],
  ]);
  // A JSONata state has no `.$` keys to check (its own rules are elsewhere).
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'JSONata', Output: { 'a.$': 'nope' } })), []);
  // rec: test_credentials_base, for {} and for an unknown field only, in a JSONata machine.
  t.deepEqual(diagnose(single({ Type: 'Task', Resource: LAMBDA, Credentials: { InvalidField: 'x' } }, { QueryLanguage: 'JSONata' })), [
    [SVF, "The field 'RoleArn' is required but was missing", '/States/S/Credentials'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Task', Resource: LAMBDA, Credentials: { 'RoleArn.$': '$$.Execution.Input.role' } })), []);
});

test('choice rules: one operator, a Variable reference path, typed operands, no Next inside And/Or/Not', (t) => {
  const choice = (...rules: unknown[]) => machine({ C: { Type: 'Choice', Choices: rules, Default: 'D' }, D: { Type: 'Succeed' } });
  // measured (cfn-lint#4076).
  t.deepEqual(diagnose(choice({ Variable: 'Test', StringMatches: 'Test', Next: 'D' })), [
    [SVF, "Value is not a Reference Path: Reference path didn't start with '$'", '/States/C/Choices[0]/Variable'],
  ]);
  t.deepEqual(
    diagnose(
      choice(
        { Variable: '$.a', StringEquals: 1, Next: 'D' },
        { Variable: '$.a', NumericLessThan: '1', Next: 'D' },
        { Variable: '$.a', IsPresent: 'yes', Next: 'D' },
        { Variable: '$.a', TimestampEquals: '2016-03-14 01:59:00Z', Next: 'D' },
        { Variable: '$.a', StringEqualsPath: '$.b[*]', Next: 'D' },
      ),
    ),
    [
      [SVF, 'Expected value of type String', '/States/C/Choices[0]/StringEquals'],
      [SVF, 'Expected value of type Number', '/States/C/Choices[1]/NumericLessThan'],
      [SVF, 'Expected value of type Boolean', '/States/C/Choices[2]/IsPresent'],
      [SVF, 'String does not match RFC3339 timestamp', '/States/C/Choices[3]/TimestampEquals'],
      [SVF, 'Value is not a Reference Path', '/States/C/Choices[4]/StringEqualsPath'],
    ],
  );
  t.deepEqual(
    diagnose(
      choice(
        { Variable: '$.a', Next: 'D' },
        { Variable: '$.a', StringEquals: 'x', NumericEquals: 1, Next: 'D' },
        { StringEquals: 'x', Next: 'D' },
        { And: [], Next: 'D' },
        { Or: [{ Variable: '$.a', IsNull: true, Next: 'D' }], Next: 'D' },
        { Not: { Variable: '$$.Execution.Name', StringEquals: 'x', Extra: 1 }, Next: 'D' },
      ),
    ),
    [
      [SVF, 'A Choice rule must have exactly one comparison operator, or one of And, Or, Not', '/States/C/Choices[0]'],
      [SVF, 'There should only be one of the following fields: [StringEquals, NumericEquals]', '/States/C/Choices[1]'],
      [SVF, 'These fields are required: [Variable]', '/States/C/Choices[2]'],
      [SVF, 'Value cannot be empty', '/States/C/Choices[3]/And'],
      [SVF, "Field 'Next' is not supported", '/States/C/Choices[4]/Or[0]'],
      [SVF, "Field 'Extra' is not supported", '/States/C/Choices[5]/Not'],
    ],
  );
  // A top-level rule without Next keeps its own diagnostic (measured, cfn-lint#4077).
  t.deepEqual(diagnose(choice({ Variable: '$', StringMatches: 'Test' })), [[SVF, 'These fields are required: [Next]', '/States/C/Choices[0]']]);
});

test('retry and catch: ErrorEquals, States.ALL alone and last, retrier bounds, catcher Next and ResultPath', (t) => {
  const task = (extra: Record<string, unknown>) => machine({ T: { Type: 'Task', Resource: LAMBDA, End: true, ...extra }, H: { Type: 'Succeed' } });
  t.deepEqual(
    diagnose(
      task({
        Retry: [
          { ErrorEquals: ['States.ALL', 'Custom'], IntervalSeconds: 0, MaxAttempts: -1, BackoffRate: 0.5, MaxDelaySeconds: 31622401, JitterStrategy: 'HALF' },
          { ErrorEquals: [], Comment: 'ok', Unknown: true },
          { IntervalSeconds: 1.5 },
        ],
        Catch: [{ ErrorEquals: ['X'], Next: 'H', ResultPath: '$.e' }],
      }),
    ),
    [
      [SVF, "'States.ALL' can only appear by itself in ErrorEquals", '/States/T/Retry[0]/ErrorEquals'],
      [SVF, 'Minimum value is 1', '/States/T/Retry[0]/IntervalSeconds'],
      [SVF, 'Minimum value is 0', '/States/T/Retry[0]/MaxAttempts'],
      [SVF, 'Minimum value is 1.0', '/States/T/Retry[0]/BackoffRate'],
      [SVF, 'Maximum value is 31622400', '/States/T/Retry[0]/MaxDelaySeconds'],
      [SVF, "The field 'JitterStrategy' should have one of these values: [FULL, NONE]", '/States/T/Retry[0]/JitterStrategy'],
      [SVF, "'States.ALL' can only appear in the last element", '/States/T/Retry[0]/ErrorEquals'],
      [SVF, "Field 'Unknown' is not supported", '/States/T/Retry[1]'],
      [SVF, 'Value cannot be empty', '/States/T/Retry[1]/ErrorEquals'],
      [SVF, 'These fields are required: [ErrorEquals]', '/States/T/Retry[2]'],
      [SVF, 'Expected value of type Integer', '/States/T/Retry[2]/IntervalSeconds'],
    ],
  );
  t.deepEqual(
    diagnose(
      task({
        Catch: [
          { ErrorEquals: ['States.ALL'], Next: 'H' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.a[0:2]' },
        ],
      }),
    ),
    [
      [SVF, "'States.ALL' can only appear in the last element", '/States/T/Catch[0]/ErrorEquals'],
      [SVF, 'These fields are required: [Next]', '/States/T/Catch[1]'],
      [SVF, 'Value is not a Reference Path', '/States/T/Catch[1]/ResultPath'],
    ],
  );
  // Unknown `States.` names are not refused: no AWS evidence that it does (see retry-catch.ts).
  t.deepEqual(
    diagnose(task({ Retry: [{ ErrorEquals: ['States.Custom', 'States.HeartbeatTimeout'], JitterStrategy: 'FULL', MaxDelaySeconds: 5 }] })).slice(0, 1),
    [['MISSING_TRANSITION_TARGET', 'State "H" is not reachable.', '/States/H']],
  );
});

test('task: positive timeouts, one of each field and its Path, heartbeat below timeout, an ARN resource', (t) => {
  const task = (extra: Record<string, unknown>) => single({ Type: 'Task', Resource: LAMBDA, ...extra });
  t.deepEqual(diagnose(task({ TimeoutSeconds: 0, HeartbeatSeconds: 100000000 })), [
    [SVF, 'Minimum value is 1', '/States/S/TimeoutSeconds'],
    [SVF, 'Maximum value is 99999999', '/States/S/HeartbeatSeconds'],
  ]);
  t.deepEqual(diagnose(task({ TimeoutSeconds: 10, TimeoutSecondsPath: '$.t', HeartbeatSeconds: 2.5 })), [
    [SVF, 'There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]', '/States/S'],
    [SVF, 'Expected value of type Integer', '/States/S/HeartbeatSeconds'],
  ]);
  t.deepEqual(diagnose(task({ TimeoutSeconds: 10, HeartbeatSeconds: 10 })), [
    [SVF, "The field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'", '/States/S/HeartbeatSeconds'],
  ]);
  // JSONata may compute them.
  t.deepEqual(diagnose(task({ QueryLanguage: 'JSONata', TimeoutSeconds: '{% $states.input.t %}' })), []);
  t.deepEqual(diagnose(task({ Resource: 'my-function' })), [
    [
      SVF,
      'The resource provided my-function is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.',
      '/States/S/Resource',
    ],
  ]);
});

test('map: concurrency and tolerance bounds, field or Path, Label, ProcessorConfig, no QueryLanguage on the processor', (t) => {
  const processor = (config?: unknown, extra: Record<string, unknown> = {}) => ({
    ...(config === undefined ? {} : { ProcessorConfig: config }),
    StartAt: 'P',
    States: { P: { Type: 'Pass', End: true } },
    ...extra,
  });
  // measured (floci-io/floci#3733).
  t.deepEqual(
    diagnose(
      single({
        Type: 'Map',
        ItemProcessor: processor(),
        MaxConcurrency: -1,
        ToleratedFailureCount: 1,
        ToleratedFailureCountPath: '$.n',
        ToleratedFailurePercentage: 100.5,
      }),
    ),
    [
      [SVF, 'Minimum value is 0', '/States/S/MaxConcurrency'],
      [SVF, 'There should only be one of the following fields: [ToleratedFailureCount, ToleratedFailureCountPath]', '/States/S'],
      [SVF, 'Maximum value is 100.0', '/States/S/ToleratedFailurePercentage'],
    ],
  );
  t.deepEqual(
    diagnose(
      single({
        Type: 'Map',
        ItemProcessor: processor(),
        ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { MaxItems: 100000001 } },
        ItemBatcher: { MaxItemsPerBatch: -1 },
      }),
    ),
    [
      [SVF, 'Minimum value is 0', '/States/S/ItemBatcher/MaxItemsPerBatch'],
      [SVF, 'Maximum value is 100000000', '/States/S/ItemReader/ReaderConfig/MaxItems'],
    ],
  );
  const label = (value: string) =>
    diagnose(single({ Type: 'Map', Label: value, ItemProcessor: processor({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }) }));
  t.deepEqual(label(''), [['INVALID_LABEL_NAME', 'Label cannot be empty', '/States/S/Label']]);
  t.deepEqual(label('1'.repeat(41)), [['INVALID_LABEL_NAME', 'Label cannot exceed 40 characters', '/States/S/Label']]);
  t.deepEqual(label('label_?'), [['INVALID_LABEL_NAME', "Label contains invalid character: '?'", '/States/S/Label']]);
  t.deepEqual(label('label_\u0001'), [['INVALID_LABEL_NAME', "Label contains invalid character: '\\x01'", '/States/S/Label']]);
  t.deepEqual(label('étiquette-1_ok'), []);
  t.deepEqual(diagnose(single({ Type: 'Map', ItemProcessor: processor({ Mode: 'DISTRIBUTED' }) })), [
    [SVF, 'These fields are required: [ExecutionType]', '/States/S/ItemProcessor/ProcessorConfig'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Map', ItemProcessor: processor({ Mode: 'PARALLEL', ExecutionType: 'FAST' }) })), [
    [SVF, "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]", '/States/S/ItemProcessor/ProcessorConfig/Mode'],
    [SVF, "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]", '/States/S/ItemProcessor/ProcessorConfig/ExecutionType'],
  ]);
  // measured (floci-io/floci#2968).
  t.deepEqual(diagnose(single({ Type: 'Map', Iterator: processor(undefined, { QueryLanguage: 'JSONPath' }) })), [
    [SVF, "Field 'QueryLanguage' is not supported", '/States/S/Iterator'],
  ]);
});

test('wait and parallel: Seconds bounds, RFC 3339 timestamps, non-empty Branches', (t) => {
  // rec: test_base_scenarios test_wait_timestamp_invalid (NO_T, NO_Z, INVALID_DATE, INVALID_TIME, INVALID_ISO, JSONATA).
  for (const timestamp of ['2016-03-14 01:59:00Z', '2016-03-14T01:59:00', '2016-13-05T21:29:29Z', '2016-12-05T25:29:29Z', '05-12-2016T21:29:29Z']) {
    t.deepEqual(diagnose(single({ Type: 'Wait', Timestamp: timestamp })), [[SVF, 'String does not match RFC3339 timestamp', '/States/S/Timestamp']], timestamp);
  }
  t.deepEqual(diagnose(single({ Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z' }, { QueryLanguage: 'JSONata' })), []);
  t.deepEqual(diagnose(single({ Type: 'Wait', Timestamp: '2016-03-14T01:59:00.000000Z' })), []);
  t.deepEqual(diagnose(single({ Type: 'Wait', Timestamp: 'soon' }, { QueryLanguage: 'JSONata' })), [
    [SVF, 'String does not match RFC3339 timestamp', '/States/S/Timestamp'],
  ]);
  // measured (cfn-lint#4075).
  t.deepEqual(diagnose(single({ Type: 'Wait', Seconds: 10000000000000000 })), [[SVF, 'Maximum value is 99999999', '/States/S/Seconds']]);
  t.deepEqual(diagnose(single({ Type: 'Wait', Seconds: -1 })), [[SVF, 'Minimum value is 0', '/States/S/Seconds']]);
  // rec: test_state_mock_validation test_parallel_state_empty_branches.
  t.deepEqual(diagnose(single({ Type: 'Parallel', Branches: [] })), [[SVF, 'Value cannot be empty', '/States/S/Branches']]);
});

test('query language and version: JSONPath states under a JSONata machine, the two values, 1.0 only', (t) => {
  // rec: test_sfn_api_validation INVALID_DOWNGRADE_QUERY_LANGUAGE.
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'JSONPath' }, { QueryLanguage: 'JSONata' })), [
    [SVF, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", '/States/S'],
  ]);
  // Nested states inherit the machine's language, not the enclosing state's (measured, floci-io/floci#2968).
  const branch = { StartAt: 'B', States: { B: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } };
  t.deepEqual(diagnose(single({ Type: 'Parallel', QueryLanguage: 'JSONPath', Branches: [branch] }, { QueryLanguage: 'JSONata' })), [
    [SVF, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", '/States/S'],
    [SVF, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", '/States/S/Branches[0]/States/B'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'JSONata' })), []);
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'XPath' }, { QueryLanguage: 'jsonata', Version: '2.0' })), [
    [SVF, "The field 'Version' should have one of these values: [1.0]", '/Version'],
    [SVF, "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]", '/QueryLanguage'],
    [SVF, "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]", '/States/S/QueryLanguage'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass' }, { Version: '1.0', QueryLanguage: 'JSONPath' })), []);
});

test('inherited property names are no states: StartAt or Next "__proto__", "constructor", "toString" is a missing target (found by the hostile-input suite: a Parallel branch {"StartAt":"__proto__","States":{}} passed and crashed the run)', (t) => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    t.deepEqual(
      diagnose({ StartAt: name, States: {} }).map(([code, , location]) => [code, location]),
      [['MISSING_TRANSITION_TARGET', '/StartAt']],
      name,
    );
    const next = diagnose({ StartAt: 'A', States: { A: { Type: 'Pass', Next: name } } });
    t.true(
      next.some(([code, message]) => code === 'MISSING_TRANSITION_TARGET' && message === `Missing 'Next' target: ${name}`),
      name,
    );
  }
  const branch = diagnose({ StartAt: 'Par', States: { Par: { Type: 'Parallel', Branches: [{ StartAt: '__proto__', States: {} }], End: true } } });
  t.true(branch.some(([code]) => code === 'MISSING_TRANSITION_TARGET'));
});
