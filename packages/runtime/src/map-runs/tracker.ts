import { scopeOf } from '../locate.js';
import {
  executionStream,
  mapRunChildName as childName,
  type ArnScope,
  type ExecutionInfo,
  type MapRunResult,
  type MapRunSpec,
  type MapRunUpdate,
} from '@stepstream/domain';

/** A Map Run in progress: which children have ended, which run, which is next. */
export interface MapRunTracker {
  readonly spec: MapRunSpec;
  readonly parent: ExecutionInfo;
  readonly parentStream: string;
  readonly taskId: string;
  readonly results: (MapRunResult | undefined)[];
  readonly running: Set<number>;
  next: number;
  limit: number;
  /** Tolerated failures an UpdateMapRun set, applied when the parent gets the results. */
  tolerance?: { toleratedCount?: number; toleratedPercentage?: number };
}

/** The stream of a Map Run's updates: `mapRun-<account>:<region>:<machine>/<label>:<id>`. */
export const mapRunStream = (mapRunArn: string) => {
  const [, , , region, account, , ...rest] = mapRunArn.split(':');
  return `mapRun-${account}:${region}:${rest.join(':')}`;
};

/** What UpdateMapRun changes (and a `MapRunUpdated` event records); the domain's type. */
export type { MapRunUpdate };

/** Applies an UpdateMapRun to a tracker: MaxConcurrency at once, tolerated failures for the end. */
export const applyMapRunUpdate = (t: MapRunTracker, u: MapRunUpdate) => {
  if (u.maxConcurrency !== undefined) t.limit = u.maxConcurrency > 0 ? u.maxConcurrency : t.spec.inputs.length;
  if (u.toleratedFailureCount !== undefined || u.toleratedFailurePercentage !== undefined) {
    t.tolerance = {
      ...(t.tolerance ?? {}),
      ...(u.toleratedFailureCount !== undefined ? { toleratedCount: u.toleratedFailureCount } : {}),
      ...(u.toleratedFailurePercentage !== undefined ? { toleratedPercentage: u.toleratedFailurePercentage } : {}),
    };
  }
};

/** A Map Run child's execution name: `<map run id>-<index>` (so starting it again is idempotent). */
export const mapRunChildName = (spec: MapRunSpec, index: number) => childName(spec.mapRunArn, index);

/** A Map Run child's execution stream. */
export const mapRunChildStream = (engineScope: ArnScope, spec: MapRunSpec, index: number) => {
  const sm = spec.stateMachineArn.split(':')[6]!;
  // In the parent's state machine's account (several accounts, docs/security.md).
  const scope = scopeOf(engineScope, spec.stateMachineArn);
  return executionStream(scope.account, scope.region, sm, mapRunChildName(spec, index));
};
