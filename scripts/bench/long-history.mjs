/**
 * The long history bench:scale and bench:history both read: one execution of a Pass/Choice
 * counting loop, ~25,000 events, and how they time reading it through the SDK v3.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { CreateStateMachineCommand, DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';

/** Laps of the counting loop: 4 events each, so ~24,800 events in all (AWS's cap is 25,000). */
export const LAPS = 6_200;

/** Creates the loop machine (`name`), runs one execution of it to the end; its ARN and how long it ran (s). */
export const runLongHistory = async (client, roleArn, name) => {
  const loop = {
    StartAt: 'Count',
    States: {
      Count: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThanPath: '$.target', Next: 'Inc' }], Default: 'Done' },
      Inc: { Type: 'Pass', Parameters: { 'n.$': 'States.MathAdd($.n, 1)', 'target.$': '$.target' }, Next: 'Count' },
      Done: { Type: 'Succeed' },
    },
  };
  const machine = await client.send(new CreateStateMachineCommand({ name, definition: JSON.stringify(loop), roleArn }));
  const began = performance.now();
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: 'loop', input: JSON.stringify({ n: 0, target: LAPS }) }),
  );
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status === 'SUCCEEDED') break;
    if (d.status !== 'RUNNING') throw new Error(`the history execution ended ${d.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { executionArn, seconds: (performance.now() - began) / 1000 };
};

/** Reads the whole history in pages of 1,000, checking the ids follow each other; the number of events. */
export const readWholeHistory = async (client, executionArn, reverseOrder) => {
  let events = 0;
  let expected;
  let nextToken;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, reverseOrder, nextToken }));
    for (const e of page.events) {
      if (expected !== undefined && e.id !== expected) throw new Error(`event ${e.id} where ${expected} was expected`);
      expected = e.id + (reverseOrder ? -1 : 1);
    }
    events += page.events.length;
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

/** Runs `work` once untimed, then `n` times timed: the times in ms, sorted, and the last value. */
export const timedRuns = async (n, work) => {
  await work();
  const ms = [];
  let value;
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    value = await work();
    ms.push(performance.now() - a);
  }
  ms.sort((x, y) => x - y);
  return { ms, value };
};

/**
 * Runs history reads from an SDK client in a worker thread (history-client.mjs): `jobs` are
 * `{ name, rounds, whole, reverseOrder?, includeExecutionData? }`; the result maps each name to
 * `{ ms (sorted), value }`.
 */
export const historyReadsInWorker = (endpoint, executionArn, jobs) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./history-client.mjs', import.meta.url), { workerData: { endpoint, executionArn, jobs } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the history client worker exited (${code}) before it answered`)));
  });
