/**
 * ASL runtime errors: the data that Retry and Catch route, raised while evaluating paths,
 * payload templates, intrinsic functions and Choice rules.
 *
 * Inside `asl` they travel as a thrown {@link StatesError} so that deep evaluation code stays
 * simple; the decider in `domain` catches them at the state boundary and turns them into history
 * events. Anything else thrown from `asl` is a defect or an invalid definition, never routed.
 *
 * @module
 */

/**
 * The `States.*` error names this package raises, as AWS spells them.
 *
 * "States.Runtime: An execution failed due to some exception that it couldn't process. Often
 * these are caused by errors at runtime, such as attempting to apply InputPath or OutputPath on
 * a null JSON payload." — https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const StatesErrorName = {
  Runtime: 'States.Runtime',
  NoChoiceMatched: 'States.NoChoiceMatched',
} as const;
/** One of {@link StatesErrorName}. */
export type StatesErrorName = (typeof StatesErrorName)[keyof typeof StatesErrorName];

/**
 * An ASL runtime error: data that Retry/Catch route; thrown inside asl, caught by the decider.
 *
 * `cause` is AWS's text *without* the state prefix
 * (`An error occurred while executing the state 'S' (entered at the event id #n). `), which the
 * decider adds because only it knows the state name and event id.
 *
 * @example
 * ```ts
 * throw new StatesError('States.Runtime', "Invalid path '$.x' : No results for path: $['x']");
 * ```
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    /** Shadows `Error.cause` (ES2022) on purpose: AWS calls this field `cause` too. */
    override readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
    this.name = 'StatesError';
  }
}

/** Narrows an unknown thrown value to a {@link StatesError}. */
export const isStatesError = (e: unknown): e is StatesError => e instanceof StatesError;

/** Shorthand for the most common runtime failure, `States.Runtime` with AWS's cause text. */
export const runtimeError = (cause: string): StatesError => new StatesError(StatesErrorName.Runtime, cause);
