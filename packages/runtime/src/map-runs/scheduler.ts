import { scopeOf } from '../locate.js';
import {
  decodeMapRunEvents,
  executionArn as makeExecutionArn,
  foldDecider,
  mapRunDecider,
  mapRunResult,
  type ApiError,
  type ArnScope,
  type ExecutionCommand,
  type ExecutionInfo,
  type ExecutionState,
  type MapRunAnswer,
  type MapRunResult,
  type MapRunSpec,
  type ParentTask,
  type PendingTask,
  type TaskSignal,
} from '@stepstream/domain';
import type { EventStore } from '@stepstream/eventstore';
import * as E from 'fp-ts/lib/Either.js';
import { handleCommand, type CallMetadata } from '../command.js';
import { locateExecution } from '../locate.js';
import type { Logger } from '../logger.js';
import type { SerialQueue } from '../serial-queue.js';
import { applyMapRunUpdate, mapRunChildName, mapRunChildStream, mapRunStream, type MapRunTracker, type MapRunUpdate } from './tracker.js';

/** How long starting children may run before the event loop gets a turn. */
const YIELD_MS = 20;

/** What the Map Run scheduler needs from the engine: the store, the executions' queue, and a narrow way to command executions. */
export interface MapRunPort {
  readonly store: EventStore;
  readonly scope: ArnScope;
  readonly clock: () => number;
  /** The engine's per-stream queue: a child's commands queue behind the engine's own on that child. */
  readonly queue: SerialQueue;
  readonly isClosed: () => boolean;
  readonly loadExecutionState: (stream: string) => Promise<ExecutionState>;
  /** Decides and appends a command on an existing execution (the caller holds its queue); undefined when it does not exist. */
  readonly runExecutionCommand: (
    stream: string,
    command: ExecutionCommand,
    meta: CallMetadata,
  ) => Promise<{ readonly state: ExecutionState; readonly appended: boolean } | undefined>;
  /** Appends a new execution's start (`no_stream`) and acts on it (the caller holds its queue); false when the stream exists. */
  readonly appendStart: (stream: string, info: ExecutionInfo, now: number, meta: CallMetadata) => Promise<boolean>;
  readonly log?: Logger;
  /** The metadata fencing the appends this node makes for the Map Run of an execution it owns (cluster/ownership.ts). */
  readonly fence?: (parentStream: string) => CallMetadata;
  /** Writes a finished Map Run's results where its ResultWriter says (runtime/map-runs/results.ts); what it wrote, or why it could not. */
  readonly writeResults?: (spec: MapRunSpec, results: readonly MapRunResult[]) => Promise<Pick<MapRunAnswer, 'written' | 'writeFailed'>>;
  /** Answers the parent's task (SendTaskSuccess inside the engine). */
  readonly completeTask: (executionArn: string, taskId: string, answer: TaskSignal) => Promise<unknown>;
}

/**
 * The Map Runs in progress in this process (Distributed Map): starts each Map Run's children
 * while there is room under MaxConcurrency, counts them as they end, and answers the parent's
 * task when all have. Its state is rebuilt after a restart from the children's streams (found by
 * name) and the Map Run's stream of updates.
 */
export class MapRunScheduler {
  /** Map Runs in progress in this process, by `parentStream#taskId`. */
  private readonly trackers = new Map<string, MapRunTracker>();
  /** The streams of the children running now, and the key of their Map Run: another node may end them. */
  private readonly children = new Map<string, string>();

  private fence(t: { readonly parentStream: string }): CallMetadata {
    return this.port.fence?.(t.parentStream) ?? {};
  }

  /** A child of a Map Run runs: its end, wherever it is decided, reaches the Map Run ({@link childMayHaveEnded}). */
  private watch(key: string, t: MapRunTracker, index: number): void {
    t.running.add(index);
    this.children.set(mapRunChildStream(this.port.scope, t.spec, index), key);
  }

  /** When starting children last let the event loop turn. */
  private yieldedAt = 0;

  constructor(private readonly port: MapRunPort) {}

