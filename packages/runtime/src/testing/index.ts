/**
 * Real local servers for tests of the AWS integrations (issue 20): s3rver as S3 and dynalite as
 * DynamoDB, each in this machine on a free port. Imported as `@stepstream/runtime/testing`, never
 * by the engine itself.
 */
export { startS3Server, type S3Server } from './s3-server.js';
export { startDynamoDb, type LocalDynamoDb } from './dynamodb.js';
