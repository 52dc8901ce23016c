// A bare BullMQ worker process: the raw counterpart of an agentq worker in the benchmarks.
// Its processor does nothing, or sleeps RAW_SLEEP_MS. Logs `{"msg":"ready"}` once it runs;
// SIGTERM closes it. Env: REDIS_URL, RAW_PREFIX, RAW_QUEUE, RAW_CONCURRENCY, RAW_SLEEP_MS, and
// RAW_LOCK_MS / RAW_STALLED_MS (unset: BullMQ's defaults, 30 s each).
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { createRedis } from '@agentq/queue';

const env = process.env;
const sleepMs = Number(env.RAW_SLEEP_MS ?? 0);
const connection = createRedis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker', 'bench-raw');
const worker = new Worker(
  env.RAW_QUEUE ?? 'agentq-default',
  sleepMs > 0 ? () => sleep(sleepMs) : () => Promise.resolve(),
  {
    connection,
    prefix: env.RAW_PREFIX ?? 'bull',
    concurrency: Number(env.RAW_CONCURRENCY ?? 1),
    ...(env.RAW_LOCK_MS ? { lockDuration: Number(env.RAW_LOCK_MS) } : {}),
    ...(env.RAW_STALLED_MS ? { stalledInterval: Number(env.RAW_STALLED_MS) } : {}),
  },
);
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => connection.quit())
    .then(() => console.log(JSON.stringify({ msg: 'stopped' })));
});
await worker.waitUntilReady();
console.log(JSON.stringify({ msg: 'ready', pid: process.pid }));
