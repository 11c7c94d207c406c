import {
  applyInputPath,
  applyOutputPath,
  applyResultPath,
  evaluatePayloadTemplate,
  isStatesError,
  type EvaluationScope,
} from '@stepstream/asl';
import type { StateDefinition } from '@stepstream/asl/definition';
import { pendingTasks, type DecisionEnv, type ExecutionInfo, type TaskSignal } from '@stepstream/domain';
import { runExpress } from './express.js';
import type { Integrations, TaskContext } from './integrations.js';

export type TestStatus = 'SUCCEEDED' | 'FAILED' | 'RETRIABLE' | 'CAUGHT_ERROR';

export interface TestStateResult {
  readonly status: TestStatus;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly nextState?: string;
  readonly inspectionData?: Readonly<Record<string, string>>;
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
}

/** The states a state can go to: its Next, its Choice rules' and Default, its catchers'. */
const targets = (s: Record<string, unknown>): string[] => {
  const out = new Set<string>();
  if (typeof s['Next'] === 'string') out.add(s['Next']);
  if (typeof s['Default'] === 'string') out.add(s['Default']);
  for (const c of [...((s['Choices'] as unknown[]) ?? []), ...((s['Catch'] as unknown[]) ?? [])]) {
    const next = (c as { Next?: unknown }).Next;
    if (typeof next === 'string') out.add(next);
  }
  return [...out];
};

/**
 * TestState: runs one state on its own, as the engine would run it in an execution (the same
 * decider, in memory, nothing stored), and reports its output or error, the state it would go to
 * next, and whether an error was caught (CAUGHT_ERROR) or would be retried (RETRIABLE). Tasks call
 * their resources unless a mock answers for them. With DEBUG, `inspectionData` shows the input
 * processing of a JSONPath state (InputPath, Parameters, and with a result ResultSelector,
 * ResultPath and OutputPath).
 */
export const testState = async (
  t: TestStateInput,
  deps: { readonly integrations: Integrations; readonly env: () => DecisionEnv; readonly clock: () => number },
): Promise<TestStateResult> => {
  const name = t.stateName;
  // The state in a machine of its own: each state it can go to is a Pass that ends there.
  const stubs = Object.fromEntries(targets(t.state).filter((n) => n !== name).map((n) => [n, { Type: 'Pass', End: true }]));
  const variables = t.variables ?? {};
  const assign = Object.keys(variables).length > 0 ? { __TestStateVariables: { Type: 'Pass', Assign: variables, Next: name } } : {};
  const machine = {
    ...(t.language === 'JSONata' ? { QueryLanguage: 'JSONata' } : {}),
    StartAt: Object.keys(assign).length > 0 ? '__TestStateVariables' : name,
    States: { ...assign, [name]: t.state, ...stubs },
  };
  const now = deps.clock();
  const info: ExecutionInfo = {
    executionArn: `arn:aws:states:us-east-1:123456789012:express:TestState:${name.replace(/[^A-Za-z0-9_-]/g, '_')}:test`,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:TestState',
    stateMachineName: 'TestState',
    name: 'test',
    roleArn: t.roleArn,
    definition: JSON.stringify(machine),
    stateMachineType: 'EXPRESS',
    input: t.input,
    startDate: now,
  };
  // A mock answers every task of the state; without one the engine's integrations run.
  const integrations = t.mock
    ? ({
        run: async (): Promise<TaskSignal> =>
          'errorOutput' in t.mock!
            ? { type: 'failed', ...(t.mock!.errorOutput.error !== undefined ? { error: t.mock!.errorOutput.error } : {}), ...(t.mock!.errorOutput.cause !== undefined ? { cause: t.mock!.errorOutput.cause } : {}) }
            : { type: 'succeeded', output: (t.mock as { result?: string }).result ?? 'null' },
      } as unknown as Integrations)
    : deps.integrations;
  // Stop at the first retry back-off: TestState reports RETRIABLE instead of waiting.
  let retriable: { error?: string; cause?: string } | undefined;
  const run = await runExpress(info, {
    integrations,
    env: deps.env,
    clock: deps.clock,
    stopWhen: (state) => {
      const entry = state.frames[''];
      if (entry?.kind === 'suspended' && entry.on.kind === 'retry' && pendingTasks(state).length === 0) {
        retriable = {};
        return true;
      }
      return false;
    },
  });
  const events = run.events;
  const exited = events.find((e) => e.data.stateExitedEventDetails?.name === name);
  const entered = events.filter((e) => e.data.stateEnteredEventDetails !== undefined).map((e) => e.data.stateEnteredEventDetails!.name);
  const nextState = entered.find((n, i) => i > 0 && n !== name && n !== '__TestStateVariables');
  const failure = events.find((e) => /(Failed|TimedOut)$/.test(e.type) && !e.type.startsWith('Execution') && !e.type.endsWith('StateFailed'));
  const failureDetails = failure
    ? (Object.values(failure.data).find((v) => typeof v === 'object' && v !== null && ('error' in v || 'cause' in v)) as { error?: string; cause?: string } | undefined)
    : undefined;
  const inspectionData = t.inspectionLevel !== 'INFO' ? inspect(t, exited?.data.stateExitedEventDetails?.output) : undefined;
  const common = { ...(inspectionData ? { inspectionData } : {}) };
  if (retriable) {
    const lastFailure = [...events].reverse().find((e) => /Failed$/.test(e.type) || e.type === 'FailStateEntered');
    const d = lastFailure ? (Object.values(lastFailure.data).find((v) => typeof v === 'object' && v !== null && ('error' in v || 'cause' in v)) as { error?: string; cause?: string } | undefined) : undefined;
    return { status: 'RETRIABLE', ...(d?.error !== undefined ? { error: d.error } : {}), ...(d?.cause !== undefined ? { cause: d.cause } : {}), ...common };
  }
  if (exited) {
    const output = exited.data.stateExitedEventDetails!.output;
    if (failure) {
      return { status: 'CAUGHT_ERROR', output, ...(nextState ? { nextState } : {}), ...(failureDetails?.error !== undefined ? { error: failureDetails.error } : {}), ...(failureDetails?.cause !== undefined ? { cause: failureDetails.cause } : {}), ...common };
    }
    return { status: 'SUCCEEDED', output, ...(nextState ? { nextState } : {}), ...common };
  }
  const s = run.state;
  return { status: 'FAILED', ...(s.error !== undefined ? { error: s.error } : {}), ...(s.cause !== undefined ? { cause: s.cause } : {}), ...common };
};

