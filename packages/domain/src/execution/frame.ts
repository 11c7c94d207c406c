import type { QueryLanguage, StateMachineDefinition } from '@stepstream/asl/definition';
import type { EventBatch } from './batch.js';
import type { Frames } from './frames.js';
import type { DecisionEnv, EnteredRecord, ExecutionInfo, InnerRestart, TaskSignal } from './model.js';
import type { Variables } from './variables.js';

/**
 * A running frame and the state it is in: what the interpreter and the data-flow helpers
 * (`dataflow.ts`) both work on, kept apart from either so that neither imports the other.
 *
 * @module
 */

/** What a decision delivers to the paused frames it resumes. */
export type Signal =
  | { readonly type: 'none' }
  /** Timers due at `env.now` fire; `heartbeats` is the last heartbeat per task id. */
  | { readonly type: 'timers'; readonly heartbeats: Readonly<Record<string, number>> }
  | { readonly type: 'task'; readonly taskId: string; readonly signal: TaskSignal };

/**
 * One thread of running states: the top of the execution (path `""`), a Parallel branch or a Map
 * iteration (`<parent path>/<index>`). Any frame can pause (a Wait, a retry's back-off, a task);
 * its entry in `frames` says where and why, so a later decision resumes it.
 */
export interface Frame {
  readonly info: ExecutionInfo;
  readonly definition: StateMachineDefinition;
  readonly parsedInput: unknown;
  readonly batch: EventBatch;
  readonly env: DecisionEnv;
  readonly path: string;
  readonly frames: Frames;
  readonly signal: Signal;
  /** What runs this frame: nothing (the top), a Parallel, an inline Map, a Distributed Map's run. */
  readonly parent: 'none' | 'parallel' | 'map' | 'mapRun';
  /** The machine's top-level QueryLanguage: states of branches and iterations inherit it, not their parent state's. */
  readonly language: QueryLanguage;
  /** This frame's variable scope (reading the enclosing frame's). */
  readonly vars: Variables;
  /** Extra context (e.g. `Map.Item` for ItemSelector). */
  readonly context?: Readonly<Record<string, unknown>>;
}

/**
 * A state's run from its Entered event: what it was given and how it was entered — the paused
 * form (`EnteredRecord`) with the input parsed.
 */
export interface Entered extends Omit<EnteredRecord, 'input'> {
  readonly rawInput: unknown;
  /** A Parallel or Map entered by a redrive: what its branches or iterations had done before. */
  readonly redrive?: InnerRestart;
}
