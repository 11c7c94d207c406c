/**
 * Workflow variables: the shape of every `Assign` (a state's, a Choice rule's, a catcher's) and
 * the names it assigns, in both query languages.
 *
 * From the DG (workflow-variables):
 * - "Variable names follow the rules for Unicode Identifiers as described in Unicode® Standard
 *   Annex #31. The first character of a variable name must be a Unicode ID_Start character, and
 *   the second and subsequent characters must be Unicode ID_Continue characters. The maximum
 *   length of a variable name is 80." `_` may start a name too ("similar to rules for
 *   JavaScript"), `$` may not: `$x` is how a name is read.
 * - "You cannot assign a value to a part of a variable": `"Assign":{"x.y":42}` and
 *   `"Assign":{"x[2]":42}` are refused; neither `.` nor `[` is an identifier character.
 * - "Step Functions defines a single reserved variable called `$states`": `states` cannot be
 *   assigned.
 * - "The Assign field takes a JSON object" in JSONPath; in JSONata the whole field may also be
 *   one `{% … %}` expression (whose syntax rules/jsonata-expressions.ts checks).
 * - In JSONPath a key ending in `.$` assigns the value of a path or intrinsic; the variable's
 *   name is the key without `.$` (the value itself is checked by rules/payload-templates.ts).
 *
 * Diagnostics are `SCHEMA_VALIDATION_FAILED` at the member, `/States/P/Assign/<key>`; their texts
 * are composed (messages.ts), no AWS response having been found.
 *
 * @internal
 * @module
 */
import { isJsonataText } from '../../jsonata.js';
import type { Diagnostic, QueryLanguage } from '../types.js';
import { element, field, isObject, schema, type StateRule } from '../diagnostics.js';
import { supports } from '../fields.js';
import { Messages } from '../messages.js';

const IDENTIFIER = /^[\p{ID_Start}_]\p{ID_Continue}*$/u;
const MAX_LENGTH = 80;
const RESERVED: ReadonlySet<string> = new Set(['states']);

/**
 * The problem with one `Assign` key, if any.
 *
 * @example
 * ```ts
 * checkVariableName('x.y', 'JSONata', '/States/P/Assign/x.y');
 * // [{ message: "The variable name 'x.y' is invalid: it must start with a letter or '_' and contain only letters, digits and '_'", … }]
 * checkVariableName('total.$', 'JSONPath', '/States/P/Assign/total.$'); // []
 * ```
 */
export const checkVariableName = (key: string, language: QueryLanguage, location: string): readonly Diagnostic[] => {
  const name = language === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
  if (!IDENTIFIER.test(name)) return [schema(Messages.invalidVariableName(name), location)];
  if ([...name].length > MAX_LENGTH) return [schema(Messages.variableNameTooLong(name), location)];
  if (RESERVED.has(name)) return [schema(Messages.reservedVariableName(name), location)];
  return [];
};

/** One `Assign` field. */
export const checkAssign = (assign: unknown, location: string, language: QueryLanguage): readonly Diagnostic[] => {
  if (language === 'JSONata' && isJsonataText(assign)) return [];
  if (!isObject(assign)) return [schema(Messages.expectedType('Object'), location)];
  return Object.keys(assign).flatMap((key) => checkVariableName(key, language, field(location, key)));
};

/** The `Assign` of each element of a list (`Choices`, `Catch`). */
const listAssigns = (list: unknown, name: string, at: string, language: QueryLanguage): readonly Diagnostic[] =>
  Array.isArray(list)
    ? list.flatMap((item, i) =>
        isObject(item) && item['Assign'] !== undefined ? checkAssign(item['Assign'], field(element(at, name, i), 'Assign'), language) : [],
      )
    : [];

/** The rule. */
export const assignFields: StateRule = ({ state, type, at, language }) => [
  ...(supports(type, 'Assign') && state['Assign'] !== undefined ? checkAssign(state['Assign'], field(at, 'Assign'), language) : []),
  ...(type === 'Choice' ? listAssigns(state['Choices'], 'Choices', at, language) : []),
  ...(supports(type, 'Catch') ? listAssigns(state['Catch'], 'Catch', at, language) : []),
];
