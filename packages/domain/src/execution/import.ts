import { decideExecution, definitionOf, everyState } from './decide.js';
import { evolveExecution } from './evolve.js';
import {
  initialExecutionState,
  nextTimerAt,
  pendingTasks,
  type ExecutionCommand,
  type ExecutionInfo,
  type ExecutionState,
  type NewHistoryEvent,
  type PendingTask,
  type TaskSignal,
} from './model.js';
import type { MapRunResult } from './map-data.js';

/**
 * An event of a history another engine recorded, as AWS's GetExecutionHistory returns it (what
 * `aws stepfunctions get-execution-history --output json` prints): `id`, `previousEventId`,
 * `type`, the timestamp (epoch ms here; absent from normalised recordings) and one `…EventDetails`
 * member whose payloads (`input`, `output`, …) are JSON texts.
 */
export interface AwsHistoryEvent {
  readonly id: number;
  readonly previousEventId?: number;
  readonly type: string;
  readonly timestamp?: number;
  readonly [details: string]: unknown;
}

export interface ImportOptions {
  /**
   * The recorded history is normalised, as LocalStack's recorded snapshots and the conformance
   * corpus keep AWS's histories: run-specific values were replaced by placeholders. A `<…>`
   * placeholder, `date`, the account `111111111111` or one of `placeholders` in a recorded value
   * then matches any text there.
   */
  readonly normalised?: { readonly placeholders?: readonly string[] };
}

/** Where Stepstream decides differently from the recorded history: the recorded event (AWS's id) and what Stepstream wrote instead. */
export interface ImportDivergence {
  /** The recorded event's id, when one is concerned. */
  readonly eventId?: number;
  readonly reason: string;
  readonly recorded?: AwsHistoryEvent;
  readonly produced?: { readonly type: string; readonly data: unknown };
}

/**
 * An event Stepstream writes as recorded except for the event it follows (`previousEventId`, as the
 * recording's ids): AWS changed some of these pointers over time (a Distributed Map's
 * MapStateExited followed MapRunSucceeded until mid-2024, MapRunStarted since).
 */
export interface PointerDifference {
  readonly eventId: number;
  readonly type: string;
  readonly recorded: number;
  readonly stepstream: number;
}

