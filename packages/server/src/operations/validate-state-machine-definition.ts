import { unsupportedDiagnostics, type Diagnostic } from '@stepstream/asl/definition';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { parseDefinitionText } from '../json-limits.js';
import { between, decodeRequest, integer, maxLength, minLength, oneOf, optional } from '../validation.js';
import type { Deps } from './deps.js';

export const ValidateStateMachineDefinitionInput = t.intersection([
  t.type({ definition: t.string }),
  t.partial({ type: optional(t.string), severity: optional(t.string), maxResults: optional(integer) }),
]);

/**
 * What EXPRESS machines may not use (rec: `SCHEMA_VALIDATION_FAILED: Express state machine does
 * not support '.sync' service integration at /States/X/Resource`); the activity wording follows
 * the same pattern (inference).
 */
export const expressDiagnostics = (definition: unknown, at = ''): Diagnostic[] => {
  const out: Diagnostic[] = [];
  const states = (definition as { States?: Record<string, Record<string, unknown>> } | null)?.States;
  for (const [name, s] of Object.entries(states ?? {})) {
    const where = `${at}/States/${name}`;
    const resource = s['Resource'];
    if (s['Type'] === 'Task' && typeof resource === 'string') {
      const pattern = /\.(sync(:2)?|waitForTaskToken)$/.exec(resource)?.[0];
      const problem = pattern
        ? `Express state machine does not support '${pattern}' service integration`
        : /:activity:/.test(resource)
          ? 'Express state machine does not support activities'
          : undefined;
      if (problem) out.push({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: problem, location: `${where}/Resource` });
    }
    for (const [i, branch] of (Array.isArray(s['Branches']) ? s['Branches'] : []).entries()) out.push(...expressDiagnostics(branch, `${where}/Branches[${i}]`));
    const processor = s['ItemProcessor'] ?? s['Iterator'];
    if (processor) out.push(...expressDiagnostics(processor, `${where}/${s['ItemProcessor'] ? 'ItemProcessor' : 'Iterator'}`));
  }
  return out;
};

/**
 * ValidateStateMachineDefinition: the validator of CreateStateMachine, answered as diagnostics
 * (`result` OK or FAIL; `severity` ERROR, the default, lists errors only, WARNING lists both;
 * at most `maxResults` (0 or none: 100) with `truncated`).
 */
export const validateStateMachineDefinition =
  (_deps: Deps): Operation =>
  async (body) => {
    const decoded = decodeRequest(ValidateStateMachineDefinitionInput, body, {
      required: ['definition'],
      rules: {
        definition: [minLength(1), maxLength(1_048_576)],
        type: [oneOf(['STANDARD', 'EXPRESS'])],
        severity: [oneOf(['ERROR', 'WARNING'])],
        maxResults: [between(0, 100)],
      },
      sensitive: ['definition'],
    });
    if (E.isLeft(decoded)) return decoded;
    const { definition, type, severity, maxResults } = decoded.right;
    const parsed = parseDefinitionText(definition);
    const all = [
      ...parsed.diagnostics,
      ...(type === 'EXPRESS' && parsed.ok ? expressDiagnostics(parsed.definition) : []),
      ...(parsed.ok ? unsupportedDiagnostics(parsed.definition) : []),
    ];
    const shown = severity === 'WARNING' ? all : all.filter((d) => d.severity === 'ERROR');
    const limit = maxResults == null || maxResults === 0 ? 100 : maxResults;
    return E.right({
      result: all.some((d) => d.severity === 'ERROR') ? 'FAIL' : 'OK',
      diagnostics: shown
        .slice(0, limit)
        .map((d) => ({ severity: d.severity, code: d.code, message: d.message, ...(d.location !== '' ? { location: d.location } : {}) })),
      truncated: shown.length > limit,
    });
  };
