import type { EventStore } from '@stepstream/eventstore';
import type { Logger } from '../logger.js';

/** How many times an execution's decisions may take the process down before it is quarantined. */
export const CRASHES_BEFORE_QUARANTINE = 2;

/** The stream of an execution's recovery marks: `recovery-<execution stream>`. */
export const recoveryStream = (executionStream: string) => `recovery-${executionStream}`;

type RecoveryEvent =
  | { readonly type: 'RecoveryStarted'; readonly data: { readonly at: number } }
  | { readonly type: 'RecoverySettled'; readonly data: { readonly at: number } }
  | { readonly type: 'ExecutionQuarantined'; readonly data: { readonly at: number; readonly crashes: number } }
  | { readonly type: 'QuarantineReleased'; readonly data: { readonly at: number } };

/** What an execution's recovery marks say: marks never settled since the last settle or release, and whether it is quarantined. */
export const foldRecovery = (events: readonly { readonly type: string }[]): { readonly unsettled: number; readonly quarantined: boolean } => {
  let unsettled = 0;
  let quarantined = false;
  for (const e of events as readonly RecoveryEvent[]) {
    switch (e.type) {
      case 'RecoveryStarted':
        unsettled++;
        break;
      case 'RecoverySettled':
        unsettled = 0;
        break;
      case 'ExecutionQuarantined':
        quarantined = true;
        break;
      case 'QuarantineReleased':
        unsettled = 0;
        quarantined = false;
        break;
    }
  }
  return { unsettled, quarantined };
};

/**
 * Crash marks for the executions a process resumes. A process that dies while deciding an
 * execution (out of memory, a defect) would die again at every start if it ran that decision
 * again, and the service would never come back. So the first decision a process makes for an
 * execution it found running is preceded by a `RecoveryStarted` mark, and followed, once the
 * execution settles (waits for a timer or a task, or ends), by `RecoverySettled`. A mark left
 * unsettled means the process died in between; after `CRASHES_BEFORE_QUARANTINE` of them the
 * execution is quarantined: reported at every start and not run, while the service serves
 * everything else. Executions started by the running process carry no marks (nothing to suspect).
 */
export class Recoveries {
  /** Resumed executions not yet marked (their first decision marks them). */
  private readonly expected = new Set<string>();
  /** Marked executions whose mark is not yet settled. */
  private readonly marked = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly log: Logger,
    private readonly clock: () => number,
  ) {}

  /** Whether a running execution must not be resumed; quarantines it when its marks say it crashed the process too often. */
  async isQuarantined(executionStream: string): Promise<boolean> {
    const stream = recoveryStream(executionStream);
    const { unsettled, quarantined } = foldRecovery(await this.store.readStream(stream));
    if (!quarantined && unsettled < CRASHES_BEFORE_QUARANTINE) return false;
    if (!quarantined) await this.store.appendToStream(stream, [{ type: 'ExecutionQuarantined', data: { at: this.clock(), crashes: unsettled } }]);
    this.log.error(
      `${executionStream} is quarantined: the process stopped while deciding it ${Math.max(unsettled, CRASHES_BEFORE_QUARANTINE)} times, so it is not run. ` +
        'Stop it (StopExecution), or release it with `stepstream quarantine release <executionArn>` once the cause is fixed.',
    );
    return true;
  }

  /** The execution was running when this process started: its first decision here is marked. */
  expect(executionStream: string): void {
    this.expected.add(executionStream);
  }

  /** Before a decision: marks an expected execution (awaited, so the mark is stored before the decision runs). */
  async begin(executionStream: string): Promise<void> {
    if (!this.expected.delete(executionStream)) return;
    await this.store.appendToStream(recoveryStream(executionStream), [{ type: 'RecoveryStarted', data: { at: this.clock() } }]);
    this.marked.add(executionStream);
  }

  /** The execution settled (waits or ended): its mark, if any, is settled. */
  settle(executionStream: string): void {
    if (!this.marked.delete(executionStream)) return;
    this.store
      .appendToStream(recoveryStream(executionStream), [{ type: 'RecoverySettled', data: { at: this.clock() } }])
      .catch((e: unknown) => this.log.warn(`could not settle the recovery mark of ${executionStream}: ${String(e)}`));
  }

  /** Lets a quarantined execution run again at the next start. */
  async release(executionStream: string): Promise<boolean> {
    const stream = recoveryStream(executionStream);
    if (!foldRecovery(await this.store.readStream(stream)).quarantined) return false;
    await this.store.appendToStream(stream, [{ type: 'QuarantineReleased', data: { at: this.clock() } }]);
    return true;
  }
}
