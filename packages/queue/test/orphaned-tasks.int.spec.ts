import { once } from 'node:events';
import { Worker } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis } from '../src/connection.js';
import { findOrphanedTasks, releaseOrphanedTasks } from '../src/orphaned-tasks.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { connectedWorkerNames, workerConnectionName } from '../src/worker-name.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('orphaned-tasks');
const connection = createRedis(REDIS_URL, 'worker', 'test-orphaned-tasks');
const queue = createTaskQueue('default', { connection, prefix });
const workers: Worker[] = [];

/** A worker that fetches by hand (no lock renewal), named `name`. */
function worker(name: string): Worker {
  const made = new Worker(queueName('default'), null, {
    connection,
    prefix,
    name,
    autorun: false,
    lockDuration: 30_000,
  });
  workers.push(made);
  return made;
}

/** Adds a task and has `by` take it: it is active, locked by `token`. */
async function running(by: Worker, token: string): Promise<string> {
  const job = await queue.add('sim', {});
  await by.getNextJob(token);
  return job.id ?? '';
}

afterAll(async () => {
  await Promise.all(workers.map((made) => made.close()));
  await queue.close();
  await deletePrefix(prefix);
  await connection.quit();
});

afterEach(async () => {
  await queue.obliterate({ force: true });
});

describe(connectedWorkerNames.name, () => {
  it("reads the workers' main and BullMQ connections from the client list", async () => {
    const main = createRedis(REDIS_URL, 'worker', workerConnectionName('host:1:default:c4'));
    const bullmq = worker('host:2:default:c4');
    try {
      await Promise.all([bullmq.waitUntilReady(), once(main, 'ready')]);
      const names = connectedWorkerNames((await connection.client('LIST')) as string, prefix);
      expect(names).toContain('host:1:default:c4');
      expect(names).toContain('host:2:default:c4');
    } finally {
      await main.quit();
    }
  });
});

describe(releaseOrphanedTasks.name, () => {
  it('releases the task of a disconnected worker as stalled, for BullMQ to move back', async () => {
    const dead = worker('dead:1:default:c1');
    const taskId = await running(dead, 'token-1');
    const found = await findOrphanedTasks(connection, queue, new Set(['alive:2:default:c1']));
    expect(found).toEqual([
      { taskId, owner: 'dead:1:default:c1', token: 'token-1', expiresAt: expect.any(Number) },
    ]);
    // A task of a connected worker is not found.
    expect(await findOrphanedTasks(connection, queue, new Set(['dead:1:default:c1']))).toEqual([]);

    expect(await releaseOrphanedTasks(connection, queue, found)).toEqual([taskId]);
    expect(await connection.exists(`${queue.toKey(taskId)}:lock`)).toBe(0);
    expect(await connection.sismember(queue.toKey('stalled'), taskId)).toBe(1);

    // BullMQ's check moves it at once (its throttle was cleared), counting the stall.
    const survivor = worker('alive:2:default:c1');
    const stalled = once(survivor, 'stalled');
    await survivor.startStalledCheckTimer();
    expect((await stalled)[0]).toBe(taskId);
    const job = await queue.getJob(taskId);
    expect(await job?.getState()).toBe('waiting');
    expect(job?.stalledCounter).toBe(1);
  });

  it('leaves a task whose lock was renewed, taken again or changed hands since it was found', async () => {
    const dead = worker('dead:1:default:c2');
    const renewed = await running(dead, 'token-r');
    const retaken = await running(dead, 'token-t');
    const handed = await running(dead, 'token-h');
    const found = await findOrphanedTasks(connection, queue, new Set());
    expect(found.map(({ taskId }) => taskId).sort()).toEqual([renewed, retaken, handed].sort());

    await connection.set(`${queue.toKey(renewed)}:lock`, 'token-r', 'PX', 30_000 + 1000);
    await connection.set(`${queue.toKey(retaken)}:lock`, 'token-other', 'PX', 30_000);
    await connection.hset(queue.toKey(handed), 'pb', 'other:3:default:c1');
    expect(await releaseOrphanedTasks(connection, queue, found)).toEqual([]);
    expect(await connection.scard(queue.toKey('stalled'))).toBe(0);
  });
});