  /**
   * Runs a Distributed Map's Map Run: one child execution per input, at most MaxConcurrency at a
   * time, named `<map run id>-<index>` so that starting one again is idempotent. After a restart
   * the children already started are found by name. When every child has ended, the parent's
   * task gets each one's output or Error Output.
   */
  run(parentStream: string, parent: ExecutionInfo, task: PendingTask): Promise<void> {
    const key = `${parentStream}#${task.id}`;
    return this.port.queue.run(`mapRun:${key}`, async () => {
      if (this.trackers.has(key) || this.port.isClosed()) return;
      const spec = JSON.parse(task.input) as MapRunSpec;
      const n = spec.inputs.length;
      const tracker: MapRunTracker = {
        spec,
        parent,
        parentStream,
        taskId: task.id,
        results: new Array<MapRunResult | undefined>(n).fill(undefined),
        running: new Set(),
        next: 0,
        limit: spec.maxConcurrency > 0 ? spec.maxConcurrency : n,
      };
      this.trackers.set(key, tracker);
      // The updates an UpdateMapRun made before (a restart), as they stand now.
      applyMapRunUpdate(tracker, foldDecider(mapRunDecider, decodeMapRunEvents(await this.port.store.readStream(mapRunStream(spec.mapRunArn)))));
      // Children started before (a restart, or a redrive of this Map Run): ended ones count,
      // running ones will report. A redriven Map Run keeps the children that succeeded and
      // redrives the others, which then answer this task.
      while (tracker.next < n) {
        const index = tracker.next;
        const stream = mapRunChildStream(this.port.scope, spec, index);
        const child = await this.port.loadExecutionState(stream);
        if (child.status === undefined) break;
        tracker.next++;
        const redrive = (spec.redriveCount ?? 0) > 0 && child.status !== 'SUCCEEDED' && child.info?.parent?.taskId !== task.id;
        if (child.status === 'RUNNING' && !redrive) this.watch(key, tracker, index);
        else if (redrive) {
          // A child still running under the old task (its parent was stopped a moment ago) is
          // stopped first: its end would answer a task nobody waits for.
          const parentLink = { ...child.info!.parent!, taskId: task.id };
          const redriven = await this.port.queue.run(stream, async () => {
            if (child.status === 'RUNNING') await this.port.runExecutionCommand(stream, { type: 'StopExecution' }, this.fence(tracker));
            return this.port.runExecutionCommand(stream, { type: 'RedriveExecution', parent: parentLink }, this.fence(tracker));
          });
          if (redriven?.appended && redriven.state.status === 'RUNNING') this.watch(key, tracker, index);
          else tracker.results[index] = mapRunResult(redriven?.state ?? child);
        } else tracker.results[index] = mapRunResult(child);
      }
      // A child found running may have ended between its read and its watch: look once more (after this).
      for (const index of tracker.running) {
        const stream = mapRunChildStream(this.port.scope, spec, index);
        this.childMayHaveEnded(stream).catch((e: unknown) => this.port.log?.error(`could not read Map Run child ${stream}`, e));
      }
      await this.fill(key, tracker);
    });
  }

  /** Starts children while there is room; answers the parent once all have ended. */
  private async fill(key: string, t: MapRunTracker): Promise<void> {
    const n = t.spec.inputs.length;
    while (t.running.size < t.limit && t.next < n) {
      const index = t.next++;
      this.watch(key, t, index);
      await this.startChild(t, index);
      // Starting up to MaxConcurrency children is a long chain of appends: on the embedded store
      // (answered in this thread, through promises alone) it would starve every other request, so
      // every YIELD_MS the event loop gets a turn.
      if (performance.now() - this.yieldedAt > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        this.yieldedAt = performance.now();
      }
    }
    if (t.results.every((r) => r !== undefined)) {
      this.trackers.delete(key);
      const results = t.results as MapRunResult[];
      // A ResultWriter with a bucket: the results are written before the parent hears of them.
      const writer = t.spec.writer?.bucket !== undefined && this.port.writeResults ? await this.port.writeResults(t.spec, results) : {};
      const answer: MapRunAnswer = { results, ...(t.tolerance ? { tolerance: t.tolerance } : {}), ...writer };
      await this.port.completeTask(t.parent.executionArn, t.taskId, { type: 'succeeded', output: JSON.stringify(answer) });
    }
  }

  private async startChild(t: MapRunTracker, index: number): Promise<void> {
    const sm = t.spec.stateMachineArn.split(':')[6]!;
    const name = mapRunChildName(t.spec, index);
    const stream = mapRunChildStream(this.port.scope, t.spec, index);
    const now = this.port.clock();
    const executionArn = makeExecutionArn(scopeOf(this.port.scope, t.spec.stateMachineArn), sm, name);
    const info: ExecutionInfo = {
      executionArn,
      stateMachineArn: t.spec.stateMachineArn,
      stateMachineName: sm,
      name,
      roleArn: t.parent.roleArn,
      definition: t.spec.definition,
      stateMachineType: 'STANDARD',
      input: JSON.stringify(t.spec.inputs[index] ?? null),
      startDate: now,
      parent: { executionArn: t.parent.executionArn, taskId: t.taskId, pattern: 'mapRun', index, mapRunArn: t.spec.mapRunArn },
    };
    await this.port.queue.run(stream, async () => {
      if (await this.port.appendStart(stream, info, now, this.fence(t))) return;
      // Started before (a restart): if it has ended meanwhile, count it.
      const child = await this.port.loadExecutionState(stream);
      const parent = child.info?.parent;
      if (child.status !== 'RUNNING' && parent?.index !== undefined) void this.childEnded({ ...parent, index: parent.index }, mapRunResult(child));
    });
  }

