/**
 * The client side of the history reads of bench:history and bench:scale, in a worker thread of its
 * own: the SDK's cost (signing, decoding a page into its shapes) runs on its own event loop, as a
 * client in another process would, and the server's work on a page overlaps the client's on the
 * one before, as it does in production. It still shares the machine's cores.
 *
 * workerData: { endpoint, executionArn, jobs: [{ name, rounds, whole: boolean, reverseOrder?, includeExecutionData? }] }.
 * Posts back { [name]: { ms: number[] (sorted), value } }: a whole history's value is its number of
 * events, one page's the number of events on it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { readWholeHistory, timedRuns } from './long-history.mjs';

const { endpoint, executionArn, jobs } = workerData;
const client = new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'b', secretAccessKey: 'b' }, maxAttempts: 1 });
const results = {};
for (const job of jobs) {
  const work = job.whole
    ? () => readWholeHistory(client, executionArn, job.reverseOrder === true)
    : async () =>
        (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, includeExecutionData: job.includeExecutionData }))).events.length;
  results[job.name] = await timedRuns(job.rounds, work);
}
client.destroy();
parentPort.postMessage(results);
