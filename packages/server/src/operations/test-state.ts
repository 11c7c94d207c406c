import { checkVariableName, describeDiagnostics, parseDefinition } from '@stepstream/asl/definition';
import { invalidDefinition, invalidExecutionInput, validationException, type ApiError } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { parseDefinitionText, parseJsonText, type JsonTextProblem } from '../json-limits.js';
import { between, decodeRequest, integer, maxBytes, maxLength, minLength, oneOf, optional, violation, type Rule } from '../validation.js';
import type { Deps } from './deps.js';
import { checkExecutionInput } from './start-execution.js';

/** The `Next` of each Choice rule or catcher, whatever shape the (not yet validated) state has. */
const nextsOf = (list: unknown): unknown[] =>
  Array.isArray(list) ? list.map((c: unknown) => (typeof c === 'object' && c !== null ? (c as { Next?: unknown }).Next : undefined)) : [];

export const TestStateInput = t.intersection([
  t.type({ definition: t.string }),
  t.partial({
    roleArn: optional(t.string),
    input: optional(t.string),
    inspectionLevel: optional(t.string),
    revealSecrets: optional(t.boolean),
    variables: optional(t.string),
    stateName: optional(t.string),
    mock: optional(
      t.partial({
        result: optional(t.string),
        errorOutput: optional(t.partial({ error: optional(t.string), cause: optional(t.string) })),
        fieldValidationMode: optional(t.string),
      }),
    ),
    context: optional(t.string),
    stateConfiguration: optional(
      t.partial({
        retrierRetryCount: optional(integer),
        errorCausedByState: optional(t.string),
        mapIterationFailureCount: optional(integer),
        mapItemReaderData: optional(t.string),
      }),
    ),
  }),
]);
export type TestStateInput = t.TypeOf<typeof TestStateInput>;

/**
 * Coral's message for a nested member that breaks its constraint (the flat rules only see
 * top-level members); `sensitive` members (the model's trait) are named without their value.
 */
const nestedRule = (path: string, value: unknown, rule: Rule, sensitive = false): ApiError | undefined => {
  if (value === undefined || value === null) return undefined;
  const broken = rule(value);
  return broken ? validationException(`1 validation error detected: ${violation(path, value, broken, sensitive)}`) : undefined;
};

/**
 * TestStateConfiguration's constraints (API reference): counts at least 0, errorCausedByState 1–80
 * characters, mapItemReaderData at most 262,144 (both sensitive in the model).
 */
const checkStateConfiguration = (c: TestStateInput['stateConfiguration']): ApiError | undefined =>
  c == null
    ? undefined
    : (nestedRule('stateConfiguration.retrierRetryCount', c.retrierRetryCount, between(0, 2_147_483_647)) ??
      nestedRule('stateConfiguration.mapIterationFailureCount', c.mapIterationFailureCount, between(0, 2_147_483_647)) ??
      nestedRule('stateConfiguration.errorCausedByState', c.errorCausedByState, minLength(1), true) ??
      nestedRule('stateConfiguration.errorCausedByState', c.errorCausedByState, maxLength(80), true) ??
      nestedRule('stateConfiguration.mapItemReaderData', c.mapItemReaderData, maxBytes(262_144), true));

/** MockInput's constraints (the model): result at most 262,144, errorOutput's error 256 and cause 32,768 — all sensitive. */
const checkMockSizes = (m: TestStateInput['mock']): ApiError | undefined =>
  m == null
    ? undefined
    : (nestedRule('mock.result', m.result, maxBytes(262_144), true) ??
      nestedRule('mock.errorOutput.error', m.errorOutput?.error, maxLength(256), true) ??
      nestedRule('mock.errorOutput.cause', m.errorOutput?.cause, maxLength(32_768), true));

/** A JSON text member that must hold an object: the object, or why not (a syntax error, too deep, another JSON type). */
const asObject = (text: string): E.Either<JsonTextProblem | undefined, Record<string, unknown>> => {
  const parsed = parseJsonText(text);
  if (E.isLeft(parsed)) return parsed;
  const v = parsed.right;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? E.right(v as Record<string, unknown>) : E.left(undefined);
};

