import test from 'ava';
import { env, fold, makeInfo, T0 } from './builders.js';
import { decideExecution, executionEffects, initialExecutionState, type ExecutionEffect, type ExecutionInfo, type ParentTask } from '../src/index.js';

// Given a decision (the state before and after it), then the effects the runtime performs: tasks
// dispatched once when they appear, forgotten when they go, the parent answered once at the end,
// and the next timer.

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:f';
const TASK = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN, TimeoutSeconds: 30, End: true } } };
const WAIT = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 5, End: true } } };
const PASS = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };

const started = (definition: object, info: ExecutionInfo = makeInfo(definition)) =>
  fold(decideExecution(initialExecutionState, { type: 'StartExecution', info }, env()));
const kinds = (effects: readonly ExecutionEffect[]) => effects.map((e) => e.type);

test('a start that waits on a task dispatches it and arms its timeout', (t) => {
  const after = started(TASK);
  const effects = executionEffects(initialExecutionState, after);
  t.deepEqual(kinds(effects), ['DispatchTask', 'ArmTimer']);
  const dispatch = effects[0] as Extract<ExecutionEffect, { type: 'DispatchTask' }>;
  t.is(dispatch.task.resource, FN);
  t.is(dispatch.info.executionArn, after.info!.executionArn);
  t.deepEqual(effects[1], { type: 'ArmTimer', at: T0 + 30_000 });
});

test('a decision that changes nothing dispatches nothing again: only the timer is armed', (t) => {
  const state = started(TASK);
  t.deepEqual(executionEffects(state, state), [{ type: 'ArmTimer', at: T0 + 30_000 }]);
});

test('a task answered is forgotten; the execution ends and no timer is armed', (t) => {
  const before = started(TASK);
  const taskId = executionEffects(initialExecutionState, before).flatMap((e) => (e.type === 'DispatchTask' ? [e.task.id] : []))[0]!;
  const startedTask = fold(decideExecution(before, { type: 'TaskUpdate', taskId, signal: { type: 'started' } }, env(T0 + 1)), before);
  t.deepEqual(kinds(executionEffects(before, startedTask)), ['WithdrawOffer', 'ArmTimer'], 'a task handed over is no longer offered');
  const after = fold(decideExecution(startedTask, { type: 'TaskUpdate', taskId, signal: { type: 'succeeded', output: '{}' } }, env(T0 + 2)), startedTask);
  t.is(after.status, 'SUCCEEDED');
  t.deepEqual(executionEffects(startedTask, after), [
    { type: 'ForgetTask', taskId },
    { type: 'ArmTimer', at: undefined },
  ]);
});

test('a heartbeat seen by the runtime moves the heartbeat timeout later', (t) => {
  const machine = { StartAt: 'T', States: { T: { Type: 'Task', Resource: FN, HeartbeatSeconds: 10, End: true } } };
  const before = started(machine);
  const taskId = pendingId(before);
  const running = fold(decideExecution(before, { type: 'TaskUpdate', taskId, signal: { type: 'started' } }, env(T0)), before);
  t.deepEqual(executionEffects(running, running).at(-1), { type: 'ArmTimer', at: T0 + 10_000 });
  t.deepEqual(executionEffects(running, running, { [taskId]: T0 + 4_000 }).at(-1), { type: 'ArmTimer', at: T0 + 14_000 });
});

test('a Wait arms the timer at its end', (t) => {
  t.deepEqual(executionEffects(initialExecutionState, started(WAIT)), [{ type: 'ArmTimer', at: T0 + 5_000 }]);
});

test('resuming after a restart (from the initial state) dispatches every task the execution waits on', (t) => {
  const state = started(TASK);
  t.deepEqual(kinds(executionEffects(initialExecutionState, state)), ['DispatchTask', 'ArmTimer']);
});

const parent = (pattern: ParentTask['pattern'], index?: number): ParentTask => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:parent:p',
  taskId: 'task-1',
  pattern,
  ...(index !== undefined ? { index, mapRunArn: 'arn:aws:states:us-east-1:123456789012:mapRun:parent/m:1' } : {}),
});

test('a .sync child that ends answers its parent once, with its DescribeExecution', (t) => {
  const child = started(PASS, { ...makeInfo(PASS, '{"a":1}'), parent: parent('sync') });
  const effects = executionEffects(initialExecutionState, child);
  t.deepEqual(kinds(effects), ['AnswerParent', 'ArmTimer']);
  const answer = effects[0] as Extract<ExecutionEffect, { type: 'AnswerParent' }>;
  t.is(answer.parent.taskId, 'task-1');
  t.is(answer.signal.type, 'succeeded');
  const describe = JSON.parse(answer.signal.type === 'succeeded' ? answer.signal.output : '{}') as { Status: string; Input: unknown; Output: unknown };
  t.is(describe.Status, 'SUCCEEDED');
  t.is(describe.Input, '{"a":1}', '.sync gives Input and Output as JSON texts');
  t.deepEqual(kinds(executionEffects(child, child)), ['ArmTimer'], 'an execution that had ended already answers no one again');
});

test('a .sync:2 child answers with Input and Output as JSON', (t) => {
  const child = started(PASS, { ...makeInfo(PASS, '{"a":1}'), parent: parent('sync:2') });
  const answer = executionEffects(initialExecutionState, child)[0] as Extract<ExecutionEffect, { type: 'AnswerParent' }>;
  const describe = JSON.parse(answer.signal.type === 'succeeded' ? answer.signal.output : '{}') as { Input: unknown };
  t.deepEqual(describe.Input, { a: 1 });
});

test('a Map Run child that ends reports its result to the Map Run, with its index', (t) => {
  const failing = { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'why' } } };
  const child = started(failing, { ...makeInfo(failing), parent: parent('mapRun', 7) });
  const effects = executionEffects(initialExecutionState, child);
  t.deepEqual(kinds(effects), ['ReportToMapRun', 'ArmTimer']);
  const report = effects[0] as Extract<ExecutionEffect, { type: 'ReportToMapRun' }>;
  t.is(report.parent.index, 7);
  // With its status and dates, which a ResultWriter's records carry.
  t.deepEqual(report.result, {
    ok: false,
    output: JSON.stringify({ Error: 'Boom', Cause: 'why' }),
    status: 'FAILED',
    startDate: child.info!.startDate,
    stopDate: child.stopDate,
  });
  t.is(typeof report.result.stopDate, 'number');
});

function pendingId(state: ReturnType<typeof started>): string {
  const dispatch = executionEffects(initialExecutionState, state).find((e) => e.type === 'DispatchTask');
  if (dispatch?.type !== 'DispatchTask') throw new Error('the execution waits on no task');
  return dispatch.task.id;
}
