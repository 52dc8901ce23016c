import type { StepView } from '@agentq/contracts';
import { useMemo, type KeyboardEvent } from 'react';
import { NODE_HEIGHT, NODE_WIDTH, layoutDag } from './dag-layout.js';

interface WorkflowGraphProps {
  steps: readonly StepView[];
  selected: string | undefined;
  onSelect: (stepId: string) => void;
}

/** The workflow's DAG in SVG: one box per step, colored by its state, a button each. */
export function WorkflowGraph({ steps, selected, onSelect }: WorkflowGraphProps) {
  // The layout depends on the steps and their edges only, not on their states.
  const shape = steps.map((s) => `${s.id}<${s.dependsOn.join(',')}`).join(' ');
  const layout = useMemo(
    () => layoutDag(steps.map((s) => ({ id: s.id, dependsOn: s.dependsOn }))),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` stands for the steps' edges
    [shape],
  );
  const byId = new Map(steps.map((s) => [s.id, s]));
  const onKey = (event: KeyboardEvent, id: string) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(id);
    }
  };
  return (
    <div className="graph-scroll">
      <svg
        className="graph"
        width={layout.width}
        height={layout.height}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        aria-label="Workflow steps"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0 0L10 5L0 10z" className="graph-arrow" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <path
            key={`${edge.from}-${edge.to}`}
            className="graph-edge"
            d={edge.path}
            markerEnd="url(#arrow)"
          />
        ))}
        {layout.nodes.map((node) => {
          const step = byId.get(node.id);
          if (step === undefined) return null;
          return (
            <g
              key={node.id}
              className={`graph-node state-${step.state}${selected === node.id ? ' selected' : ''}`}
              transform={`translate(${node.x} ${node.y})`}
              role="button"
              tabIndex={0}
              aria-pressed={selected === node.id}
              aria-label={`Step ${step.id}, ${step.agent}, ${step.state}`}
              data-step={step.id}
              data-state={step.state}
              onClick={() => onSelect(step.id)}
              onKeyDown={(event) => onKey(event, step.id)}
            >
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={6} />
              <text x={10} y={21} className="graph-title">
                {step.id}
              </text>
              <text x={10} y={39} className="graph-sub">
                {step.agent} · {step.state}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
