import cliProgress from 'cli-progress';
import type { Printer } from '../output/printer.js';
import { paintState } from '../format/task-format.js';

/** Shows a followed task as its events come. */
export interface TaskRenderer {
  state(state: string): void;
  progress(percent: number): void;
  log(line: string): void;
  /** Stops drawing so a prompt can use the terminal; `resume` draws again. */
  pause(): void;
  resume(): void;
  /** Leaves the last frame on the screen. */
  stop(): void;
}

/** A progress bar with the state and the time taken, the agent's log lines scrolling above it. */
export class TerminalTaskRenderer implements TaskRenderer {
  private bars: cliProgress.MultiBar | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private percent = 0;
  private current = 'waiting';
  private readonly startedAt = Date.now();

  constructor(
    private readonly out: Printer,
    private readonly label: string,
  ) {
    this.resume();
  }

  state(state: string): void {
    this.current = state;
    this.bar?.update(this.percent, this.payload());
  }

  progress(percent: number): void {
    this.percent = percent;
    this.bar?.update(percent, this.payload());
  }

  log(line: string): void {
    // Above the bar; the bar is drawn again below.
    if (this.bars) this.bars.log(`${this.out.colors.dim('│')} ${line}\n`);
    else this.out.line(line);
  }

  pause(): void {
    // A final render writes the log lines still buffered since the last frame.
    this.bars?.update();
    this.bars?.stop();
    this.bars = undefined;
    this.bar = undefined;
  }

  resume(): void {
    this.bars = new cliProgress.MultiBar(
      {
        stream: this.out.stdout,
        format: `${this.label} {bar} {percentage}% | {state} | {took}`,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: false,
        // Redraw the elapsed time even when no event comes.
        fps: 5,
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(100, this.percent, this.payload());
  }

  stop(): void {
    this.bar?.update(this.percent, this.payload());
    this.pause();
  }

  private payload() {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    return { state: paintState(this.out.colors, this.current), took: `${seconds}s` };
  }
}

/** One line per event, for pipes and log files: `state: active`, `progress: 40%`, `log: ...`. */
export class LineTaskRenderer implements TaskRenderer {
  private lastPercent: number | undefined;
  private lastState: string | undefined;

  constructor(private readonly out: Printer) {}

  state(state: string): void {
    // The final event repeats the state the last state event may have said already.
    if (state === this.lastState) return;
    this.lastState = state;
    this.out.line(`state: ${state}`);
  }

  progress(percent: number): void {
    if (percent === this.lastPercent) return;
    this.lastPercent = percent;
    this.out.line(`progress: ${percent}%`);
  }

  log(line: string): void {
    this.out.line(`log: ${line}`);
  }

  pause(): void {}
  resume(): void {}
  stop(): void {}
}

/** Nothing while it runs: `--json` prints only the final answer. */
export class SilentTaskRenderer implements TaskRenderer {
  state(): void {}
  progress(): void {}
  log(): void {}
  pause(): void {}
  resume(): void {}
  stop(): void {}
}

export function taskRendererFor(out: Printer, label: string): TaskRenderer {
  switch (out.mode) {
    case 'tty':
      return new TerminalTaskRenderer(out, label);
    case 'plain':
      return new LineTaskRenderer(out);
    case 'json':
      return new SilentTaskRenderer();
  }
}
