import { readFileSync } from 'node:fs';
import { callServer, CallFailed } from './server-call.js';

/** A file given to import that is not what the AWS CLI prints for an execution. */
export class ImportFilesRefused extends Error {}

/** What `Stepstream.ImportExecution` is sent: the history's events and the two descriptions. */
export interface ImportDocuments {
  readonly events: readonly Record<string, unknown>[];
  readonly stateMachine: Record<string, unknown> & { readonly definition: string };
  readonly execution?: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads the files the AWS CLI wrote for one execution, each known by what it holds:
 * `get-execution-history` (`{"events": […]}`, one or several pages, or a bare array of events),
 * `describe-state-machine-for-execution` or `describe-state-machine` (a `definition`), and
 * `describe-execution` (an `executionArn` and a `status`).
 *
 * @throws ImportFilesRefused naming the file and what is missing.
 */
export const readImportFiles = (paths: readonly string[]): ImportDocuments => {
  const events: Record<string, unknown>[] = [];
  let stateMachine: ImportDocuments['stateMachine'] | undefined;
  let execution: Record<string, unknown> | undefined;
  for (const path of paths) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (e) {
      throw new ImportFilesRefused(`${path}: ${(e as Error).message}`);
    }
    const page = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc['events']) ? doc['events'] : undefined;
    if (page !== undefined) events.push(...page.filter(isRecord));
    else if (isRecord(doc) && typeof doc['definition'] === 'string') stateMachine = { ...doc, definition: doc['definition'] };
    else if (isRecord(doc) && typeof doc['executionArn'] === 'string') execution = doc;
    else
      throw new ImportFilesRefused(
        `${path} is none of what import reads: get-execution-history's output (events), describe-state-machine-for-execution's (a definition) or describe-execution's (an executionArn)`,
      );
  }
  if (events.length === 0) throw new ImportFilesRefused('no history among the files: add what `aws stepfunctions get-execution-history --output json` printed');
  if (!stateMachine)
    throw new ImportFilesRefused(
      'no definition among the files: add what `aws stepfunctions describe-state-machine-for-execution --output json` printed (the history does not hold the definition)',
    );
  // Pages may come in any order and overlap: one event per id.
  const byId = new Map(events.map((e) => [e['id'], e]));
  return { events: [...byId.values()], stateMachine, ...(execution !== undefined ? { execution } : {}) };
};

export interface ImportAnswer {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly events: number;
  readonly decisions: number;
  readonly pointers: readonly { eventId: number; type: string; recorded: number; stepstream: number }[];
  /** What import did about the state machine: created here, or found already. */
  readonly stateMachine?: 'created' | 'existing' | string;
}

/**
 * Sends the documents to the server at `endpoint` (`Stepstream.ImportExecution`), then makes sure
 * the state machine exists here (created from the imported definition when it does not), so that
 * ListExecutions and the console show the execution beside the machine's others.
 */
export const importThroughServer = async (endpoint: string, docs: ImportDocuments, name: string | undefined): Promise<ImportAnswer> => {
  const answer = (await callServer(endpoint, 'Stepstream.ImportExecution', {
    events: docs.events,
    stateMachine: docs.stateMachine,
    ...(docs.execution !== undefined ? { execution: docs.execution } : {}),
    ...(name !== undefined ? { name } : {}),
  })) as ImportAnswer;
  let machine: ImportAnswer['stateMachine'];
  try {
    await callServer(endpoint, 'AWSStepFunctions.DescribeStateMachine', { stateMachineArn: answer.stateMachineArn });
    machine = 'existing';
  } catch (e) {
    if (!(e instanceof CallFailed) || e.type !== 'StateMachineDoesNotExist') throw e;
    const account = answer.stateMachineArn.split(':')[4] ?? '000000000000';
    const role =
      typeof docs.stateMachine['roleArn'] === 'string' && docs.stateMachine['roleArn'].startsWith('arn:')
        ? docs.stateMachine['roleArn']
        : `arn:aws:iam::${account}:role/imported`;
    try {
      await callServer(endpoint, 'AWSStepFunctions.CreateStateMachine', {
        name: answer.stateMachineArn.split(':').at(-1),
        definition: docs.stateMachine.definition,
        roleArn: role,
        type: 'STANDARD',
      });
      machine = 'created';
    } catch (c) {
      machine = `not created (${c instanceof Error ? c.message : String(c)})`;
    }
  }
  return { ...answer, stateMachine: machine };
};

/** The answer for a person: where the execution is, how it agreed, what to do next. */
export const formatImport = (a: ImportAnswer): string =>
  [
    `imported ${a.executionArn}`,
    `  ${String(a.events)} events in ${String(a.decisions)} decisions, each as this engine decides it`,
    ...a.pointers.map(
      (p) =>
        `  event ${String(p.eventId)} (${p.type}) follows event ${String(p.recorded)} in the recording, ${String(p.stepstream)} here (AWS changed this pointer over time)`,
    ),
    `  state machine ${a.stateMachineArn}: ${a.stateMachine ?? 'unknown'}`,
    `  next: stepstream inspect ${a.executionArn} --at N, or stepstream fork ${a.executionArn} --at N --definition FIXED.json`,
    '',
  ].join('\n');
