import { DescribeStateMachineCommand, CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { ROLE, stackTests, type Stack } from './harness.js';

// Stepstream.LayoutGraph: ELK's layout of a graph, computed by the server in a thread of its own
// and kept (the console asks it before laying a state machine's graph out in the browser).

const test = stackTests();

interface Laid {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: Laid[];
  edges?: { id: string; sections?: { startPoint: { x: number; y: number }; endPoint: { x: number; y: number } }[] }[];
}

const call = async (stack: Stack, body: unknown) => {
  const res = await fetch(`${stack.api.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'Stepstream.LayoutGraph' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
};

const chain = (n: number) => ({
  id: 'root',
  layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN' },
  children: Array.from({ length: n }, (_, i) => ({ id: `s${String(i)}`, width: 120, height: 34, labels: [{ text: `s${String(i)}`, width: 30, height: 16 }] })),
  edges: Array.from({ length: n - 1 }, (_, i) => ({ id: `e${String(i)}`, sources: [`s${String(i)}`], targets: [`s${String(i + 1)}`] })),
});

test('a graph comes back laid out — every node placed, every edge routed, top to bottom — and the same again from what the server kept', async (t) => {
  const { stack } = t.context;
  const first = await call(stack, { graph: chain(6) });
  t.is(first.status, 200, first.text);
  const laid = (JSON.parse(first.text) as { graph: Laid }).graph;
  t.is(laid.children?.length, 6);
  for (const node of laid.children ?? []) {
    t.is(typeof node.x, 'number');
    t.is(typeof node.y, 'number');
    t.is(node.width, 120);
  }
  const ys = (laid.children ?? []).map((n) => n.y!);
  t.deepEqual(
    ys,
    [...ys].sort((a, b) => a - b),
    'DOWN: each state below the one before',
  );
  t.true(ys[5]! > ys[0]!);
  t.is(laid.edges?.length, 5);
  t.true((laid.edges ?? []).every((e) => (e.sections?.length ?? 0) > 0));
  const again = await call(stack, { graph: chain(6) });
  t.is(again.text, first.text);
});

test('a definition’s graph as the console builds it lays out; what ELK refuses, a graph too large and a missing graph are ValidationException with the reason', async (t) => {
  const { stack } = t.context;
  // A state machine's graph, nested (a Parallel with two branches), as the console sends it.
  const machine = await stack.client.send(
    new CreateStateMachineCommand({
      name: `layout-${Date.now().toString(36)}`,
      roleArn: ROLE,
      definition: JSON.stringify({
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
              { StartAt: 'B', States: { B: { Type: 'Pass', End: true } } },
            ],
            End: true,
          },
        },
      }),
    }),
  );
  const described = await stack.client.send(new DescribeStateMachineCommand({ stateMachineArn: machine.stateMachineArn }));
  t.truthy(described.definition);
  const nested = {
    id: 'root',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN', 'org.eclipse.elk.json.edgeCoords': 'ROOT' },
    children: [
      {
        id: 'Fan',
        layoutOptions: { 'elk.padding': '[top=28,left=10,bottom=10,right=10]' },
        children: [
          { id: 'Fan/0', children: [{ id: 'Fan/0/A', width: 110, height: 34 }] },
          { id: 'Fan/1', children: [{ id: 'Fan/1/B', width: 110, height: 34 }] },
        ],
      },
      { id: '(end)', width: 56, height: 26 },
    ],
    edges: [{ id: 'e0', sources: ['Fan'], targets: ['(end)'] }],
  };
  const ok = await call(stack, { graph: nested });
  t.is(ok.status, 200, ok.text);
  const fan = (JSON.parse(ok.text) as { graph: Laid }).graph.children![0]!;
  const [one, two] = fan.children!;
  const apart = one!.x! + one!.width! <= two!.x! || two!.x! + two!.width! <= one!.x! || one!.y! + one!.height! <= two!.y! || two!.y! + two!.height! <= one!.y!;
  t.true(apart, 'the Parallel holds its two branches apart');
  t.true(fan.width! >= 110 && fan.height! >= 34, 'and around them');

  const refused = await call(stack, { graph: { id: 'root', children: [{ id: 'a' }], edges: [{ id: 'e', sources: ['a'], targets: ['nowhere'] }] } });
  t.is(refused.status, 400);
  t.regex(refused.text, /ValidationException/);
  t.regex(refused.text, /ELK could not lay the graph out: .*nowhere/);

  const huge = await call(stack, { graph: chain(3000) });
  t.is(huge.status, 400);
  t.regex(huge.text, /more than 5000 nodes, edges and labels/);

  const missing = await call(stack, {});
  t.is(missing.status, 400);
  t.regex(missing.text, /ValidationException/);
  const notAnObject = await call(stack, { graph: [1, 2] });
  t.is(notAnObject.status, 400);

  // The server went on answering meanwhile.
  t.is((await call(stack, { graph: chain(2) })).status, 200);
});
