import { describeDiagnostics, parseDefinition } from '@stepstream/asl/definition';
import {
  executionAlreadyExists,
  executionArn as makeExecutionArn,
  executionStream,
  importAwsHistory,
  invalidDefinition,
  invalidName,
  isValidName,
  stateMachineArn as makeStateMachineArn,
  validationException,
  type ApiError,
  type AwsHistoryEvent,
  type ExecutionInfo,
  type ImportOptions,
  type PointerDifference,
} from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import type { CallMetadata } from '../command.js';
import type { ExecutionUseCaseDeps } from './use-case-deps.js';

/**
 * What `stepstream import` sends: the three documents the AWS CLI prints for an execution
 * (`get-execution-history`, `describe-state-machine-for-execution`, `describe-execution`), as
 * parsed JSON; timestamps as the CLI prints them (ISO-8601 texts or epoch seconds).
 */
export interface ImportExecutionInput {
  /** The history's events (every page, merged). */
  readonly events: readonly Record<string, unknown>[];
  /** `describe-state-machine-for-execution` (or `describe-state-machine`): the definition, its name and ARN. */
  readonly stateMachine: { readonly definition: string; readonly name?: string; readonly stateMachineArn?: string; readonly roleArn?: string };
  /** `describe-execution`, when given: the execution's ARN and name there. */
  readonly execution?: { readonly executionArn?: string; readonly name?: string; readonly stateMachineArn?: string };
  /** The name here (default: the name there, else a new UUID). */
  readonly name?: string;
  readonly normalised?: ImportOptions['normalised'];
}

export interface ImportExecutionDeps extends ExecutionUseCaseDeps {
  readonly uuid: () => string;
  readonly scope: { readonly partition: string; readonly region: string; readonly account: string };
}

export interface Imported {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly events: number;
  readonly decisions: number;
  readonly pointers: readonly PointerDifference[];
}

/** The dates a recorded timestamp may hold: ISO-8601's four-digit years, 0001 to 9999. */
const FIRST_DATE_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Epoch milliseconds of a timestamp as the AWS CLI prints it: an ISO-8601 text, or epoch seconds. */
const epochMs = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? Math.round(v * 1000) : Math.round(v);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

/** The last part of an ARN (`…:stateMachine:<name>`, `…:execution:<machine>:<name>`). */
const lastPart = (arn: string | undefined): string | undefined => (arn === undefined ? undefined : arn.split(':').at(-1));

/** Replaces every occurrence of each `from` with its `to` in every text of `value`. */
const renamed = <T>(value: T, pairs: readonly (readonly [string, string])[]): T => {
  const live = pairs.filter(([from, to]) => from.length > 0 && from !== to);
  if (live.length === 0) return value;
  // In each string (and key) itself, not in the JSON text: a `from` holding a quote or a backslash
  // would break the text (found by the hostile-input suite: an InternalFailure).
  const inText = (text: string) => live.reduce((t, [from, to]) => t.split(from).join(to), text);
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? inText(v)
      : Array.isArray(v)
        ? v.map(walk)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [inText(k), walk(x)]))
          : v;
  return walk(value) as T;
};

/**
 * `Stepstream.ImportExecution`, `stepstream import`: stores an execution AWS ran, from the history
 * the AWS CLI printed, as an execution of this deployment — under its state machine's name, with
 * ARNs of this region and account (the ones AWS gave, wherever the history shows them, become
 * these). The history is decided again by this engine (`importAwsHistory`); the first event where
 * Stepstream decides differently is a ValidationException that names it, and nothing is stored.
 * The execution is marked imported (with its ARN there) and never runs here: fork it to.
 */
