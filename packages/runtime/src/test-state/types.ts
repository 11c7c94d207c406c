// The shapes of TestState's input and answer, shared by the single-state and the composite (Map, Parallel) paths.

import type { StateDefinition } from '@stepstream/asl/definition';

export type TestStatus = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

/** AWS's `InspectionData` (the members Stepstream fills in); JSON values are JSON texts. */
export interface InspectionData {
  readonly input?: string;
  readonly afterInputPath?: string;
  readonly afterParameters?: string;
  readonly afterArguments?: string;
  readonly result?: string;
  readonly afterResultSelector?: string;
  readonly afterResultPath?: string;
  readonly variables?: string;
  readonly request?: { readonly protocol: string; readonly method: string; readonly url: string; readonly headers: string; readonly body: string };
  readonly response?: {
    readonly protocol: string;
    readonly statusCode: string;
    readonly statusMessage: string;
    readonly headers: string;
    readonly body: string;
  };
  readonly errorDetails?: { readonly catchIndex?: number; readonly retryIndex?: number; readonly retryBackoffIntervalSeconds?: number };
  /** A JSONPath Map's items after ItemsPath (JSON text). */
  readonly afterItemsPath?: string;
  /** A Map's iteration inputs after ItemSelector (JSON text of the array). */
  readonly afterItemSelector?: string;
  /** A Map's batches after ItemBatcher (JSON text of the array). */
  readonly afterItemBatcher?: string;
  /** A Distributed Map's items read from `mapItemReaderData` when its ReaderConfig has an `ItemsPointer` (JSON text of the array). */
  readonly afterItemsPointer?: string;
  readonly maxConcurrency?: number;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
}

export interface TestStateResult {
  readonly status: TestStatus;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly nextState?: string;
  readonly inspectionData?: InspectionData;
}

export interface TestStateInput {
  /** The state under test, and the machine's top-level query language. */
  readonly state: StateDefinition & Record<string, unknown>;
  readonly stateName: string;
  readonly language: 'JSONPath' | 'JSONata';
  readonly input: string;
  readonly roleArn: string;
  readonly inspectionLevel: 'INFO' | 'DEBUG' | 'TRACE';
  /** A mocked task answer instead of calling the resource. */
  readonly mock?: { readonly result?: string } | { readonly errorOutput: { readonly error?: string; readonly cause?: string } };
  readonly variables?: Readonly<Record<string, unknown>>;
  /** The request's `context`: the state sees exactly this object as `$$` / `$states.context`. */
  readonly context?: Readonly<Record<string, unknown>>;
  /** `stateConfiguration.retrierRetryCount`: the retries the matching retrier has already made. */
  readonly retrierRetryCount?: number;
  /** Whether TRACE shows what an HTTP Task's connection adds to the request. */
  readonly revealSecrets?: boolean;
  /** `stateConfiguration.mapIterationFailureCount`: how many of a mocked Map result's iterations failed. */
  readonly mapIterationFailureCount?: number;
  /** `stateConfiguration.errorCausedByState`: the state inside a mocked Map or Parallel that raised the mocked error. */
  readonly errorCausedByState?: string;
  /**
   * `stateConfiguration.mapItemReaderData`: "The data read by ItemReader in Distributed Map states as
   * found in its original source" (API reference) — a mocked Distributed Map's items are parsed from
   * it by its ReaderConfig instead of being read from S3.
   */
  readonly mapItemReaderData?: string;
}
