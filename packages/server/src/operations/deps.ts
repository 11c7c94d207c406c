import type { Engine } from '@stepstream/runtime';
import type { PageTokens, TaskTokens } from '../tokens.js';

/** What every operation may use. */
export interface Deps {
  readonly engine: Engine;
  readonly tokens: PageTokens;
  readonly taskTokens: TaskTokens;
}

/** AWS: "maxResults: 0 or omitted means 100; max 1000". */
export const pageSize = (maxResults: number | null | undefined) => (maxResults === undefined || maxResults === null || maxResults === 0 ? 100 : maxResults);
