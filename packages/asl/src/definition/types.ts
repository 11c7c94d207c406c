/**
 * The Amazon States Language, as decoded from a definition's JSON. Field names are the
 * language's own (https://states-language.net/spec.html). Values a definition may give as JSON
 * of any shape (`Result`, `Parameters`, …) stay `unknown`.
 */
export const StateType = {
  Pass: 'Pass',
  Task: 'Task',
  Choice: 'Choice',
  Wait: 'Wait',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Parallel: 'Parallel',
  Map: 'Map',
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

export type QueryLanguage = 'JSONPath' | 'JSONata';

interface Common {
  readonly Comment?: string;
  readonly QueryLanguage?: QueryLanguage;
}
interface Io {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: Readonly<Record<string, unknown>>;
}
interface Transition {
  readonly Next?: string;
  readonly End?: boolean;
}
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
  readonly Comment?: string;
}
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: Readonly<Record<string, unknown>>;
  readonly Comment?: string;
}

export interface PassState extends Common, Io, Transition {
  readonly Type: 'Pass';
  readonly Result?: unknown;
  readonly ResultPath?: string | null;
  readonly Parameters?: unknown;
}
export interface TaskState extends Common, Io, Transition {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: unknown;
  readonly Arguments?: unknown;
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number | string;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: number | string;
  readonly HeartbeatSecondsPath?: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  readonly Credentials?: unknown;
}
export interface ChoiceState extends Common, Io {
  readonly Type: 'Choice';
  readonly Choices: readonly Readonly<Record<string, unknown>>[];
  readonly Default?: string;
}
export interface WaitState extends Common, Io, Transition {
  readonly Type: 'Wait';
  readonly Seconds?: number | string;
  readonly Timestamp?: string;
  readonly SecondsPath?: string;
  readonly TimestampPath?: string;
}
export interface SucceedState extends Common, Io {
  readonly Type: 'Succeed';
}
export interface FailState extends Common {
  readonly Type: 'Fail';
  readonly Error?: string;
  readonly Cause?: string;
  readonly ErrorPath?: string;
  readonly CausePath?: string;
}
export interface ParallelState extends Common, Io, Transition {
  readonly Type: 'Parallel';
  readonly Branches: readonly StateMachineDefinition[];
  readonly Parameters?: unknown;
  readonly Arguments?: unknown;
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
}
export interface MapState extends Common, Io, Transition {
  readonly Type: 'Map';
  readonly ItemProcessor?: StateMachineDefinition & { readonly ProcessorConfig?: { readonly Mode?: string; readonly ExecutionType?: string } };
  readonly Iterator?: StateMachineDefinition;
  readonly ItemsPath?: string;
  readonly Items?: unknown;
  readonly ItemSelector?: unknown;
  readonly Parameters?: unknown;
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly MaxConcurrency?: number | string;
  readonly MaxConcurrencyPath?: string;
  readonly Retry?: readonly Retrier[];
  readonly Catch?: readonly Catcher[];
  readonly [field: string]: unknown;
}

export type StateDefinition = PassState | TaskState | ChoiceState | WaitState | SucceedState | FailState | ParallelState | MapState;

export interface StateMachineDefinition {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, StateDefinition>>;
  readonly TimeoutSeconds?: number;
  readonly Version?: string;
  readonly QueryLanguage?: QueryLanguage;
}

/** A finding of static validation, in the shape of ValidateStateMachineDefinition's diagnostics. */
export interface Diagnostic {
  readonly severity: 'ERROR' | 'WARNING';
  readonly code: string;
  readonly message: string;
  /** A JSON pointer into the definition: `/States/MyState/Next`. */
  readonly location: string;
}
