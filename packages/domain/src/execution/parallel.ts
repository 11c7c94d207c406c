import { applyInputPath, applyOutputPath, applyResultPath, evaluatePayloadTemplate } from '@stepstream/asl';
import type { ParallelState } from '@stepstream/asl/definition';
import type { Failure } from './error-policy.js';
import { exitState, handleStateFailure, runFrame, scopeOf, type Entered, type Frame, type StateOutcome, type StateRunners } from './interpreter.js';

/**
 * Parallel: `ParallelStateStarted`, every branch on the (Parameters-shaped) effective input, then
 * `ParallelStateSucceeded` and `ParallelStateExited`, both pointing to the last branch event; the
 * output is the branch outputs in branch order. A branch failure fails the state with the
 * branch's own error (not States.BranchFailed): `ParallelStateFailed` points to the failure event.
 * A retry restarts with a new `ParallelStateStarted` and no `ParallelStateFailed` in between.
 *
 * Branches run one after the other within the decision (AWS interleaves them; the order of
 * branch events is not part of its contract).
 */
export const runParallel = (runners: StateRunners) => (f: Frame, e: Entered, s: ParallelState): StateOutcome => {
  const scope = scopeOf(f, e, e.rawInput);
  const effective = applyInputPath(s.InputPath, e.rawInput, scope);
  const branchInput = s.Parameters !== undefined ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective }) : effective;
  const startedId = f.batch.push('ParallelStateStarted', e.attemptStartsAfter);
  const outputs: unknown[] = [];
  let failure: Failure | undefined;
  for (const branch of s.Branches) {
    const child: Frame = { ...f, definition: branch, isRoot: false, context: undefined };
    const r = runFrame(child, runners, { stateName: branch.StartAt, input: branchInput, previousEventId: startedId });
    if (r.kind === 'failed') {
      failure = r.failure;
      break;
    }
    if (r.kind === 'succeeded') outputs.push(r.output);
  }
  if (failure) {
    const f0 = failure;
    return handleStateFailure(f, e, s, f0, () => f.batch.push('ParallelStateFailed', f0.failureEventId));
  }
  const lastBranchEvent = f.batch.lastEventId;
  f.batch.push('ParallelStateSucceeded', lastBranchEvent);
  const result = s.ResultSelector !== undefined ? evaluatePayloadTemplate(s.ResultSelector, { ...scope, input: outputs }) : outputs;
  const merged = applyResultPath(s.ResultPath, e.rawInput, result);
  return exitState(f, e, s, applyOutputPath(s.OutputPath, merged, { ...scope, input: merged }), lastBranchEvent);
};