/**
 * Mock rules AWS enforces before running anything (recorded against AWS, LocalStack
 * `tests/aws/services/stepfunctions/v2/test_state/test_state_mock_validation.snapshot.json`):
 * "A mock can only be specified for Task, Map, or Parallel states" (API reference, TestState `mock`).
 */
const checkMock = (state: Record<string, unknown>, req: TestStateInput): ApiError | undefined => {
  const m = req.mock;
  const config = req.stateConfiguration;
  if (m == null || (m.result == null && m.errorOutput == null)) {
    return config?.mapIterationFailureCount != null
      ? validationException('TestState does not support MapIterationFailureCount when a mock is not specified.')
      : undefined;
  }
  const type = state['Type'];
  if (type !== 'Task' && type !== 'Map' && type !== 'Parallel')
    return validationException(`State type '${String(type)}' is not supported when a mock is specified`);
  if (m.result != null && m.errorOutput != null) return validationException('A test mock should have only one of the following fields: [result, errorOutput].');
  if (req.revealSecrets === true) return validationException('TestState does not support RevealSecrets when a mock is specified.');
  if (m.result == null) return undefined;
  const parsed = parseJsonText(m.result);
  if (E.isLeft(parsed)) return validationException(parsed.left.kind === 'depth' ? parsed.left.message : 'mock.result must be a JSON text');
  const result = parsed.right;
  if (type === 'Parallel') {
    if (!Array.isArray(result)) return validationException('Mocked result must be an array.');
    if (result.length !== ((state['Branches'] as unknown[] | undefined) ?? []).length)
      return validationException('Mocked result must contain the same number of items as number of Parallel branches.');
  }
  if (type === 'Map') {
    if (state['ResultWriter'] !== undefined) {
      if (typeof result !== 'object' || result === null || Array.isArray(result)) return validationException('Mocked result must be a JSON object.');
    } else {
      if (!Array.isArray(result)) return validationException('Mocked result must be an array.');
      if (config?.mapIterationFailureCount != null && config.mapIterationFailureCount > result.length) {
        return validationException('Map iteration failure count must be less than or equal to the number of Map iterations');
      }
    }
  }
  return undefined;
};

export type FieldValidationMode = 'STRICT' | 'PRESENT' | 'NONE';

/** A small schema of an integration's API output: a JSON type, an object's members (and which are required), an array's items. */
type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'any'
  | { readonly members: Readonly<Record<string, Shape>>; readonly required?: readonly string[] }
  | { readonly items: Shape };

const strings = (...names: string[]): Record<string, Shape> => Object.fromEntries(names.map((n) => [n, 'string' as const]));
const consumedCapacity: Shape = { members: { TableName: 'string', CapacityUnits: 'number', ReadCapacityUnits: 'number', WriteCapacityUnits: 'number' } };
const dynamoItemOutput: Shape = { members: { Item: 'any', Attributes: 'any', ConsumedCapacity: consumedCapacity, ItemCollectionMetrics: 'any' } };

/**
 * The output shapes of the request-response integrations Stepstream knows, from their services'
 * API models (Lambda `Invoke`, Step Functions `StartExecution`, EventBridge `PutEvents`, SQS
 * `SendMessage`, SNS `Publish`, DynamoDB item calls); member names are case-sensitive, as on AWS
 * (recorded: `executionArn` does not satisfy the required `ExecutionArn`). Step Functions passes
 * timestamps on as strings (recorded: a number `StartDate` "must be a string").
 */
