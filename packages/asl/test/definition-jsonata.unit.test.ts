/**
 * Static validation of JSONata states and workflow variables: which fields each query language
 * carries, the syntax of `{% … %}` expressions, where `$states.result` and `$states.errorOutput`
 * may be read, and the names `Assign` may give. Each bad definition is checked for its exact
 * diagnostics (code, message, location) and its fixed variant for none. The sources of every text
 * are in `src/definition/messages.ts`; "(measured)" marks a row AWS was seen to answer.
 *
 * The first test runs every definition of the conformance corpus (`../shared/conformance/cases`
 * from the repository root): each was accepted by AWS, so each must validate with no diagnostic.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDefinition, type Diagnostic } from '../src/definition/index.js';

type Expected = readonly [code: string, message: string, location: string];

const SVF = 'SCHEMA_VALIDATION_FAILED';
const INVALID = 'INVALID_JSONATA_EXPRESSION';
const UNSUPPORTED = 'UNSUPPORTED_JSONATA_EXPRESSION';
const LAMBDA = 'arn:aws:lambda:us-east-1:000000000000:function:f';

const jsonPathOnly = (name: string) => `The QueryLanguage is set to 'JSONata', but field '${name}' is only supported for the 'JSONPath' QueryLanguage`;
const jsonataOnly = (name: string) => `The QueryLanguage is set to 'JSONPath', but field '${name}' is only supported for the 'JSONata' QueryLanguage`;
const badName = (name: string) => `The variable name '${name}' is invalid: it must start with a letter or '_' and contain only letters, digits and '_'`;

/** A machine whose first state is its StartAt. */
const machine = (states: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ StartAt: Object.keys(states)[0], States: states, ...top });
/** The same, in JSONata. */
const jsonata = (states: Record<string, unknown>) => machine(states, { QueryLanguage: 'JSONata' });
/** A one-state machine around `state` (given `End: true` unless it is terminal already). */
const single = (state: Record<string, unknown>, top: Record<string, unknown> = {}) =>
  machine({ S: ['Choice', 'Succeed', 'Fail'].includes(state['Type'] as string) ? state : { End: true, ...state } }, top);
/** The same, in JSONata. */
const singleJsonata = (state: Record<string, unknown>) => single(state, { QueryLanguage: 'JSONata' });

const processor = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

const diagnose = (definition: unknown): readonly Expected[] =>
  parseDefinition(typeof definition === 'string' ? definition : JSON.stringify(definition)).diagnostics.map((d: Diagnostic): Expected => [
    d.code,
    d.message,
    d.location,
  ]);

// ───────────────────────────── the conformance corpus ─────────────────────────────

/** The repository root: this file runs as packages/asl/dist/test/<name>.js. */
const repoRoot = new URL('../../../../', import.meta.url);
const casesDir = new URL('../shared/conformance/cases/', repoRoot);

