/**
 * The client side of bench:scale's fixed-rate StartExecution run, in a worker thread of its own:
 * the SDK's cost (building, signing, parsing) runs on its own event loop, as a client on another
 * machine would, and does not delay the server's. It still shares the machine's cores.
 *
 * workerData: { endpoint, stateMachineArn, rate, seconds, input }. Posts back
 * { ms: number[] (each call timed from its scheduled send to its answer), failed: number, firstError?: string }.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const { endpoint, stateMachineArn, rate, seconds, input } = workerData;
const client = new SFNClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  maxAttempts: 1,
  // Independent clients: as many connections as calls in flight (the default pool of 50 would queue them).
  requestHandler: { httpAgent: new http.Agent({ keepAlive: true, maxSockets: 4096 }) },
});

const send = (name) => client.send(new StartExecutionCommand({ stateMachineArn, name, input }));

// Warm-up: connections and the SDK's first-call costs are not in the timed calls.
await Promise.all(Array.from({ length: 20 }, (_, i) => send(`warm-${rate}-${Date.now()}-${i}`)));

const count = rate * seconds;
const began = performance.now();
const calls = [];
let failed = 0;
let firstError;
for (let i = 0; i < count; i++) {
  const at = began + (i * 1000) / rate;
  const wait = at - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  calls.push(
    send(`rate-${rate}-${Date.now()}-${i}`).then(
      () => performance.now() - at,
      (e) => {
        failed += 1;
        firstError ??= `${e.name}: ${e.message}`;
        return performance.now() - at;
      },
    ),
  );
}
const ms = await Promise.all(calls);
parentPort.postMessage({ ms, seconds: (performance.now() - began) / 1000, failed, firstError });
client.destroy();
