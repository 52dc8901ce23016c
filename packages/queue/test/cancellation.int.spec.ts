import { createRedis } from '../src/connection.js';
import { isCancelRequested, onCancelRequest, requestCancel } from '../src/cancellation.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('cancel');
const redis = createRedis(REDIS_URL, 'worker', 'test-cancel');
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');

afterAll(async () => {
  await Promise.all([redis.quit(), subscriber.quit()]);
  await deletePrefix(prefix);
});

describe(requestCancel.name, () => {
  it('reaches a subscribed worker and leaves a marker for one that has not started the task', async () => {
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
