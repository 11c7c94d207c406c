import { invalidToken } from '@stepstream/domain';
import { listStateMachines as query } from '@stepstream/projections';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Operation } from '../protocol.js';
import { epochSeconds } from '../protocol.js';
import { between, decodeRequest, integer, maxLength, minLength, optional } from '../validation.js';
import { ownedBy, pageSize, type Deps } from './deps.js';

export const ListStateMachinesInput = t.partial({ maxResults: optional(integer), nextToken: optional(t.string) });

/** By name in code-point order, as AWS lists them; keyset pages. */
export const listStateMachines =
  ({ engine, tokens }: Deps): Operation =>
  async (body, ctx) => {
    const decoded = decodeRequest(ListStateMachinesInput, body, {
      rules: { maxResults: [between(0, 1000)], nextToken: [minLength(1), maxLength(1024)] },
    });
    if (E.isLeft(decoded)) return decoded;
    const { maxResults, nextToken } = decoded.right;
    const after = nextToken != null ? tokens.read<{ name: string; arn: string }>('ListStateMachines', nextToken) : undefined;
    if (nextToken != null && !after) return E.left(invalidToken());
    const limit = pageSize(maxResults);
    const rows = await query(await engine.reads.readModel(), after, limit + 1, ownedBy(engine, ctx, 'stateMachine'));
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return E.right({
      stateMachines: page.map((r) => ({ stateMachineArn: r.arn, name: r.name, type: r.type, creationDate: epochSeconds(r.creation_date) })),
      ...(rows.length > limit && last ? { nextToken: tokens.issue('ListStateMachines', { name: last.name, arn: last.arn }) } : {}),
    });
  };
