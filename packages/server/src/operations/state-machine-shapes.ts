import { variableReferences } from '@stepstream/asl/definition';
import type { StateMachineRow } from '@stepstream/projections';
import { epochSeconds } from '../protocol.js';

export const DEFAULT_LOGGING = { level: 'OFF', includeExecutionData: false } as const;
export const DEFAULT_TRACING = { enabled: false } as const;
export const DEFAULT_ENCRYPTION = { type: 'AWS_OWNED_KEY' } as const;

/** DescribeStateMachine's answer from a read-model row. */
export const describeStateMachineShape = (row: StateMachineRow) => ({
  stateMachineArn: row.arn,
  name: row.name,
  status: 'ACTIVE',
  definition: row.definition,
  roleArn: row.role_arn,
  type: row.type,
  creationDate: epochSeconds(row.creation_date),
  loggingConfiguration: { ...DEFAULT_LOGGING, ...(row.logging as object) },
  tracingConfiguration: { ...DEFAULT_TRACING, ...(row.tracing as object) },
  ...(row.revision_id ? { revisionId: row.revision_id } : {}),
  encryptionConfiguration: row.encryption ?? DEFAULT_ENCRYPTION,
  ...referencesOf(row.definition),
});

/** `variableReferences`: present when some state reads a variable. */
export const referencesOf = (definition: string): { variableReferences?: Record<string, string[]> } => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return {};
  }
  const refs = variableReferences(parsed);
  return refs ? { variableReferences: refs } : {};
};
