/**
 * The worker thread that runs an {@link AllPass}: the reading thread posts pages of `$all` here,
 * so hashing one page overlaps reading the next (on the embedded store the reading is the main
 * thread's own work; on Postgres it is the row decoding).
 *
 * Messages in: `{ page: RecordedEvent[] }` (answered with `{ ack: true }`), then `{ finish: true }`
 * (answered with `{ result: AllPassResult }`). `workerData`: {@link AllPassWorkerData}.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RecordedEvent } from '@stepstream/eventstore';
import { AllPass, type CheckpointEvents, type VerifyScope } from './all-pass.js';

/** What the worker is started with. */
export interface AllPassWorkerData {
  readonly wanted: readonly number[];
  readonly checkpointEvents: CheckpointEvents;
  readonly scope?: VerifyScope;
  /** Keep every leaf's data, to tell which events a failed checkpoint misses. */
  readonly keepLeaves?: boolean;
}

/** A message to the worker. */
export type ToAllPassWorker = { readonly page: readonly RecordedEvent[] } | { readonly finish: true };

const port = parentPort;
if (port !== null) {
  const data = workerData as AllPassWorkerData;
  const pass = new AllPass(data.wanted, data.checkpointEvents, data.scope, data.keepLeaves);
  port.on('message', (message: ToAllPassWorker) => {
    if ('page' in message) {
      pass.addPage(message.page);
      port.postMessage({ ack: true });
    } else {
      const result = pass.finish();
      // The kept leaves move to the caller without a copy.
      port.postMessage({ result }, result.leafData?.chunks.map((chunk) => chunk.buffer as ArrayBuffer) ?? []);
    }
  });
}