  /** A Map Run child ended (item or batch `parent.index` of the Map Run): record its result and start the next one. */
  childEnded(parent: ParentTask & { readonly index: number }, result: MapRunResult): Promise<void> {
    const located = locateExecution(parent.executionArn);
    if (E.isLeft(located)) return Promise.resolve();
    const key = `${located.right.stream}#${parent.taskId}`;
    return this.port.queue.run(`mapRun:${key}`, async () => {
      const t = this.trackers.get(key);
      if (!t || t.results[parent.index] !== undefined) return;
      t.results[parent.index] = result;
      t.running.delete(parent.index);
      this.children.delete(mapRunChildStream(this.port.scope, t.spec, parent.index));
      await this.fill(key, t);
    });
  }

  /**
   * UpdateMapRun: a running Map Run's MaxConcurrency (applied at once) and tolerated failures
   * (applied when it ends), kept in the Map Run's stream so a restart keeps them.
   */
  async update(mapRunArn: string, update: MapRunUpdate, running: boolean, meta: CallMetadata = {}): Promise<E.Either<ApiError, Record<string, never>>> {
    const outcome = await handleCommand<E.Either<ApiError, Record<string, never>>>(
      this.port.store,
      mapRunStream(mapRunArn),
      (events) => {
        const decided = mapRunDecider.decide(foldDecider(mapRunDecider, decodeMapRunEvents(events)), {
          type: 'UpdateMapRun',
          mapRunArn,
          update,
          running,
          now: this.port.clock(),
        });
        return E.isLeft(decided) ? { events: [], result: decided } : { events: decided.right, result: E.right({}) };
      },
      { metadata: { ...meta } },
    );
    if (E.isLeft(outcome.result)) return outcome.result;
    for (const [key, t] of this.trackers) {
      if (t.spec.mapRunArn !== mapRunArn) continue;
      await this.port.queue.run(`mapRun:${key}`, async () => {
        applyMapRunUpdate(t, update);
        await this.fill(key, t);
      });
    }
    return E.right({});
  }

  /**
   * An execution ended somewhere (cluster/follower.ts): when it is a running child of a Map Run
   * this node schedules, its result is recorded and the next child started.
   */
  async childMayHaveEnded(stream: string): Promise<void> {
    if (!this.children.has(stream)) return;
    const child = await this.port.loadExecutionState(stream);
    const parent = child.info?.parent;
    if (child.status === 'RUNNING' || child.status === undefined || parent?.index === undefined) return;
    await this.childEnded({ ...parent, index: parent.index }, mapRunResult(child));
  }

  /**
   * A Map Run's updates grew (cluster/follower.ts: an UpdateMapRun another node served): a Map Run
   * this node schedules applies them as they stand now.
   */
  async updated(stream: string): Promise<void> {
    for (const [key, t] of this.trackers) {
      if (mapRunStream(t.spec.mapRunArn) !== stream) continue;
      const now = foldDecider(mapRunDecider, decodeMapRunEvents(await this.port.store.readStream(stream)));
      await this.port.queue.run(`mapRun:${key}`, async () => {
        applyMapRunUpdate(t, now);
        await this.fill(key, t);
      });
    }
  }

  /** Shards given up or lost (cluster/leases.ts): their executions' Map Runs are scheduled by their new owner. */
  dropWhere(inShards: (parentStream: string) => boolean): void {
    for (const [key, t] of this.trackers) {
      if (!inShards(t.parentStream)) continue;
      this.trackers.delete(key);
      for (const [child, of] of this.children) if (of === key) this.children.delete(child);
    }
  }

  /**
   * The ARNs of the child runs running now for a parent's Map Run task: from its tracker when this
   * node schedules it, otherwise (another node owns the parent) read from the children's streams,
   * which are named by index and started in order.
   */
  async runningChildren(parentStream: string, task: PendingTask): Promise<string[]> {
    const run = this.trackers.get(`${parentStream}#${task.id}`);
    const arnOf = (spec: MapRunSpec, i: number) =>
      makeExecutionArn(scopeOf(this.port.scope, spec.stateMachineArn), spec.stateMachineArn.split(':')[6]!, mapRunChildName(spec, i));
    if (run) return [...run.running].map((i) => arnOf(run.spec, i));
    const spec = JSON.parse(task.input) as MapRunSpec;
    const running: string[] = [];
    for (let i = 0; i < spec.inputs.length; i++) {
      const child = await this.port.loadExecutionState(mapRunChildStream(this.port.scope, spec, i));
      if (child.status === undefined) break;
      if (child.status === 'RUNNING') running.push(arnOf(spec, i));
    }
    return running;
  }
}
