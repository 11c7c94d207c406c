import { applyInputPath, evaluatePayloadTemplate, queryPath, StatesError } from '@stepstream/asl';
import type { TaskState } from '@stepstream/asl/definition';
import { scopeOf, type Entered, type Frame, type StateOutcome } from './interpreter.js';

/** TimeoutSecondsPath / HeartbeatSecondsPath: a positive integer from the input. */
const secondsFromPath = (path: string, input: unknown, f: Frame, e: Entered): number => {
  const r = queryPath(path, { ...scopeOf(f, e, input), input });
  if (!r.found) throw new StatesError('States.Runtime', `Invalid path '${path}' : ${r.reason}`);
  if (typeof r.value !== 'number' || !Number.isInteger(r.value) || r.value <= 0) {
    throw new StatesError('States.Runtime', `The value at ${path} is not a positive integer: ${JSON.stringify(r.value)}`);
  }
  return r.value;
};

/**
 * Task: the resource dispatch seam. This decider evaluates what AWS evaluates before calling the
 * resource (InputPath, Parameters, TimeoutSecondsPath, HeartbeatSecondsPath) and then, until the
 * integrations of issue 6 exist (activities, Lambda, HTTP, nested executions, mocks), fails the
 * execution with a States.Runtime error that names the resource.
 */
export const runTask = (f: Frame, e: Entered, s: TaskState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  if (s.TimeoutSecondsPath !== undefined) secondsFromPath(s.TimeoutSecondsPath, effective, f, e);
  if (s.HeartbeatSecondsPath !== undefined) secondsFromPath(s.HeartbeatSecondsPath, effective, f, e);
  if (s.Parameters !== undefined) evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective });
  throw new StatesError('States.Runtime', `Stepstream cannot call the resource '${s.Resource}' yet: Task integrations arrive with issue 6.`);
};
