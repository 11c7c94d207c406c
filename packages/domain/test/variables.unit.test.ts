import test from 'ava';
import { env, fold, startWith as start, T0 } from './builders.js';
import { decideExecution, pendingTasks, replayExecution, type NewHistoryEvent } from '../src/index.js';

// Workflow variables (Assign) in both query languages, and their scopes. Given a definition and
// an input, then these outputs and events.

const output = (events: readonly NewHistoryEvent[]) => JSON.parse(events.at(-1)!.data.executionSucceededEventDetails!.output);
const failed = (events: readonly NewHistoryEvent[]) => events.at(-1)!.data.executionFailedEventDetails;
const exited = (events: readonly NewHistoryEvent[], name: string) =>
  events.find((e) => e.data.stateExitedEventDetails?.name === name)!.data.stateExitedEventDetails!;

test('JSONPath: Assign records each variable as JSON text in the Exited event; later states read $name', (t) => {
  const events = start(
    {
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { n: 42, 'copy.$': '$.v', s: 'text', nested: { 'a.$': '$.v' } }, Next: 'Use' },
        Use: { Type: 'Pass', Parameters: { 'n.$': '$n', 'copy.$': '$copy', 'nested.$': '$nested.a' }, End: true },
      },
    },
    '{"v":[1,2]}',
  );
  t.deepEqual(exited(events, 'Set').assignedVariables, { n: '42', copy: '[1,2]', s: '"text"', nested: '{"a":[1,2]}' });
  t.deepEqual(exited(events, 'Set').assignedVariablesDetails, { truncated: false });
  t.is(exited(events, 'Use').assignedVariables, undefined, 'no Assign, no assignedVariables');
  t.deepEqual(output(events), { n: 42, copy: [1, 2], nested: [1, 2] });
});

test('JSONPath Assign paths see the state result: Pass Result, Parameters output; OutputPath still sees the value from entry', (t) => {
  const events = start({
    StartAt: 'A',
    States: {
      A: { Type: 'Pass', Assign: { answer: 'old' }, Next: 'B' },
      B: { Type: 'Pass', Result: { r: 'result' }, Assign: { 'fromResult.$': '$.r', answer: 'new' }, OutputPath: '$answer', Next: 'C' },
      C: { Type: 'Pass', Parameters: { 'answer.$': '$answer', 'fromResult.$': '$fromResult' }, End: true },
    },
  });
  t.is(exited(events, 'B').output, '"old"', 'OutputPath $answer in the state that reassigns answer yields the old value (rec)');
  t.deepEqual(output(events), { answer: 'new', fromResult: 'result' });
});

test('JSONata: Assign and Output of one state both see the values from entry, so x and y swap', (t) => {
  const events = start({
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { x: 1, y: 2 }, Next: 'Swap' },
      Swap: { Type: 'Pass', Assign: { x: '{% $y %}', y: '{% $x %}' }, Output: { x: '{% $x %}', y: '{% $y %}' }, Next: 'After' },
      After: { Type: 'Pass', Output: { x: '{% $x %}', y: '{% $y %}' }, End: true },
    },
  });
  t.is(exited(events, 'Swap').output, '{"x":1,"y":2}');
  t.deepEqual(output(events), { x: 2, y: 1 });
});

test('Parallel branches read outer variables; their assignments stay in the branch and siblings do not see each other’s', (t) => {
  const events = start({
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { outer: 'o' }, Next: 'P' },
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'A1',
            States: { A1: { Type: 'Pass', Assign: { inner: 'a' }, Next: 'A2' }, A2: { Type: 'Pass', Output: '{% $outer & $inner %}', End: true } },
          },
          { StartAt: 'B1', States: { B1: { Type: 'Pass', Output: '{% $exists($inner) %}', End: true } } },
        ],
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { result: '{% $states.input %}', innerOutside: '{% $exists($inner) %}' }, End: true },
    },
  });
  t.deepEqual(output(events), { result: ['oa', false], innerOutside: false });
});

test('a Map iteration reads outer variables; a Distributed Map’s child runs are executions of their own, which cannot', (t) => {
  const map = (mode: 'INLINE' | 'DISTRIBUTED') => ({
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { factor: 10 }, Next: 'M' },
      M: {
        Type: 'Map',
        Items: [1, 2],
        ItemProcessor: {
          ProcessorConfig: { Mode: mode, ExecutionType: 'STANDARD' },
          StartAt: 'X',
          States: { X: { Type: 'Pass', Output: '{% $states.input * $factor %}', End: true } },
        },
        End: true,
      },
    },
  });
  t.deepEqual(output(start(map('INLINE'))), [10, 20]);
  const distributed = start(map('DISTRIBUTED'));
  const [run] = pendingTasks(fold(distributed));
  const child = start(JSON.parse(JSON.parse(run!.input).definition), '1');
  t.is(failed(child)!.error, 'States.QueryEvaluationError', 'the child run has no $factor');
});

