/**
 * Payload templates of JSONPath states (`Parameters`, `ItemSelector`, `ResultSelector`,
 * `Credentials`, `Assign`, and the `Parameters` of an ItemReader or ResultWriter).
 *
 * "Values from the state input may be inserted … by using key-value pairs where the key ends
 * with '.$' and the value is a path or an intrinsic function" — DG input-output-inputpath-params.
 * AWS checks each such value when the definition is created:
 * `The value for the field 'parsed.$' must be a valid JSONPath or a valid intrinsic function call
 * at /States/IntrinsicEscape/Parameters` (rec, test_base_scenarios test_illegal_escapes). The
 * location is the template field, not the key.
 *
 * `Credentials` must name the role to assume: `The field 'RoleArn' is required but was missing
 * at /States/State0/Credentials` (rec, test_credentials_base, for both `{}` and an object with
 * only an unknown field, in a JSONata machine).
 *
 * @internal
 * @module
 */
import type { Diagnostic } from '../types.js';
import { element, field, isObject, schema, type Json, type StateRule } from '../diagnostics.js';
import { isValidDynamicValue } from '../expressions.js';
import { supports } from '../fields.js';
import { Messages } from '../messages.js';

/** The template fields of a state, by the state field that holds them. */
const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector', 'Credentials', 'Assign'] as const;

/**
 * Every `key.$` in a template whose value is not a path or an intrinsic call, reported at the
 * template's own location. Nested objects and arrays are templates too.
 *
 * @example
 * ```ts
 * checkTemplate({ 'a.$': '$.x', b: { 'c.$': 'nope' } }, '/States/S/Parameters');
 * // [{ message: "The value for the field 'c.$' must be a valid JSONPath or a valid intrinsic function call", location: '/States/S/Parameters', … }]
 * ```
 */
export const checkTemplate = (template: unknown, location: string): readonly Diagnostic[] => {
  if (Array.isArray(template)) return template.flatMap((item) => checkTemplate(item, location));
  if (!isObject(template)) return [];
  return Object.entries(template).flatMap(([key, value]) => {
    if (!key.endsWith('.$')) return checkTemplate(value, location);
    return typeof value === 'string' && isValidDynamicValue(value) ? [] : [schema(Messages.invalidDynamicValue(key), location)];
  });
};

/** `Credentials` must carry `RoleArn` (a literal) or `RoleArn.$` (a path or intrinsic). */
const checkCredentials = (credentials: unknown, location: string): readonly Diagnostic[] =>
  isObject(credentials) && credentials['RoleArn'] === undefined && credentials['RoleArn.$'] === undefined
    ? [schema(Messages.requiredButMissing('RoleArn'), location)]
    : [];

/** `Assign` blocks inside catchers and Choice rules. */
const nestedAssigns = (state: Json, type: string, at: string): readonly Diagnostic[] =>
  (['Catch', 'Choices'] as const).flatMap((name) => {
    const list = state[name];
    if (!Array.isArray(list) || !supports(type, name)) return [];
    return list.flatMap((item, i) =>
      isObject(item) && item['Assign'] !== undefined ? checkTemplate(item['Assign'], field(element(at, name, i), 'Assign')) : [],
    );
  });

/** `Parameters` of the Map's ItemReader and ResultWriter. */
const distributedTemplates = (state: Json, type: string, at: string): readonly Diagnostic[] =>
  (['ItemReader', 'ResultWriter'] as const).flatMap((name) => {
    const block = state[name];
    return supports(type, name) && isObject(block) && block['Parameters'] !== undefined
      ? checkTemplate(block['Parameters'], field(field(at, name), 'Parameters'))
      : [];
  });

/** Payload templates of one state. */
export const payloadTemplates: StateRule = ({ state, type, at, language }) => {
  const credentials =
    supports(type, 'Credentials') && state['Credentials'] !== undefined ? checkCredentials(state['Credentials'], field(at, 'Credentials')) : [];
  if (language !== 'JSONPath') return credentials;
  const templates = TEMPLATE_FIELDS.flatMap((name) => (state[name] === undefined || !supports(type, name) ? [] : checkTemplate(state[name], field(at, name))));
  return [...credentials, ...templates, ...nestedAssigns(state, type, at), ...distributedTemplates(state, type, at)];
};
