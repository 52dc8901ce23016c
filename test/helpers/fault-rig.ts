import type { AppProcess } from './app-process.js';
import { TestRedisServer } from './redis-server.js';
import { TaskOutcomes } from './task-outcomes.js';

export interface FaultRig {
  /** A redis-server of the test's own, on a free port. */
  readonly redis: TestRedisServer;
  /** Every task's outcome, as the queues record it. */
  readonly outcomes: TaskOutcomes;
  /** Processes the test started; all are stopped after it. */
  readonly apps: AppProcess[];
  /** The key prefix the apps and the outcome recorder use. */
  readonly prefix: string;
}

/**
 * What a fault scenario stands on: its own redis-server, the outcome recorder, and the
 * processes it starts, set up before the file's tests and torn down after them.
 */
export function useFaultRig(
  prefix: string,
  options: { aof?: boolean; stopSignal?: NodeJS.Signals } = {},
): FaultRig {
  let redis: TestRedisServer | undefined;
  let outcomes: TaskOutcomes | undefined;
  const apps: AppProcess[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the fault rig is used before beforeAll ran');
    return value;
  };

  beforeAll(async () => {
    redis = await TestRedisServer.create({ aof: options.aof ?? true });
    await redis.start();
    outcomes = new TaskOutcomes(redis.url, prefix);
    await outcomes.start();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop(options.stopSignal)));
    await outcomes?.close();
    await redis?.remove();
  });

  return {
    get redis() {
      return ready(redis);
    },
    get outcomes() {
      return ready(outcomes);
    },
    apps,
    prefix,
  };
}
