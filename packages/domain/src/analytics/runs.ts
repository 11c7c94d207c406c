/**
 * What an execution's history says about its runs, for analytics: the execution itself, each run
 * of a state (entered to exited, with its attempts and error), each task attempt (scheduled,
 * started, ended) and each Map Run — folded event by event, so that a projector can apply an
 * execution's events batch by batch and keep between batches only what is still open
 * ({@link RunsCursor}).
 *
 * A history does not name the run an event belongs to; its `previousEventId` does. Every event
 * points to the event before it in its own frame (the execution, a Parallel branch, a Map
 * iteration): an event inside a state's run points into that run, the first state of a branch
 * points to its Parallel's `ParallelStateStarted`, the first state of an iteration to its
 * `MapIterationStarted` (which carries the index), and a state's `…StateExited` points to the
 * run's last event — for a Parallel or a Map, an event of a branch or iteration (as AWS writes
 * it). So the fold keeps, for each event a later one may point to, the open run it belongs to and
 * the frame a state entered after it runs in; an exit closes the innermost open run of its name
 * around the event it points to, an abort (`…StateAborted`, no name) the innermost open run of its
 * type.
 *
 * An event that points to an event the fold no longer keeps (the history was redriven, or was not
 * written this way) is taken as the execution's own frame: its runs are still counted, in frame
 * `""`.
 *
 * @module
 */

/** A state's run as analytics keeps it once it has ended. Times are epoch milliseconds. */
export interface StateRun {
  readonly executionArn: string;
  /** The id of its `…StateEntered` event: the run's key within the execution. */
  readonly enteredEventId: number;
  /** The id of the event that ended it (its `…StateExited` or `…StateAborted`, or the execution's end). */
  readonly endedEventId: number;
  readonly state: string;
  /** The run it ran inside (a Parallel's or a Map's entered event id), 0 in the execution's own frame. */
  readonly parentEnteredEventId: number;
  /** The state's `Type`, from the entered event's type: `Task`, `Pass`, `Map`, … */
  readonly type: string;
  /**
   * Where it ran: `""` in the execution's own frame; `P/1` in branch 1 of Parallel state `P`;
   * `M/3` in iteration 3 of Map state `M`; nested frames joined with `/` (`P/0/M/2`). A
   * Parallel's branches are numbered in the order their first states were entered, which is the
   * order of `Branches`.
   */
  readonly frame: string;
  readonly entered: number;
  readonly ended: number;
  /** Task attempts (scheduled tasks), or runs of a Parallel's branches or a Map's items; 1 for other states. */
  readonly attempts: number;
  /**
   * `SUCCEEDED` (exited, its last attempt succeeded), `CAUGHT` (exited through a Catch after an
   * error), `FAILED` (the execution, or the branch or iteration it ran in, failed while it ran),
   * `ABORTED`, `TIMED_OUT` (the execution timed out while it ran).
   */
  readonly status: 'SUCCEEDED' | 'CAUGHT' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  /** The last error recorded in the run (a retried one too), and its cause. */
  readonly error?: string;
  readonly cause?: string;
}

/** One attempt of a task: a `TaskScheduled`, `ActivityScheduled` or `LambdaFunctionScheduled` to its end. */
export interface TaskRun {
  readonly executionArn: string;
  readonly scheduledEventId: number;
  /** The state run it belongs to (its entered event) and the state's name. */
  readonly stateEnteredEventId: number;
  readonly state: string;
  /** `task` (a service integration), `lambda` (a `LambdaFunction…` task), `activity`. */
  readonly kind: 'task' | 'lambda' | 'activity';
  /**
   * The resource: an integration's `arn:aws:states:::<service>:<action>[.<pattern>]`, a Lambda
   * function's ARN, an activity's ARN.
   */
  readonly resource: string;
  /** `request-response`, `sync` or `waitForTaskToken` (from the integration's resource suffix). */
  readonly pattern: 'request-response' | 'sync' | 'waitForTaskToken';
  readonly scheduled: number;
  /** When it started (`…Started`), if it did. */
  readonly started?: number;
  readonly ended: number;
  readonly endedEventId: number;
  /**
   * `SUCCEEDED`, `FAILED`, `TIMED_OUT` (a `…TimedOut` event: a `TimeoutSeconds` expiry and a
   * heartbeat's are both `States.Timeout`), `ABORTED` (its state ended around it).
   */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /**
   * A timeout that was its heartbeat's: the attempt had `HeartbeatSeconds`, had started, and timed
   * out before its `TimeoutSeconds` (counted from its scheduling) could have — so no heartbeat came
   * in time. The history records both as `States.Timeout`; this tells them apart as the engine does
   * when the timer fires on time.
   */
  readonly heartbeatTimedOut?: true;
  readonly error?: string;
  readonly cause?: string;
}