export type ImportResult =
  | {
      readonly ok: true;
      /** Our events, as the decider wrote them, with the recorded timestamps. */
      readonly events: readonly NewHistoryEvent[];
      readonly decisions: number;
      readonly pointers: readonly PointerDifference[];
    }
  | { readonly ok: false; readonly divergence: ImportDivergence; readonly matched: number };

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The ids the import's decisions draw: recognisable, and replaced by the recorded ones where the history shows them. */
const drawnId = (n: number) => `d1ce0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const DRAWN = /d1ce0000-0000-4000-8000-[0-9a-f]{12}/g;

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compares what the decider wrote with what was recorded: details member by member, JSON texts as
 * JSON values (AWS and Stepstream may space them differently), ids the decision drew bound to the
 * recorded ones at their first appearance, and, for normalised recordings, placeholders as
 * wildcards.
 */
class Matcher {
  private bound = new Map<string, string>();
  private readonly placeholder: RegExp | undefined;

  constructor(options: ImportOptions) {
    const extra = options.normalised?.placeholders ?? [];
    this.placeholder = options.normalised
      ? new RegExp(['<[^<>\\s"]{1,100}>', '\\bdate\\b', '111111111111', ...extra.filter((p) => p.length > 0).map(escape)].join('|'), 'g')
      : undefined;
  }

  /** The bindings so far, to restore when a candidate does not match after all. */
  snapshot(): Map<string, string> {
    return new Map(this.bound);
  }
  restore(saved: Map<string, string>): void {
    this.bound = saved;
  }

  /** `text` with every drawn id that is bound replaced by the recorded one. */
  substitute(text: string): string {
    return this.bound.size === 0 ? text : text.replace(DRAWN, (id) => this.bound.get(id) ?? id);
  }

  event(produced: NewHistoryEvent, recorded: AwsHistoryEvent): boolean {
    const { timestamp: _t, previousEventId: _p, ...ours } = produced.data as unknown as Record<string, unknown>;
    const { id: _i, previousEventId: _rp, type: _type, timestamp: _rt, ...theirs } = recorded;
    return this.value(ours, theirs);
  }

  private wholePlaceholder(r: string): boolean {
    if (!this.placeholder) return false;
    // `timestamp`: what the recording made of a non-ISO value under a key naming a timestamp.
    if (r === 'timestamp') return true;
    const m = r.match(this.placeholder);
    return m !== null && m.length === 1 && m[0] === r;
  }

  value(p: unknown, r: unknown): boolean {
    if (typeof p === 'string' && typeof r === 'string') return this.text(p, r);
    if (typeof r === 'string' && this.wholePlaceholder(r)) return true;
    if (Array.isArray(p)) return Array.isArray(r) && p.length === r.length && p.every((x, i) => this.value(x, r[i]));
    if (isRecord(p)) {
      if (!isRecord(r)) return false;
      const keys = Object.keys(p);
      if (keys.length !== Object.keys(r).length) return false;
      return keys.every((k) => Object.hasOwn(r, k) && this.value(p[k], r[k]));
    }
    return p === r;
  }

  private text(p: string, r: string): boolean {
    if (p === r) return true;
    const q = this.substitute(p);
    if (q === r) return true;
    if (this.wholePlaceholder(r)) return true;
    // JSON texts are compared as values, at any depth.
    const jp = parseJson(q);
    const jr = parseJson(r);
    if (jp.ok && jr.ok && (typeof jp.value !== 'string' || typeof jr.value !== 'string')) return this.value(jp.value, jr.value);
    if (jp.ok && jr.ok && typeof jp.value === 'string' && typeof jr.value === 'string' && q.length > jp.value.length) return this.text(jp.value, jr.value);
    // Ids the decision drew and the recording shows for the first time: bound where they sit.
    const unbound = [...new Set(q.match(DRAWN) ?? [])];
    if (unbound.length > 0 && unbound.length <= 8) {
      const pattern = q.split(DRAWN).map(escape);
      const ids = q.match(DRAWN) ?? [];
      let source = pattern[0]!;
      const groups: string[] = [];
      for (const [i, id] of ids.entries()) {
        const seen = groups.indexOf(id);
        source += seen >= 0 ? `\\${String(seen + 1)}` : `(${UUID})`;
        if (seen < 0) groups.push(id);
        source += pattern[i + 1]!;
      }
      const m = new RegExp(`^${source}$`).exec(r);
      if (m) {
        groups.forEach((id, i) => this.bound.set(id, m[i + 1]!));
        return true;
      }
    }
    if (this.placeholder) {
      const parts = r.split(this.placeholder).map(escape);
      if (parts.length > 1 && parts.length <= 32) return new RegExp(`^${parts.join('[\\s\\S]*?')}$`).test(q);
    }
    return false;
  }
}

/** An event's details: its one `…EventDetails` member (`taskSucceededEventDetails`, `stateExitedEventDetails`, …). */
const detailsOf = (e: AwsHistoryEvent): Record<string, unknown> => {
  const key = Object.keys(e).find((k) => k.endsWith('EventDetails'));
  const d = key === undefined ? undefined : e[key];
  return isRecord(d) ? d : {};
};

const optionalText = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a task's recorded event tells the decider (its runtime's answer), if it is one. */
const signalOf = (e: AwsHistoryEvent): TaskSignal | undefined => {
  const d = detailsOf(e);
  const failed = (): TaskSignal => ({
    type: 'failed',
    ...(optionalText(d['error']) !== undefined ? { error: d['error'] as string } : {}),
    ...(optionalText(d['cause']) !== undefined ? { cause: d['cause'] as string } : {}),
  });
  switch (e.type) {
    case 'ActivityStarted':
      return { type: 'started', ...(optionalText(d['workerName']) !== undefined ? { workerName: d['workerName'] as string } : {}) };
    case 'LambdaFunctionStarted':
    case 'TaskStarted':
      return { type: 'started' };
    case 'TaskSubmitted':
      return { type: 'submitted', output: optionalText(d['output']) ?? 'null' };
    case 'ActivitySucceeded':
    case 'LambdaFunctionSucceeded':
    case 'TaskSucceeded':
      return { type: 'succeeded', output: optionalText(d['output']) ?? 'null' };
    case 'ActivityFailed':
    case 'LambdaFunctionFailed':
    case 'TaskFailed':
      return failed();
    default:
      return undefined;
  }
};

/**
 * A Distributed Map's Map Run ended: its child runs' results, rebuilt from what the parent's
 * history shows (the child runs' own histories are not read). A run that succeeded gave the Map
 * state's result: the exit's output where the state does not reshape it, or the value at a plain
 * ResultPath. A failed run is as many failed children as it takes to pass the tolerance.
 */
const mapRunAnswer = (recorded: readonly AwsHistoryEvent[], e: AwsHistoryEvent, state: ExecutionState, task: PendingTask): string | undefined => {
  if (e.type === 'MapRunFailed') {
    const spec = findState(state.info?.definition, task.state);
    const count = typeof spec?.['ToleratedFailureCount'] === 'number' ? (spec['ToleratedFailureCount'] as number) + 1 : 1;
    const results: MapRunResult[] = Array.from({ length: count }, () => ({ ok: false, output: '{"Error":"States.TaskFailed"}' }));
    return JSON.stringify(results);
  }
  const exited = recorded.find((r) => r.id > e.id && r.type === 'MapStateExited' && detailsOf(r)['name'] === task.state);
  const output = optionalText(exited && detailsOf(exited)['output']);
  if (output === undefined) return undefined;
  const parsed = parseJson(output);
  if (!parsed.ok) return undefined;
  const spec = findState(state.info?.definition, task.state) ?? {};
  if (spec['ResultSelector'] !== undefined || spec['Output'] !== undefined || spec['OutputPath'] !== undefined) return undefined;
  let value = parsed.value;
  const resultPath = spec['ResultPath'];
  if (typeof resultPath === 'string' && resultPath !== '$') {
    const steps = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(resultPath) ? resultPath.slice(2).split('.') : undefined;
    if (!steps) return undefined;
    for (const step of steps) value = isRecord(value) ? value[step] : undefined;
  }
  if (!Array.isArray(value)) return undefined;
  return JSON.stringify(value.map((v): MapRunResult => ({ ok: true, output: JSON.stringify(v) })));
};

/** A state of the execution's definition (at any depth) by name, as its raw members. */
const findState = (definition: string | undefined, name: string): Record<string, unknown> | undefined => {
  if (definition === undefined) return undefined;
  for (const [n, state] of everyState(definitionOf(definition))) if (n === name) return state as unknown as Record<string, unknown>;
  return undefined;
};

const brief = (e: { readonly type: string; readonly data?: unknown } | AwsHistoryEvent): string => {
  const text = JSON.stringify(e);
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
};

/**
 * Imports a history another engine recorded (AWS Step Functions): decides it again with this
 * engine, command by command — the start, each task's answer and each timer as the recording shows
 * them — and checks every event the decider writes against the recorded one (ids mapped, so
 * branches and iterations may interleave differently; timestamps are the recording's). The result
 * is our events, foldable, inspectable and replayable like any execution's, or the first place
 * where Stepstream decides differently from the recording.
 *
 * `info` is the execution as it will be stored here: its identity (in this deployment), the
 * definition, the recorded input, role and start date. The recording must end in a terminal event.
 */
export const importAwsHistory = (info: ExecutionInfo, recordedIn: readonly AwsHistoryEvent[], options: ImportOptions = {}): ImportResult => {
  const recorded = [...recordedIn].sort((a, b) => a.id - b.id);
  const matcher = new Matcher(options);
  const ours = new Map<number, number>(); // recorded id → our id
  const matched = new Set<number>(); // recorded ids matched
  const out: NewHistoryEvent[] = [];
  const pointers: PointerDifference[] = [];
  let state: ExecutionState = initialExecutionState;
  let decisions = 0;
  let drawn = 0;
  let now = info.startDate;
  let command: ExecutionCommand = { type: 'StartExecution', info };
  let cursor = 0; // recorded[cursor] is the first event not matched (or beyond)
  const fail = (divergence: ImportDivergence): ImportResult => ({ ok: false, divergence, matched: matched.size });
  for (;;) {
    const next = recorded[cursor];
    let produced: NewHistoryEvent[];
    try {
      produced = decideExecution(state, command, {
        now,
        uuid: () => drawnId(++drawn),
        // AWS's random draws are not in its history: a fixed one (a jittered back-off fires when the recording says it did).
        random: () => 0.5,
      });
    } catch (e) {
      // A recording no engine run could have written (a task's output that is no JSON text, …).
      return fail({
        ...(next ? { eventId: next.id, recorded: next } : {}),
        reason: `Stepstream cannot decide ${command.type} from the recording there (${e instanceof Error ? e.message : String(e)})`,
      });
    }
    if (produced.length === 0)
      return fail({
        ...(next ? { eventId: next.id, recorded: next } : {}),
        reason: `Stepstream decides nothing on ${command.type}${next ? ` where the recording goes on with event ${String(next.id)} (${next.type})` : ''}`,
      });
    const taken: { event: NewHistoryEvent; from: AwsHistoryEvent }[] = [];
    for (const [k, p] of produced.entries()) {
      const ourId = state.lastEventId + k + 1;
      // The recorded event it is: the first one not taken yet, of its type and details, that
      // follows the event ours follows; failing that, one that follows another (AWS changed
      // where some events point over the years: that is reported, not a divergence).
      const find = (samePointer: boolean): AwsHistoryEvent | undefined => {
        for (let i = cursor; i < recorded.length; i++) {
          const r = recorded[i]!;
          if (matched.has(r.id) || r.type !== p.type) continue;
          const before = r.previousEventId ?? 0;
          if (samePointer && (before === 0 ? 0 : ours.get(before)) !== p.data.previousEventId) continue;
          const saved = matcher.snapshot();
          if (matcher.event(p, r)) return r;
          matcher.restore(saved);
        }
        return undefined;
      };
      let found = find(true);
      if (!found) {
        found = find(false);
        if (found) {
          const theirs = [...ours.entries()].find(([, o]) => o === p.data.previousEventId)?.[0] ?? 0;
          pointers.push({ eventId: found.id, type: found.type, recorded: found.previousEventId ?? 0, stepstream: theirs });
        }
      }
      if (!found) {
        const mapped = [...ours.entries()].find(([, o]) => o === p.data.previousEventId)?.[0];
        const sameSpot = recorded.find((r) => !matched.has(r.id) && (r.previousEventId ?? 0) === (mapped ?? 0));
        const expected = sameSpot ?? recorded.find((r) => !matched.has(r.id));
        return fail({
          ...(expected ? { eventId: expected.id, recorded: expected } : {}),
          produced: { type: p.type, data: p.data },
          reason: expected
            ? `the recording has ${brief(expected)} where Stepstream writes ${brief({ type: p.type, data: p.data })}`
            : `Stepstream writes ${brief({ type: p.type, data: p.data })} after the recording's end`,
        });
      }
      matched.add(found.id);
      ours.set(found.id, ourId);
      taken.push({ event: p, from: found });
    }
    while (cursor < recorded.length && matched.has(recorded[cursor]!.id)) cursor++;
    // Our events, with the recorded ids the decision drew, timestamps and (where they differ) ids.
    const batch: NewHistoryEvent[] = taken.map(({ event, from }, k) => {
      const withIds = JSON.parse(matcher.substitute(JSON.stringify(event))) as NewHistoryEvent;
      const ourId = state.lastEventId + k + 1;
      const metadata: Record<string, unknown> = {
        ...(withIds.metadata ?? {}),
        ...(from.id !== ourId ? { awsEventId: from.id } : {}),
      };
      const trigger = metadata['trigger'] as Record<string, unknown> | undefined;
      // A replay decides with the trigger's `now`: recorded where the recording's timestamp is not it.
      const timestamp = from.timestamp ?? now;
      if (trigger && timestamp !== now) metadata['trigger'] = { ...trigger, now };
      return { type: withIds.type, data: { ...withIds.data, timestamp }, metadata };
    });
    for (const e of batch) state = evolveExecution(state, e);
    out.push(...batch);
    decisions++;
    const e = recorded[cursor];
    if (state.status !== 'RUNNING') {
      if (e)
        return fail({ eventId: e.id, recorded: e, reason: `the execution ended here (${String(state.status)}) but the recording goes on with ${brief(e)}` });
      return { ok: true, events: out, decisions, pointers };
    }
    if (!e) return fail({ reason: 'the recording ends while the execution runs: only executions that ended can be imported' });
    const inferred = commandFor(recorded, e, state, ours);
    if ('reason' in inferred) return fail({ eventId: e.id, recorded: e, reason: inferred.reason });
    command = inferred.command;
    now = inferred.command.type === 'FireTimers' ? Math.max(e.timestamp ?? now, nextTimerAt(state) ?? now) : (e.timestamp ?? now);
  }
};

