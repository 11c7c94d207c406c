import test from 'ava';
import { env, fold, startWith, T0 } from './builders.js';
import { shapeResult } from '../src/execution/dataflow.js';
import { decideExecution, pendingTasks, type NewHistoryEvent } from '../src/index.js';

// ResultSelector → ResultPath → OutputPath, written once (dataflow.ts `shapeResult`) for Task,
// Parallel and Map.

const scope = { input: { a: 1 }, context: { Execution: { Name: 'run' } }, variables: { v: 'var' } };

test('shapeResult: ResultSelector sees the result, $$ and variables; ResultPath merges into the raw input; OutputPath filters the merge', (t) => {
  const shaped = shapeResult(
    { ResultSelector: { 'x.$': '$.x', 'name.$': '$$.Execution.Name', 'v.$': '$v' }, ResultPath: '$.r', OutputPath: '$.r.x' },
    { a: 1 },
    { x: 2, y: 3 },
    scope,
  );
  t.deepEqual(shaped.result, { x: 2, name: 'run', v: 'var' });
  t.is(shaped.jsonPathOutput(), 2);
  // Without OutputPath the whole merge is the output: the raw input keeps its fields.
  t.deepEqual(shapeResult({ ResultSelector: { 'x.$': '$.x' }, ResultPath: '$.r' }, { a: 1 }, { x: 2 }, scope).jsonPathOutput(), { a: 1, r: { x: 2 } });
});

test('shapeResult: no fields pass the result through; ResultPath null keeps the raw input; OutputPath null gives {}', (t) => {
  const plain = shapeResult({}, { a: 1 }, [1, 2], scope);
  t.deepEqual(plain.result, [1, 2]);
  t.deepEqual(plain.jsonPathOutput(), [1, 2]);
  t.deepEqual(shapeResult({ ResultPath: null }, { a: 1 }, [1, 2], scope).jsonPathOutput(), { a: 1 });
  t.deepEqual(shapeResult({ OutputPath: null }, { a: 1 }, [1, 2], scope).jsonPathOutput(), {});
});

test('shapeResult: a ResultSelector error is raised at once; a bad OutputPath only when the output is asked for', (t) => {
  t.throws(() => shapeResult({ ResultSelector: { 'x.$': '$.missing' } }, {}, { x: 1 }, scope));
  const shaped = shapeResult({ OutputPath: '$.missing' }, {}, { x: 1 }, scope);
  t.deepEqual(shaped.result, { x: 1 });
  t.throws(() => shaped.jsonPathOutput());
});

// The same filters on each of the three states give the same output for the same result.
const filters = { ResultSelector: { 'first.$': '$[0]' }, ResultPath: '$.r', OutputPath: '$.r' };
const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:work';
const output = (events: readonly NewHistoryEvent[]) => JSON.parse(events.at(-1)!.data.executionSucceededEventDetails!.output) as unknown;

const states = {
  Parallel: () =>
    startWith({
      StartAt: 'S',
      States: {
        S: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'A', States: { A: { Type: 'Pass', Result: 'one', End: true } } },
            { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'two', End: true } } },
          ],
          ...filters,
        },
      },
    }),
  Map: () =>
    startWith(
      {
        StartAt: 'S',
        States: {
          S: { Type: 'Map', End: true, ItemsPath: '$.items', ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, ...filters },
        },
      },
      '{"items":["one","two"]}',
    ),
  Task: () => {
    const started = startWith({ StartAt: 'S', States: { S: { Type: 'Task', Resource: ACTIVITY, End: true, ...filters } } });
    const state = fold(started);
    const [task] = pendingTasks(state);
    return decideExecution(state, { type: 'TaskUpdate', taskId: task!.id, signal: { type: 'succeeded', output: '["one","two"]' } }, env(T0 + 1_000));
  },
};

for (const [type, run] of Object.entries(states)) {
  test(`${type}: ResultSelector → ResultPath → OutputPath`, (t) => {
    t.deepEqual(output(run()), { first: 'one' });
  });
}