test('a Choice rule’s Assign replaces the state’s; Default takes the state’s', (t) => {
  const machine = {
    QueryLanguage: 'JSONata',
    StartAt: 'C',
    States: {
      C: {
        Type: 'Choice',
        Choices: [{ Condition: '{% $states.input.go %}', Assign: { via: 'rule' }, Next: 'Out' }],
        Default: 'Out',
        Assign: { via: 'default' },
      },
      Out: { Type: 'Pass', Output: '{% $via %}', End: true },
    },
  };
  t.is(output(start(machine, '{"go":true}')), 'rule');
  t.is(output(start(machine, '{"go":false}')), 'default');
  const notBoolean = start(machine, '{"go":"yes"}');
  t.is(failed(notBoolean)!.error, 'States.QueryEvaluationError');
  t.regex(failed(notBoolean)!.cause!, /Expected 'boolean', but was 'string'/);
});

test('a Catcher’s Assign runs instead of the state’s, in the outer scope, and its Output sees $states.errorOutput', (t) => {
  const events = start({
    QueryLanguage: 'JSONata',
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'why' } } }],
        Assign: { caught: false },
        Catch: [
          {
            ErrorEquals: ['Boom'],
            Assign: { caught: true, err: '{% $states.errorOutput.Error %}' },
            Output: { cause: '{% $states.errorOutput.Cause %}' },
            Next: 'After',
          },
        ],
        Next: 'After',
      },
      After: { Type: 'Pass', Output: { caught: '{% $caught %}', err: '{% $err %}', input: '{% $states.input %}' }, End: true },
    },
  });
  t.deepEqual(output(events), { caught: true, err: 'Boom', input: { cause: 'why' } });
  t.deepEqual(exited(events, 'P').assignedVariables, { caught: 'true', err: '"Boom"' });
});

test('an undefined variable in JSONata fails with EvaluationFailed before the failure, pointing where the Entered event points', (t) => {
  const events = start({
    QueryLanguage: 'JSONata',
    StartAt: 'A',
    States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Output: { result: '{% $doesNotExist %}' }, End: true } },
  });
  t.deepEqual(
    events.map((e) => `${e.type}<${e.data.previousEventId}`),
    ['ExecutionStarted<0', 'PassStateEntered<0', 'PassStateExited<2', 'PassStateEntered<3', 'EvaluationFailed<3', 'ExecutionFailed<5'],
  );
  t.deepEqual(events[4]!.data.evaluationFailedEventDetails, {
    error: 'States.QueryEvaluationError',
    cause:
      "An error occurred while executing the state 'B' (entered at the event id #4). The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).",
    location: 'Output/result',
    state: 'B',
  });
});

test('variables of a paused frame survive the pause: a branch waits, then reads what it assigned and what the top assigned', (t) => {
  const machine = {
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { top: 'T' }, Next: 'P' },
      P: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'Set',
            States: {
              Set: { Type: 'Pass', Assign: { mine: 'M' }, Next: 'W' },
              W: { Type: 'Wait', Seconds: 5, Next: 'Read' },
              Read: { Type: 'Pass', Parameters: { 'top.$': '$top', 'mine.$': '$mine' }, End: true },
            },
          },
        ],
        End: true,
      },
    },
  };
  const first = start(machine);
  const state = fold(first);
  t.is(state.status, 'RUNNING');
  t.deepEqual(state.frames['']?.kind === 'suspended' ? state.frames[''].vars : undefined, { top: '"T"' });
  t.deepEqual(state.frames['/0']?.kind === 'suspended' ? state.frames['/0'].vars : undefined, { mine: '"M"' });
  const second = decideExecution(state, { type: 'FireTimers' }, env(T0 + 5_000));
  t.deepEqual(output(second), [{ top: 'T', mine: 'M' }]);
  t.true(replayExecution([...first, ...second]).ok);
});

test('JSONata randomness, ids and time come from the decision and replay exactly', (t) => {
  const events = start(
    {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: { r: '{% $random() %}', id: '{% $uuid() %}', now: '{% $now() %}' }, End: true } },
    },
    '{}',
    env(T0, () => 0.75),
  );
  const out = output(events);
  t.is(out.r, 0.75);
  t.is(out.now, new Date(T0).toISOString());
  t.deepEqual((events[0]!.metadata as { trigger: { randoms: number[] } }).trigger.randoms, [0.75]);
  t.true(replayExecution(events).ok);
});

test('an assigned value over 256 KiB, or an Assign block over 256 KiB, fails the state with States.DataLimitExceeded', (t) => {
  const input = JSON.stringify({ s: 'x'.repeat(150_000) });
  const one = start(
    { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Assign: { big: '{% $states.input.s & $states.input.s %}' }, End: true } } },
    input,
  );
  t.is(failed(one)!.error, 'States.DataLimitExceeded');
  t.regex(failed(one)!.cause!, /'big'/);
  const block = start({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { 'a.$': '$.s', 'b.$': '$.s' }, End: true } } }, input);
  t.is(failed(block)!.error, 'States.DataLimitExceeded');
  const fits = start({ StartAt: 'A', States: { A: { Type: 'Pass', Assign: { 'a.$': '$.s' }, End: true } } }, input);
  t.is(fits.at(-1)!.type, 'ExecutionSucceeded');
});