const OUTPUT_SHAPES: Readonly<Record<string, Shape>> = {
  'arn:aws:states:::lambda:invoke': {
    members: { StatusCode: 'number', FunctionError: 'string', LogResult: 'string', Payload: 'any', ExecutedVersion: 'string' },
  },
  'arn:aws:states:::states:startExecution': { members: strings('ExecutionArn', 'StartDate'), required: ['ExecutionArn', 'StartDate'] },
  'arn:aws:states:::events:putEvents': {
    members: { FailedEntryCount: 'number', Entries: { items: { members: strings('EventId', 'ErrorCode', 'ErrorMessage') } } },
  },
  'arn:aws:states:::sqs:sendMessage': {
    members: strings('MD5OfMessageBody', 'MD5OfMessageAttributes', 'MD5OfMessageSystemAttributes', 'MessageId', 'SequenceNumber'),
  },
  'arn:aws:states:::sns:publish': { members: strings('MessageId', 'SequenceNumber') },
  'arn:aws:states:::dynamodb:getItem': dynamoItemOutput,
  'arn:aws:states:::dynamodb:putItem': dynamoItemOutput,
  'arn:aws:states:::dynamodb:updateItem': dynamoItemOutput,
  'arn:aws:states:::dynamodb:deleteItem': dynamoItemOutput,
};

const TYPE_WORDS = { string: 'a string', number: 'a number', boolean: 'a boolean', array: 'an array', object: 'an object' } as const;

