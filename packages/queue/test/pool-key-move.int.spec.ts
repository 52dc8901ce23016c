import { Queue, QueueEvents, Worker } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis } from '../src/connection.js';
import { deleteKeysByPrefix, poolKeyPrefix, scanKeys } from '../src/key-space.js';
import { movePoolKeys } from '../src/pool-key-move.js';
import { REDIS_URL, uniquePrefix } from './redis-test-env.js';

/*
 * A deployment from before pools had slots of their own: a hash-tagged prefix with every
 * pool's queue directly under it. After the move its tasks are where the apps now look, with
 * their states, and nothing is left under the old names.
 */
const prefix = `{${uniquePrefix('move')}}`;
const redis = createRedis(REDIS_URL, 'worker', 'test-key-move');
const opened: { close(): Promise<void> }[] = [];

afterAll(async () => {
  await Promise.all(opened.map((handle) => handle.close()));
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

/** A pool's queue as the apps open it before (`prefix`) or after the move. */
function queueAt(keyPrefix: string, pool = 'default'): Queue {
  const queue = new Queue(queueName(pool), { connection: redis, prefix: keyPrefix });
  opened.push(queue);
  return queue;
}

it("moves each pool's tasks to the pool's own prefix, states and tenant caps with them", async () => {
  const before = queueAt(prefix);
  // One task run to its end, one waiting, one delayed; and a tenant cap naming the waiting one.
  await before.add('echo', { n: 1 }, { jobId: 'done' });
  const events = new QueueEvents(queueName('default'), { connection: redis, prefix });
  opened.push(events);
  await events.waitUntilReady();
  const worker = new Worker(queueName('default'), () => Promise.resolve('ok'), {
    connection: createRedis(REDIS_URL, 'worker', 'test-key-move-worker'),
    prefix,
  });
  const done = await before.getJob('done');
  await done?.waitUntilFinished(events);
  await worker.close();
  await worker.disconnect();
  await before.add('echo', { n: 2 }, { jobId: 'waiting' });
  await before.add('echo', { n: 3 }, { jobId: 'later', delay: 3_600_000 });
  const cap = `${prefix}:gw:tenant:acme:unfinished`;
  await redis.zadd(cap, 1, before.toKey('waiting'), 2, `${prefix}:other:kept`);
  const otherPool = queueAt(prefix, 'large');
  await otherPool.add('echo', {}, { jobId: 'large-one' });

  const moves = await movePoolKeys(redis, prefix, ['default', 'large']);
  expect(moves.map(({ pool, members }) => ({ pool, members }))).toEqual([
    { pool: 'default', members: 1 },
    { pool: 'large', members: 0 },
  ]);
  expect(moves.every(({ keys }) => keys > 0)).toBe(true);

  const after = queueAt(poolKeyPrefix(prefix, 'default'));
  expect(await after.getJobCounts('completed', 'waiting', 'delayed')).toEqual({
    completed: 1,
    waiting: 1,
    delayed: 1,
  });
  expect((await after.getJob('done'))?.returnvalue).toBe('ok');
  expect(await queueAt(poolKeyPrefix(prefix, 'large'), 'large').getJobState('large-one')).toBe(
    'waiting',
  );
  expect(await redis.zrange(cap, '0', '-1')).toEqual([
    after.toKey('waiting'),
    `${prefix}:other:kept`,
  ]);
  expect(await scanKeys(redis, `${prefix}:agentq-*`)).toEqual([]);

  // The moved queue runs: its waiting task completes where the apps now look.
  const movedWorker = new Worker(queueName('default'), () => Promise.resolve('moved'), {
    connection: createRedis(REDIS_URL, 'worker', 'test-key-move-worker'),
    prefix: poolKeyPrefix(prefix, 'default'),
  });
  try {
    const movedEvents = new QueueEvents(queueName('default'), {
      connection: redis,
      prefix: poolKeyPrefix(prefix, 'default'),
    });
    opened.push(movedEvents);
    await movedEvents.waitUntilReady();
    const waiting = await after.getJob('waiting');
    expect(await waiting?.waitUntilFinished(movedEvents)).toBe('moved');
  } finally {
    await movedWorker.close();
    await movedWorker.disconnect();
  }

  // Run again (a move that stopped half way is finished so): nothing left to move.
  const again = await movePoolKeys(redis, prefix, ['default', 'large']);
  expect(again.map(({ keys, members }) => keys + members)).toEqual([0, 0]);
});

it('has nothing to move under a prefix without a hash tag', async () => {
  expect(await movePoolKeys(redis, 'plain-prefix-never-used', ['default'])).toEqual([
    { pool: 'default', keys: 0, members: 0 },
  ]);
});