/** The corpus's `${lambda:x}` / `${lambda:x:name}` placeholders, filled as its runner fills them (with a made-up ARN). */
const fillPlaceholders = (text: string): string =>
  text.replace(/\$\{lambda:([A-Za-z0-9-]+)(:name)?\}/g, (_m, name: string, isName: string | undefined) =>
    isName !== undefined ? name : `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  );

if (existsSync(casesDir)) {
  test('conformance corpus: every definition AWS accepted validates with no diagnostic', (t) => {
    const files = readdirSync(casesDir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const failures: string[] = [];
    let executions = 0;
    for (const file of files) {
      const c = JSON.parse(readFileSync(new URL(file, casesDir), 'utf8')) as {
        definition: unknown;
        definitionString?: string;
        expected: Record<string, unknown>;
      };
      // Cases whose `expected` has a status are executions: AWS accepted their definitions.
      if (c.expected['status'] === undefined) continue;
      executions++;
      const result = parseDefinition(fillPlaceholders(c.definitionString ?? JSON.stringify(c.definition)));
      if (!result.ok || result.diagnostics.length > 0) failures.push(`${file}: ${JSON.stringify(result.diagnostics)}`);
    }
    t.log(`${executions} executions among ${files.length} cases`);
    t.true(executions > 0, `no execution case in ${fileURLToPath(casesDir)}`);
    t.deepEqual(failures, []);
  });
} else {
  const why = `the conformance corpus was not found at ${fileURLToPath(casesDir)} (the repository root's ../shared/conformance/cases; CI copies it there)`;
  console.log(`SKIP conformance corpus check: ${why}`);
  test.skip(`conformance corpus (${why})`, () => {});
}

// ───────────────────────────── rule 1: fields of one language ─────────────────────────────

test('query language: a JSONata-only field on a JSONPath state is refused at the state (measured), also inside Map and Parallel', (t) => {
  t.deepEqual(diagnose(single({ Type: 'Pass', Output: { a: 1 } })), [[SVF, jsonataOnly('Output'), '/States/S']]);
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'JSONata', Output: { a: 1 } })), []);
  t.deepEqual(diagnose(single({ Type: 'Task', Resource: LAMBDA, Arguments: { payload: 'literal' } })), [[SVF, jsonataOnly('Arguments'), '/States/S']]);
  t.deepEqual(diagnose(single({ Type: 'Task', Resource: LAMBDA, Parameters: { payload: 'literal' } })), []);
  t.deepEqual(diagnose(single({ Type: 'Map', Items: [{ n: 1 }], ItemProcessor: processor })), [[SVF, jsonataOnly('Items'), '/States/S']]);
  t.deepEqual(diagnose(single({ Type: 'Succeed', Output: '{% 1 %}' })), [[SVF, jsonataOnly('Output'), '/States/S']]);
  // Nested states take the machine's language, not the enclosing state's (measured, floci-io/floci#2968).
  const outputProcessor = { StartAt: 'P', States: { P: { Type: 'Pass', Output: { doubled: '{% $states.input * 2 %}' }, End: true } } };
  const map = (mapLanguage: Record<string, unknown>, p: unknown) => machine({ M: { Type: 'Map', ...mapLanguage, ItemProcessor: p, End: true } });
  t.deepEqual(diagnose(map({ QueryLanguage: 'JSONata' }, outputProcessor)), [[SVF, jsonataOnly('Output'), '/States/M/ItemProcessor/States/P']]);
  t.deepEqual(diagnose(map({}, outputProcessor)), [[SVF, jsonataOnly('Output'), '/States/M/ItemProcessor/States/P']]);
  const declared = { StartAt: 'P', States: { P: { Type: 'Pass', QueryLanguage: 'JSONata', Output: { doubled: '{% $states.input * 2 %}' }, End: true } } };
  t.deepEqual(diagnose(map({ QueryLanguage: 'JSONata' }, declared)), []);
  t.deepEqual(diagnose(single({ Type: 'Parallel', QueryLanguage: 'JSONata', Branches: [outputProcessor] })), [
    [SVF, jsonataOnly('Output'), '/States/S/Branches[0]/States/P'],
  ]);
});

