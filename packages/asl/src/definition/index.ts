export * from './types.js';
export { parseDefinition, describeDiagnostics, type ParseResult } from './validate.js';
export { variableReferences } from './variable-references.js';
export { unsupportedDiagnostics } from './rules/unsupported.js';
export { checkVariableName } from './rules/variables.js';
