import { createRedis } from '../src/connection.js';
import {
  isCancelRequested,
  onCancelRequest,
  recentCancels,
  requestCancel,
} from '../src/cancellation.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('cancel');
const redis = createRedis(REDIS_URL, 'worker', 'test-cancel');
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');

afterAll(async () => {
  await Promise.all([redis.quit(), subscriber.quit()]);
  await deletePrefix(prefix);
});

describe(requestCancel.name, () => {
  it('reaches a subscribed worker and leaves a record for one that has not started the task', async () => {
    const received: string[] = [];
    let delivered: () => void = () => undefined;
    const gotIt = new Promise<void>((resolve) => (delivered = resolve));
    const unsubscribe = await onCancelRequest(subscriber, prefix, (taskId) => {
      received.push(taskId);
      delivered();
    });
    expect(await isCancelRequested(redis, prefix, 'task-1')).toBe(false);
    await requestCancel(redis, prefix, 'task-1');
    await gotIt;
    expect(received).toEqual(['task-1']);
    expect(await isCancelRequested(redis, prefix, 'task-1')).toBe(true);
    await unsubscribe();
  });
});

describe(recentCancels.name, () => {
  it('answers the newest cancels oldest first, and says when older ones were left out', async () => {
    // Under the file's prefix, so its clean-up takes these keys too.
    const own = `${prefix}:recent`;
    for (const id of ['a', 'b', 'c']) await requestCancel(redis, own, id);
    // Older than the retention: not on record any more.
    await redis.zadd(`${own}:cancels`, Date.now() - 2 * 86_400_000, 'expired');
    expect(await isCancelRequested(redis, own, 'expired')).toBe(false);

    const all = await recentCancels(redis, own, 10);
    expect(all.complete).toBe(true);
    expect(all.cancels.map((c) => c.taskId)).toEqual(['a', 'b', 'c']);
    const newest = await recentCancels(redis, own, 2);
    expect(newest.complete).toBe(false);
    expect(newest.cancels.map((c) => c.taskId)).toEqual(['b', 'c']);
  });
});
