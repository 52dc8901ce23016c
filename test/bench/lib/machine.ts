import { createRequire } from 'node:module';
import os from 'node:os';
import { createRedis } from '@agentq/queue';

const require = createRequire(import.meta.url);

export interface Machine {
  date: string;
  node: string;
  redis: string;
  bullmq: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  /** Load average over the minute before the run: a busy machine makes every figure worse. */
  loadAtStart: number;
}

/** What the figures were measured on: versions and the machine. */
export async function describeMachine(redisUrl: string): Promise<Machine> {
  const redis = createRedis(redisUrl, 'worker', 'bench-info');
  try {
    const info = await redis.info('server');
    return {
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      node: process.version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? '?',
      bullmq: (require('bullmq/package.json') as { version: string }).version,
      cpu: os.cpus()[0]?.model.trim() ?? '?',
      cores: os.cpus().length,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      loadAtStart: loadAverage(),
    };
  } finally {
    await redis.quit();
  }
}

/** Load average over the last minute. */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}
