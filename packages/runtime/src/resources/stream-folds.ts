/** A stream's fold up to (and including) the event at `revision`. */
export interface StreamFold<State> {
  readonly revision: bigint;
  readonly state: State;
}

/**
 * Folds of resource streams (state machines, activities, and the tags on either) kept between
 * commands and reads: each reads only the events after the kept revision and folds them on, so a
 * command on a machine updated thousands of times, or a ListTagsForResource on it (Terraform asks
 * on every refresh), reads a few events, not all of them.
 *
 * A fold is kept per stream and per `evolve` function: deciders that share an evolve (a state
 * machine's and its aliases') share their folds, and each evolve is always fed by the decoder of
 * its own events. A kept fold never goes stale: streams only grow (the store refuses updates and
 * deletes), so it is the fold of a prefix of the stream, whoever appended after it, this process
 * or another node. Only folds of events as stored are kept, never of events a command decided and
 * has not yet appended. Evolve functions are pure, so a kept state is never changed in place.
 *
 * At most `limit` streams per evolve, the least recently kept dropped first.
 */
export class StreamFolds {
  private readonly folds = new Map<unknown, Map<string, StreamFold<unknown>>>();

  constructor(private readonly limit = 1000) {}

  /** The fold of `stream` by `evolve`, if kept. */
  get<State>(evolve: (state: State, event: never) => State, stream: string): StreamFold<State> | undefined {
    return this.folds.get(evolve)?.get(stream) as StreamFold<State> | undefined;
  }

  /** Keeps `fold` as what `stream` holds up to its revision (a fold of fewer events is ignored). */
  keep<State>(evolve: (state: State, event: never) => State, stream: string, fold: StreamFold<State>): void {
    let folds = this.folds.get(evolve);
    if (!folds) this.folds.set(evolve, (folds = new Map()));
    const kept = folds.get(stream);
    if (kept && kept.revision >= fold.revision) return;
    folds.delete(stream);
    if (folds.size >= this.limit) folds.delete(folds.keys().next().value!);
    folds.set(stream, fold);
  }
}
