import { describeDiagnostics } from '@stepstream/asl/definition';
import { invalidDefinition, validationException } from '@stepstream/domain';
import { jsonTextDepth, MAX_NESTING_DEPTH, parseDefinitionText, parseJsonText } from '../json-limits.js';
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
 * The first JSON text in the recorded events (an `input`, an `output`, an assigned variable…) that
 * nests past {@link MAX_NESTING_DEPTH}, as a ValidationException naming the event and the member.
 * The engine parses those texts and walks them recursively; AWS never records such a text, since
 * it refuses it where it enters.
 */
const tooDeepText = (events: readonly Record<string, unknown>[]) => {
  for (const event of events) {
    // The request body's own nesting is bounded at the edge (1000 levels): a stack suffices.
    const stack: [unknown, string][] = Object.entries(event).map(([key, value]) => [value, key]);
    while (stack.length > 0) {
      const [value, path] = stack.pop()!;
      if (typeof value === 'string') {
        if (!/^\s*[[{]/.test(value) || jsonTextDepth(value) <= MAX_NESTING_DEPTH) continue;
        const parsed = parseJsonText(value);
        if (E.isLeft(parsed) && parsed.left.kind === 'depth')
          return validationException(
            `Invalid history: event ${String(event['id'])} (${String(event['type'])}): ${path}: ${parsed.left.message}. ` +
              'AWS never records such a text: give the events as get-execution-history prints them',
          );
      } else if (typeof value === 'object' && value !== null) {
        for (const [key, member] of Object.entries(value)) stack.push([member, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`]);
      }
    }
  }
  return undefined;
};

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
    const deepText = tooDeepText(events);
    if (deepText !== undefined) return E.left(deepText);
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
