// An activity worker: polls an activity for tasks, does the work, answers with SendTaskSuccess or
// SendTaskFailure, and sends heartbeats while it works. Run it against a Stepstream server:
//
//   node examples/activity-worker.mjs <activityArn> [endpoint]
//
// Each task's input is {"numbers": [...]}; the answer is their sum. A task whose input has
// "fail": true is answered with SendTaskFailure, so a Catch can route it.
import { GetActivityTaskCommand, SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

const [activityArn, endpoint = 'http://127.0.0.1:8083'] = process.argv.slice(2);
if (!activityArn) {
  console.error('usage: node examples/activity-worker.mjs <activityArn> [endpoint]');
  process.exit(2);
}
// GetActivityTask waits up to 60 s: give the socket more than that.
const client = new SFNClient({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: { requestTimeout: 65_000 },
});
const workerName = `worker-${process.pid}`;
let running = true;
process.on('SIGTERM', () => {
  running = false;
  client.destroy(); // ends the long poll in flight
});

while (running) {
  let task;
  try {
    task = await client.send(new GetActivityTaskCommand({ activityArn, workerName }));
  } catch (e) {
    if (!running) break;
    console.error(`GetActivityTask failed (${e.name}: ${e.message}); retrying in 1 s`);
    await new Promise((r) => setTimeout(r, 1000));
    continue;
  }
  if (!task.taskToken) continue; // nothing came within the long poll: ask again
  const input = JSON.parse(task.input);
  const heartbeat = setInterval(() => client.send(new SendTaskHeartbeatCommand({ taskToken: task.taskToken })).catch(() => {}), 1000);
  try {
    if (input.fail) throw Object.assign(new Error('asked to fail'), { name: 'Worker.Refused' });
    const sum = input.numbers.reduce((a, b) => a + b, 0);
    await client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify({ sum, workerName }) }));
  } catch (e) {
    await client.send(new SendTaskFailureCommand({ taskToken: task.taskToken, error: e.name, cause: e.message }));
  } finally {
    clearInterval(heartbeat);
  }
}
