import * as E from 'fp-ts/lib/Either.js';
import { validationException, type ApiError } from './api-errors.js';
import type { Decider } from './decider.js';

/** What UpdateMapRun changes: MaxConcurrency (0 = no limit) and the tolerated failures. */
export interface MapRunUpdate {
  readonly maxConcurrency?: number;
  readonly toleratedFailureCount?: number;
  readonly toleratedFailurePercentage?: number;
}

/** An UpdateMapRun, kept in the Map Run's own `mapRun-…` stream so that a restart keeps it. */
export interface MapRunUpdated {
  readonly type: 'MapRunUpdated';
  readonly data: { readonly mapRunArn: string } & MapRunUpdate & { readonly updateDate: number };
}
export type MapRunEvent = MapRunUpdated;

/**
 * UpdateMapRun on a Map Run. `running` is whether the Map Run is running: its status lives in the
 * parent execution's history (and the read model), not in this stream, so the caller reads it.
 */
export interface UpdateMapRunCommand {
  readonly type: 'UpdateMapRun';
  readonly mapRunArn: string;
  readonly update: MapRunUpdate;
  readonly running: boolean;
  readonly now: number;
}

/** The settings the updates of a Map Run's stream leave in force: each field as last set. */
export type MapRunState = MapRunUpdate;

/** Moves the settings in force by one update: the fields it sets win. */
export const evolveMapRun = (s: MapRunState, e: MapRunEvent): MapRunState => {
  const { maxConcurrency, toleratedFailureCount, toleratedFailurePercentage } = e.data;
  return {
    ...s,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(toleratedFailureCount !== undefined ? { toleratedFailureCount } : {}),
    ...(toleratedFailurePercentage !== undefined ? { toleratedFailurePercentage } : {}),
  };
};

/**
 * UpdateMapRun: refused once the Map Run has ended (ValidationException, reason
 * CANNOT_UPDATE_COMPLETED_MAP_RUN); otherwise one `MapRunUpdated` with the fields given.
 *
 * @example
 * decideMapRun({}, { type: 'UpdateMapRun', mapRunArn, update: { maxConcurrency: 2 }, running: true, now })
 * // right([{ type: 'MapRunUpdated', data: { mapRunArn, maxConcurrency: 2, updateDate: now } }])
 */
export const decideMapRun = (_s: MapRunState, c: UpdateMapRunCommand): E.Either<ApiError, MapRunEvent[]> =>
  c.running
    ? E.right([{ type: 'MapRunUpdated', data: { mapRunArn: c.mapRunArn, ...c.update, updateDate: c.now } }])
    : E.left(validationException('Map Run is not running and cannot be updated', 'CANNOT_UPDATE_COMPLETED_MAP_RUN'));

/** A Map Run's updates as a decider over its `mapRun-…` stream. */
export const mapRunDecider: Decider<MapRunState, UpdateMapRunCommand, MapRunEvent, ApiError> = {
  initialState: () => ({}),
  evolve: evolveMapRun,
  decide: decideMapRun,
};
