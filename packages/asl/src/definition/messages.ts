/**
 * The words of AWS's definition diagnostics, in one place, each with where it was seen.
 *
 * Sources, most trusted first:
 * - **rec**: a response recorded against real AWS and kept as a LocalStack snapshot whose test
 *   is listed in the matching `*.validation.json` (`localstack/localstack`,
 *   `tests/aws/services/stepfunctions/v2/…`).
 * - **measured**: a response quoted verbatim from real AWS in a public issue (the issue is named).
 * - **pattern**: AWS's wording for a sibling field, applied to this one. Verify before relying
 *   on the exact text.
 * - **composed**: no AWS text found; ours, written in AWS's style. Verify.
 *
 * AWS itself warns that diagnostic wording may change ("Do not rely on the exact order, count,
 * or wording of diagnostic messages." —
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html),
 * so only the code and the location are contractual; the texts are best effort.
 *
 * @internal
 * @module
 */

/** The eight state types, in the order AWS lists them. */
export const STATE_TYPE_LIST = ['Task', 'Wait', 'Pass', 'Succeed', 'Fail', 'Choice', 'Parallel', 'Map'] as const;

export const Messages = {
  /** rec: test_sfn_api_validation EMPTY_STRING (ValidateStateMachineDefinition, no location). */
  notAnObject: 'Definition must be a valid JSON object',
  /**
   * rec: `These fields are required: [States, StartAt]` (test_sfn_api_validation EMPTY_DICT),
   * `[StartAt]`, `[States]`; measured `[Next]` on a Choice rule (aws-cloudformation/cfn-lint#4077).
   */
  required: (fields: readonly string[]) => `These fields are required: [${fields.join(', ')}]`,
  /**
   * measured: `Field 'TimeoutSeconds' is not supported` at the state, not at the field
   * (floci-io/floci#2735; also `Field 'ResultPath' is not supported at /States/<state>` in
   * sam-goodwin/functionless#308).
   */
  notSupported: (name: string) => `Field '${name}' is not supported`,
  /**
   * rec: `The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail,
   * Choice, Parallel, Map]` (test_test_state_machine_scenarios test_state_name_invalid_state_definition).
   * Other enumerations (Mode, ExecutionType, JitterStrategy, QueryLanguage, Version): pattern.
   */
  oneOf: (name: string, values: readonly string[]) => `The field '${name}' should have one of these values: [${values.join(', ')}]`,
  /** rec: `Value cannot be empty at /States/StateName/Branches` (test_state_mock_validation test_parallel_state_empty_branches). */
  empty: 'Value cannot be empty',
  /**
   * measured: `There should only be one of the following fields: [MaxItems, MaxItemsPath]`
   * (floci-io/floci#3733, every Map number field). Task timeouts: pattern.
   */
  onlyOneOf: (fields: readonly string[]) => `There should only be one of the following fields: [${fields.join(', ')}]`,
  /**
   * measured: `Minimum value is 0`, `Minimum value is 0.0` (ToleratedFailurePercentage)
   * (floci-io/floci#3733). Retry and Task bounds: pattern.
   */
  minimum: (n: string) => `Minimum value is ${n}`,
  /**
   * measured: `Maximum value is 99999999 at /States/Wait/Seconds` (aws-cloudformation/cfn-lint#4075),
   * `Maximum value is 100.0`, `Maximum value is 100000000` (floci-io/floci#3733).
   */
  maximum: (n: string) => `Maximum value is ${n}`,
  /** composed, in the style of the existing `Expected value of type String`. */
  expectedType: (type: 'String' | 'Integer' | 'Number' | 'Boolean' | 'Object' | 'Array') => `Expected value of type ${type}`,
  /** measured: `Value must be a valid JSONPath. at /States/Pass/OutputPath` (aws-cloudformation/cfn-lint#4078). */
  invalidJsonPath: 'Value must be a valid JSONPath.',
  /**
   * measured: `Value is not a Reference Path` (floci-io/floci#3733, a `$$` in a Map `…Path`);
   * AWS appends its parser's reason after a colon, which we reproduce only for the one reason
   * seen: `Value is not a Reference Path: Reference path didn't start with '$'`
   * (aws-cloudformation/cfn-lint#4076, a Choice `Variable`).
   */
  notReferencePath: 'Value is not a Reference Path',
  notReferencePathNoDollar: "Value is not a Reference Path: Reference path didn't start with '$'",
  /**
   * rec: `The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic
   * function call at /States/IntrinsicEscape/Parameters` (test_base_scenarios test_illegal_escapes);
   * measured for Assign: `… 'Variable.$' … at /States/Pass/Assign` (aws-cloudformation/cfn-lint#4085, #4643).
   */
  invalidDynamicValue: (key: string) => `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call`,
  /** composed: ErrorPath/CausePath take a reference path or an intrinsic (awslabs/statelint#53). */
  invalidPathOrIntrinsic: 'Value must be a valid reference path or a valid intrinsic function call',
  /** rec: `The field 'RoleArn' is required but was missing at /States/State0/Credentials` (test_credentials_base). */
  requiredButMissing: (name: string) => `The field '${name}' is required but was missing`,
  /** rec: `String does not match RFC3339 timestamp at /States/WaitUntil/Timestamp` (test_base_scenarios test_wait_timestamp_invalid). */
  notTimestamp: 'String does not match RFC3339 timestamp',
  /**
   * rec: `The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is
   * not a valid resource ARN, or the resource is not available in this region. at /States/Query/Resource`
   * (test_dynamodb_task_service test_invalid_integration).
   */
  unknownResource: (resource: string) =>
    `The resource provided ${resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.`,
  /** rec: test_sfn_api_validation INVALID_DOWNGRADE_QUERY_LANGUAGE, at the state. */
  jsonPathUnderJsonata: "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
  /**
   * AWS's own linter words this rule "States.ALL can only appear in the last element, and by
   * itself." (awslabs/statelint, lib/statelint/state_node.rb). The service's text was not found:
   * composed from the linter's.
   */
  statesAllAlone: "'States.ALL' can only appear by itself in ErrorEquals",
  statesAllLast: "'States.ALL' can only appear in the last element",
  /** composed: a Choice rule needs one comparison operator, or one of And, Or, Not. */
  noChoiceOperator: 'A Choice rule must have exactly one comparison operator, or one of And, Or, Not',
  /** composed: DG state-task "HeartbeatSeconds … must be less than the number of seconds specified in the TimeoutSeconds field". */
  heartbeatNotBelowTimeout: "The field 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
  /**
   * Label rules. AWS's code is INVALID_LABEL_NAME (API_ValidateStateMachineDefinitionDiagnostic).
   * The texts are those in LocalStack's test_sfn_api_map_run snapshot, which is **not** listed as
   * validated against AWS (only test_list_map_runs_and_describe_map_run is): composed.
   */
  labelEmpty: 'Label cannot be empty',
  labelTooLong: 'Label cannot exceed 40 characters',
  labelBadCharacter: (c: string) => `Label contains invalid character: '${c}'`,
  /**
   * measured, for `Output` on a JSONPath state, at the state's own pointer (`/States/P`,
   * `/States/M/ItemProcessor/States/P`): `The QueryLanguage is set to 'JSONPath', but field
   * 'Output' is only supported for the 'JSONata' QueryLanguage` (floci-io/floci#2968; also
   * `Arguments` and `Items`). The mirror, a JSONPath-only field on a JSONata state (`InputPath`,
   * `OutputPath`, `ResultPath`, `ResultSelector`, `Parameters`, `Result`, `ItemsPath`,
   * `MaxConcurrencyPath`), is measured too (floci-io/floci docs/services/step-functions.md,
   * "A state's QueryLanguage, and the fields it may carry", and its
   * StepFunctionsValidateStateMachineDefinitionIntegrationTest, which pins the `InputPath` text).
   * The other `…Path` fields, Choice rules (at the rule) and catchers (at the catcher): pattern.
   */
  otherLanguageField: (language: 'JSONPath' | 'JSONata', name: string) =>
    `The QueryLanguage is set to '${language}', but field '${name}' is only supported for the '${language === 'JSONPath' ? 'JSONata' : 'JSONPath'}' QueryLanguage`,
  /**
   * measured: an expression that does not parse is refused with code INVALID_JSONATA_EXPRESSION
   * and the JSONata parser's own message without its `S0xxx: ` code, at the field that holds it
   * (`/States/Main/Output`, `/States/E/Output/v`): `Expected "]", got ","` for `a[1,2)`,
   * `Unexpected end of expression` for `1 +` and for an empty `{%  %}`, and six more
   * (floci-io/floci#2745; the pairs are listed in floci's
   * StepFunctionsValidateStateMachineDefinitionIntegrationTest, each run through
   * `aws stepfunctions validate-state-machine-definition`). The `jsonata` package's messages for
   * those eight expressions are the same words.
   */
  invalidJsonata: (parserMessage: string) => parserMessage.replace(/^[A-Z]\d{4}: /, ''),
  /**
   * measured: `$states.errorOutput` outside a catcher's `Output` or `Assign` is refused with code
   * UNSUPPORTED_JSONATA_EXPRESSION, `Field '$states.errorOutput' does not exist.`, at the field
   * (floci-io/floci#2745 and its validation test `statesErrorOutputOutsideCatch`). The DG
   * (workflow-variables) says both `$states.result` and `$states.errorOutput` used "in fields and
   * states where they are not accessible will be caught at creation, update, or validation";
   * `$states.result`'s text: pattern.
   */
  statesFieldMissing: (name: 'result' | 'errorOutput') => `Field '$states.${name}' does not exist.`,
  /**
   * composed. DG workflow-variables, "Variable name syntax": "The first character of a variable
   * name must be a Unicode ID_Start character, and the second and subsequent characters must be
   * Unicode ID_Continue characters. The maximum length of a variable name is 80." and "you
   * cannot `"Assign":{"x.y":42}` or `"Assign":{"x[2]":42}`". No AWS response text found.
   */
  invalidVariableName: (name: string) => `The variable name '${name}' is invalid: it must start with a letter or '_' and contain only letters, digits and '_'`,
  /** composed, same source: at most 80 characters. */
  variableNameTooLong: (name: string) => `The variable name '${name}' is invalid: it must be at most 80 characters long`,
  /** composed. DG workflow-variables: "Step Functions defines a single reserved variable called $states". */
  reservedVariableName: (name: string) => `The variable name '${name}' is reserved`,
  /** Stepstream's own (rules/unsupported.ts): what this engine reads and writes for a Distributed Map. */
  itemReaderInline: 'ItemReader is read by a Distributed Map only: set ItemProcessor.ProcessorConfig.Mode to DISTRIBUTED',
  itemReaderResource: (resource: string) => `This engine reads items with arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2, not ${resource}`,
  resultWriterResource: (resource: string) => `This engine writes results with arn:aws:states:::s3:putObject, not ${resource}`,
} as const;

/** The diagnostic code AWS lists for a bad Map `Label` (API_ValidateStateMachineDefinitionDiagnostic). */
export const INVALID_LABEL_NAME = 'INVALID_LABEL_NAME';
/** The code of an expression that does not parse (measured: floci-io/floci#2745). */
export const INVALID_JSONATA_EXPRESSION = 'INVALID_JSONATA_EXPRESSION';
/** The code of an expression that reads what its field does not offer (measured: floci-io/floci#2745, #2670). */
export const UNSUPPORTED_JSONATA_EXPRESSION = 'UNSUPPORTED_JSONATA_EXPRESSION';
