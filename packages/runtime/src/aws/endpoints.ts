/**
 * Where the AWS services a state machine calls are (issue 20): a map from a service's name as
 * `aws-sdk:<service>` spells it (`s3`, `dynamodb`, `sqs`, `sns`, `eventbridge`, …) to its endpoint.
 * A service not in the map stays mocked (or fails saying how to mock it), as before.
 *
 * - `url`: an S3-, DynamoDB-, SQS-… compatible endpoint (a local server, LocalStack-style), called
 *   with the default credential chain when it yields credentials, otherwise with fixed local ones;
 * - `aws`: AWS itself, at the service's regional endpoint, with the default credential chain;
 * - `directory` (S3 only): a local directory whose sub-directories are the buckets and whose files
 *   are the objects (`<dir>/<bucket>/<key>`), for zero-setup local use.
 */
export type ServiceEndpoint = { readonly kind: 'url'; readonly url: string } | { readonly kind: 'aws' } | { readonly kind: 'directory'; readonly path: string };

export type ServiceEndpoints = ReadonlyMap<string, ServiceEndpoint>;

/** The optimized integrations' resource types that name a service differently from `aws-sdk:` (`events` is EventBridge). */
export const serviceOf = (resourceType: string): string => {
  const name = resourceType.startsWith('aws-sdk:') ? resourceType.slice('aws-sdk:'.length) : resourceType;
  return name === 'events' ? 'eventbridge' : name.toLowerCase();
};
