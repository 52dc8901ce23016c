import { describe, expect, it } from '@jest/globals';
import { NODE_WIDTH, layoutDag } from './dag-layout.js';

describe('layoutDag', () => {
  const steps = [
    { id: 'plan', dependsOn: [] },
    { id: 'left', dependsOn: ['plan'] },
    { id: 'right', dependsOn: ['plan'] },
    { id: 'merge', dependsOn: ['left', 'right'] },
  ];

  it('places each step to the right of the steps it depends on', () => {
    const { nodes } = layoutDag(steps);
    const x = Object.fromEntries(nodes.map((n) => [n.id, n.x]));
    expect(x.left).toBeGreaterThanOrEqual((x.plan ?? 0) + NODE_WIDTH);
    expect(x.merge).toBeGreaterThanOrEqual((x.right ?? 0) + NODE_WIDTH);
    expect(x.left).toBe(x.right);
  });

  it('draws one edge per dependency, within the drawing', () => {
    const layout = layoutDag(steps);
    expect(layout.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      'left->merge',
      'plan->left',
      'plan->right',
      'right->merge',
    ]);
    expect(layout.edges.every((e) => e.path.startsWith('M'))).toBe(true);
    for (const node of layout.nodes) expect(node.x + NODE_WIDTH).toBeLessThanOrEqual(layout.width);
  });

  it('lays out steps without known dependencies side by side', () => {
    const layout = layoutDag([
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: ['gone'] },
    ]);
    expect(layout.edges).toEqual([]);
    expect(layout.nodes).toHaveLength(2);
  });
});
