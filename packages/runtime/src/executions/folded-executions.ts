import { foldExecution, initialExecutionState, type ExecutionState } from '@stepstream/domain';
import type { EventStore } from '@stepstream/eventstore';

/** Events read per page when folding a history: the memory a fold needs is one page and the state. */
const PAGE = 256;

export interface Folded {
  readonly state: ExecutionState;
  /** The stream's last revision folded into `state`; 'no_stream' when the execution does not exist. */
  readonly revision: bigint | 'no_stream';
}

/** A rough size of a folded state, in characters: what it holds of inputs, outputs and the definition. */
const charsOf = (state: ExecutionState): number => {
  let n = (state.info?.input.length ?? 0) + (state.info?.definition.length ?? 0) + (state.output?.length ?? 0) + (state.cause?.length ?? 0);
  for (const entry of Object.values(state.frames)) {
    n += 64 + (entry.kind === 'suspended' ? entry.entered.input.length + (entry.on.kind === 'task' ? entry.on.task.input.length : 0) : entry.output.length);
  }
  return n;
};

/**
 * Executions folded from their histories, kept between decisions. A decision needs the fold of
 * the whole history; reading and folding it again for every decision costs the whole history
 * each time (quadratic over an execution's life) and holds it in memory at once. Here a history
 * is folded page by page, and the fold is kept with the revision it reached: the next decision
 * reads only the events after that revision (none, when this process wrote the last ones), so
 * other writers (another process sharing the store) are still seen. Bounded by entries and by the
 * characters the kept states hold; the least recently used go first.
 */
export class FoldedExecutions {
  private readonly kept = new Map<string, Folded & { readonly chars: number }>();
  private chars = 0;

  constructor(
    private readonly store: EventStore,
    private readonly limits: { readonly entries: number; readonly chars: number } = { entries: 2_000, chars: 128 * 1024 * 1024 },
    /** Told of every fold a decision reached (inspections keep some: src/executions/inspect.ts). */
    private readonly decided: (stream: string, state: ExecutionState) => void = () => {},
  ) {}

  /** The execution's state at the head of its stream. */
  async load(stream: string): Promise<Folded> {
    const kept = this.kept.get(stream);
    let state = kept?.state ?? initialExecutionState;
    let revision: bigint | 'no_stream' = kept?.revision ?? 'no_stream';
    for (;;) {
      const page = await this.store.readStream(stream, { fromRevision: revision === 'no_stream' ? 'start' : revision + 1n, maxCount: PAGE });
      // The domain decodes each stored record at the edge of the fold (an unknown type keeps its place).
      state = foldExecution(page, state);
      if (page.length > 0) revision = page[page.length - 1]!.revision;
      if (page.length < PAGE) break;
    }
    if (revision !== 'no_stream' && revision !== kept?.revision) this.remember(stream, state, revision);
    return { state, revision };
  }

  /** Keeps the state a decision reached after appending up to `revision`. */
  remember(stream: string, state: ExecutionState, revision: bigint): void {
    this.decided(stream, state);
    this.forget(stream);
    const chars = charsOf(state);
    if (chars > this.limits.chars / 4) return;
    this.kept.set(stream, { state, revision, chars });
    this.chars += chars;
    for (const [key, entry] of this.kept) {
      if (this.kept.size <= this.limits.entries && this.chars <= this.limits.chars) break;
      this.kept.delete(key);
      this.chars -= entry.chars;
    }
  }

  forget(stream: string): void {
    const entry = this.kept.get(stream);
    if (!entry) return;
    this.kept.delete(stream);
    this.chars -= entry.chars;
  }

  get size(): number {
    return this.kept.size;
  }
}
