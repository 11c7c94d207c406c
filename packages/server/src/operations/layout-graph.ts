import { validationException } from '@stepstream/domain';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { GraphLayouts } from '../layout/layouts.js';
import type { Operation } from '../protocol.js';
import { RawJson } from '../raw-json.js';
import { decodeRequest } from '../validation.js';

export const LayoutGraphInput = t.type({ graph: t.UnknownRecord });

/** Nodes, edges and labels a graph may hold in all (a definition's graph has a few per state). */
export const MAX_GRAPH_ELEMENTS = 5000;

/** Nodes, edges and labels in an ELK graph, counted until `limit` is passed. */
const elements = (graph: unknown, limit: number): number => {
  let count = 0;
  const stack: unknown[] = [graph];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop() as { children?: unknown; edges?: unknown; labels?: unknown };
    count++;
    for (const key of ['children', 'edges', 'labels'] as const) {
      const list = node[key];
      if (Array.isArray(list)) for (const item of list) if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return count;
};

/**
 * `Stepstream.LayoutGraph` `{ graph }`: an ELK graph (elkjs's JSON: `id`, `children`, `edges`,
 * `labels`, `layoutOptions`, sizes) laid out — the same graph with every position — as ELK lays it
 * out in a browser. The console asks it before laying a state machine's graph out itself: the
 * server keeps each layout (by the graph's hash) and computes it in a thread of its own, so a
 * first visit draws its graph without warming ELK in the browser. At most
 * {@link MAX_GRAPH_ELEMENTS} nodes, edges and labels; a layout stopped after 5 s. Errors are
 * ValidationException with the reason.
 */
export const layoutGraph = (): Operation => {
  const layouts = new GraphLayouts();
  return async (body) => {
    const decoded = decodeRequest(LayoutGraphInput, body, { required: ['graph'] });
    if (E.isLeft(decoded)) return decoded;
    const { graph } = decoded.right;
    if (elements(graph, MAX_GRAPH_ELEMENTS) > MAX_GRAPH_ELEMENTS)
      return E.left(validationException(`The graph has more than ${String(MAX_GRAPH_ELEMENTS)} nodes, edges and labels: lay it out in the browser`));
    const laidOut = await layouts.layout(graph);
    if (E.isLeft(laidOut)) return laidOut;
    return E.right(new RawJson(['{"graph":', laidOut.right, '}']));
  };
};
