/**
 * TestState's `inspectionData` for a state that ran itself (a mocked Map or Parallel adds its own
 * members in `composite.ts`): DEBUG's data-flow steps, the variables after the state, the handler
 * of its error, and TRACE's view of an HTTP Task's exchange.
 *
 * @module
 */
import { applyInputPath, applyResultPath, evaluatePayloadTemplate, isStatesError, type EvaluationScope } from '@stepstream/asl';
import type { NewHistoryEvent } from '@stepstream/domain';
import type { HttpExchange } from '../integrations/http-task.js';
import type { InspectionData, TestStateInput, TestStatus } from './types.js';

/** Headers as one string, `[Name: value, …]`. */
const headerText = (h: Readonly<Record<string, string>>) =>
  `[${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}]`;

/**
 * TRACE's view of an HTTP Task's exchange. "For HTTP Tasks, a secret includes the data that an
 * EventBridge connection adds to modify the HTTP request headers, query parameters, and body. Step
 * Functions doesn't omit any information included in the state definition or the HTTP response"
 * (API reference, TestState `revealSecrets`): what the connection added is left out unless revealed.
 */
const traceOf = (x: HttpExchange, reveal: boolean): Pick<InspectionData, 'request' | 'response'> => {
  const url = new URL(x.request.url);
  const headers = { ...x.request.headers };
  if (!reveal) {
    for (const h of x.secretHeaders) delete headers[h];
    for (const q of x.secretQueryParameters) url.searchParams.delete(q);
  }
  return {
    request: {
      protocol: url.protocol.replace(/:$/, ''),
      method: x.request.method,
      url: url.toString(),
      headers: headerText(headers),
      body: x.request.body ?? '',
    },
    ...(x.response
      ? {
          response: {
            protocol: 'HTTP/1.1',
            statusCode: String(x.response.statusCode),
            statusMessage: x.response.statusMessage,
            headers: headerText(x.response.headers),
            body: x.response.body,
          },
        }
      : {}),
  };
};

/**
 * The inspection members of every state: the variables after the state, the handler of its error,
 * an HTTP Task's exchange at TRACE.
 *
 * @example
 * ```ts
 * commonInspection({ variables: { x: 1 }, inspectionLevel: 'DEBUG', … }, exited, 'SUCCEEDED', undefined, []);
 * // → { variables: '{"x":1}' } (with what the state's Assign set added)
 * ```
 */
export const commonInspection = (
  t: TestStateInput,
  exited: NewHistoryEvent | undefined,
  status: TestStatus,
  errorDetails: InspectionData['errorDetails'],
  exchanges: readonly HttpExchange[],
): InspectionData => {
  const assigned = exited?.data.stateExitedEventDetails?.assignedVariables ?? {};
  const allVariables = { ...(t.variables ?? {}), ...Object.fromEntries(Object.entries(assigned).map(([k, v]) => [k, JSON.parse(v) as unknown])) };
  return {
    ...(status !== 'RETRIABLE' && status !== 'FAILED' && Object.keys(allVariables).length > 0 ? { variables: JSON.stringify(allVariables) } : {}),
    ...(errorDetails ? { errorDetails } : {}),
    ...(t.inspectionLevel === 'TRACE' && exchanges[0] ? traceOf(exchanges[0], t.revealSecrets === true) : {}),
  };
};

/**
 * DEBUG's data-flow steps of a state that ran itself: from the decider's own events where it
 * records them (the task's parameters, its result), else recomputed with the same functions the
 * decider uses, on top of {@link commonInspection}'s members (`common`).
 *
 * @example
 * ```ts
 * inspectState({ state: { Type: 'Pass', InputPath: '$.a', ResultPath: '$.b', Result: 1 }, input: '{"a":2}', language: 'JSONPath', … }, events, 'SUCCEEDED', {});
 * // → { input: '{"a":2}', afterInputPath: '2', result: '1', afterResultPath: '{"a":2,"b":1}' }
 * ```
 */
export const inspectState = (t: TestStateInput, events: readonly NewHistoryEvent[], status: TestStatus, common: InspectionData): InspectionData => {
  const s = t.state;
  const input = JSON.parse(t.input) as unknown;
  const scheduled = events.find((e) => e.data.taskScheduledEventDetails !== undefined)?.data.taskScheduledEventDetails?.parameters;
  const succeeded = events.find((e) => e.type === 'TaskSucceeded')?.data.taskSucceededEventDetails?.output;
  const mocked = t.mock && 'result' in t.mock ? t.mock.result : undefined;
  const rawResult = succeeded ?? mocked ?? (s['Type'] === 'Pass' && s['Result'] !== undefined ? JSON.stringify(s['Result']) : undefined);
  if (t.language === 'JSONata' || s['QueryLanguage'] === 'JSONata') {
    return {
      input: t.input,
      ...(scheduled !== undefined ? { afterArguments: scheduled } : {}),
      ...(rawResult !== undefined && status !== 'RETRIABLE' && status !== 'FAILED' ? { result: rawResult } : {}),
      ...common,
    };
  }
  const data: { -readonly [K in keyof InspectionData]: InspectionData[K] } = { input: t.input, ...common };
  try {
    const scope: EvaluationScope = { input, context: t.context ?? {}, variables: (t.variables ?? {}) as Record<string, unknown> };
    const afterInputPath = applyInputPath(s['InputPath'] as string | null | undefined, input, scope);
    data.afterInputPath = JSON.stringify(afterInputPath);
    if (scheduled !== undefined) data.afterParameters = scheduled;
    else if (s['Parameters'] !== undefined)
      data.afterParameters = JSON.stringify(evaluatePayloadTemplate(s['Parameters'], { ...scope, input: afterInputPath }));
    if (rawResult !== undefined && status !== 'RETRIABLE' && status !== 'FAILED') {
      const result = JSON.parse(rawResult) as unknown;
      data.result = rawResult;
      const selected = s['ResultSelector'] !== undefined ? evaluatePayloadTemplate(s['ResultSelector'], { ...scope, input: result }) : result;
      if (s['ResultSelector'] !== undefined) data.afterResultSelector = JSON.stringify(selected);
      if (status === 'SUCCEEDED') data.afterResultPath = JSON.stringify(applyResultPath(s['ResultPath'] as string | null | undefined, input, selected));
    }
  } catch (e) {
    if (!isStatesError(e)) throw e;
  }
  return data;
};
