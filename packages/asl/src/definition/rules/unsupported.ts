/**
 * What AWS accepts but this engine cannot run yet. Such a definition is refused when it is
 * created, updated or validated — with a SCHEMA_VALIDATION_FAILED diagnostic at the field —
 * instead of being accepted and failing at run time. Kept apart from `parseDefinition` on purpose:
 * definitions already stored (and TestState, which can mock such a state) still parse.
 *
 * - `ItemReader` (a Distributed Map reading its items from S3): no item reader exists yet, so a Map
 *   with one would fail at run time ("Attempting to map over non-iterable node").
 *
 * @module
 */
import type { Diagnostic } from '../types.js';
import { element, field, isObject, schema } from '../diagnostics.js';
import { Messages } from '../messages.js';

/**
 * The engine-support diagnostics of a definition (parsed JSON), every level included (Parallel
 * branches, Map processors).
 *
 * @example
 * ```ts
 * unsupportedDiagnostics(JSON.parse('{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{…},…}}}'));
 * // [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED',
 * //    message: 'ItemReader is not supported by this engine yet …', location: '/States/M/ItemReader' }]
 * ```
 */
export const unsupportedDiagnostics = (definition: unknown, at = ''): Diagnostic[] => {
  const out: Diagnostic[] = [];
  // Iterative over nested machines (Parallel branches, Map processors).
  const machines: { readonly machine: unknown; readonly at: string }[] = [{ machine: definition, at }];
  while (machines.length > 0) {
    const { machine, at: where } = machines.shift()!;
    const states = isObject(machine) && isObject(machine['States']) ? machine['States'] : {};
    for (const [name, s] of Object.entries(states)) {
      if (!isObject(s)) continue;
      const sat = field(field(where, 'States'), name);
      if (s['Type'] === 'Map' && s['ItemReader'] !== undefined) out.push(schema(Messages.itemReaderUnsupported, field(sat, 'ItemReader')));
      if (Array.isArray(s['Branches'])) s['Branches'].forEach((b, i) => machines.push({ machine: b, at: element(sat, 'Branches', i) }));
      for (const key of ['ItemProcessor', 'Iterator']) if (s[key] !== undefined) machines.push({ machine: s[key], at: field(sat, key) });
    }
  }
  return out;
};
