import { describeDiagnostics, parseDefinition } from '@stepstream/asl/definition';
import { invalidDefinition, invalidExecutionInput, validationException } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { decodeRequest, maxBytes, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';
import { checkExecutionInput } from './start-execution.js';

export const TestStateInput = t.intersection([
  t.type({ definition: t.string }),
  t.partial({
    roleArn: optional(t.string),
    input: optional(t.string),
    inspectionLevel: optional(t.string),
    revealSecrets: optional(t.boolean),
    variables: optional(t.string),
    stateName: optional(t.string),
    mock: optional(t.partial({ result: optional(t.string), errorOutput: optional(t.partial({ error: optional(t.string), cause: optional(t.string) })), fieldValidationMode: optional(t.string) })),
    context: optional(t.string),
    stateConfiguration: optional(t.UnknownRecord),
  }),
]);

const asObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * TestState: a single state (`definition` is the state), or a state of a whole machine
 * (`definition` is the machine, `stateName` the state), run on `input` with optional `variables`
 * and a `mock` answer for Task states; `inspectionLevel` DEBUG adds the data-flow steps.
 */
export const testState = ({ engine }: Deps): Operation => async (body) => {
  const decoded = decodeRequest(TestStateInput, body, {
    required: ['definition'],
    rules: {
      definition: [minLength(1), maxLength(1_048_576)],
      input: [maxBytes(262_144)],
      inspectionLevel: [oneOf(['INFO', 'DEBUG', 'TRACE'])],
      stateName: [minLength(1), maxLength(80)],
      roleArn: [minLength(1), maxLength(256)],
    },
  });
  if (E.isLeft(decoded)) return decoded;
  const req = decoded.right;
  const input = req.input ?? '{}';
  const badInput = checkExecutionInput(input);
  if (badInput) return E.left(badInput);
  const parsed = asObject(req.definition);
  if (!parsed) return E.left(invalidDefinition('INVALID_JSON_DESCRIPTION: the definition must be a JSON object at /'));
  let state: Record<string, unknown>;
  let stateName: string;
  let language: 'JSONPath' | 'JSONata' = 'JSONPath';
  if (req.stateName != null) {
    const machine = parseDefinition(req.definition);
    if (!machine.ok) return E.left(invalidDefinition(describeDiagnostics(machine.diagnostics)));
    const s = machine.definition.States[req.stateName];
    if (!s) return E.left(validationException(`State '${req.stateName}' is not a state of the definition's top level`));
    state = s as unknown as Record<string, unknown>;
    stateName = req.stateName;
    language = machine.definition.QueryLanguage ?? 'JSONPath';
  } else {
    state = parsed;
    stateName = 'TestState';
    if (state['QueryLanguage'] === 'JSONata') language = 'JSONata';
    // Validate the state as the only state of a machine whose other states are its targets.
    const targets = [state['Next'], state['Default'], ...((state['Choices'] as { Next?: unknown }[] | undefined) ?? []).map((c) => c.Next), ...((state['Catch'] as { Next?: unknown }[] | undefined) ?? []).map((c) => c.Next)];
    const stubs = Object.fromEntries(targets.filter((x): x is string => typeof x === 'string').map((n) => [n, { Type: 'Pass', End: true }]));
    const check = parseDefinition(JSON.stringify({ StartAt: stateName, States: { ...stubs, [stateName]: state } }));
    if (!check.ok) return E.left(invalidDefinition(describeDiagnostics(check.diagnostics)));
  }
  let variables: Record<string, unknown> | undefined;
  if (req.variables != null) {
    variables = asObject(req.variables);
    if (!variables) return E.left(invalidExecutionInput('variables must be a JSON object'));
  }
  const mock = req.mock?.errorOutput != null ? { errorOutput: { ...(req.mock.errorOutput.error != null ? { error: req.mock.errorOutput.error } : {}), ...(req.mock.errorOutput.cause != null ? { cause: req.mock.errorOutput.cause } : {}) } } : req.mock?.result != null ? { result: req.mock.result } : undefined;
  if (mock && 'result' in mock && asObject(`{"r":${mock.result}}`) === undefined) return E.left(validationException('mock.result must be a JSON text'));
  const result = await engine.testState({
    state: state as never,
    stateName,
    language,
    input,
    roleArn: req.roleArn ?? 'arn:aws:iam::123456789012:role/TestState',
    inspectionLevel: (req.inspectionLevel ?? 'INFO') as 'INFO' | 'DEBUG' | 'TRACE',
    ...(mock ? { mock } : {}),
    ...(variables ? { variables } : {}),
  });
  return E.right(result);
};
