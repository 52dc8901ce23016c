import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { PoolName } from '@agentq/contracts';
import { readPoolCounts, type PoolCounts } from '@agentq/queue';

export interface ControlLoopOptions {
  queues: ReadonlyMap<PoolName, Queue>;
  intervalMs: number;
  logger: Logger;
}

/** One observation of every pool. */
export type Observation = Map<PoolName, PoolCounts>;

/**
 * Observes every pool on a fixed interval. Ticks never overlap: the next one is scheduled
 * when the previous finished, so a slow Redis slows the loop instead of piling up reads.
 */
export class ControlLoop {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private current: Promise<void> | undefined;

  constructor(private readonly options: ControlLoopOptions) {}

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  /** Reads every pool's counts once. */
  async observe(): Promise<Observation> {
    const entries = await Promise.all(
      [...this.options.queues].map(
        async ([pool, queue]) => [pool, await readPoolCounts(queue)] as const,
      ),
    );
    return new Map(entries);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      const observation = await this.observe();
      for (const [pool, counts] of observation) {
        this.options.logger.info({ pool, ...counts }, 'pool observed');
      }
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'observation failed');
    }
  }
}
