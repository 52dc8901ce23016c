import dagre, { type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';

export interface DagStep {
  id: string;
  dependsOn: readonly string[];
}

export interface PlacedNode {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  /** SVG path from the dependency to the step that waits for it. */
  path: string;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 52;

/**
 * Places a workflow's steps left to right, each after the steps it depends on (dagre's
 * layered layout); a dependency that is not a step of the workflow is left out.
 */
export function layoutDag(steps: readonly DagStep[]): DagLayout {
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>();
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((step) => step.id));
  for (const step of steps) graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (ids.has(dependency)) graph.setEdge(dependency, step.id);
    }
  }
  dagre.layout(graph);
  // dagre gives centres; after layout() every node and edge has its place.
  const nodes = steps.map((step) => {
    const { x = 0, y = 0 } = graph.node(step.id);
    return { id: step.id, x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 };
  });
  const edges = graph.edges().map((edge) => ({
    from: edge.v,
    to: edge.w,
    path: (graph.edge(edge).points ?? [])
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${Math.round(p.x)} ${Math.round(p.y)}`)
      .join(''),
  }));
  const { width = 0, height = 0 } = graph.graph();
  return { nodes, edges, width, height };
}
