import {
  decideExecution,
  evolveExecution,
  executionEffects,
  initialExecutionState,
  type DecisionEnv,
  type ExecutionCommand,
  type ExecutionEffect,
  type ExecutionInfo,
  type ExecutionState,
  type NewHistoryEvent,
} from '@stepstream/domain';
import { isLeaseLostError, WrongExpectedVersionError, type EventStore, type Position } from '@stepstream/eventstore';
import type { CallMetadata } from '../command.js';
import type { FoldedExecutions } from './folded-executions.js';
import type { Logger } from '../logger.js';
import type { Recoveries } from './recoveries.js';
import { unsuccessfulEnd } from './report-end.js';

/** What one command on an existing execution came to: the state after it, and where its events landed. */
export interface ExecutionOutcome {
  readonly state: ExecutionState;
  /** Where the events landed; undefined when the decision appended nothing. */
  readonly position: Position | undefined;
  readonly appended: boolean;
}

/** What the execution command handler needs: the store, the kept folds, the crash marks, and the reaction to an append. */
export interface ExecutionCommandPort {
  readonly store: EventStore;
  readonly folded: FoldedExecutions;
  readonly recoveries: Recoveries;
  readonly log: Logger;
  /** The decision environment (clock, ids, task tokens) for an execution. */
  readonly env: (executionArn?: string) => DecisionEnv;
  /** Fault injection: the process dies deciding any execution that enters a state of this name. */
  readonly crashEnteringState?: string | undefined;
  /** Whether the execution's state machine was deleted (its next transition stops it). */
  readonly machineDeleted: (stream: string) => Promise<boolean>;
  /** The last heartbeat the runtime has seen of each task the execution waits on (they write no event). */
  readonly heartbeats: (stream: string, state: ExecutionState) => Readonly<Record<string, number>>;
  /** Performs a decision's effects: dispatch tasks, arm the timer, answer a parent (the reactor); `revision` is the stream's last one now. */
  readonly react: (stream: string, effects: readonly ExecutionEffect[], revision: bigint) => void;
  /** The executions on their own virtual clocks (`time: virtual`): told of each one seen running, and of its end. */
  readonly clocks?: { readonly register: (stream: string, executionArn: string) => void; readonly forget: (stream: string) => void };
}

const withMetadata = (decided: readonly NewHistoryEvent[], meta: CallMetadata) => decided.map((e) => ({ ...e, metadata: { ...meta, ...(e.metadata ?? {}) } }));

/**
 * The execution command handler: the only way events are appended to an execution's stream.
 * Read the fold kept from the last decision (and what others appended since), decide, append with
 * the revision read, remember the fold, then react. The caller holds the execution's queue.
 */
export class ExecutionCommands {
  constructor(private readonly port: ExecutionCommandPort) {}

  /** The execution's state at the head of its stream (`status` undefined when it does not exist). */
  async load(stream: string): Promise<ExecutionState> {
    return this.observe(stream, (await this.port.folded.load(stream)).state);
  }

  /** An execution on its own virtual clock is registered while it runs (its decisions and alarms use that clock), dropped at its end. */
  private observe(stream: string, state: ExecutionState): ExecutionState {
    const clocks = this.port.clocks;
    if (clocks === undefined || state.info?.time !== 'virtual') return state;
    if (state.status === 'RUNNING') clocks.register(stream, state.info.executionArn);
    else clocks.forget(stream);
    return state;
  }

  /**
   * Decides and appends one command on an existing execution; undefined when it does not exist.
   * An execution whose state machine was deleted is stopped at its next transition (AWS): a
   * timer or task answer then aborts it instead.
   */
  async run(stream: string, requested: ExecutionCommand, meta: CallMetadata): Promise<ExecutionOutcome | undefined> {
    const { folded, recoveries, log, store } = this.port;
    const transition = requested.type === 'FireTimers' || requested.type === 'TaskUpdate';
    const command: ExecutionCommand = transition && (await this.port.machineDeleted(stream)) ? { type: 'StopExecution' } : requested;
    if (command !== requested) log.info(`${stream}: its state machine was deleted; stopping it at this transition`);
    // Read (the fold kept from the last decision, and what others appended since), decide, append
    // with the revision read; a writer that raced us makes the append fail, and we decide again.
    for (let attempt = 1; ; attempt++) {
      const { state: before, revision } = await folded.load(stream);
      if (revision === 'no_stream') return undefined;
      this.observe(stream, before);
      await recoveries.begin(stream);
      const decided = decideExecution(before, command, this.port.env(before.info?.executionArn));
      const crash = this.port.crashEnteringState;
      if (crash !== undefined && decided.some((e) => e.type.endsWith('StateEntered') && e.data.stateEnteredEventDetails?.name === crash)) {
        log.error(`fault injection: the process dies deciding ${stream} (it enters '${crash}')`);
        process.kill(process.pid, 'SIGKILL');
      }
      let state = before;
      for (const e of decided) state = evolveExecution(state, e);
      const effects = () => executionEffects(before, state, this.port.heartbeats(stream, state));
      if (decided.length === 0) {
        this.port.react(stream, effects(), revision);
        return { state, position: undefined, appended: false };
      }
      try {
        const appended = await store.appendToStream(stream, withMetadata(decided, meta), { expectedRevision: revision }).catch((e: unknown) => {
          // Refused by its fence (another node owns the execution now): this process did not stop
          // while deciding, so a recovery mark it made is settled (the new owner makes its own).
          if (isLeaseLostError(e)) recoveries.settle(stream);
          throw e;
        });
        folded.remember(stream, state, appended.nextExpectedRevision);
        this.observe(stream, state);
        this.reportEnd(state, decided);
        this.port.react(stream, effects(), appended.nextExpectedRevision);
        return { state, position: appended.position, appended: true };
      } catch (e) {
        if (!(e instanceof WrongExpectedVersionError) || attempt >= 8) throw e;
      }
    }
  }

  /**
   * StartExecution's append: the new execution's first events with `no_stream` (the store
   * enforces the name's uniqueness), then the reaction; undefined when the stream exists already.
   */
  async start(
    stream: string,
    info: ExecutionInfo,
    now: number,
    meta: CallMetadata,
    command: ExecutionCommand = { type: 'StartExecution', info },
  ): Promise<{ readonly position: Position } | undefined> {
    const decided = decideExecution(initialExecutionState, command, { ...this.port.env(info.executionArn), now });
    try {
      const appended = await this.port.store.appendToStream(stream, withMetadata(decided, meta), { expectedRevision: 'no_stream' });
      const started = decided.reduce(evolveExecution, initialExecutionState);
      this.port.folded.remember(stream, started, appended.nextExpectedRevision);
      this.observe(stream, started);
      this.reportEnd(started, decided);
      this.port.react(stream, executionEffects(initialExecutionState, started), appended.nextExpectedRevision);
      return { position: appended.position };
    } catch (e) {
      if (!(e instanceof WrongExpectedVersionError)) throw e;
      return undefined;
    }
  }

  /** `info` logs every execution that ends unsuccessfully (one line: status, error, cause). */
  private reportEnd(state: ExecutionState, decided: readonly { readonly type: string }[]): void {
    const line = unsuccessfulEnd(state, decided);
    if (line !== undefined) this.port.log.info(line);
  }
}
