import { applyInputPath, evaluateJsonataTemplate, evaluatePayloadTemplate } from '@stepstream/asl';
import type { ParallelState } from '@stepstream/asl/definition';
import { json } from './batch.js';
import { isJsonata, jsonataScopeOf, scopeOf, shapeResult } from './dataflow.js';
import type { Failure } from './error-policy.js';
import type { Entered, Frame } from './frame.js';
import {
  abortFrame,
  completeState,
  handleStateFailure,
  RESUME,
  runFrame,
  varsOf,
  suspend,
  type FrameOutcome,
  type FrameStart,
  type StateOutcome,
  type StateRunners,
} from './interpreter.js';
import type { SuspendedFrame } from './model.js';
import { innerRestartOf } from './redrive.js';

/**
 * Parallel: `ParallelStateStarted`, every branch on the (Parameters-shaped) effective input, then
 * `ParallelStateSucceeded` and `ParallelStateExited`, both pointing to the last branch event; the
 * output is the branch outputs in branch order. A branch failure fails the state with the
 * branch's own error (not States.BranchFailed): the branches still running are aborted
 * (`XStateAborted`), then `ParallelStateFailed` points to the failure event. A retry restarts
 * with a new `ParallelStateStarted` and no `ParallelStateFailed` in between.
 *
 * Branches run one after the other within a decision, each until it ends or pauses (AWS
 * interleaves them; the order of branch events is not part of its contract). A paused branch is a
 * frame `<path>/<i>`; a finished one keeps its output there until the others finish.
 */
export const runParallel =
  (runners: StateRunners) =>
  (f: Frame, e: Entered, s: ParallelState, resume?: SuspendedFrame): StateOutcome => {
    const scope = scopeOf(f, e, e.rawInput);
    const branchPath = (i: number) => `${f.path}/${i}`;
    const runBranch = (i: number, start: FrameStart) =>
      runFrame(
        { ...f, definition: s.Branches[i]!, path: branchPath(i), parent: 'parallel', context: undefined, vars: varsOf(f.frames, branchPath(i), start, f.vars) },
        runners,
        start,
      );
    const jsonata = isJsonata(f, s);
    let startedId: number;
    let failure: Failure | undefined;
    let failedIndex = 0;
    const settle = (i: number, r: FrameOutcome) => {
      if (r.kind === 'succeeded') f.frames.set(branchPath(i), { kind: 'finished', ok: true, output: json(r.output) });
      else if (r.kind === 'failed') {
        failure = r.failure;
        failedIndex = i;
      }
    };
    if (resume?.on.kind === 'parallel') {
      startedId = resume.on.startedId;
      for (let i = 0; i < s.Branches.length && !failure; i++) {
        if (f.frames.get(branchPath(i))?.kind === 'suspended') settle(i, runBranch(i, RESUME));
      }
    } else {
      let branchInput: unknown;
      if (jsonata) branchInput = s.Arguments !== undefined ? evaluateJsonataTemplate(s.Arguments, jsonataScopeOf(f, e), 'Arguments') : e.rawInput;
      else {
        const effective = applyInputPath(s.InputPath, e.rawInput, scope);
        branchInput = s.Parameters !== undefined ? evaluatePayloadTemplate(s.Parameters, { ...scope, input: effective }) : effective;
      }
      startedId = f.batch.push('ParallelStateStarted', e.attemptStartsAfter);
      // A redrive keeps the branches that succeeded and starts the others again where they stopped.
      const redrive = e.redrive;
      for (const [i, output] of Object.entries(redrive?.done ?? {})) f.frames.set(branchPath(Number(i)), { kind: 'finished', ok: true, output });
      for (let i = 0; i < s.Branches.length && !failure; i++) {
        if (redrive?.done[i] !== undefined) continue;
        const point = redrive?.resume[i];
        settle(
          i,
          runBranch(
            i,
            point ? { restart: point, previousEventId: startedId } : { stateName: s.Branches[i]!.StartAt, input: branchInput, previousEventId: startedId },
          ),
        );
      }
    }
    if (failure) {
      const { restart, ...rest } = failure as Failure;
      const f0: Failure = { ...rest, inner: innerRestartOf(f.frames, f.path, { index: failedIndex, restart }) };
      s.Branches.forEach((branch, i) => abortFrame(f, branchPath(i), branch, f.batch));
      f.frames.deleteBelow(f.path);
      return handleStateFailure(f, e, s, f0, () => f.batch.push('ParallelStateFailed', f0.failureEventId));
    }
    const entries = s.Branches.map((_, i) => f.frames.get(branchPath(i)));
    if (entries.some((x) => x?.kind !== 'finished')) return suspend(f, e, { kind: 'parallel', startedId });
    const outputs = entries.map((x) => JSON.parse((x as { output: string }).output) as unknown);
    f.frames.deleteBelow(f.path);
    const lastBranchEvent = f.batch.lastEventId;
    f.batch.push('ParallelStateSucceeded', lastBranchEvent);
    if (jsonata) return completeState(f, e, s, { result: outputs, previous: lastBranchEvent, jsonPathOutput: () => outputs });
    return completeState(f, e, s, { ...shapeResult(s, e.rawInput, outputs, scope), previous: lastBranchEvent });
  };
