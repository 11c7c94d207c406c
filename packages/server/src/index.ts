export { serveApi, type ServeOptions, type RunningServer } from './server.js';
export { handleRequest, epochSeconds, type Operation } from './protocol.js';
export { makeOperations, makeStepstreamOperations, type StepstreamOperationName } from './operations/index.js';
export { PageTokens } from './tokens.js';
export { errorCatalogue } from './errors.js';
export { makeGuard, READ_ONLY_OPERATIONS, type GuardOptions, type RequestGuard, type Refusal } from './auth/guard.js';
export { defaultQuotas, TokenBuckets, type Quota } from './auth/limits.js';
export { verifySigV4, type AccessKey, type AuthFailure, type Caller } from './auth/sigv4.js';
export { parseCredentials, CredentialsRefused } from './auth/credentials.js';