test('query language: every JSONPath-only field on a JSONata state is refused at the state; Assign is in both languages', (t) => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['InputPath', { Type: 'Pass', InputPath: '$.a' }],
    ['OutputPath', { Type: 'Pass', OutputPath: '$.a' }],
    ['Result', { Type: 'Pass', Result: { a: 1 } }],
    ['Parameters', { Type: 'Task', Resource: LAMBDA, Parameters: { a: 1 } }],
    ['ResultSelector', { Type: 'Task', Resource: LAMBDA, ResultSelector: { a: 1 } }],
    ['ResultPath', { Type: 'Task', Resource: LAMBDA, ResultPath: '$.r' }],
    ['TimeoutSecondsPath', { Type: 'Task', Resource: LAMBDA, TimeoutSecondsPath: '$.t' }],
    ['HeartbeatSecondsPath', { Type: 'Task', Resource: LAMBDA, HeartbeatSecondsPath: '$.h' }],
    ['ItemsPath', { Type: 'Map', ItemsPath: '$.items', ItemProcessor: processor }],
    ['MaxConcurrencyPath', { Type: 'Map', MaxConcurrencyPath: '$.n', ItemProcessor: processor }],
    ['ToleratedFailureCountPath', { Type: 'Map', ToleratedFailureCountPath: '$.n', ItemProcessor: processor }],
    ['ToleratedFailurePercentagePath', { Type: 'Map', ToleratedFailurePercentagePath: '$.n', ItemProcessor: processor }],
    ['SecondsPath', { Type: 'Wait', SecondsPath: '$.s' }],
    ['TimestampPath', { Type: 'Wait', TimestampPath: '$.t' }],
    ['ErrorPath', { Type: 'Fail', ErrorPath: '$.e' }],
    ['CausePath', { Type: 'Fail', CausePath: '$.c' }],
  ];
  for (const [name, state] of cases) {
    t.deepEqual(diagnose(singleJsonata(state)), [[SVF, jsonPathOnly(name), '/States/S']], name);
    t.deepEqual(diagnose(single(state)), [], `${name} in JSONPath`);
  }
  // Three at once: each listed (measured: three diagnostics).
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', InputPath: '$.a', OutputPath: '$.b', ResultPath: '$.c' })), [
    [SVF, jsonPathOnly('InputPath'), '/States/S'],
    [SVF, jsonPathOnly('OutputPath'), '/States/S'],
    [SVF, jsonPathOnly('ResultPath'), '/States/S'],
  ]);
  // Assign in both (measured for JSONPath).
  t.deepEqual(diagnose(single({ Type: 'Pass', Assign: { counter: 1 } })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Assign: { counter: 1 } })), []);
  // The fixed variant of a JSONata Wait: Seconds computed instead of SecondsPath.
  t.deepEqual(diagnose(singleJsonata({ Type: 'Wait', Seconds: '{% $states.input.s %}' })), []);
});

test('query language: a refused downgrade is the whole answer for its state (measured); a lower-case value reads as JSONata', (t) => {
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', QueryLanguage: 'JSONPath', Output: { v: '{% 1 %}' } })), [
    [SVF, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", '/States/S'],
  ]);
  t.deepEqual(diagnose(single({ Type: 'Pass', QueryLanguage: 'jsonata', Output: { v: '{% 1 %}' }, InputPath: '$.a' })), [
    [SVF, "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]", '/States/S/QueryLanguage'],
    [SVF, jsonPathOnly('InputPath'), '/States/S'],
  ]);
});

test('query language: Choice rules — JSONPath operators in a JSONata rule, Condition required; Condition and Output in a JSONPath rule', (t) => {
  const choice = (top: Record<string, unknown>, ...rules: unknown[]) =>
    machine({ C: { Type: 'Choice', Choices: rules, Default: 'D' }, D: { Type: 'Succeed' } }, top);
  const J = { QueryLanguage: 'JSONata' };
  t.deepEqual(diagnose(choice(J, { Variable: '$.a', StringEquals: 'x', Next: 'D' })), [
    [SVF, jsonPathOnly('Variable'), '/States/C/Choices[0]'],
    [SVF, jsonPathOnly('StringEquals'), '/States/C/Choices[0]'],
    [SVF, 'These fields are required: [Condition]', '/States/C/Choices[0]'],
  ]);
  t.deepEqual(diagnose(choice(J, { Next: 'D' }, { And: [], Condition: '{% true %}', Next: 'D' }, { Condition: true, Extra: 1, Next: 'D' })), [
    [SVF, 'These fields are required: [Condition]', '/States/C/Choices[0]'],
    [SVF, jsonPathOnly('And'), '/States/C/Choices[1]'],
    [SVF, "Field 'Extra' is not supported", '/States/C/Choices[2]'],
  ]);
  // Fixed: a Condition, with the JSONata rule's other fields.
  t.deepEqual(diagnose(choice(J, { Condition: '{% $states.input.a = "x" %}', Output: { a: 1 }, Assign: { seen: true }, Comment: 'c', Next: 'D' })), []);
  // JSONPath: one diagnostic for a Condition in place of an operator, none from the JSONPath rule checks.
  t.deepEqual(diagnose(choice({}, { Condition: '{% true %}', Next: 'D' })), [[SVF, jsonataOnly('Condition'), '/States/C/Choices[0]']]);
  t.deepEqual(
    diagnose(choice({}, { Variable: '$.a', IsPresent: true, Output: { a: 1 }, Next: 'D' }, { Not: { Variable: '$.a', IsNull: true, Output: 1 }, Next: 'D' })),
    [
      [SVF, jsonataOnly('Output'), '/States/C/Choices[0]'],
      [SVF, jsonataOnly('Output'), '/States/C/Choices[1]/Not'],
    ],
  );
  t.deepEqual(diagnose(choice({}, { Variable: '$.a', IsPresent: true, Assign: { seen: true }, Next: 'D' })), []);
});

