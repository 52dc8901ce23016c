import { createRequire } from 'node:module';
import { Worker } from 'bullmq';
import {
  BULLMQ_ADD_SCRIPTS,
  STALLED_TOO_OFTEN,
  StallAwareWorker,
  recordAddCommand,
} from '../src/bullmq-internals.js';
import { createRedis } from '../src/connection.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

/*
 * Pins what agentq takes from BullMQ beyond its public API. The add scripts' end-to-end
 * behaviour (a job inserted by agentq equals one `queue.add` stores, option checks
 * included) is job-insert's test.
 */
const prefix = uniquePrefix('bullmq-internals');
const connection = createRedis(REDIS_URL, 'worker', 'test');
const queue = createTaskQueue('default', { connection, prefix });
const require = createRequire(import.meta.url);

afterAll(async () => {
  await queue.close();
  await connection.quit();
  await deletePrefix(prefix);
});

describe('the BullMQ internals agentq uses', () => {
  it('ships the add scripts, with their key counts', () => {
    expect(BULLMQ_ADD_SCRIPTS.map(({ name, keys }) => [name, keys])).toEqual([
      ['addStandardJob', 9],
      ['addPrioritizedJob', 9],
      ['addDelayedJob', 6],
    ]);
    for (const { content } of BULLMQ_ADD_SCRIPTS) expect(content).toContain('KEYS[1]');
  });

  it('builds the add command synchronously, with the keys and three packed arguments', () => {
    const standard = recordAddCommand(queue, 'echo', { n: 1 }, { jobId: 'a' });
    expect(standard.script).toBe('addStandardJob');
    expect(standard.args).toHaveLength(9 + 3);
    expect(standard.args[0]).toBe(queue.toKey('wait'));
    expect(recordAddCommand(queue, 'echo', {}, { jobId: 'b', priority: 3 }).script).toBe(
      'addPrioritizedJob',
    );
    expect(recordAddCommand(queue, 'echo', {}, { jobId: 'c', delay: 1000 }).script).toBe(
      'addDelayedJob',
    );
  });

  it('fails a task stalled too often with the reason it is recognised by', () => {
    const stalledScript = require('bullmq/dist/cjs/scripts/moveStalledJobsToWait-9.js') as {
      moveStalledJobsToWait: { content: string };
    };
    expect(stalledScript.moveStalledJobsToWait.content).toContain(STALLED_TOO_OFTEN);
  });

  it('lets a worker subclass override handleFailed', () => {
    const hook = Object.getOwnPropertyDescriptor(Worker.prototype, 'handleFailed');
    expect(typeof hook?.value).toBe('function');
    expect(Object.getPrototypeOf(StallAwareWorker.prototype)).toBe(Worker.prototype);
  });
});
