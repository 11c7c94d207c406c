import { openPGlite } from '@stepstream/eventstore';
import test from 'ava';
import type { LambdaFunctions } from '../src/integrations/lambda.js';
import { assertSoundHistory, closeDatabase, count, createMachine, ended, historyReaches, startExecution, startNode } from './engine-fixtures.js';

// A task the engine started whose answer was never recorded (its process stopped) may or may not
// have had its effect: a Standard workflow runs it at most once, so the next engine records it
// failed (States.TaskFailed, with a cause that says why) instead of making the call again; a Retry
// on States.TaskFailed makes it again, as a new attempt.

test('a Lambda task interrupted by a stop is recorded failed at the next start, and only a Retry invokes it again', async (t) => {
  const db = await openPGlite();
  t.teardown(() => closeDatabase(db));
  const calls: number[] = [];
  // The first invocation never answers (the process "dies" while it runs); later ones answer at once.
  const functions: LambdaFunctions = {
    invoke: (call) => {
      const attempt = (JSON.parse(call.body) as { attempt: number }).attempt;
      calls.push(attempt);
      return attempt === 0
        ? new Promise(() => {})
        : Promise.resolve({ kind: 'ok', payload: { attempt }, body: JSON.stringify({ attempt }), executedVersion: '$LATEST' });
    },
  };
  const first = await startNode(db, { lambda: functions, drainMs: 50 });
  const machine = await createMachine(first.engine, 'interrupted', {
    StartAt: 'Invoke',
    States: {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f', Payload: { 'attempt.$': '$$.State.RetryCount' } },
        Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 1, MaxAttempts: 1 }],
        End: true,
      },
    },
  });
  const run = await startExecution(first.engine, machine);
  await historyReaches(first.store, run.stream, 'TaskStarted');
  await first.close();

  const second = await startNode(db, { lambda: functions });
  t.teardown(() => second.close());
  const state = await ended(second.engine, run.stream);
  t.is(state.status, 'SUCCEEDED');
  t.deepEqual(calls, [0, 1], 'attempt 0 was invoked once (and never again), attempt 1 by the Retry');
  const history = await second.store.readStream(run.stream);
  assertSoundHistory(t, history);
  const failed = history.find((e) => e.type === 'TaskFailed')?.data as { taskFailedEventDetails?: { error?: string; cause?: string } } | undefined;
  t.is(failed?.taskFailedEventDetails?.error, 'States.TaskFailed');
  t.regex(failed?.taskFailedEventDetails?.cause ?? '', /stopped before its answer was recorded, so the call may or may not have happened/);
  t.is(count(history, 'TaskScheduled'), 2);
  t.is(count(history, 'TaskSucceeded'), 1);
});
