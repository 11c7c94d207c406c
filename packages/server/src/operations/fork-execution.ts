import { describeDiagnostics } from '@stepstream/asl/definition';
import { invalidDefinition, validationException } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { between, decodeRequest, long, maxBytes, maxLength, minLength, oneOf, optional } from '../validation.js';
import { parseDefinitionText, parseJsonText } from '../json-limits.js';
import { checkExecutionInput } from './start-execution.js';
import type { Deps } from './deps.js';

export const ForkExecutionInput = t.intersection([
  t.type({ executionArn: t.string, eventId: long }),
  t.partial({
    name: optional(t.string),
    definition: optional(t.string),
    input: optional(t.string),
    variables: optional(t.string),
    mocks: optional(t.string),
    time: optional(t.string),
  }),
]);

/**
 * `Stepstream.ForkExecution` `{ executionArn, eventId, name?, definition?, input?, variables? }`: a new execution of
 * the same state machine whose history begins with the source's events 1..eventId and goes on
 * live from there, with the source's definition or the one given, and optionally a new input and
 * variables (JSON texts) for the state its own frame is in (`{ executionArn, startDate }`).
 * `eventId` must end one of the source's decisions while it ran (ValidationException otherwise,
 * naming where that decision began); the source is never changed. See docs/time-travel.md.
 */
export const forkExecution =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ForkExecutionInput, body, {
      required: ['executionArn', 'eventId'],
      rules: {
        executionArn: [minLength(1), maxLength(256)],
        eventId: [between(1, Number.MAX_SAFE_INTEGER)],
        name: [minLength(1), maxLength(80)],
        definition: [minLength(1), maxBytes(1_048_576)],
        input: [maxBytes(262_144)],
        variables: [maxBytes(262_144)],
        mocks: [maxBytes(262_144)],
        time: [oneOf(['virtual', 'real'])],
      },
    });
    if (E.isLeft(decoded)) return decoded;
    const { executionArn, eventId, name, definition, input, variables, mocks, time } = decoded.right;
    // As CreateStateMachine reads a definition: nested past Jackson's limit is refused before it is walked.
    if (definition !== undefined && definition !== null) {
      const parsed = parseDefinitionText(definition);
      if (!parsed.ok) return E.left(invalidDefinition(describeDiagnostics(parsed.diagnostics)));
    }
    // The input as StartExecution reads it; variables and mocks held to the same depth. A text nested
    // deeper than any JSON AWS takes (5,000 arrays) would otherwise overflow the stack where it is
    // written out again, and answer a 500.
    if (input !== undefined && input !== null) {
      const bad = checkExecutionInput(input);
      if (bad) return E.left(bad);
    }
    for (const [field, text] of [
      ['variables', variables],
      ['mocks', mocks],
    ] as const) {
      if (text === undefined || text === null) continue;
      const parsed = parseJsonText(text);
      if (E.isLeft(parsed) && parsed.left.kind === 'depth') return E.left(validationException(`Invalid ${field}: ${parsed.left.message}`));
    }
    const forked = await engine.executions.forkExecution({
      executionArn,
      eventId,
      ...(name !== undefined && name !== null ? { name } : {}),
      ...(definition !== undefined && definition !== null ? { definition } : {}),
      ...(input !== undefined && input !== null ? { input } : {}),
      ...(variables !== undefined && variables !== null ? { variables } : {}),
      ...(mocks !== undefined && mocks !== null ? { mocks } : {}),
      ...(time === 'virtual' || time === 'real' ? { time } : {}),
    });
    return E.isLeft(forked) ? forked : E.right({ executionArn: forked.right.executionArn, startDate: forked.right.startDate / 1000 });
  };