/** A Distributed Map's run, as its parent's history tells it. */
export interface MapRunFacts {
  readonly mapRunArn: string;
  readonly executionArn: string;
  /** The Map state that started it. */
  readonly state: string;
  readonly started: number;
  readonly ended?: number;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly redriveCount: number;
}

/** The execution, as far as its history has been folded. */
export interface ExecutionFacts {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineType: string;
  readonly name: string;
  readonly versionArn?: string;
  readonly aliasArn?: string;
  /** The Map Run it is a child execution of. */
  readonly mapRunArn?: string;
  /** The execution whose task started it (`.sync`, a Map Run). */
  readonly parentExecutionArn?: string;
  readonly started: number;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly ended?: number;
  readonly error?: string;
  readonly cause?: string;
  readonly redriveCount: number;
  /** State transitions: states entered (what AWS bills a Standard workflow by). */
  readonly transitions: number;
  /** Events folded: the last event id. */
  readonly lastEventId: number;
}

/** An event of an execution's stream, as the fold reads it. */
export interface RunsEvent {
  readonly id: number;
  readonly type: string;
  /** The stored data: `timestamp` (epoch ms), `previousEventId`, the details member. */
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** What one event did: the runs it ended, the task attempt it scheduled or started. */
export interface EventOutcome {
  readonly stateRuns: StateRun[];
  readonly taskRuns: TaskRun[];
  task?: { readonly phase: 'scheduled' | 'started'; readonly kind: TaskRun['kind']; readonly resource: string };
}

/** What one event a later event may point to leads to. */
interface Pointer {
  /** The open run it belongs to (its entered event id), 0 for the execution's own frame. */
  r: number;
  /** The frame a state entered after it runs in. */
  f: string;
  /** A Parallel's `ParallelStateStarted`: the next branch's number. */
  b?: number;
  /** Pointed to once only (a state's exit, the execution's start, an iteration's start): forgotten when it is. */
  o?: 1;
}

interface OpenTask {
  id: number;
  k: TaskRun['kind'];
  res: string;
  at: number;
  st?: number;
  /** HeartbeatSeconds and TimeoutSeconds, as scheduled. */
  hb?: number;
  to?: number;
}

interface OpenRun {
  n: string;
  t: string;
  /** The run it runs inside (0: the execution's frame). */
  p: number;
  f: string;
  at: number;
  a: number;
  /** Its last attempt or branch failed. */
  x?: 1;
  e?: string;
  c?: string;
  task?: OpenTask;
  /** A Distributed Map run it started. */
  mr?: string;
}

/** What the fold keeps between batches: JSON, small (open runs and the events they may be pointed to by). */
export interface RunsCursor {
  readonly v: 1;
  readonly execution: ExecutionFacts;
  readonly pointers: Readonly<Record<string, Pointer>>;
  readonly runs: Readonly<Record<string, OpenRun>>;
  readonly mapRuns: Readonly<Record<string, MapRunFacts>>;
}

/** What folding some events produced: runs that ended, Map Runs that changed, the execution now. */
export interface RunsFolded {
  /** Undefined when the events did not begin with `ExecutionStarted` and there was no cursor. */
  readonly cursor: RunsCursor | undefined;
  readonly stateRuns: readonly StateRun[];
  readonly taskRuns: readonly TaskRun[];
  readonly mapRuns: readonly MapRunFacts[];
  /** Whether the execution's row changed (it started, ended, was redriven or entered a state). */
  readonly executionChanged: boolean;
  /** What each event did, by event id, where it ended a run or began a task (for metrics and traces). */
  readonly byEvent: ReadonlyMap<number, EventOutcome>;
}

const TASK_SCHEDULED: Readonly<Record<string, TaskRun['kind']>> = {
  TaskScheduled: 'task',
  ActivityScheduled: 'activity',
  LambdaFunctionScheduled: 'lambda',
};
const TASK_STARTED = new Set(['TaskStarted', 'ActivityStarted', 'LambdaFunctionStarted']);
const TASK_SUCCEEDED = new Set(['TaskSucceeded', 'ActivitySucceeded', 'LambdaFunctionSucceeded']);
const TASK_TIMED_OUT = new Set(['TaskTimedOut', 'ActivityTimedOut', 'LambdaFunctionTimedOut']);
const TASK_FAILED = new Set([
  'TaskFailed',
  'ActivityFailed',
  'LambdaFunctionFailed',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionStartFailed',
  'ActivityScheduleFailed',
  'LambdaFunctionScheduleFailed',
]);
/** Events that fail a Parallel or Map (its branch or iteration failed), or a state's evaluation. */
const STATE_FAILED = new Set(['ParallelStateFailed', 'MapStateFailed', 'EvaluationFailed', 'MapRunFailed']);
const STATE_SUCCEEDED = new Set(['ParallelStateSucceeded', 'MapStateSucceeded']);
const STATE_STARTED = new Set(['ParallelStateStarted', 'MapStateStarted']);
const CLOSED: Readonly<Record<string, ExecutionFacts['status']>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** `Task` of `TaskStateEntered`; undefined for other types. */
const stateTypeOf = (type: string, suffix: 'StateEntered' | 'StateExited' | 'StateAborted'): string | undefined =>
  type.endsWith(suffix) && type.length > suffix.length ? type.slice(0, -suffix.length) : undefined;

const detailsOf = (data: Record<string, unknown>): Record<string, unknown> => {
  for (const [k, v] of Object.entries(data)) if (k.endsWith('EventDetails') && typeof v === 'object' && v !== null) return v as Record<string, unknown>;
  return {};
};
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `request-response`, `sync` or `waitForTaskToken` from an integration's resource (`startExecution.sync:2`). */
export const integrationPattern = (resource: string): TaskRun['pattern'] =>
  /\.sync(:\d+)?$/.test(resource) ? 'sync' : resource.endsWith('.waitForTaskToken') ? 'waitForTaskToken' : 'request-response';

const facts = (started: RunsEvent, timestamp: number): ExecutionFacts => {
  const m = started.metadata ?? {};
  const d = detailsOf(started.data as Record<string, unknown>);
  const parent = m['parent'] as { executionArn?: string; mapRunArn?: string } | undefined;
  const versionArn = str(d['stateMachineVersionArn']);
  const aliasArn = str(d['stateMachineAliasArn']);
  return {
    executionArn: str(m['executionArn']) ?? '',
    stateMachineArn: str(m['stateMachineArn']) ?? '',
    stateMachineType: str(m['stateMachineType']) ?? 'STANDARD',
    name: str(m['name']) ?? '',
    ...(versionArn ? { versionArn } : {}),
    ...(aliasArn ? { aliasArn } : {}),
    ...(parent?.mapRunArn ? { mapRunArn: parent.mapRunArn } : {}),
    ...(parent?.executionArn ? { parentExecutionArn: parent.executionArn } : {}),
    started: timestamp,
    status: 'RUNNING',
    redriveCount: 0,
    transitions: 0,
    lastEventId: started.id,
  };
};

/**
 * Folds an execution's events, in order, onto what was kept of the ones before (`cursor`,
 * undefined before its first event). Deterministic: the same events give the same runs.
 *
 * @example
 * const a = foldRuns(undefined, firstBatch);   // ExecutionStarted, PassStateEntered, …
 * const b = foldRuns(a.cursor, nextBatch);     // … PassStateExited: b.stateRuns holds the Pass state's run
 */
export const foldRuns = (cursor: RunsCursor | undefined, events: readonly RunsEvent[]): RunsFolded => {
  let execution: ExecutionFacts | undefined = cursor?.execution;
  const pointers = new Map<number, Pointer>(Object.entries(cursor?.pointers ?? {}).map(([k, v]) => [Number(k), { ...v }]));
  const runs = new Map<number, OpenRun>(Object.entries(cursor?.runs ?? {}).map(([k, v]) => [Number(k), { ...v, ...(v.task ? { task: { ...v.task } } : {}) }]));
  const mapRuns = new Map<string, MapRunFacts>(Object.entries(cursor?.mapRuns ?? {}));
  const stateRuns: StateRun[] = [];
  const taskRuns: TaskRun[] = [];
  const mapRunsChanged = new Map<string, MapRunFacts>();
  const byEvent = new Map<number, EventOutcome>();
  let executionChanged = false;
  const ROOT: Pointer = { r: 0, f: '' };

  const endedAt = (eventId: number) => {
    let e = byEvent.get(eventId);
    if (!e) byEvent.set(eventId, (e = { stateRuns: [], taskRuns: [] }));
    return e;
  };
  const endTask = (run: OpenRun, runId: number, at: number, eventId: number, status: TaskRun['status'], error?: string, cause?: string) => {
    const t = run.task;
    if (!t || !execution) return;
    run.task = undefined;
    const row: TaskRun = {
      executionArn: execution.executionArn,
      scheduledEventId: t.id,
      stateEnteredEventId: runId,
      state: run.n,
      kind: t.k,
      resource: t.res,
      pattern: t.k === 'task' ? integrationPattern(t.res) : 'request-response',
      scheduled: t.at,
      ...(t.st !== undefined ? { started: t.st } : {}),
      ended: at,
      endedEventId: eventId,
      status,
      ...(status === 'TIMED_OUT' && t.hb !== undefined && t.st !== undefined && (t.to === undefined || at < t.at + t.to * 1000)
        ? { heartbeatTimedOut: true as const }
        : {}),
      ...(error !== undefined ? { error } : {}),
      ...(cause !== undefined ? { cause } : {}),
    };
    taskRuns.push(row);
    endedAt(eventId).taskRuns.push(row);
  };
  /** Ends run `id` and, first, every open run inside it. */
  const endRun = (
    id: number,
    at: number,
    eventId: number,
    status: StateRun['status'],
    inner: StateRun['status'],
    /** The execution's error, for the runs it ended that recorded none (a Fail state's is only in ExecutionFailed). */
    theirs?: { readonly error?: string; readonly cause?: string },
  ) => {
    const run = runs.get(id);
    if (!run || !execution) return;
    for (const [childId, child] of runs) if (child.p === id) endRun(childId, at, eventId, child.t === 'Fail' || child.x ? 'FAILED' : inner, inner, theirs);
    if (theirs && run.e === undefined && theirs.error !== undefined) {
      run.e = theirs.error;
      if (theirs.cause !== undefined) run.c = theirs.cause;
    }
    // A task still open when its state ends (the execution failed elsewhere, timed out, was aborted) was aborted.
    endTask(run, id, at, eventId, 'ABORTED');
    runs.delete(id);
    for (const [k, p] of pointers) if (p.r === id) pointers.delete(k);
    const row: StateRun = {
      executionArn: execution.executionArn,
      enteredEventId: id,
      endedEventId: eventId,
      state: run.n,
      parentEnteredEventId: run.p,
      type: run.t,
      frame: run.f,
      entered: run.at,
      ended: at,
      attempts: Math.max(1, run.a),
      status,
      ...(run.e !== undefined ? { error: run.e } : {}),
      ...(run.c !== undefined ? { cause: run.c } : {}),
    };
    stateRuns.push(row);
    endedAt(eventId).stateRuns.push(row);
  };
  /** The innermost open run around `from` (itself included) that `match` accepts. */
  const enclosing = (from: number, match: (run: OpenRun) => boolean): number | undefined => {
    for (let id = from, guard = 0; id !== 0 && guard < 10_000; guard++) {
      const run = runs.get(id);
      if (!run) return undefined;
      if (match(run)) return id;
      id = run.p;
    }
    return undefined;
  };
  const failed = (run: OpenRun, d: Record<string, unknown>) => {
    run.x = 1;
    const error = str(d['error']);
    const cause = str(d['cause']);
    if (error !== undefined) run.e = error;
    else delete run.e;
    if (cause !== undefined) run.c = cause;
    else delete run.c;
  };

  for (const event of events) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    const at = Number(data['timestamp'] ?? 0);
    const prev = Number(data['previousEventId'] ?? 0);
    const d = detailsOf(data);
    if (event.type === 'ExecutionStarted') {
      if (!execution) {
        execution = facts(event, at);
        executionChanged = true;
      }
      pointers.set(event.id, { r: 0, f: '', o: 1 });
      continue;
    }
    if (!execution) continue;
    execution = { ...execution, lastEventId: event.id };
    const from = pointers.get(prev) ?? ROOT;
    const owner = from.r !== 0 && !runs.has(from.r) ? ROOT : from;
    const parent = owner.r !== 0 ? runs.get(owner.r) : undefined;
    const closedAs = CLOSED[event.type];
    const enteredType = stateTypeOf(event.type, 'StateEntered');
    const exitedType = stateTypeOf(event.type, 'StateExited');
    const abortedType = stateTypeOf(event.type, 'StateAborted');

    if (closedAs) {
      const inner: StateRun['status'] = closedAs === 'SUCCEEDED' || closedAs === 'RUNNING' ? 'ABORTED' : closedAs;
      const theirs = {
        ...(str(d['error']) !== undefined ? { error: str(d['error']) } : {}),
        ...(str(d['cause']) !== undefined ? { cause: str(d['cause']) } : {}),
      };
      for (const id of [...runs.keys()]) if (runs.get(id)?.p === 0) endRun(id, at, event.id, inner, inner, theirs);
      for (const [arn, m] of mapRuns)
        if (m.status === 'RUNNING') {
          const ended: MapRunFacts = { ...m, status: 'ABORTED', ended: at };
          mapRuns.set(arn, ended);
          mapRunsChanged.set(arn, ended);
        }
      pointers.clear();
      const error = str(d['error']);
      const cause = str(d['cause']);
      const { error: _e, cause: _c, ended: _x, ...rest } = execution;
      execution = { ...rest, status: closedAs, ended: at, ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) };
      executionChanged = true;
      continue;
    }
    if (event.type === 'ExecutionRedriven') {
      const { error: _e, cause: _c, ended: _x, ...rest } = execution;
      execution = { ...rest, status: 'RUNNING', redriveCount: Number(d['redriveCount'] ?? execution.redriveCount + 1) };
      executionChanged = true;
      pointers.set(event.id, { r: 0, f: '' });
      continue;
    }
    if (enteredType) {
      if (from.o) pointers.delete(prev);
      let frame = owner.f;
      if (owner.b !== undefined && parent) {
        frame = `${parent.f ? `${parent.f}/` : ''}${parent.n}/${owner.b}`;
        owner.b++;
      }
      runs.set(event.id, { n: str(d['name']) ?? '', t: enteredType, p: owner.r, f: frame, at, a: 0 });
      pointers.set(event.id, { r: event.id, f: frame });
      execution = { ...execution, transitions: execution.transitions + 1 };
      executionChanged = true;
      continue;
    }
    if (exitedType) {
      const name = str(d['name']);
      const id = enclosing(owner.r, (r) => r.n === name);
      const closing = id !== undefined ? runs.get(id) : undefined;
      if (id !== undefined && closing) {
        endRun(id, at, event.id, closing.x ? 'CAUGHT' : 'SUCCEEDED', 'ABORTED');
        pointers.set(event.id, { r: closing.p, f: closing.f, o: 1 });
      } else pointers.set(event.id, { ...owner, o: 1 });
      continue;
    }
    if (abortedType) {
      const id = enclosing(owner.r, (r) => r.t === abortedType);
      const closing = id !== undefined ? runs.get(id) : undefined;
      if (id !== undefined && closing) {
        endRun(id, at, event.id, 'ABORTED', 'ABORTED');
        pointers.set(event.id, { r: closing.p, f: closing.f });
      } else pointers.set(event.id, { r: owner.r, f: owner.f });
      continue;
    }
    // Anything else belongs to the run its previous event belongs to — a Parallel's or a Map's
    // own events (`ParallelStateFailed` after a branch's Fail state, say) to the innermost open
    // Parallel or Map around it.
    const of = /^(Parallel|Map)(State|Iteration|Run)/.exec(event.type)?.[1];
    const ownerId = of ? (enclosing(owner.r, (r) => r.t === of) ?? owner.r) : owner.r;
    const here: Pointer = ownerId === owner.r ? { r: owner.r, f: owner.f } : { r: ownerId, f: runs.get(ownerId)!.f };
    pointers.set(event.id, here);
    const run = ownerId !== 0 ? runs.get(ownerId) : undefined;
    if (!run) continue;
    const kind = TASK_SCHEDULED[event.type];
    if (kind) {
      run.a++;
      const resource = kind === 'task' ? `arn:aws:states:::${str(d['resourceType']) ?? ''}:${str(d['resource']) ?? ''}` : (str(d['resource']) ?? '');
      const hb = d['heartbeatInSeconds'];
      const to = d['timeoutInSeconds'];
      run.task = { id: event.id, k: kind, res: resource, at, ...(typeof hb === 'number' ? { hb } : {}), ...(typeof to === 'number' ? { to } : {}) };
      endedAt(event.id).task = { phase: 'scheduled', kind, resource };
    } else if (TASK_STARTED.has(event.type)) {
      if (run.task) {
        run.task.st = at;
        endedAt(event.id).task = { phase: 'started', kind: run.task.k, resource: run.task.res };
      }
    } else if (TASK_SUCCEEDED.has(event.type)) {
      delete run.x;
      endTask(run, ownerId, at, event.id, 'SUCCEEDED');
    } else if (TASK_FAILED.has(event.type) || TASK_TIMED_OUT.has(event.type)) {
      if (!run.task && event.type.endsWith('ScheduleFailed')) run.a++;
      failed(run, d);
      endTask(run, ownerId, at, event.id, TASK_TIMED_OUT.has(event.type) ? 'TIMED_OUT' : 'FAILED', run.e, run.c);
    } else if (STATE_STARTED.has(event.type)) {
      run.a++;
      delete run.x;
      if (event.type === 'ParallelStateStarted') here.b = 0;
    } else if (STATE_FAILED.has(event.type)) {
      failed(run, d);
    } else if (STATE_SUCCEEDED.has(event.type)) {
      delete run.x;
    } else if (event.type === 'MapIterationStarted') {
      here.f = `${run.f ? `${run.f}/` : ''}${run.n}/${Number(d['index'] ?? 0)}`;
      here.o = 1;
    }
    if (event.type === 'MapRunStarted' || event.type === 'MapRunRedriven') {
      const arn = str(d['mapRunArn']) ?? '';
      const before = mapRuns.get(arn);
      const m: MapRunFacts = before
        ? { ...before, status: 'RUNNING', redriveCount: Number(d['redriveCount'] ?? before.redriveCount + 1) }
        : { mapRunArn: arn, executionArn: execution.executionArn, state: run.n, started: at, status: 'RUNNING', redriveCount: 0 };
      if (before) delete (m as { ended?: number }).ended;
      run.mr = arn;
      mapRuns.set(arn, m);
      mapRunsChanged.set(arn, m);
    } else if (event.type === 'MapRunSucceeded' || event.type === 'MapRunFailed' || event.type === 'MapRunAborted') {
      const id = enclosing(ownerId, (r) => r.mr !== undefined);
      const arn = id !== undefined ? runs.get(id)?.mr : undefined;
      const before = arn !== undefined ? mapRuns.get(arn) : undefined;
      if (arn !== undefined && before) {
        const status = event.type === 'MapRunSucceeded' ? 'SUCCEEDED' : event.type === 'MapRunFailed' ? 'FAILED' : 'ABORTED';
        const m: MapRunFacts = { ...before, status, ended: at };
        mapRuns.set(arn, m);
        mapRunsChanged.set(arn, m);
      }
    }
  }
  if (!execution) return { cursor: undefined, stateRuns, taskRuns, mapRuns: [], executionChanged, byEvent };
  const open = Object.fromEntries([...mapRuns].filter(([, m]) => m.status === 'RUNNING'));
  return {
    cursor: {
      v: 1,
      execution,
      pointers: Object.fromEntries(pointers),
      runs: Object.fromEntries(runs),
      mapRuns: open,
    },
    stateRuns,
    taskRuns,
    mapRuns: [...mapRunsChanged.values()],
    executionChanged,
    byEvent,
  };
};