/** The first way `value` breaks `shape` (members not in the shape are allowed, as on AWS), named by its field. */
const shapeError = (value: unknown, shape: Shape, field: string, mode: FieldValidationMode): string | undefined => {
  const must = (word: keyof typeof TYPE_WORDS) => `Field '${field}' must be ${TYPE_WORDS[word]}`;
  if (shape === 'any') return undefined;
  if (shape === 'string' || shape === 'number' || shape === 'boolean') return typeof value === shape ? undefined : must(shape);
  if ('items' in shape) {
    if (!Array.isArray(value)) return must('array');
    for (const item of value) {
      const e = shapeError(item, shape.items, field, mode);
      if (e) return e;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return must('object');
  const obj = value as Record<string, unknown>;
  if (mode === 'STRICT') for (const r of shape.required ?? []) if (!(r in obj)) return `Required field '${r}' is missing`;
  for (const [k, s] of Object.entries(shape.members)) {
    if (!(k in obj)) continue;
    const e = shapeError(obj[k], s, k, mode);
    if (e) return e;
  }
  return undefined;
};

/**
 * `mock.fieldValidationMode` (API reference, MockInput): "STRICT: All required fields must be
 * present, and all present fields must conform to the API's schema. PRESENT: All present fields must
 * conform to the API's schema. NONE: No validation is performed. If no value is specified, the
 * default value is STRICT." Messages as recorded against AWS (LocalStack
 * `test_field_validation_mode*.snapshot.json`): `Mock result schema validation error: Field
 * 'StatusCode' must be a number`, `… Required field 'ExecutionArn' is missing`. Integrations whose
 * output shape Stepstream does not know (and `.sync` / `.waitForTaskToken` patterns) are not checked.
 */
const checkMockResult = (state: Record<string, unknown>, result: string, mode: FieldValidationMode): ApiError | undefined => {
  if (mode === 'NONE' || state['Type'] !== 'Task' || typeof state['Resource'] !== 'string') return undefined;
  const shape = OUTPUT_SHAPES[state['Resource']];
  if (!shape) return undefined;
  const value = JSON.parse(result) as unknown;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const e = shapeError(value, shape, '', mode);
  return e ? validationException(`Mock result schema validation error: ${e}`) : undefined;
};

/** The members a mocked context object may have, and each one's JSON type (`any`: any JSON value). */
const CONTEXT_FIELDS: Readonly<Record<string, Readonly<Record<string, 'string' | 'number' | 'any'>>>> = {
  Execution: { Id: 'string', Input: 'any', Name: 'string', RoleArn: 'string', StartTime: 'string', RedriveCount: 'number', RedriveTime: 'string' },
  State: { Name: 'string', EnteredTime: 'string', RetryCount: 'number' },
  StateMachine: { Id: 'string', Name: 'string' },
  Task: { Token: 'string' },
};

/**
 * `context`: "A JSON string representing a valid Context object for the state under test. This
 * field may only be specified if a mock is specified in the same request" (API reference). Errors
 * as recorded against AWS (LocalStack `test_state_context_object.snapshot.json`): `Invalid Context
 * object provided: Execution.Id must be a string`, `… Field 'pokemon' is not allowed`, `… 'Map'
 * field is not supported when mocking a Context object`, and `Task` only for a `.sync` or
 * `.waitForTaskToken` Task.
 */
const checkContext = (state: Record<string, unknown>, text: string, mocked: boolean): E.Either<ApiError, Record<string, unknown>> => {
  const bad = (detail: string) => E.left(validationException(`Invalid Context object provided: ${detail}`));
  if (!mocked) return E.left(validationException('TestState does not support Context when a mock is not specified.'));
  const parsed = asObject(text);
  if (E.isLeft(parsed)) return bad(parsed.left?.kind === 'depth' ? parsed.left.message : 'the Context object must be a JSON object');
  const context = parsed.right;
  for (const [section, value] of Object.entries(context)) {
    if (section === 'Map') return bad("'Map' field is not supported when mocking a Context object");
    const fields = CONTEXT_FIELDS[section];
    if (!fields) return bad(`Field '${section}' is not allowed`);
    if (
      section === 'Task' &&
      !(state['Type'] === 'Task' && typeof state['Resource'] === 'string' && /\.(sync(:2)?|waitForTaskToken)$/.test(state['Resource']))
    ) {
      return bad("Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern");
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`${section} must be an object`);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const type = fields[k];
      if (!type) return bad(`Field '${k}' is not allowed`);
      if (type !== 'any' && typeof v !== type) return bad(`${section}.${k} must be a ${type}`);
    }
  }
  return E.right(context);
};

/**
 * TestState: a single state (`definition` is the state), or a state of a whole machine
 * (`definition` is the machine, `stateName` the state), run on `input` with optional `variables`
 * and a `mock` answer for a Task, Map or Parallel state (`stateConfiguration` says how many Map
 * iterations failed, which state inside raised a mocked error, how many retries were used, what a
 * Distributed Map's ItemReader reads);
 * `inspectionLevel` DEBUG adds the data-flow steps.
 */
export const testState =
  ({ engine }: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(TestStateInput, body, {
      required: ['definition'],
      rules: {
        definition: [minLength(1), maxLength(1_048_576)],
        input: [maxBytes(262_144)],
        inspectionLevel: [oneOf(['INFO', 'DEBUG', 'TRACE'])],
        stateName: [minLength(1), maxLength(80)],
        roleArn: [minLength(1), maxLength(256)],
        context: [maxBytes(262_144)],
        variables: [maxBytes(262_144)],
      },
      sensitive: ['definition', 'input', 'variables', 'stateName', 'context'],
    });
    if (E.isLeft(decoded)) return decoded;
    const req = decoded.right;
    const input = req.input ?? '{}';
    const badInput = checkExecutionInput(input);
    if (badInput) return E.left(badInput);
    const badSizes = checkMockSizes(req.mock);
    if (badSizes) return E.left(badSizes);
    const definition = asObject(req.definition);
    if (E.isLeft(definition)) {
      const why = definition.left?.kind === 'depth' ? definition.left.message : 'the definition must be a JSON object';
      return E.left(invalidDefinition(`INVALID_JSON_DESCRIPTION: ${why} at /`));
    }
    const parsed = definition.right;
    let state: Record<string, unknown>;
    let stateName: string;
    let language: 'JSONPath' | 'JSONata' = 'JSONPath';
    if (req.stateName != null) {
      const machine = parseDefinitionText(req.definition);
      if (!machine.ok) return E.left(invalidDefinition(describeDiagnostics(machine.diagnostics)));
      const s = Object.hasOwn(machine.definition.States, req.stateName) ? machine.definition.States[req.stateName] : undefined;
      if (!s) return E.left(validationException(`State '${req.stateName}' is not a state of the definition's top level`));
      state = s as unknown as Record<string, unknown>;
      stateName = req.stateName;
      language = machine.definition.QueryLanguage ?? 'JSONPath';
    } else {
      state = parsed;
      stateName = 'TestState';
      if (state['QueryLanguage'] === 'JSONata') language = 'JSONata';
      // Validate the state as the only state of a machine whose other states are its targets.
      const targets = [state['Next'], state['Default'], ...nextsOf(state['Choices']), ...nextsOf(state['Catch'])];
      const stubs = Object.fromEntries(targets.filter((x): x is string => typeof x === 'string').map((n) => [n, { Type: 'Pass', End: true }]));
      const check = parseDefinition(JSON.stringify({ StartAt: stateName, States: { ...stubs, [stateName]: state } }));
      if (!check.ok) return E.left(invalidDefinition(describeDiagnostics(check.diagnostics)));
    }
    let variables: Record<string, unknown> | undefined;
    if (req.variables != null) {
      const parsedVariables = asObject(req.variables);
      if (E.isLeft(parsedVariables)) {
        return E.left(invalidExecutionInput(parsedVariables.left?.kind === 'depth' ? parsedVariables.left.message : 'variables must be a JSON object'));
      }
      variables = parsedVariables.right;
      // The variables are assigned before the state runs: their names follow Assign's rules.
      const badName = Object.keys(variables).flatMap((name) => checkVariableName(name, 'JSONata', '/variables'))[0];
      if (badName) return E.left(validationException(`1 validation error detected: Value at 'variables' failed to satisfy constraint: ${badName.message}`));
    }
    const badConfiguration =
      nestedRule('mock.fieldValidationMode', req.mock?.fieldValidationMode, oneOf(['STRICT', 'PRESENT', 'NONE'])) ??
      checkStateConfiguration(req.stateConfiguration);
    if (badConfiguration) return E.left(badConfiguration);
    const mock =
      req.mock?.errorOutput != null
        ? {
            errorOutput: {
              ...(req.mock.errorOutput.error != null ? { error: req.mock.errorOutput.error } : {}),
              ...(req.mock.errorOutput.cause != null ? { cause: req.mock.errorOutput.cause } : {}),
            },
          }
        : req.mock?.result != null
          ? { result: req.mock.result }
          : undefined;
    const badMock = checkMock(state, req);
    if (badMock) return E.left(badMock);
    if (mock && 'result' in mock && mock.result !== undefined) {
      const badResult = checkMockResult(state, mock.result, (req.mock?.fieldValidationMode ?? 'STRICT') as FieldValidationMode);
      if (badResult) return E.left(badResult);
    }
    let context: Record<string, unknown> | undefined;
    if (req.context != null) {
      const checked = checkContext(state, req.context, mock !== undefined);
      if (E.isLeft(checked)) return checked;
      context = checked.right;
    }
    const result = await engine.executions.testState({
      state: state as never,
      stateName,
      language,
      input,
      roleArn: req.roleArn ?? 'arn:aws:iam::123456789012:role/TestState',
      inspectionLevel: (req.inspectionLevel ?? 'INFO') as 'INFO' | 'DEBUG' | 'TRACE',
      ...(mock ? { mock } : {}),
      ...(variables ? { variables } : {}),
      ...(context ? { context } : {}),
      ...(req.stateConfiguration?.retrierRetryCount != null ? { retrierRetryCount: req.stateConfiguration.retrierRetryCount } : {}),
      ...(req.stateConfiguration?.mapIterationFailureCount != null ? { mapIterationFailureCount: req.stateConfiguration.mapIterationFailureCount } : {}),
      ...(req.stateConfiguration?.errorCausedByState != null ? { errorCausedByState: req.stateConfiguration.errorCausedByState } : {}),
      ...(req.stateConfiguration?.mapItemReaderData != null ? { mapItemReaderData: req.stateConfiguration.mapItemReaderData } : {}),
      ...(req.revealSecrets != null ? { revealSecrets: req.revealSecrets } : {}),
    });
    return E.right(result);
  };