/** The command that brought the recording's next event `e`: a task's answer, a stop, a redrive, or timers. */
const commandFor = (
  recorded: readonly AwsHistoryEvent[],
  e: AwsHistoryEvent,
  state: ExecutionState,
  ours: ReadonlyMap<number, number>,
): { command: ExecutionCommand } | { reason: string } => {
  // A decision that spent its budget goes on at once.
  if (Object.values(state.frames).some((f) => f.kind === 'suspended' && f.on.kind === 'continue')) return { command: { type: 'FireTimers' } };
  const d = detailsOf(e);
  if (e.type === 'ExecutionAborted')
    return {
      command: {
        type: 'StopExecution',
        ...(optionalText(d['error']) !== undefined ? { error: d['error'] as string } : {}),
        ...(optionalText(d['cause']) !== undefined ? { cause: d['cause'] as string } : {}),
      },
    };
  if (e.type === 'ExecutionRedriven') return { command: { type: 'RedriveExecution' } };
  const tasks = pendingTasks(state);
  const after = ours.get(e.previousEventId ?? 0);
  const task = tasks.find((t) => t.lastEventId === after) ?? (tasks.length === 1 ? tasks[0] : undefined);
  if (e.type === 'MapRunSucceeded' || e.type === 'MapRunFailed') {
    const run = task?.kind === 'mapRun' ? task : tasks.find((t) => t.kind === 'mapRun');
    if (!run) return { reason: `the recording has ${e.type} but Stepstream runs no Map Run there` };
    const output = mapRunAnswer(recorded, e, state, run);
    if (output === undefined)
      return {
        reason: `the Distributed Map "${run.state}" reshapes its results (ResultSelector, OutputPath or Output): importing it needs its child runs' histories, which import does not read yet`,
      };
    return { command: { type: 'TaskUpdate', taskId: run.id, signal: { type: 'succeeded', output } } };
  }
  const signal = signalOf(e);
  const answered = signal?.type === 'succeeded' || signal?.type === 'submitted' ? signal.output : undefined;
  if (answered !== undefined && !parseJson(answered).ok) return { reason: `the output ${e.type} recorded is not a JSON text` };
  if (signal) {
    if (!task) return { reason: `the recording has ${e.type} for a task Stepstream does not wait on (${String(tasks.length)} pending)` };
    return { command: { type: 'TaskUpdate', taskId: task.id, signal } };
  }
  if (nextTimerAt(state) === undefined)
    return { reason: `the recording goes on with ${e.type}, but Stepstream waits on ${tasks.length > 0 ? 'a task' : 'nothing'} there` };
  return { command: { type: 'FireTimers' } };
};
