import { STATE_MACHINE_EVENT_TYPES, type StateMachineState } from '@stepstream/domain';
import type { EventStore } from '@stepstream/eventstore';
import type { Projection, ProjectionHandler } from '@stepstream/projections';

/**
 * The folded state of state machine streams, kept in memory: starting an execution reads its
 * machine, and reading the stream was most of a StartSyncExecution's time (docs/benchmarks.md).
 *
 * An entry is dropped whenever this process appends to that stream — before the append and again
 * after it, and a load that raced with an append does not store what it read — so this process
 * always sees its own writes. Appends by another process sharing the store are seen once the read
 * model projector reads them ({@link StateMachineCache.following}), as AWS's own updates are
 * eventually consistent ("executions that start shortly after an update may use the previous
 * definition").
 */
export class StateMachineCache {
  private readonly entries = new Map<string, StateMachineState>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly limit = 1000) {}

  /** The store as the engine uses it: every append to a `stateMachine-` stream drops that stream's entry. */
  watch(store: EventStore): EventStore {
    const wrapped = Object.create(store) as { -readonly [K in keyof EventStore]: EventStore[K] };
    const drop = (stream: string) => {
      if (stream.startsWith('stateMachine-')) this.invalidate(stream);
    };
    wrapped.appendToStream = async (stream, events, options) => {
      drop(stream);
      try {
        return await store.appendToStream(stream, events, options);
      } finally {
        drop(stream);
      }
    };
    return wrapped;
  }

  invalidate(stream: string): void {
    this.entries.delete(stream);
    this.generations.set(stream, (this.generations.get(stream) ?? 0) + 1);
  }

  /** The cached fold of `stream`, or `load()`'s, kept unless an append happened meanwhile. */
  async get(stream: string, load: () => Promise<StateMachineState>): Promise<StateMachineState> {
    const hit = this.entries.get(stream);
    if (hit) return hit;
    const generation = this.generations.get(stream) ?? 0;
    const state = await load();
    if ((this.generations.get(stream) ?? 0) === generation) {
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(stream, state);
    }
    return state;
  }

  /**
   * The projection with a handler for every event of a state machine's stream that also drops its
   * entry: what another process wrote reaches this cache at the projector's pace.
   */
  following(projection: Projection): Projection {
    const handlers: Record<string, ProjectionHandler> = { ...projection.handlers };
    for (const type of STATE_MACHINE_EVENT_TYPES) {
      const own = projection.handlers[type];
      handlers[type] = async (tx, event, schema) => {
        if (own) await own(tx, event, schema);
        this.invalidate(event.streamName);
      };
    }
    // A state machine event is applied by its own (wrapped) handler, never in a batch.
    const batchHandlers = Object.fromEntries(
      Object.entries(projection.batchHandlers ?? {}).filter(([type]) => !(STATE_MACHINE_EVENT_TYPES as readonly string[]).includes(type)),
    );
    return { ...projection, handlers, batchHandlers };
  }
}
