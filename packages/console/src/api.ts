/**
 * The console's only way to the engine: the public API on the same origin (AWS JSON 1.0, POST /
 * with `X-Amz-Target`), the AWS operations and Stepstream's own. Every action in the console is an
 * API call a script could make.
 */

/** An error the API answered (AWS's `__type` and message). */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const call = async <T>(target: string, body: Record<string, unknown>): Promise<T> => {
  const res = await fetch('/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ApiError(`HTTP ${String(res.status)}`, text.slice(0, 200));
  }
  if (!res.ok) {
    const type = typeof answer['__type'] === 'string' ? answer['__type'].replace(/^.*#/, '') : `HTTP ${String(res.status)}`;
    throw new ApiError(type, typeof answer['message'] === 'string' ? answer['message'] : text.slice(0, 200));
  }
  return answer as T;
};

/** An AWS Step Functions operation (`AWSStepFunctions.<name>`). */
export const sfn = <T>(operation: string, body: Record<string, unknown> = {}) => call<T>(`AWSStepFunctions.${operation}`, body);
/** One of Stepstream's own operations (`Stepstream.<name>`). */
export const stepstream = <T>(operation: string, body: Record<string, unknown> = {}) => call<T>(`Stepstream.${operation}`, body);

export interface StateMachineItem {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly creationDate: number;
}

export interface ExecutionItem {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate?: number;
}

export interface Execution extends ExecutionItem {
  readonly stateMachineArn: string;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A history event as GetExecutionHistory gives it: id, type, timestamp (epoch seconds) and one `…EventDetails`. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly type: string;
  readonly timestamp: number;
  readonly [details: string]: unknown;
}

/**
 * Every event of an execution's history: one answer (Stepstream.GetWholeHistory), then, for a
 * history whose data pass what one answer carries, GetExecutionHistory's pages from where it stopped.
 */
export const wholeHistory = async (executionArn: string): Promise<HistoryEvent[]> => {
  const first = await stepstream<{ events: HistoryEvent[]; nextToken?: string }>('GetWholeHistory', { executionArn });
  const events = first.events;
  let nextToken = first.nextToken;
  while (nextToken !== undefined) {
    const page: { events: HistoryEvent[]; nextToken?: string } = await sfn('GetExecutionHistory', { executionArn, maxResults: 1000, nextToken });
    events.push(...page.events);
    nextToken = page.nextToken;
  }
  return events;
};

/** What `Stepstream.InspectExecution` answers: the execution after one event. */
export interface Inspection {
  readonly eventId: number;
  readonly lastEventId: number;
  readonly event: { readonly id: number; readonly type: string; readonly timestamp: number };
  readonly framesAsOfEventId: number;
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
  readonly activeStates: readonly {
    readonly path: string;
    readonly frame: string;
    readonly state: string;
    readonly input: unknown;
    readonly waitingFor?: string;
    readonly retryCount?: number;
    readonly variables?: Readonly<Record<string, unknown>>;
  }[];
  readonly timers: readonly { readonly kind: string; readonly dueDate: number; readonly path: string; readonly state: string }[];
  readonly tasks: readonly InspectedTask[];
}

/** A task of an inspected execution; `taskToken` when it waits for an answer by token (an activity's, a `.waitForTaskToken` callback's). */
export interface InspectedTask {
  readonly path: string;
  readonly state: string;
  readonly taskId: string;
  readonly kind: string;
  readonly resource: string;
  readonly pattern?: string;
  readonly input: unknown;
  readonly scheduledDate: number;
  readonly startedDate?: number;
  readonly workerName?: string;
  readonly heartbeatSeconds?: number;
  readonly taskToken?: string;
}
