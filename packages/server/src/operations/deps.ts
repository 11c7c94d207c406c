import type { EnginePorts, TaskTokens } from '@stepstream/runtime';
import type { PageTokens } from '../tokens.js';

/** What every operation may use: the engine's ports, and the deployment's page and task tokens. */
export interface Deps {
  readonly engine: EnginePorts;
  readonly tokens: PageTokens;
  readonly taskTokens: TaskTokens;
}

/** AWS: "maxResults: 0 or omitted means 100; max 1000". */
export const pageSize = (maxResults: number | null | undefined) => (maxResults === undefined || maxResults === null || maxResults === 0 ? 100 : maxResults);
