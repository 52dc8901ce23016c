import { Worker } from 'bullmq';
import { PRIORITY_LEVELS, TaskSpecSchema, queueName, type PriorityLevel } from '@agentq/contracts';
import { createRedis } from '../src/connection.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { taskJobOptions } from '../src/job-options.js';
import { readPoolCounts } from '../src/queue-stats.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('priority');
const connection = createRedis(REDIS_URL, 'worker', 'test');
const queue = createTaskQueue('default', { connection, prefix });

afterAll(async () => {
  await queue.close();
  await connection.quit();
  await deletePrefix(prefix);
});

describe('task priority on a real queue', () => {
  it('starts every higher-priority task before a lower one, FIFO within a level', async () => {
    // Interleave levels so that submission order alone would give the wrong answer.
    const submitted: { id: string; level: PriorityLevel }[] = [];
    for (let round = 0; round < 5; round++) {
      for (const level of [...PRIORITY_LEVELS].reverse()) {
        const id = `${level}-${round}`;
        const spec = TaskSpecSchema.parse({ agent: 'echo', priority: level });
        await queue.add('echo', { id }, taskJobOptions(spec, id));
        submitted.push({ id, level });
      }
    }
    expect((await readPoolCounts(queue)).prioritized).toBe(submitted.length);

    const started: string[] = [];
    const workerConnection = createRedis(REDIS_URL, 'worker', 'test-worker');
    const worker = new Worker(
      queueName('default'),
      (job) => {
        started.push(job.id ?? '');
        return Promise.resolve();
      },
      { connection: workerConnection, prefix, concurrency: 1, autorun: false },
    );
    const allDone = new Promise<void>((resolve) => {
      worker.on('completed', () => {
        if (started.length === submitted.length) resolve();
      });
    });
    void worker.run();
    await allDone;
    await worker.close();
    await workerConnection.quit();

    const expected = PRIORITY_LEVELS.flatMap((level) =>
      submitted.filter((task) => task.level === level).map((task) => task.id),
    );
    expect(started).toEqual(expected);
  });
});
