/**
 * What a JSONPath-mode expression can see while it is evaluated.
 *
 * @example
 * ```ts
 * const scope: EvaluationScope = { input: { a: 1 }, context: { State: { Name: 'S' } } };
 * resolvePath('$.a', scope);            // { found: true, value: 1 }
 * resolvePath('$$.State.Name', scope);  // { found: true, value: 'S' }
 * ```
 */
export interface EvaluationScope {
  /** What `$` means: the effective input of the step being evaluated. */
  readonly input: unknown;
  /** What `$$` means: the context object (§4.2 of the fact sheet). */
  readonly context: unknown;
  /** `$name`: workflow variables; may be absent. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** A number in [0,1), for `States.MathRandom` without a seed. Supplied by the caller so that asl stays pure. */
  readonly random?: () => number;
  /** A UUID v4 string, for `States.UUID()`. Supplied by the caller so that asl stays pure. */
  readonly uuid?: () => string;
}
