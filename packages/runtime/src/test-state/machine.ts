/**
 * The execution TestState runs one state in: an Express execution of a machine whose only real
 * state is the state under test, reached through a Pass that assigns the request's variables when
 * it brings any, and whose every other state is a Pass that ends there.
 *
 * @module
 */
import type { ExecutionInfo } from '@stepstream/domain';
import type { TestStateInput } from './types.js';

/** The Pass that assigns the request's `variables` before the state under test (never its next state). */
export const VARIABLES_STATE = '__TestStateVariables';

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
 * The Express execution a TestState request runs in, but for its definition ({@link definitionOf}).
 *
 * @example
 * ```ts
 * testExecution({ stateName: 'Do it', input: '{}', roleArn, … }, now).executionArn;
 * // → 'arn:aws:states:us-east-1:123456789012:express:TestState:Do_it:test'
 * ```
 */
export const testExecution = (t: TestStateInput, now: number): Omit<ExecutionInfo, 'definition'> => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:express:TestState:${t.stateName.replace(/[^A-Za-z0-9_-]/g, '_')}:test`,
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:TestState',
  stateMachineName: 'TestState',
  name: 'test',
  roleArn: t.roleArn,
  stateMachineType: 'EXPRESS',
  input: t.input,
  startDate: now,
});

/**
 * The definition that runs `state` (the state under test, or what stands for it) under the
 * request's state name, as JSON text.
 *
 * @example
 * ```ts
 * definitionOf({ stateName: 'T', language: 'JSONPath', variables: { x: 1 }, state: { Type: 'Pass', Next: 'U' }, … }, state);
 * // → {"StartAt":"__TestStateVariables","States":{"__TestStateVariables":{"Type":"Pass","Assign":{"x":1},"Next":"T"},
 * //    "T":{"Type":"Pass","Next":"U"},"U":{"Type":"Pass","End":true}}}
 * ```
 */
export const definitionOf = (t: TestStateInput, state: Record<string, unknown>): string => {
  const name = t.stateName;
  const stubs = Object.fromEntries(
    targets(t.state)
      .filter((n) => n !== name)
      .map((n) => [n, { Type: 'Pass', End: true }]),
  );
  const variables = t.variables ?? {};
  const assign = Object.keys(variables).length > 0 ? { [VARIABLES_STATE]: { Type: 'Pass', Assign: variables, Next: name } } : {};
  return JSON.stringify({
    ...(t.language === 'JSONata' ? { QueryLanguage: 'JSONata' } : {}),
    StartAt: Object.keys(assign).length > 0 ? VARIABLES_STATE : name,
    States: { ...assign, [name]: state, ...stubs },
  });
};

/** The context object AWS gives a state when the request brings none (for what a mocked Map reads before its iterations). */
export const defaultContext = (info: Omit<ExecutionInfo, 'definition'>, stateName: string): Record<string, unknown> => {
  const at = new Date(info.startDate).toISOString();
  return {
    Execution: { Id: info.executionArn, Input: JSON.parse(info.input) as unknown, Name: info.name, RoleArn: info.roleArn, StartTime: at },
    StateMachine: { Id: info.stateMachineArn, Name: info.stateMachineName },
    State: { Name: stateName, EnteredTime: at, RetryCount: 0 },
  };
};
