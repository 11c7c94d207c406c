import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { useEffect, useState } from 'preact/hooks';
import { stepstream } from './api.js';
import { stateOfEvent } from './format.js';

/** What happened to a state in an execution, as its history shows it. */
export type StateStatus = 'succeeded' | 'failed' | 'running' | 'caught';

interface StateSpec {
  readonly Type?: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next?: string; readonly Variable?: string; readonly Condition?: string }[];
  readonly Catch?: readonly { readonly Next?: string; readonly ErrorEquals?: readonly string[] }[];
  readonly Branches?: readonly Machine[];
  readonly Iterator?: Machine;
  readonly ItemProcessor?: Machine;
}
interface Machine {
  readonly StartAt?: string;
  readonly States?: Readonly<Record<string, StateSpec>>;
}

/** One drawn edge's kind: a transition, a Choice rule or its Default, a Catch. */
type EdgeKind = 'next' | 'choice' | 'catch';

const CHAR = 7;
const NODE_HEIGHT = 34;
const label = (text: string) => ({ text, width: Math.min(220, text.length * CHAR + 8), height: 16 });

/** A Choice rule, shortly: its Variable and the first comparison, or its JSONata condition. */
const ruleText = (rule: NonNullable<StateSpec['Choices']>[number], i: number): string => {
  if (typeof rule.Condition === 'string') return rule.Condition.length > 30 ? `${rule.Condition.slice(0, 29)}…` : rule.Condition;
  const comparison = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next' && k !== 'Assign' && k !== 'Output' && k !== 'Comment');
  return rule.Variable !== undefined ? `${rule.Variable} ${comparison ?? ''}`.trim() : `rule ${String(i + 1)}`;
};

/**
 * The definition as an ELK graph: a node per state (a Parallel's branches and a Map's processor
 * nested in it), Next and Default edges, Choice rules labelled, Catch edges marked; Start and End.
 * Node ids are the states' paths (`Fan/0/Step`), so nested states of one name stay apart.
 */
export const definitionGraph = (definition: unknown): ElkNode => {
  const edges: ElkExtendedEdge[] = [];
  let n = 0;
  const edge = (from: string, to: string, kind: EdgeKind, text?: string) =>
    edges.push({
      id: `e${String(n++)}`,
      sources: [from],
      targets: [to],
      ...(text !== undefined ? { labels: [label(text)] } : {}),
      layoutOptions: { kind },
    } as ElkExtendedEdge);
  const build = (machine: Machine, prefix: string, top: boolean): ElkNode[] => {
    const nodes: ElkNode[] = [];
    const id = (name: string) => `${prefix}${name}`;
    for (const [name, spec] of Object.entries(machine.States ?? {})) {
      const inner: Machine[] = [...(spec.Branches ?? []), ...(spec.ItemProcessor ? [spec.ItemProcessor] : spec.Iterator ? [spec.Iterator] : [])];
      const node: ElkNode = {
        id: id(name),
        labels: [label(`${name}`)],
        layoutOptions: { type: spec.Type ?? '' },
        ...(inner.length === 0
          ? { width: Math.max(110, name.length * CHAR + 24), height: NODE_HEIGHT }
          : {
              children: inner.map((branch, i) => ({
                id: `${id(name)}/${String(i)}`,
                labels: [label(spec.Type === 'Map' ? 'iteration' : `branch ${String(i + 1)}`)],
                layoutOptions: { type: 'frame', 'elk.padding': '[top=24,left=10,bottom=10,right=10]' },
                children: build(branch, `${id(name)}/${String(i)}/`, false),
              })),
              layoutOptions: { type: spec.Type ?? '', 'elk.padding': '[top=28,left=10,bottom=10,right=10]' },
            }),
      };
      nodes.push(node);
      if (spec.Next !== undefined) edge(id(name), id(spec.Next), 'next');
      spec.Choices?.forEach((rule, i) => rule.Next !== undefined && edge(id(name), id(rule.Next), 'choice', ruleText(rule, i)));
      if (spec.Default !== undefined) edge(id(name), id(spec.Default), 'choice', 'Default');
      spec.Catch?.forEach((c) => c.Next !== undefined && edge(id(name), id(c.Next), 'catch', (c.ErrorEquals ?? []).join(', ')));
      if (top && (spec.End === true || spec.Type === 'Succeed' || spec.Type === 'Fail')) edge(id(name), '(end)', 'next');
    }
    if (top && machine.StartAt !== undefined) edge('(start)', id(machine.StartAt), 'next');
    return nodes;
  };
  const children = build(definition as Machine, '', true);
  const known = new Set<string>();
  const walk = (nodes: readonly ElkNode[]) => nodes.forEach((x) => (known.add(x.id), walk(x.children ?? [])));
  walk(children);
  const terminal = (id: string): ElkNode => ({
    id,
    width: 56,
    height: 26,
    labels: [label(id === '(start)' ? 'Start' : 'End')],
    layoutOptions: { type: 'terminal' },
  });
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '24',
      'elk.edgeLabels.inline': 'true',
      'org.eclipse.elk.json.shapeCoords': 'ROOT',
      'org.eclipse.elk.json.edgeCoords': 'ROOT',
    },
    children: [terminal('(start)'), ...children, terminal('(end)')],
    // An edge to a state the definition lacks would fail the layout: the definition was validated, but a branch's Next is local to it.
    edges: edges.filter((e) => known.has(e.targets[0]!) || e.targets[0] === '(end)'),
  };
};

