import { describeDiagnostics } from '@stepstream/asl/definition';
import { invalidDefinition, validationException } from '@stepstream/domain';
import { parseDefinitionText } from '../json-limits.js';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxBytes, maxLength, minLength, optional } from '../validation.js';
import type { Deps } from './deps.js';

const Described = t.partial({ name: optional(t.string), stateMachineArn: optional(t.string), roleArn: optional(t.string), executionArn: optional(t.string) });

export const ImportExecutionInput = t.intersection([
  t.type({ events: t.array(t.UnknownRecord), stateMachine: t.intersection([t.type({ definition: t.string }), Described]) }),
  t.partial({
    execution: optional(Described),
    name: optional(t.string),
    normalised: optional(t.partial({ placeholders: optional(t.array(t.string)) })),
  }),
]);

/** Drops the nulls a JSON client may send for absent members. */
const present = <T extends Record<string, unknown>>(o: T): { [K in keyof T]: Exclude<T[K], null | undefined> } =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as { [K in keyof T]: Exclude<T[K], null | undefined> };

/**
 * `Stepstream.ImportExecution` `{ events, stateMachine, execution?, name?, normalised? }`: an
 * execution AWS ran, from what the AWS CLI prints (`get-execution-history`'s events,
 * `describe-state-machine-for-execution`, `describe-execution`), decided again by this engine and
 * stored as an imported execution (`{ executionArn, stateMachineArn, events, decisions, pointers }`).
 * Where Stepstream decides differently: ValidationException naming the recorded event. The body may
 * reach 64 MiB (a whole history). See docs/time-travel.md.
 */
export const importExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ImportExecutionInput, body, {
      required: ['events', 'stateMachine'],
      rules: { name: [minLength(1), maxLength(80)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const { events, stateMachine, execution, name, normalised } = decoded.right;
    const definitionTooLarge = maxBytes(1_048_576)(stateMachine.definition);
    if (definitionTooLarge !== undefined) return E.left(validationException(`Invalid stateMachine.definition: ${definitionTooLarge}`));
    // As CreateStateMachine reads a definition: nested past Jackson's limit is refused before it is walked.
    const parsed = parseDefinitionText(stateMachine.definition);
    if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
    const imported = await engine.executions.importExecution({
      events,
      stateMachine: present(stateMachine),
      ...(execution !== undefined && execution !== null ? { execution: present(execution) } : {}),
      ...(name !== undefined && name !== null ? { name } : {}),
      ...(normalised !== undefined && normalised !== null ? { normalised: present(normalised) } : {}),
    });
    if (E.isLeft(imported)) return imported;
    const r = imported.right;
    return E.right({ executionArn: r.executionArn, stateMachineArn: r.stateMachineArn, events: r.events, decisions: r.decisions, pointers: r.pointers });
  };
