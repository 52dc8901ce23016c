import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { queueName } from '@agentq/contracts';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { DeadWorkerWatch } from '../src/dead-worker-watch.js';
import { REDIS_URL } from './pool-fixture.js';

const prefix = `agentq-test-dead-worker-${randomUUID().slice(0, 8)}`;
const connection = createRedis(REDIS_URL, 'worker', 'test-dead-worker-watch');
const queue = new Queue(queueName('default'), { connection, prefix });
const closers: (() => Promise<unknown> | void)[] = [];

/** A BullMQ worker that fetches by hand (no lock renewal), on a connection of its own. */
function worker(name: string): Worker {
  const own = createRedis(REDIS_URL, 'worker', `test-${name}`);
  const made = new Worker(queueName('default'), null, {
    connection: own,
    prefix,
    name,
    autorun: false,
    lockDuration: 60_000,
  });
  closers.push(
    () => made.close(),
    () => own.quit().catch(() => undefined),
  );
  return made;
}

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await queue.close();
  await deleteKeysByPrefix(connection, prefix);
  await connection.quit();
});

describe(DeadWorkerWatch.name, () => {
  it('releases, once it starts, the task of a worker that died before it (absent at its first look)', async () => {
    const dead = worker('dead:1:default:c1');
    const job = await queue.add('sim', {});
    await dead.getNextJob('token-1');
    await dead.close();
    await dead.disconnect();
    const survivor = worker('alive:2:default:c1');
    await survivor.waitUntilReady();
    const watch = new DeadWorkerWatch({
      connection,
      queue,
      prefix,
      workerName: 'alive:2:default:c1',
      settings: { pollMs: 50, graceMs: 1000 },
      checkStalled: () => survivor.startStalledCheckTimer(),
      logger: pino({ level: 'silent' }),
    });
    closers.push(() => watch.close());
    const stalled = once(survivor, 'stalled');
    watch.start();

    // The lock holds for a minute: the stall comes from the watch.
    expect((await stalled)[0]).toBe(job.id);
    const after = await queue.getJob(job.id ?? '');
    expect(await after?.getState()).toBe('waiting');
    expect(after?.stalledCounter).toBe(1);
  });
});