test('query language: catchers — Output in JSONPath, ResultPath in JSONata, at the catcher', (t) => {
  const task = (top: Record<string, unknown>, catcher: Record<string, unknown>) =>
    machine({ T: { Type: 'Task', Resource: LAMBDA, End: true, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'H', ...catcher }] }, H: { Type: 'Succeed' } }, top);
  t.deepEqual(diagnose(task({}, { Output: { e: 1 } })), [[SVF, jsonataOnly('Output'), '/States/T/Catch[0]']]);
  t.deepEqual(diagnose(task({}, { ResultPath: '$.error' })), []);
  t.deepEqual(diagnose(task({ QueryLanguage: 'JSONata' }, { ResultPath: '$.error' })), [[SVF, jsonPathOnly('ResultPath'), '/States/T/Catch[0]']]);
  t.deepEqual(diagnose(task({ QueryLanguage: 'JSONata' }, { Output: '{% $states.errorOutput %}' })), []);
});

// ───────────────────────────── rule 2: expression syntax ─────────────────────────────

test('expressions: one that does not parse gets INVALID_JSONATA_EXPRESSION and the parser’s words, at its field (measured)', (t) => {
  // Each pair measured on AWS (floci-io/floci#2745): the message is the parser's, without its code.
  const measured: ReadonlyArray<readonly [string, string]> = [
    ['a[1,2)', 'Expected "]", got ","'],
    ['"unterminated', 'String literal must be terminated by a matching quote'],
    ['1 +', 'Unexpected end of expression'],
    ['{"a":}', 'The symbol "}" cannot be used as a unary operator'],
    ['$x :=', 'Unexpected end of expression'],
    ['$match("a", /abc', 'No terminating / in regular expression'],
    ['phone %.other', 'The symbol "." cannot be used as a unary operator'],
    ['', 'Unexpected end of expression'],
  ];
  for (const [expression, message] of measured) {
    t.deepEqual(
      diagnose(jsonata({ Main: { Type: 'Pass', Output: `{% ${expression} %}`, End: true } })),
      [[INVALID, message, '/States/Main/Output']],
      expression,
    );
  }
  t.deepEqual(diagnose(jsonata({ Main: { Type: 'Pass', Output: '{% $states.input.a[1] %}', End: true } })), []);
});