const laidOut = new Map<string, Promise<ElkNode>>();

let elk: { layout: (graph: ElkNode) => Promise<ElkNode> } | undefined;

/** ELK in a Web Worker of this page (its script, most of the console's weight, fetched then). */
const localLayout = (graph: ElkNode): Promise<ElkNode> => {
  elk ??= new ELK({ workerFactory: () => new Worker(workerUrl) });
  return elk.layout(graph);
};

/**
 * The graph laid out by the server (Stepstream.LayoutGraph: ELK in a thread of its own, each
 * graph kept once laid out), or by ELK in this page when the server cannot (an older server, a
 * graph too large for it).
 */
const laidOutGraph = (graph: ElkNode): Promise<ElkNode> =>
  stepstream<{ graph: ElkNode }>('LayoutGraph', { graph }).then(
    (answer) => answer.graph,
    () => localLayout(graph),
  );

/** The definition laid out (by the server, else in this page), memoised by the text. */
const layout = (definition: string): Promise<ElkNode> => {
  let done = laidOut.get(definition);
  if (done === undefined) {
    done = laidOutGraph(definitionGraph(JSON.parse(definition) as unknown));
    laidOut.set(definition, done);
  }
  return done;
};

const nameOf = (id: string) => id.split('/').at(-1) ?? id;

/**
 * The definition drawn as SVG: states as boxes (coloured by `statuses` when given), a Parallel's
 * branches and a Map's iterations nested, Choice rules and Catch edges labelled (Catch dashed).
 * A state is a button: `onSelect` gets its name.
 */
