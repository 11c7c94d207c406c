import { readFileSync } from 'node:fs';
import type { TaskSignal } from '@stepstream/domain';

/** One mocked invocation: what the task returns, or the error it throws. */
export type MockedResponse = { readonly Return: unknown } | { readonly Throw: { readonly Error?: string; readonly Cause?: string } };

/** A mocked response as the task's answer: `Return` succeeds with it, `Throw` fails with its Error and Cause. */
export const mockedAnswer = (mocked: MockedResponse): TaskSignal =>
  'Return' in mocked
    ? { type: 'succeeded', output: JSON.stringify(mocked.Return ?? null) }
    : {
        type: 'failed',
        ...(mocked.Throw.Error !== undefined ? { error: mocked.Throw.Error } : {}),
        ...(mocked.Throw.Cause !== undefined ? { cause: mocked.Throw.Cause } : {}),
      };

interface MockFile {
  readonly StateMachines?: Readonly<Record<string, { readonly TestCases?: Readonly<Record<string, Readonly<Record<string, string>>>> }>>;
  readonly MockedResponses?: Readonly<Record<string, Readonly<Record<string, MockedResponse>>>>;
}

/**
 * Mocked integrations in the format of AWS Step Functions Local's mock configuration file:
 * `StateMachines → <name> → TestCases → <test case> → <state> → <mocked response name>`, and
 * `MockedResponses → <name> → <invocation index or range ("0", "1-2")> → {Return} | {Throw}`. An
 * execution uses a test case when it is started on `<stateMachineArn>#<TestCaseName>`.
 */
export class MockConfig {
  private constructor(private readonly file: MockFile) {}

  static parse(text: string, source = 'the mock configuration'): MockConfig {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`${source} is not JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(`${source} must be an object with StateMachines and MockedResponses`);
    const file = parsed as MockFile;
    // Every test case must name responses that exist, and every response must be Return or Throw.
    for (const [sm, def] of Object.entries(file.StateMachines ?? {})) {
      for (const [tc, states] of Object.entries(def.TestCases ?? {})) {
        for (const [state, response] of Object.entries(states)) {
          if (!file.MockedResponses?.[response])
            throw new Error(`${source}: ${sm} → ${tc} → ${state} names the mocked response "${response}", which MockedResponses does not define`);
        }
      }
    }
    for (const [name, byIndex] of Object.entries(file.MockedResponses ?? {})) {
      for (const [index, r] of Object.entries(byIndex)) {
        if (!/^\d+(-\d+)?$/.test(index)) throw new Error(`${source}: MockedResponses → ${name} → "${index}" is not an invocation index ("0") or range ("1-2")`);
        if (typeof r !== 'object' || r === null || (!('Return' in r) && !('Throw' in r)))
          throw new Error(`${source}: MockedResponses → ${name} → ${index} needs Return or Throw`);
      }
    }
    return new MockConfig(file);
  }

  static load(path: string): MockConfig {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`STEPSTREAM_MOCK_CONFIG=${path} cannot be read: ${(e as Error).message}`);
    }
    return MockConfig.parse(text, `STEPSTREAM_MOCK_CONFIG=${path}`);
  }

  /** Whether a state machine has this test case. */
  hasTestCase(stateMachineName: string, testCase: string): boolean {
    return this.file.StateMachines?.[stateMachineName]?.TestCases?.[testCase] !== undefined;
  }

  /** The mocked response of a state's `index`-th invocation (0-based) in a test case, if the state is mocked. */
  response(stateMachineName: string, testCase: string, state: string, index: number): MockedResponse | undefined {
    const name = this.file.StateMachines?.[stateMachineName]?.TestCases?.[testCase]?.[state];
    if (name === undefined) return undefined;
    const byIndex = this.file.MockedResponses?.[name] ?? {};
    let last: MockedResponse | undefined;
    let lastEnd = -1;
    for (const [key, r] of Object.entries(byIndex)) {
      const [from, to = from] = key.split('-').map(Number) as [number, number?];
      if (index >= from && index <= to!) return r;
      if (to! > lastEnd) {
        lastEnd = to!;
        last = r;
      }
    }
    // Past the last index given, the last response answers again.
    return last;
  }
}
