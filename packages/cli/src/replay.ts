import { ENGINE_VERSION, replayExecution, type RecordedHistoryEvent } from '@stepstream/domain';
import type { EventStore, RecordedEvent } from '@stepstream/eventstore';
import { locateExecution, locateStateMachine } from '@stepstream/runtime';
import { UsageError } from './args.js';
import { allPages, streamPages } from './verify/pages.js';

/** What `stepstream replay` was asked: one execution, one state machine's executions, or every execution (neither). */
export interface ReplayArgs {
  readonly execution?: string;
  readonly stateMachine?: string;
  readonly json: boolean;
}

/** An execution whose stored history the current engine does not decide again event for event. */
export interface Divergence {
  readonly executionArn: string;
  readonly stream: string;
  /** The first event that differs (its AWS id), and what differs. */
  readonly eventId: number;
  readonly reason: string;
  /** The engine version that started the execution, when it is not this one: a difference is then expected, not a fault. */
  readonly writtenBy?: number;
}

export interface ReplayReport {
  readonly executions: number;
  readonly events: number;
  readonly decisions: number;
  readonly divergences: readonly Divergence[];
  readonly engineVersion: number;
}

const PAGE = 1000;

/** The replay cannot run as asked (an execution that is not stored): the CLI prints the message and exits 1. */
export class ReplayRefused extends Error {}

/** The execution streams in scope, in the order they started: read off the ExecutionStarted events of `$all`. */
const executionStreams = async (store: EventStore, prefix: string, onPage: (found: number) => void): Promise<string[]> => {
  const head = await store.headPosition();
  const streams: string[] = [];
  if (head === undefined) return streams;
  for await (const page of allPages(store, head, PAGE, { streamNamePrefixes: [prefix], types: ['ExecutionStarted'] })) {
    for (const event of page) streams.push(event.streamName);
    onPage(streams.length);
  }
  return streams;
};

const readWhole = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for await (const page of streamPages(store, stream, PAGE)) events.push(...page);
  return events;
};

/** Which streams `args` names: one execution's, a prefix of executions, or all. */
export const replayScope = (args: ReplayArgs): { readonly stream: string } | { readonly prefix: string } => {
  if (args.execution !== undefined && args.stateMachine !== undefined) throw new UsageError('replay takes --execution or --state-machine, not both');
  if (args.execution !== undefined) {
    const located = locateExecution(args.execution);
    if (located._tag === 'Left') throw new UsageError(`--execution: ${located.left.message}`);
    return { stream: located.right.stream };
  }
  if (args.stateMachine !== undefined) {
    const located = locateStateMachine(args.stateMachine);
    if (located._tag === 'Left') throw new UsageError(`--state-machine: ${located.left.message}`);
    return { prefix: `execution-${located.right.stream.slice('stateMachine-'.length)}:` };
  }
  return { prefix: 'execution-' };
};

/**
 * `stepstream replay`: feeds every stored history in scope back through the current engine's
 * decider, decision by decision (`@stepstream/domain`'s `replayExecution`), and reports each
 * execution whose history it does not reproduce exactly, with the first event that differs — the
 * check to run before an upgrade. An execution started by another engine version is reported as
 * such when it differs. `progress` is called as executions are found and replayed.
 *
 * @example
 * const report = await replayStore(store, { prefix: 'execution-' }, (done, total) => console.error(`${done}/${total}`));
 * report.divergences.length === 0; // the engine decides every stored history as it was written
 */
export const replayStore = async (
  store: EventStore,
  scope: ReturnType<typeof replayScope>,
  progress: (replayed: number, total: number) => void = () => {},
): Promise<ReplayReport> => {
  const streams = 'stream' in scope ? [scope.stream] : await executionStreams(store, scope.prefix, (found) => progress(0, found));
  const divergences: Divergence[] = [];
  let executions = 0;
  let events = 0;
  let decisions = 0;
  for (const stream of streams) {
    const stored = await readWhole(store, stream);
    if (stored.length === 0) {
      if ('stream' in scope) throw new ReplayRefused(`no execution is stored in ${stream}: check the ARN, and --data or --database-url`);
      continue;
    }
    const started = stored[0]!.metadata as { executionArn?: unknown; engineVersion?: unknown };
    const executionArn = typeof started.executionArn === 'string' ? started.executionArn : stream;
    const writtenBy = typeof started.engineVersion === 'number' ? started.engineVersion : undefined;
    const result = replayExecution(stored as unknown as RecordedHistoryEvent[]);
    executions += 1;
    events += stored.length;
    if (result.ok) decisions += result.decisions;
    else
      divergences.push({
        executionArn,
        stream,
        eventId: result.eventId,
        reason: result.reason,
        ...(writtenBy !== ENGINE_VERSION ? { writtenBy: writtenBy ?? 1 } : {}),
      });
    progress(executions, streams.length);
  }
  return { executions, events, decisions, divergences, engineVersion: ENGINE_VERSION };
};

/** One line per divergence and a closing line, as `stepstream replay` prints them. */
export const formatReplay = (report: ReplayReport, what: string): string => {
  const lines = report.divergences.map(
    (d) =>
      `${d.executionArn}: event ${d.eventId} differs${d.writtenBy !== undefined ? ` (written by engine version ${d.writtenBy}, this is ${report.engineVersion})` : ''}: ${d.reason}`,
  );
  const counted = `${report.executions} execution${report.executions === 1 ? '' : 's'}, ${report.events} events, ${report.decisions} decisions`;
  lines.push(
    report.divergences.length === 0
      ? `replay of ${what}: OK: engine version ${report.engineVersion} decides every stored history as it was written (${counted})`
      : `replay of ${what}: ${report.divergences.length} of ${report.executions} executions differ (${counted})`,
  );
  return `${lines.join('\n')}\n`;
};