test('expressions: every field that holds one is checked, at any depth, and located at the string', (t) => {
  const BAD = '{% 1 + %}';
  const err = (location: string): Expected => [INVALID, 'Unexpected end of expression', location];
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Output: { v: BAD, ok: '{% 1 %}', list: ['{% 2 %}', [BAD]] }, Assign: { x: BAD, y: { z: BAD } } })), [
    err('/States/S/Output/v'),
    err('/States/S/Output/list[1][0]'),
    err('/States/S/Assign/x'),
    err('/States/S/Assign/y/z'),
  ]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Assign: BAD })), [err('/States/S/Assign')]);
  t.deepEqual(
    diagnose(
      singleJsonata({ Type: 'Task', Resource: LAMBDA, Arguments: { Payload: BAD }, TimeoutSeconds: BAD, HeartbeatSeconds: BAD, Credentials: { RoleArn: BAD } }),
    ),
    [err('/States/S/Arguments/Payload'), err('/States/S/TimeoutSeconds'), err('/States/S/HeartbeatSeconds'), err('/States/S/Credentials/RoleArn')],
  );
  t.deepEqual(
    diagnose(
      singleJsonata({
        Type: 'Map',
        Items: BAD,
        ItemSelector: { v: BAD },
        MaxConcurrency: BAD,
        ToleratedFailureCount: BAD,
        ToleratedFailurePercentage: BAD,
        ItemProcessor: processor,
      }),
    ),
    [
      err('/States/S/Items'),
      err('/States/S/ItemSelector/v'),
      err('/States/S/MaxConcurrency'),
      err('/States/S/ToleratedFailureCount'),
      err('/States/S/ToleratedFailurePercentage'),
    ],
  );
  t.deepEqual(diagnose(singleJsonata({ Type: 'Wait', Seconds: BAD })), [err('/States/S/Seconds')]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Wait', Timestamp: BAD })), [err('/States/S/Timestamp')]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Fail', Error: BAD, Cause: BAD })), [err('/States/S/Error'), err('/States/S/Cause')]);
  t.deepEqual(
    diagnose(
      jsonata({
        C: { Type: 'Choice', Choices: [{ Condition: BAD, Output: { o: BAD }, Assign: { a: BAD }, Next: 'D' }], Default: 'D' },
        D: { Type: 'Succeed' },
      }),
    ),
    [err('/States/C/Choices[0]/Condition'), err('/States/C/Choices[0]/Output/o'), err('/States/C/Choices[0]/Assign/a')],
  );
  t.deepEqual(
    diagnose(
      jsonata({
        T: { Type: 'Task', Resource: LAMBDA, End: true, Catch: [{ ErrorEquals: ['States.ALL'], Output: BAD, Assign: { e: BAD }, Next: 'H' }] },
        H: { Type: 'Succeed' },
      }),
    ),
    [err('/States/T/Catch[0]/Output'), err('/States/T/Catch[0]/Assign/e')],
  );
  // The fixed variants.
  const OK = '{% $states.input.n %}';
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Output: { v: OK, list: [[OK]] }, Assign: { x: OK } })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Map', Items: OK, ItemSelector: { v: OK }, MaxConcurrency: OK, ItemProcessor: processor })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Fail', Error: OK, Cause: OK })), []);
});

test('expressions: only a whole "{% … %}" string in a JSONata state is one; everything else is a literal', (t) => {
  // rec: the corpus case arguments BASE_LAMBDA_LITERALS passes " {% states.input %} " through.
  t.deepEqual(
    diagnose(singleJsonata({ Type: 'Task', Resource: LAMBDA, Arguments: { a: ' {% 1 + %} ', b: 'x {% 1 +', c: '{% 1 + %} and more', d: '$states.result' } })),
    [],
  );
  // JSONPath states evaluate no JSONata: their `{% %}` strings are data.
  t.deepEqual(diagnose(single({ Type: 'Pass', Result: { v: '{% 1 + %}' }, Parameters: { w: '{% $states.errorOutput %}' } })), []);
  t.deepEqual(diagnose(single({ Type: 'Fail', Error: '{% 1 + %}' })), []);
});

// ───────────────────────────── rule 3: $states.result and $states.errorOutput ─────────────────────────────