/** DEBUG's data-flow steps of a JSONPath state, recomputed with the same functions the decider uses. */
const inspect = (t: TestStateInput, output: string | undefined): Record<string, string> | undefined => {
  const s = t.state;
  const input = JSON.parse(t.input) as unknown;
  const data: Record<string, string> = { input: t.input };
  if (t.language === 'JSONata' || s['QueryLanguage'] === 'JSONata') {
    if (output !== undefined) data['output'] = output;
    return data;
  }
  try {
    const scope: EvaluationScope = { input, context: {}, variables: (t.variables ?? {}) as Record<string, unknown> };
    const afterInputPath = applyInputPath(s['InputPath'] as string | null | undefined, input, scope);
    data['afterInputPath'] = JSON.stringify(afterInputPath);
    if (s['Parameters'] !== undefined) data['afterParameters'] = JSON.stringify(evaluatePayloadTemplate(s['Parameters'], { ...scope, input: afterInputPath }));
    const result = t.mock && 'result' in t.mock && t.mock.result !== undefined ? (JSON.parse(t.mock.result) as unknown) : s['Type'] === 'Pass' ? (s['Result'] ?? undefined) : undefined;
    if (result !== undefined) {
      data['result'] = JSON.stringify(result);
      const selected = s['ResultSelector'] !== undefined ? evaluatePayloadTemplate(s['ResultSelector'], { ...scope, input: result }) : result;
      if (s['ResultSelector'] !== undefined) data['afterResultSelector'] = JSON.stringify(selected);
      const merged = applyResultPath(s['ResultPath'] as string | null | undefined, input, selected);
      data['afterResultPath'] = JSON.stringify(merged);
      data['afterOutputPath'] = JSON.stringify(applyOutputPath(s['OutputPath'] as string | null | undefined, merged, { ...scope, input: merged }));
    }
  } catch (e) {
    if (!isStatesError(e)) throw e;
  }
  return data;
};

export type { TaskContext };
