/**
 * What AWS accepts but this engine cannot run yet. Such a definition is refused when it is
 * created, updated or validated — with a SCHEMA_VALIDATION_FAILED diagnostic at the field —
 * instead of being accepted and failing at run time. Kept apart from `parseDefinition` on purpose:
 * definitions already stored (and TestState, which can mock such a state) still parse.
 *
 * - An `ItemReader` on a Map that is not distributed (`ProcessorConfig.Mode` DISTRIBUTED): only a
 *   Distributed Map reads its items from S3 here.
 * - An `ItemReader` whose Resource is not `arn:aws:states:::s3:getObject` or `…:s3:listObjectsV2`,
 *   and a `ResultWriter` whose Resource is not `…:s3:putObject`: the only readers and writer this
 *   engine performs.
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
 * unsupportedDiagnostics(JSON.parse('{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{…},…}}}')); // an inline Map
 * // [{ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED',
 * //    message: 'ItemReader is read by a Distributed Map only …', location: '/States/M/ItemReader' }]
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
      if (s['Type'] === 'Map') out.push(...dataDiagnostics(s, sat));
      if (Array.isArray(s['Branches'])) s['Branches'].forEach((b, i) => machines.push({ machine: b, at: element(sat, 'Branches', i) }));
      for (const key of ['ItemProcessor', 'Iterator']) if (s[key] !== undefined) machines.push({ machine: s[key], at: field(sat, key) });
    }
  }
  return out;
};

const READERS = /^arn:aws[a-z-]*:states:::s3:(getObject|listObjectsV2)$/;
const WRITERS = /^arn:aws[a-z-]*:states:::s3:putObject$/;

/** A Map's ItemReader and ResultWriter: what this engine can read and write. */
const dataDiagnostics = (s: Readonly<Record<string, unknown>>, at: string): Diagnostic[] => {
  const out: Diagnostic[] = [];
  const reader = s['ItemReader'];
  const processor = s['ItemProcessor'] ?? s['Iterator'];
  const config = isObject(processor) ? processor['ProcessorConfig'] : undefined;
  const distributed = isObject(config) && config['Mode'] === 'DISTRIBUTED';
  if (reader !== undefined && !distributed) out.push(schema(Messages.itemReaderInline, field(at, 'ItemReader')));
  if (isObject(reader) && typeof reader['Resource'] === 'string' && !READERS.test(reader['Resource'])) {
    out.push(schema(Messages.itemReaderResource(reader['Resource']), field(field(at, 'ItemReader'), 'Resource')));
  }
  const writer = s['ResultWriter'];
  if (isObject(writer) && typeof writer['Resource'] === 'string' && !WRITERS.test(writer['Resource'])) {
    out.push(schema(Messages.resultWriterResource(writer['Resource']), field(field(at, 'ResultWriter'), 'Resource')));
  }
  return out;
};