test('expressions: $states.result only in the Output and Assign of Task, Map and Parallel; $states.errorOutput only in a catcher (measured)', (t) => {
  const noResult = (location: string): Expected => [UNSUPPORTED, "Field '$states.result' does not exist.", location];
  const noErrorOutput = (location: string): Expected => [UNSUPPORTED, "Field '$states.errorOutput' does not exist.", location];
  const R = '{% $states.result.Payload %}';
  const E = '{% $states.errorOutput.Cause %}';
  // Accepted.
  t.deepEqual(diagnose(singleJsonata({ Type: 'Task', Resource: LAMBDA, Output: R, Assign: { r: R } })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Map', Items: '{% [1, 2] %}', Output: { count: '{% $count($states.result) %}' }, ItemProcessor: processor })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Parallel', Branches: [processor], Output: '{% $states.result[0] %}' })), []);
  const caught = (catcher: Record<string, unknown>, state: Record<string, unknown> = {}) =>
    jsonata({
      T: { Type: 'Task', Resource: LAMBDA, End: true, ...state, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'H', ...catcher }] },
      H: { Type: 'Succeed' },
    });
  t.deepEqual(diagnose(caught({ Output: E, Assign: { lastError: '{% $states.errorOutput %}' } })), []);
  // Refused: result where there is none.
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Output: R, Assign: { r: R } })), [noResult('/States/S/Output'), noResult('/States/S/Assign/r')]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Task', Resource: LAMBDA, Arguments: { Payload: R } })), [noResult('/States/S/Arguments/Payload')]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Map', ItemSelector: { v: R }, ItemProcessor: processor })), [noResult('/States/S/ItemSelector/v')]);
  t.deepEqual(diagnose(caught({ Output: R })), [noResult('/States/T/Catch[0]/Output')]);
  t.deepEqual(
    diagnose(jsonata({ C: { Type: 'Choice', Choices: [{ Condition: '{% $states.result = 1 %}', Next: 'D' }], Default: 'D' }, D: { Type: 'Succeed' } })),
    [noResult('/States/C/Choices[0]/Condition')],
  );
  // Refused: errorOutput outside a catcher (measured: a Pass Output).
  t.deepEqual(diagnose(jsonata({ Main: { Type: 'Pass', Output: '{% $states.errorOutput %}', End: true } })), [noErrorOutput('/States/Main/Output')]);
  t.deepEqual(diagnose(caught({}, { Output: E, Assign: { e: E } })), [noErrorOutput('/States/T/Output'), noErrorOutput('/States/T/Assign/e')]);
  // Both names in one expression: both reported.
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Output: '{% [$states.result, $states.errorOutput] %}' })), [
    noResult('/States/S/Output'),
    noErrorOutput('/States/S/Output'),
  ]);
  // Other names under $states, and longer names, are not these two.
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Output: '{% [$states.input, $states.context, $states.results, $states.errorOutputs] %}' })), []);
});

// ───────────────────────────── rule 4: variable names ─────────────────────────────

test('variables: names are identifiers of 1 to 80 characters, not `states`, in both languages', (t) => {
  const pass = (assign: unknown) => single({ Type: 'Pass', Assign: assign });
  const passJsonata = (assign: unknown) => singleJsonata({ Type: 'Pass', Assign: assign });
  const eighty = `v${'x'.repeat(79)}`;
  t.deepEqual(diagnose(pass({ x: 1, _x: 2, x1_: 3, café: 4, [eighty]: 5, 'total.$': '$.total' })), []);
  t.deepEqual(diagnose(passJsonata({ x: 1, _x: 2, x1_: 3, café: 4, [eighty]: 5 })), []);
  for (const name of ['x.y', 'x[0]', '$x', '1x', 'a b', 'a-b', '']) {
    t.deepEqual(diagnose(pass({ [name]: 1 })), [[SVF, badName(name), `/States/S/Assign/${name}`]], `JSONPath ${name}`);
    t.deepEqual(diagnose(passJsonata({ [name]: 1 })), [[SVF, badName(name), `/States/S/Assign/${name}`]], `JSONata ${name}`);
  }
  t.deepEqual(diagnose(pass({ [`${eighty}y`]: 1 })), [
    [SVF, `The variable name '${eighty}y' is invalid: it must be at most 80 characters long`, `/States/S/Assign/${eighty}y`],
  ]);
  t.deepEqual(diagnose(pass({ states: 1 })), [[SVF, "The variable name 'states' is reserved", '/States/S/Assign/states']]);
  t.deepEqual(diagnose(pass({ 'states.$': '$.a' })), [[SVF, "The variable name 'states' is reserved", '/States/S/Assign/states.$']]);
  t.deepEqual(diagnose(passJsonata({ states: 1 })), [[SVF, "The variable name 'states' is reserved", '/States/S/Assign/states']]);
  // `.$` is JSONPath's: in JSONata it is part of the key, and no name has a `.` or a `$`.
  t.deepEqual(diagnose(passJsonata({ 'x.$': '$.a' })), [[SVF, badName('x.$'), '/States/S/Assign/x.$']]);
  t.deepEqual(diagnose(pass({ 'x.y.$': '$.a' })), [[SVF, badName('x.y'), '/States/S/Assign/x.y.$']]);
  // A `/` in a key is escaped in the pointer.
  t.deepEqual(diagnose(pass({ 'a/b': 1 })), [[SVF, badName('a/b'), '/States/S/Assign/a~1b']]);
});

