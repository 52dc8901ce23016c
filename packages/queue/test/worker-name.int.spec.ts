import { Worker } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis } from '../src/connection.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { formatWorkerName, readWorkerNames, slotsOf } from '../src/worker-name.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('worker-name');
const connection = createRedis(REDIS_URL, 'worker', 'test');
const queue = createTaskQueue('default', { connection, prefix });

afterAll(async () => {
  await queue.close();
  await deletePrefix(prefix);
  await connection.quit();
});

describe(readWorkerNames.name, () => {
  it("reads each connected worker's name, and tells the pool's slots from them", async () => {
    const name = formatWorkerName({
      identity: 'pod-a:scaler-1',
      pid: 7,
      slots: new Map([
        ['default', 10],
        ['large', 2],
      ]),
    });
    const start = (opts: { name?: string }) =>
      new Worker(queueName('default'), () => Promise.resolve(), { connection, prefix, ...opts });
    const workers = [start({ name }), start({})];
    try {
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
      const names = await readWorkerNames(queue);
      expect(names.sort()).toEqual([name, undefined]);
      // The unnamed one counts the fallback.
      expect(slotsOf(names, 'default', 1)).toBe(11);
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  });
});
