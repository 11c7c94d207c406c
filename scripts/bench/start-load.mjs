/**
 * The client side of bench:scale's fixed-rate StartExecution run, in a worker thread of its own:
 * the client's cost runs on its own event loop, as a client on another machine would, and does not
 * delay the server's. It still shares the machine's cores.
 *
 * Two clients: `sdk`, the AWS SDK v3 (the client of record: building, signing and parsing each
 * call costs ~1 ms of CPU here, on the cores the server runs on), and `http`, the same request
 * over keep-alive `node:http` with the body and headers the SDK sends (unsigned: the server does
 * not check signatures), which leaves the machine to the server.
 *
 * workerData: { endpoint, stateMachineArn, rate, seconds, input, client: 'sdk' | 'http' }. Posts back
 * { ms: number[] (each call timed from its scheduled send to its answer), failed: number, firstError?: string }.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

const { endpoint, stateMachineArn, rate, seconds, input, client: clientKind } = workerData;
// Independent clients: as many connections as calls in flight (the default pool of 50 would queue them).
const agent = new http.Agent({ keepAlive: true, maxSockets: 4096 });

const sdkSend = () => {
  const client = new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
  return (name) => client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
};

const httpSend = () => {
  const url = new URL(endpoint);
  return (name) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ stateMachineArn, name, input });
      const headers = {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'AWSStepFunctions.StartExecution',
        'Content-Length': Buffer.byteLength(body),
      };
      const req = http.request({ host: url.hostname, port: url.port, path: '/', method: 'POST', agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200 && JSON.parse(text).executionArn) resolve();
          else reject(new Error(`HTTP ${res.statusCode}: ${text}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
};

const send = clientKind === 'http' ? httpSend() : sdkSend();

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
agent.destroy();