export const DefinitionGraph = ({
  definition,
  statuses,
  selected,
  onSelect,
}: {
  readonly definition: string;
  readonly statuses?: ReadonlyMap<string, StateStatus>;
  readonly selected?: string;
  readonly onSelect?: (state: string) => void;
}) => {
  const [graph, setGraph] = useState<ElkNode | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    layout(definition).then(
      (g) => live && setGraph(g),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [definition]);
  if (error !== undefined) return <p class="error">The graph could not be laid out: {error}</p>;
  if (graph === undefined) return <p>Laying out the graph…</p>;
  const shapes: ElkNode[] = [];
  const collect = (nodes: readonly ElkNode[]) => nodes.forEach((x) => (shapes.push(x), collect(x.children ?? [])));
  collect(graph.children ?? []);
  return (
    <figure class="graph">
      <svg
        viewBox={`0 0 ${String(graph.width ?? 0)} ${String(graph.height ?? 0)}`}
        width={graph.width}
        height={graph.height}
        role="group"
        aria-label="The definition as a graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#545b64" />
          </marker>
        </defs>
        {(graph.edges ?? []).map((e) => {
          const kind = (e.layoutOptions?.['kind'] ?? 'next') as EdgeKind;
          return (
            <g class={`edge ${kind}`} key={e.id}>
              {(e.sections ?? []).map((s) => (
                <path
                  key={s.id}
                  d={`M ${String(s.startPoint.x)} ${String(s.startPoint.y)} ${(s.bendPoints ?? []).map((p) => `L ${String(p.x)} ${String(p.y)}`).join(' ')} L ${String(s.endPoint.x)} ${String(s.endPoint.y)}`}
                  marker-end="url(#arrow)"
                />
              ))}
              {(e.labels ?? []).map((l, i) => (
                <text key={i} x={l.x} y={(l.y ?? 0) + 12} class="edge-label">
                  {l.text}
                </text>
              ))}
            </g>
          );
        })}
        {shapes.map((s) => {
          const type = String(s.layoutOptions?.['type'] ?? '');
          const compound = (s.children?.length ?? 0) > 0 || type === 'frame';
          const name = nameOf(s.id);
          const status = compound && type === 'frame' ? undefined : statuses?.get(name);
          const text = s.labels?.[0]?.text ?? name;
          if (type === 'terminal')
            return (
              <g class="terminal" key={s.id}>
                <rect x={s.x} y={s.y} width={s.width} height={s.height} rx={13} />
                <text x={(s.x ?? 0) + (s.width ?? 0) / 2} y={(s.y ?? 0) + 17} text-anchor="middle">
                  {text}
                </text>
              </g>
            );
          const select = onSelect && type !== 'frame' ? () => onSelect(name) : undefined;
          return (
            <g
              class={`state ${compound ? 'compound' : ''} ${type === 'frame' ? 'frame' : ''} ${status ?? ''} ${selected === name && type !== 'frame' ? 'selected' : ''}`}
              key={s.id}
              data-state={type === 'frame' ? undefined : name}
              data-status={status}
              {...(select
                ? {
                    role: 'button',
                    tabindex: 0,
                    'aria-label': `${name} (${type}${status ? `, ${status}` : ''})`,
                    'aria-pressed': selected === name,
                    onClick: select,
                    onKeyDown: (ev: KeyboardEvent) => (ev.key === 'Enter' || ev.key === ' ') && (ev.preventDefault(), select()),
                  }
                : {})}
            >
              <rect x={s.x} y={s.y} width={s.width} height={s.height} rx={compound ? 4 : 6} />
              <text x={(s.x ?? 0) + (compound ? 8 : (s.width ?? 0) / 2)} y={(s.y ?? 0) + (compound ? 16 : 21)} text-anchor={compound ? 'start' : 'middle'}>
                {text}
              </text>
            </g>
          );
        })}
      </svg>
      {statuses !== undefined && (
        <figcaption class="legend">
          <span class="key succeeded">succeeded</span> <span class="key failed">failed</span> <span class="key caught">caught</span>{' '}
          <span class="key running">in progress</span> — Catch edges dashed
        </figcaption>
      )}
    </figure>
  );
};

/**
 * Each state's status in an execution, from its history: entered and not left yet (running, or
 * failed when the execution ended), left (succeeded), failed and then caught (a state entered
 * after the failure). A failure belongs to the state whose Entered event its chain of
 * `previousEventId`s leads back to.
 */
export const statusesOf = (
  events: readonly { readonly id: number; readonly previousEventId: number; readonly type: string; readonly [k: string]: unknown }[],
  executionStatus: string,
): Map<string, StateStatus> => {
  const byId = new Map(events.map((e) => [e.id, e]));
  const statuses = new Map<string, StateStatus>();
  const failedAt = new Map<string, number>();
  const enteredName = (e: (typeof events)[number]) => (e['stateEnteredEventDetails'] as { name?: string } | undefined)?.name;
  let lastEntered = 0;
  for (const e of events) {
    if (e.type.endsWith('StateEntered')) {
      const name = enteredName(e);
      if (name !== undefined) statuses.set(name, 'running');
      lastEntered = e.id;
    } else if (e.type.endsWith('StateExited')) {
      const name = (e['stateExitedEventDetails'] as { name?: string } | undefined)?.name;
      if (name !== undefined) statuses.set(name, 'succeeded');
    } else if (/(Task|LambdaFunction|Activity)(Failed|TimedOut)$|^(Parallel|Map)StateFailed$|^EvaluationFailed$/.test(e.type)) {
      const name = stateOfEvent(byId, e);
      if (name !== undefined) failedAt.set(name, e.id);
    }
  }
  for (const [name, status] of statuses) {
    const failure = failedAt.get(name);
    if (status !== 'running') continue;
    if (failure !== undefined && lastEntered > failure) statuses.set(name, 'caught');
    else if (executionStatus !== 'RUNNING') statuses.set(name, 'failed');
  }
  return statuses;
};
