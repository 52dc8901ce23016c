import { AppProcess } from '../../helpers/app-process.js';
import { freePort } from '../../helpers/ports.js';
import { pollUntil } from '../../helpers/system.js';

/** One pool as a scaler's /status shows it. */
export interface ScalerPool {
  current: number;
  desired: number;
  workers?: { state: string }[];
}

/** A scaler process (local actuator) on loopback, and its /status. */
export class ScalerRig {
  private constructor(
    readonly app: AppProcess,
    readonly url: string,
  ) {}

  /** Starts a scaler on `prefix`; resolves once it serves. */
  static async start(
    redisUrl: string,
    prefix: string,
    env: Record<string, string>,
  ): Promise<ScalerRig> {
    const port = await freePort();
    const app = AppProcess.app('scaler', {
      REDIS_URL: redisUrl,
      AGENTQ_PREFIX: prefix,
      AGENTQ_LOG_LEVEL: 'info',
      AGENTQ_SCALER_HTTP_PORT: String(port),
      AGENTQ_SCALER_HTTP_HOST: '127.0.0.1',
      ...env,
    });
    await app.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'ready', 60_000);
    return new ScalerRig(app, `http://127.0.0.1:${port}`);
  }

  async pool(): Promise<ScalerPool> {
    const response = await fetch(`${this.url}/status`);
    const body = (await response.json()) as { pools: Record<string, ScalerPool> };
    const pool = body.pools.default;
    if (!pool) throw new Error('no pool default in /status');
    return pool;
  }

  /** Resolves with Date.now() once `holds` is true of the pool (polled every 100 ms). */
  async when(holds: (pool: ScalerPool) => boolean, what: string): Promise<number> {
    await pollUntil(async () => holds(await this.pool()), what, {
      everyMs: 100,
      timeoutMs: 60_000,
    });
    return Date.now();
  }

  /** When `count` workers are ready (their `ready` line seen by the actuator). */
  ready(count: number): Promise<number> {
    return this.when(
      (pool) => (pool.workers ?? []).filter((w) => w.state === 'ready').length >= count,
      `${count} workers ready`,
    );
  }
}