test('variables: Assign is an object (or one expression in JSONata); rules and catchers assign too', (t) => {
  t.deepEqual(diagnose(single({ Type: 'Pass', Assign: '{% {"a": 1} %}' })), [[SVF, 'Expected value of type Object', '/States/S/Assign']]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Assign: '{% {"a": 1} %}' })), []);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Assign: 'a=1' })), [[SVF, 'Expected value of type Object', '/States/S/Assign']]);
  t.deepEqual(diagnose(singleJsonata({ Type: 'Pass', Assign: 7 })), [[SVF, 'Expected value of type Object', '/States/S/Assign']]);
  t.deepEqual(
    diagnose(
      jsonata({
        C: { Type: 'Choice', Choices: [{ Condition: '{% true %}', Assign: { 'my var': 1 }, Next: 'D' }], Default: 'D', Assign: { ok: 1 } },
        D: { Type: 'Succeed' },
      }),
    ),
    [[SVF, badName('my var'), '/States/C/Choices[0]/Assign/my var']],
  );
  t.deepEqual(
    diagnose(
      machine({
        T: { Type: 'Task', Resource: LAMBDA, End: true, Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'err.$': '$.Error', 'bad[1]': 1 }, Next: 'H' }] },
        H: { Type: 'Succeed' },
      }),
    ),
    [[SVF, badName('bad[1]'), '/States/T/Catch[0]/Assign/bad[1]']],
  );
  // Fixed.
  t.deepEqual(
    diagnose(
      machine({
        T: { Type: 'Task', Resource: LAMBDA, End: true, Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'err.$': '$.Error', bad1: 1 }, Next: 'H' }] },
        H: { Type: 'Succeed' },
      }),
    ),
    [],
  );
});

// ───────────────────────────── several problems at once ─────────────────────────────

test('every problem of a definition is listed, across states, rules and catchers', (t) => {
  const definition = jsonata({
    Start: {
      Type: 'Pass',
      OutputPath: '$.a',
      Output: { v: '{% a[1,2) %}', r: '{% $states.result %}' },
      Assign: { 'x.y': 1, ok: '{% 1 %}' },
      Next: 'Work',
    },
    Work: {
      Type: 'Task',
      Resource: LAMBDA,
      Arguments: { p: '{% $states.input %}' },
      Output: '{% $states.result %}',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.e', Output: '{% $states.errorOutput %}', Next: 'Pick' }],
      Next: 'Pick',
    },
    Pick: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.x', IsPresent: true, Next: 'Done' },
        { Condition: '{% 1 + %}', Next: 'Done' },
      ],
      Default: 'Done',
    },
    Inner: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', Assign: { states: 1 }, End: true } } },
      End: true,
    },
    Done: { Type: 'Succeed' },
  });
  t.deepEqual(diagnose(definition), [
    [SVF, jsonPathOnly('OutputPath'), '/States/Start'],
    [SVF, badName('x.y'), '/States/Start/Assign/x.y'],
    [INVALID, 'Expected "]", got ","', '/States/Start/Output/v'],
    [UNSUPPORTED, "Field '$states.result' does not exist.", '/States/Start/Output/r'],
    [SVF, jsonPathOnly('ResultPath'), '/States/Work/Catch[0]'],
    [SVF, jsonPathOnly('Variable'), '/States/Pick/Choices[0]'],
    [SVF, jsonPathOnly('IsPresent'), '/States/Pick/Choices[0]'],
    [SVF, 'These fields are required: [Condition]', '/States/Pick/Choices[0]'],
    [INVALID, 'Unexpected end of expression', '/States/Pick/Choices[1]/Condition'],
    [SVF, jsonPathOnly('ItemsPath'), '/States/Inner'],
    [SVF, "The variable name 'states' is reserved", '/States/Inner/ItemProcessor/States/P/Assign/states'],
    ['MISSING_TRANSITION_TARGET', 'State "Inner" is not reachable.', '/States/Inner'],
  ]);
});
