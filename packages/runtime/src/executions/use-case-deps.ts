import type { Position } from '@stepstream/eventstore';
import type { Logger } from '../logger.js';
import type { SerialQueue } from '../serial-queue.js';
import type { ExecutionCommands } from './command-handler.js';

/** What the execution use cases (StopExecution, RedriveExecution) need from the engine. */
export interface ExecutionUseCaseDeps {
  readonly clock: () => number;
  readonly log: Logger;
  /** One decision at a time per execution: a use case holds its execution's queue. */
  readonly queue: SerialQueue;
  readonly commands: ExecutionCommands;
  /** Records a write the caller is answered for: the next Describe or List waits until the read models show it. */
  readonly acknowledge: (position: Position | undefined) => void;
}
