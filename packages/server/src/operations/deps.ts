import type { EnginePorts, TaskTokens } from '@stepstream/runtime';
import type { RequestContext } from '../protocol.js';
import type { PageTokens } from '../tokens.js';

/** What every operation may use: the engine's ports, and the deployment's page and task tokens. */
export interface Deps {
  readonly engine: EnginePorts;
  readonly tokens: PageTokens;
  readonly taskTokens: TaskTokens;
}

/** AWS: "maxResults: 0 or omitted means 100; max 1000". */
export const pageSize = (maxResults: number | null | undefined) => (maxResults === undefined || maxResults === null || maxResults === 0 ? 100 : maxResults);

/**
 * The ARN prefix of a verified caller's resources of one kind (`arn:aws:states:us-east-1:111122223333:stateMachine:`):
 * what a list shows it (docs/security.md); undefined when requests are not verified.
 */
export const ownedBy = (engine: EnginePorts, ctx: RequestContext, kind: 'stateMachine' | 'activity'): string | undefined =>
  ctx.account === undefined ? undefined : `arn:${engine.scope.partition}:states:${engine.scope.region}:${ctx.account}:${kind}:`;
