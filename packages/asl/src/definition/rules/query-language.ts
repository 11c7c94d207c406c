/**
 * `Version` and `QueryLanguage`, and which language each state's fields are read in.
 *
 * Measured on AWS with ValidateStateMachineDefinition (floci-io/floci#2968):
 * - a state may not declare `JSONPath` under a JSONata machine:
 *   `'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine`, at the
 *   state (also rec: test_sfn_api_validation INVALID_DOWNGRADE_QUERY_LANGUAGE);
 * - states inside an ItemProcessor or a Parallel branch inherit the machine's top-level
 *   language, not the enclosing state's;
 * - `ItemProcessor` and `Iterator` cannot declare `QueryLanguage`: `Field 'QueryLanguage' is not
 *   supported` at `/States/M/ItemProcessor`;
 * - a value resolves to JSONPath only when it is exactly `JSONPath`; any other value is read as
 *   JSONata, and the enumeration error is reported on its own at the field.
 *
 * `Version`: "The version of the Amazon States Language used in the state machine (default is
 * "1.0")" (DG statemachine-structure); 1.0 is the only version there is.
 *
 * @internal
 * @module
 */
import type { Diagnostic, QueryLanguage } from '../types.js';
import { field, schema, type Json } from '../diagnostics.js';
import { Messages } from '../messages.js';

const LANGUAGES = ['JSONPath', 'JSONata'];

/**
 * The language a `QueryLanguage` field selects, or `inherited` when it is absent.
 *
 * @example
 * ```ts
 * resolveLanguage(undefined, 'JSONata'); // 'JSONata'
 * resolveLanguage('JSONPath', 'JSONata'); // 'JSONPath' (and an error, see stateQueryLanguage)
 * resolveLanguage('jsonpath', 'JSONPath'); // 'JSONata'
 * ```
 */
export const resolveLanguage = (value: unknown, inherited: QueryLanguage): QueryLanguage =>
  value === undefined ? inherited : value === 'JSONPath' ? 'JSONPath' : 'JSONata';

/** An enumeration error when a `QueryLanguage` holds something else than the two languages. */
const checkValue = (value: unknown, location: string): readonly Diagnostic[] =>
  value === undefined || LANGUAGES.includes(value as string) ? [] : [schema(Messages.oneOf('QueryLanguage', LANGUAGES), location)];

/** `Version` and `QueryLanguage` of the top-level machine. */
export const topLevelFields = (machine: Json): readonly Diagnostic[] => [
  ...(machine['Version'] === undefined || machine['Version'] === '1.0' ? [] : [schema(Messages.oneOf('Version', ['1.0']), '/Version')]),
  ...checkValue(machine['QueryLanguage'], '/QueryLanguage'),
];

/** A state's `QueryLanguage` against the machine's. */
export const stateQueryLanguage = (state: Json, at: string, machineLanguage: QueryLanguage): readonly Diagnostic[] => [
  ...checkValue(state['QueryLanguage'], field(at, 'QueryLanguage')),
  ...(machineLanguage === 'JSONata' && state['QueryLanguage'] === 'JSONPath' ? [schema(Messages.jsonPathUnderJsonata, at)] : []),
];

/** A Map's processor may not set a language of its own. */
export const processorQueryLanguage = (processor: Json, at: string): readonly Diagnostic[] =>
  processor['QueryLanguage'] === undefined ? [] : [schema(Messages.notSupported('QueryLanguage'), at)];
