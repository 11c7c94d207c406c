import { Frames } from './frames.js';
import type { FrameTable, InnerRestart, PendingTask, RestartPoint } from './model.js';

/**
 * Where the paused frame at `path` starts again on a redrive: its state and that state's input,
 * its own variables, and, when it waits on a Parallel's branches or an inline Map's iterations,
 * which of them succeeded (their outputs are kept) and where the others were.
 */
export const restartOfFrame = (frames: Frames, path: string): RestartPoint | undefined => {
  const entry = frames.get(path);
  if (entry?.kind !== 'suspended') return undefined;
  const fanOut = entry.on.kind === 'parallel' || (entry.on.kind === 'map' && entry.on.run === undefined);
  const mapRun = entry.on.kind === 'task' && entry.on.task.kind === 'mapRun' ? mapRunRestart(entry.on.task) : undefined;
  const inner = fanOut ? innerRestartOf(frames, path) : mapRun;
  return { state: entry.state, input: entry.entered.input, ...(entry.vars !== undefined ? { vars: entry.vars } : {}), ...(inner ? { inner } : {}) };
};

/**
 * What the branches or iterations below `path` had done when their Parallel or Map failed:
 * `failed` is the one whose failure ends the state, with the restart point its frame reported.
 * Call it before the others are aborted (aborting removes their entries).
 */
export const innerRestartOf = (frames: Frames, path: string, failed?: { readonly index: number; readonly restart: RestartPoint | undefined }): InnerRestart => {
  const done: Record<string, string> = {};
  const resume: Record<string, RestartPoint> = {};
  for (const [i, entry] of frames.children(path)) {
    if (entry.kind === 'finished' && entry.ok) done[i] = entry.output;
    else if (entry.kind === 'suspended' && i !== failed?.index) {
      const point = restartOfFrame(frames, `${path}/${i}`);
      if (point) resume[i] = point;
    }
  }
  if (failed?.restart) resume[failed.index] = failed.restart;
  return { done, resume };
};

/** A Distributed Map stopped while its Map Run ran, or whose Map Run failed: the redrive reuses the run. */
export const mapRunRestart = (task: PendingTask): InnerRestart => {
  const spec = JSON.parse(task.input) as { redriveCount?: number };
  return { done: {}, resume: {}, mapRun: { mapRunArn: task.resource, redriveCount: spec.redriveCount ?? 0 } };
};

/** The restart point of an execution that ends while paused (stopped, timed out): its top frame's. */
export const restartOfExecution = (table: FrameTable): RestartPoint | undefined => restartOfFrame(new Frames(table), '');
