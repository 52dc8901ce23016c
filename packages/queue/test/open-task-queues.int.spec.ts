import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { redisOptions, waitUntilReady } from '../src/connection.js';
import { createTaskQueue, openTaskQueues, watchLateStarts } from '../src/queue-factory.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('open-queues');
// A client connection whose commands time out fast, so a short stall is enough.
const TIMEOUT_MS = 50;
const redis = new Redis({ ...redisOptions(REDIS_URL, 'client'), commandTimeout: TIMEOUT_MS });

beforeAll(async () => {
  expect(await waitUntilReady(redis, 5000)).toBe(true);
});

afterAll(async () => {
  await redis.quit();
  await deletePrefix(prefix);
});

/**
 * Makes the next `times` version checks (BullMQ's INFO) time out as on a CPU-starved start:
 * right after the command is sent the process stays busy past the timeout, so it reads the
 * answer after the timer fired. `calls()` counts every INFO sent meanwhile.
 */
function starveVersionChecks(times: number): { calls: () => number; restore: () => void } {
  const info = redis.info.bind(redis);
  let calls = 0;
  Object.assign(redis, {
    info: (...args: unknown[]) => {
      calls += 1;
      const answer = (info as (...a: unknown[]) => Promise<string>)(...args);
      if (calls <= times) {
        const until = Date.now() + TIMEOUT_MS * 4;
        while (Date.now() < until) {
          // busy: the event loop reads nothing meanwhile
        }
      }
      return answer;
    },
  });
  return {
    calls: () => calls,
    restore: () => Reflect.deleteProperty(redis, 'info'),
  };
}

/**
 * Runs `start` from a setImmediate callback: Node's event loop then runs its due timers
 * before it next reads a socket, so a command sent there while the process stays busy past
 * its timeout always times out (sent from elsewhere, its answer may be read first).
 */
function fromCheckPhase<T>(start: () => T): Promise<Awaited<T>> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      Promise.resolve(start()).then(resolve, reject);
    });
  });
}

describe('openTaskQueues', () => {
  it('a plain BullMQ queue whose version check timed out fails every call after it', async () => {
    const starved = starveVersionChecks(1);
    const queue = await fromCheckPhase(() =>
      createTaskQueue('default', { connection: redis, prefix }),
    );
    queue.on('error', () => undefined);
    try {
      await expect(queue.waitUntilReady()).rejects.toThrow('Command timed out');
      await expect(queue.getJobCounts()).rejects.toThrow('Command timed out');
      expect(starved.calls()).toBe(1);
    } finally {
      starved.restore();
      await queue.close().catch(() => undefined);
    }
  });

  it('replaces such a queue, so every pool gets a working one', async () => {
    const starved = starveVersionChecks(2);
    const heard: string[] = [];
    const { queues, ready, error } = await fromCheckPhase(() =>
      openTaskQueues(['default', 'large'], { connection: redis, prefix }, 5000, (pool, error) =>
        heard.push(`${pool}: ${error.message}`),
      ),
    ).finally(starved.restore);
    // Both first checks timed out; each pool's queue was replaced and asked again.
    expect({ ready, error, checks: starved.calls() }).toEqual({
      ready: true,
      error: undefined,
      checks: 4,
    });
    // The failed starts were reported, as errors of their pools.
    expect(heard.sort()).toEqual(['default: Command timed out', 'large: Command timed out']);
    expect([...queues.keys()]).toEqual(['default', 'large']);
    for (const queue of queues.values()) {
      expect(await queue.getJobCounts('waiting')).toEqual({ waiting: 0 });
      await queue.close();
    }
  });

  it('reports a queue whose start fails after the wait was given up', async () => {
    const starved = starveVersionChecks(1);
    // No time to wait: the queue is handed back while its version check is still out.
    const { queues, ready } = await fromCheckPhase(() =>
      openTaskQueues(['default'], { connection: redis, prefix }, 0, () => undefined),
    ).finally(starved.restore);
    try {
      expect(ready).toBe(false);
      const failed = await new Promise<string>((resolve) =>
        watchLateStarts(queues, (pool, error) => resolve(`${pool}: ${error.message}`)),
      );
      expect(failed).toBe('default: Command timed out');
    } finally {
      for (const queue of queues.values()) await queue.close().catch(() => undefined);
    }
  });

  it('answers not ready when Redis does not answer in time, and serves the queues anyway', async () => {
    // A server that takes connections and never answers: the client never gets ready.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const unanswered = new Redis(redisOptions(`redis://127.0.0.1:${port}`, 'client'));
    try {
      const { queues, ready } = await openTaskQueues(
        ['default'],
        { connection: unanswered, prefix },
        300,
        () => undefined,
      );
      expect({ ready, pools: [...queues.keys()] }).toEqual({ ready: false, pools: ['default'] });
      for (const queue of queues.values()) await queue.close();
    } finally {
      unanswered.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