export const importExecution = async (
  deps: ImportExecutionDeps,
  input: ImportExecutionInput,
  meta: CallMetadata = {},
): Promise<E.Either<ApiError, Imported>> => {
  const events: AwsHistoryEvent[] = [];
  for (const [i, e] of input.events.entries()) {
    if (typeof e['id'] !== 'number' || typeof e['type'] !== 'string')
      return E.left(
        validationException(`Invalid history: event ${String(i + 1)} has no numeric id or no type: give the events as get-execution-history prints them`),
      );
    const timestamp = epochMs(e['timestamp']);
    if (timestamp !== undefined && (timestamp < FIRST_DATE_MS || timestamp > LAST_DATE_MS))
      // Found by the hostile-input suite: 1e300 was stored, and the read models could not hold it
      // (the analytics projector skipped the event, with an error in the log).
      return E.left(
        validationException(
          `Invalid history: event ${String(i + 1)} (${String(e['type'])}): timestamp ${JSON.stringify(e['timestamp'])} is not a date between the years 1 and 9999: ` +
            'give the events as get-execution-history prints them',
        ),
      );
    const { timestamp: _t, ...rest } = e;
    events.push({ ...(rest as unknown as AwsHistoryEvent), ...(timestamp !== undefined ? { timestamp } : {}) });
  }
  const first = [...events].sort((a, b) => a.id - b.id)[0];
  if (first?.type !== 'ExecutionStarted')
    return E.left(validationException('Invalid history: it does not begin with ExecutionStarted: give every page of get-execution-history, from the first'));
  const started = (first['executionStartedEventDetails'] ?? {}) as { input?: unknown; roleArn?: unknown };
  const parsed = parseDefinition(input.stateMachine.definition);
  if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
  const theirMachineArn = input.stateMachine.stateMachineArn ?? input.execution?.stateMachineArn;
  const machineName = input.stateMachine.name ?? lastPart(theirMachineArn);
  if (machineName === undefined || !isValidName(machineName)) return E.left(invalidName(machineName ?? ''));
  const theirExecutionArn = input.execution?.executionArn;
  const name = input.name ?? input.execution?.name ?? lastPart(theirExecutionArn) ?? deps.uuid();
  if (!isValidName(name)) return E.left(invalidName(name));
  const stateMachineArn = makeStateMachineArn(deps.scope, machineName);
  const executionArn = makeExecutionArn(deps.scope, machineName, name);
  // AWS's ARNs of this execution, its machine and its Map Runs become this deployment's wherever the history shows them.
  const theirPrefix = theirMachineArn?.replace(':stateMachine:', ':mapRun:');
  const pairs: (readonly [string, string])[] = [
    ...(theirExecutionArn !== undefined ? [[theirExecutionArn, executionArn] as const] : []),
    ...(theirMachineArn !== undefined ? [[theirMachineArn, stateMachineArn] as const] : []),
    ...(theirPrefix !== undefined ? [[`${theirPrefix}/`, `${stateMachineArn.replace(':stateMachine:', ':mapRun:')}/`] as const] : []),
  ];
  const recorded = renamed(events, pairs);
  const startedHere = (recorded.find((e) => e.id === first.id)?.['executionStartedEventDetails'] ?? {}) as {
    stateMachineVersionArn?: unknown;
    stateMachineAliasArn?: unknown;
  };
  const info: ExecutionInfo = {
    executionArn,
    stateMachineArn,
    stateMachineName: machineName,
    name,
    roleArn: typeof started.roleArn === 'string' ? started.roleArn : (input.stateMachine.roleArn ?? ''),
    definition: input.stateMachine.definition,
    stateMachineType: 'STANDARD',
    input: typeof started.input === 'string' ? started.input : '{}',
    startDate: first.timestamp ?? deps.clock(),
    ...(typeof startedHere.stateMachineVersionArn === 'string' ? { stateMachineVersionArn: startedHere.stateMachineVersionArn } : {}),
    ...(typeof startedHere.stateMachineAliasArn === 'string' ? { stateMachineAliasArn: startedHere.stateMachineAliasArn } : {}),
    imported: { from: 'aws', executionArn: theirExecutionArn ?? '', stateMachineArn: theirMachineArn ?? '' },
  };
  const result = importAwsHistory(info, recorded, input.normalised !== undefined ? { normalised: input.normalised } : {});
  if (!result.ok) {
    const d = result.divergence;
    return E.left(
      validationException(
        `Stepstream decides differently from the recorded history${d.eventId !== undefined ? ` at its event ${String(d.eventId)}` : ''}: ${d.reason}. ${String(result.matched)} events agreed before it; nothing was imported`,
      ),
    );
  }
  const stream = executionStream(deps.scope.account, deps.scope.region, machineName, name);
  return deps.queue.run(stream, async () => {
    const appended = await deps.commands.start(stream, info, deps.clock(), meta, { type: 'ImportExecution', events: result.events });
    if (!appended) return E.left(executionAlreadyExists(executionArn));
    deps.acknowledge(appended.position);
    return E.right({ executionArn, stateMachineArn, events: result.events.length, decisions: result.decisions, pointers: result.pointers });
  });
};
