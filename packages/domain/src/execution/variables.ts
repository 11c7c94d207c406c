/**
 * Workflow variables (`Assign`), one scope per frame: the top of the execution shares one, each
 * Parallel branch and Map iteration has its own that reads the scope around it (a Distributed
 * Map's child runs read nothing outside), and assignments stay in the scope that made them.
 *
 * Values are kept as JSON text, as the history records them (`assignedVariables`) and as a paused
 * frame stores them: jsonb would reorder object keys.
 */
export class Variables {
  private parsed: Record<string, unknown> | undefined;

  private constructor(
    private readonly own: Map<string, string>,
    private readonly outer: Variables | undefined,
  ) {}

  static of(record: Readonly<Record<string, string>> | undefined, outer?: Variables): Variables {
    return new Variables(new Map(Object.entries(record ?? {})), outer);
  }

  /** Every variable visible here, inner names over outer ones, as values. */
  all(): Readonly<Record<string, unknown>> {
    if (!this.parsed) {
      const values: Record<string, unknown> = { ...(this.outer?.all() ?? {}) };
      for (const [k, text] of this.own) Object.defineProperty(values, k, { value: JSON.parse(text), enumerable: true, configurable: true, writable: true });
      this.parsed = values;
    }
    return this.parsed;
  }

  /** Sets variables of this scope from their JSON texts (a state's Assign, after it completed). */
  assign(texts: Readonly<Record<string, string>>): void {
    for (const [k, v] of Object.entries(texts)) this.own.set(k, v);
    this.parsed = undefined;
  }

  /** This scope's own variables, for a paused frame's entry; undefined when there are none. */
  record(): Record<string, string> | undefined {
    return this.own.size === 0 ? undefined : Object.fromEntries(this.own);
  }
}
