import cliProgress from 'cli-progress';
import type { StepView } from '@agentq/client';
import { paintState } from '../format/task-format.js';
import type { Printer } from '../output/printer.js';

/** Step states after which a step will not change again. */
const ENDED = new Set(['completed', 'failed', 'skipped', 'cancelled']);

/** Shows a workflow's steps as their states change. */
export interface WorkflowRenderer {
  step(step: string, state: string): void;
  workflow(state: string): void;
  pause(): void;
  resume(): void;
  stop(): void;
}

/** One line per step, redrawn in place: a bar that fills when the step ended, and its state. */
export class TerminalWorkflowRenderer implements WorkflowRenderer {
  private bars: cliProgress.MultiBar | undefined;
  private readonly lines = new Map<string, cliProgress.SingleBar>();
  private readonly states = new Map<string, string>();
  private readonly width: number;

  constructor(
    private readonly out: Printer,
    steps: readonly Pick<StepView, 'id' | 'state'>[],
  ) {
    for (const step of steps) this.states.set(step.id, step.state);
    this.width = Math.max(...steps.map((step) => step.id.length));
    this.resume();
  }

  step(step: string, state: string): void {
    this.states.set(step, state);
    this.lines.get(step)?.update(ENDED.has(state) ? 1 : 0, this.payload(step));
  }

  /** The workflow's own state is printed once it ended, under the steps. */
  workflow(): void {}

  pause(): void {
    this.bars?.update();
    this.bars?.stop();
    this.bars = undefined;
    this.lines.clear();
  }

  resume(): void {
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.out.stdout,
        format: '{step} {bar} {state}',
        barsize: 10,
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    for (const [step, state] of this.states) {
      this.lines.set(step, this.bars.create(1, ENDED.has(state) ? 1 : 0, this.payload(step)));
    }
  }

  stop(): void {
    this.pause();
  }

  private payload(step: string) {
    return {
      step: step.padEnd(this.width),
      state: paintState(this.out.colors, this.states.get(step) ?? ''),
    };
  }
}

/** `step plan: running` lines, for pipes and logs. */
export class LineWorkflowRenderer implements WorkflowRenderer {
  constructor(private readonly out: Printer) {}

  step(step: string, state: string): void {
    this.out.line(`step ${step}: ${state}`);
  }

  workflow(state: string): void {
    this.out.line(`workflow: ${state}`);
  }

  pause(): void {}
  resume(): void {}
  stop(): void {}
}

export class SilentWorkflowRenderer implements WorkflowRenderer {
  step(): void {}
  workflow(): void {}
  pause(): void {}
  resume(): void {}
  stop(): void {}
}

export function workflowRendererFor(
  out: Printer,
  steps: readonly Pick<StepView, 'id' | 'state'>[],
): WorkflowRenderer {
  switch (out.mode) {
    case 'tty':
      return new TerminalWorkflowRenderer(out, steps);
    case 'plain':
      return new LineWorkflowRenderer(out);
    case 'json':
      return new SilentWorkflowRenderer();
  }
}
