export { serveApi, type ServeOptions, type RunningServer } from './server.js';
export { handleRequest, epochSeconds, type Operation } from './protocol.js';
export { makeOperations, makeStepstreamOperations, type StepstreamOperationName } from './operations/index.js';
export { PageTokens } from './tokens.js';
export { errorCatalogue } from './errors.js';
