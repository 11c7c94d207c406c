/**
 * Payload templates: `Parameters`, `ResultSelector`, `ItemSelector` (and JSONPath `Assign`).
 *
 * "Use a payload template … Fields whose names end in .$ are replaced by the value their path
 * or intrinsic function selects; the .$ is dropped from the name. Other fields are copied as
 * they are." — https://states-language.net/spec.html#payload-template
 *
 * @module
 */
import { evaluateFieldExpression } from './field-expression.js';
import { isJsonObject } from './json.js';
import type { EvaluationScope } from './scope.js';

/**
 * Parameters / ResultSelector / ItemSelector: keys ending in `.$` take a path or an intrinsic
 * function call (key loses the `.$`); other values are literals, evaluated recursively in
 * objects and arrays. Throws StatesError('States.Runtime', <AWS's cause text>) when a path
 * selects nothing; the message names the key (`'value.$'`).
 *
 * @example
 * ```ts
 * evaluatePayloadTemplate({ 'item.$': '$.items[0]', flag: true }, { input: { items: [7] }, context: {} });
 * // { item: 7, flag: true }
 * ```
 * (rec: base/test_base::test_json_path_array_access)
 */
export const evaluatePayloadTemplate = (template: unknown, scope: EvaluationScope): unknown => {
  if (Array.isArray(template)) return template.map((t) => evaluatePayloadTemplate(t, scope));
  if (!isJsonObject(template)) return template;
  // Object.fromEntries defines own properties, so a `__proto__` key stays plain data.
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') && typeof value === 'string'
        ? [key.slice(0, -2), evaluateFieldExpression(value, scope, key)]
        : [key, evaluatePayloadTemplate(value, scope)],
    ),
  );
};
