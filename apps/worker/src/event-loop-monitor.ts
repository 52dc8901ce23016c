import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.js';

export interface EventLoopMonitorOptions {
  /** A stall at least this long is logged and counted. */
  warnMs: number;
  /** The shortest lock of the pools served: a stall this long loses locks. */
  lockDurationMs: number;
  /** Ids of the tasks running now, for the log line. */
  tasksInFlight: () => string[];
  metrics: WorkerMetrics;
  logger: Logger;
}

const TICK_MS = 100;
/** The lag gauge shows the worst delay of the last this many ticks (5 s). */
const LAG_WINDOW_TICKS = 50;

/**
 * Watches the event loop. A blocked loop cannot renew task locks: past the lock duration
 * another worker takes the tasks over and they run twice. A timer that checks its own
 * drift names the tasks in flight when that happens; a delay histogram feeds the lag gauge
 * with the worst delay of each 5 s window.
 */
export class EventLoopMonitor {
  private timer: NodeJS.Timeout | undefined;
  private histogram: IntervalHistogram | undefined;

  constructor(private readonly options: EventLoopMonitorOptions) {}

  start(): void {
    const { metrics } = this.options;
    const histogram = monitorEventLoopDelay({ resolution: 20 });
    histogram.enable();
    this.histogram = histogram;
    let last = performance.now();
    let ticks = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      const stallMs = Math.round(now - last - TICK_MS);
      last = now;
      if (stallMs >= this.options.warnMs) this.report(stallMs);
      if (++ticks % LAG_WINDOW_TICKS === 0) {
        metrics.eventLoopLag.set(histogram.max / 1e9);
        histogram.reset();
      }
    }, TICK_MS);
    this.timer.unref();
  }

  private report(stallMs: number): void {
    const { lockDurationMs, tasksInFlight, metrics, logger } = this.options;
    metrics.eventLoopStalls.inc();
    const fields = { stallMs, lockDurationMs, taskIds: tasksInFlight() };
    if (stallMs >= lockDurationMs / 2) {
      logger.error(fields, 'event loop stalled; task locks at risk of expiring');
    } else {
      logger.warn(fields, 'event loop stalled');
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }
}
