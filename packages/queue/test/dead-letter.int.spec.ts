import { Queue, Worker } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis } from '../src/connection.js';
import {
  addDeadLetter,
  deadLetterTenant,
  findDeadLetters,
  getDeadLetter,
  listDeadLetters,
  redriveDeadLetter,
  removeDeadLetterUpTo,
  withoutDeadLetter,
  type DeadLetter,
} from '../src/dead-letter.js';
import { readAttempts, recordAttempt, clearAttempts } from '../src/task-attempts.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('dlq');
const redis = createRedis(REDIS_URL, 'worker', 'test-dlq');
const queue = new Queue(queueName('default'), { connection: redis, prefix });

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await deletePrefix(prefix);
  await redis.quit();
});

function letter(taskId: string, failedAt: number, pool = 'default'): DeadLetter {
  return {
    pool,
    taskId,
    name: 'echo',
    data: { v: 1, agent: 'echo', input: { taskId }, tenant: 't' },
    opts: { attempts: 3, priority: 3, backoff: { type: 'agentq-exponential' } },
    failedReason: '[TRANSIENT] boom 3',
    attemptsMade: 3,
    attempts: [1, 2, 3].map((attempt) => ({
      attempt,
      code: 'TRANSIENT',
      message: `boom ${attempt}`,
      at: failedAt - 10 * (3 - attempt),
    })),
    createdAt: failedAt - 100,
    failedAt,
  };
}

describe(recordAttempt.name, () => {
  it('keeps every failed attempt of a task in order', async () => {
    for (const attempt of [1, 2]) {
      await recordAttempt(redis, prefix, 'agentq-default', 'a-1', {
        attempt,
        code: 'TIMEOUT',
        message: `slow ${attempt}`,
        at: attempt,
      });
    }
    expect(await readAttempts(redis, prefix, 'agentq-default', 'a-1')).toEqual([
      { attempt: 1, code: 'TIMEOUT', message: 'slow 1', at: 1 },
      { attempt: 2, code: 'TIMEOUT', message: 'slow 2', at: 2 },
    ]);
    await clearAttempts(redis, prefix, 'agentq-default', 'a-1');
    expect(await readAttempts(redis, prefix, 'agentq-default', 'a-1')).toEqual([]);
  });
});

describe(listDeadLetters.name, () => {
  it('pages dead letters newest first, for all pools or one', async () => {
    await addDeadLetter(redis, prefix, letter('p-1', 1000));
    await addDeadLetter(redis, prefix, letter('p-2', 3000));
    await addDeadLetter(redis, prefix, letter('p-3', 2000, 'large'));

    const first = await listDeadLetters(redis, prefix, { offset: 0, limit: 2 });
    expect(first.total).toBe(3);
    expect(first.items.map((item) => item.taskId)).toEqual(['p-2', 'p-3']);
    const second = await listDeadLetters(redis, prefix, { offset: 2, limit: 2 });
    expect(second.items.map((item) => item.taskId)).toEqual(['p-1']);

    const large = await listDeadLetters(redis, prefix, { offset: 0, limit: 10, pool: 'large' });
    expect(large).toEqual({ total: 1, items: [letter('p-3', 2000, 'large')] });
  });
});

describe('dead letters of one tenant', () => {
  const of = (taskId: string, failedAt: number, tenant: string, pool = 'default') => {
    const entry = letter(taskId, failedAt, pool);
    return { ...entry, data: { ...(entry.data as object), tenant } };
  };

  it('lists only that tenant, in one pool or all, and forgets a re-driven entry', async () => {
    await addDeadLetter(redis, prefix, of('t-1', 1000, 'acme'));
    await addDeadLetter(redis, prefix, of('t-2', 2000, 'acme', 'large'));
    await addDeadLetter(redis, prefix, of('t-3', 3000, 'other'));
    const acme = await listDeadLetters(redis, prefix, { offset: 0, limit: 10, tenant: 'acme' });
    expect(acme.total).toBe(2);
    expect(acme.items.map((item) => item.taskId)).toEqual(['t-2', 't-1']);
    expect(acme.items.map(deadLetterTenant)).toEqual(['acme', 'acme']);
    const inDefault = { offset: 0, limit: 10, tenant: 'acme', pool: 'default' };
    expect((await listDeadLetters(redis, prefix, inDefault)).items).toHaveLength(1);
    const oldest = await listDeadLetters(redis, prefix, {
      ...inDefault,
      pool: undefined,
      oldestFirst: true,
    });
    expect(oldest.items.map((item) => item.taskId)).toEqual(['t-1', 't-2']);

    expect(await redriveDeadLetter(redis, prefix, queue, 'default', 't-1')).toMatchObject({
      status: 'redriven',
    });
    expect((await listDeadLetters(redis, prefix, inDefault)).total).toBe(0);
    expect(
      (await listDeadLetters(redis, prefix, { offset: 0, limit: 10, tenant: 'acme' })).total,
    ).toBe(1);
  });

  it('finds entries by task id in any of the pools given', async () => {
    await addDeadLetter(redis, prefix, of('f-1', 1000, 'acme', 'large'));
    const found = await findDeadLetters(redis, prefix, ['default', 'large'], ['f-1', 'f-none']);
    expect(found.map((item) => [item.pool, item.taskId])).toEqual([['large', 'f-1']]);
    expect(await findDeadLetters(redis, prefix, ['default'], ['f-1'])).toEqual([]);
  });
});

describe(addDeadLetter.name, () => {
  it('replaces an entry, or keeps it when asked to', async () => {
    await addDeadLetter(redis, prefix, letter('k-1', 100));
    await addDeadLetter(
      redis,
      prefix,
      { ...letter('k-1', 100), attempts: [] },
      { keepExisting: true },
    );
    expect((await getDeadLetter(redis, prefix, 'default', 'k-1'))?.attempts).toHaveLength(3);
    await addDeadLetter(redis, prefix, { ...letter('k-1', 100), attempts: [] });
    expect((await getDeadLetter(redis, prefix, 'default', 'k-1'))?.attempts).toEqual([]);
  });

  it('tells which tasks have no dead letter', async () => {
    await addDeadLetter(redis, prefix, letter('w-1', 100));
    expect(await withoutDeadLetter(redis, prefix, 'default', ['w-1', 'w-2'])).toEqual(['w-2']);
    expect(await withoutDeadLetter(redis, prefix, 'large', ['w-1'])).toEqual(['w-1']);
  });
});

describe(redriveDeadLetter.name, () => {
  it('re-adds the task under its id with fresh attempts and removes the dead letter', async () => {
    // A failed job as the worker leaves it, then its dead letter.
    await queue.add('echo', letter('r-1', 5000).data, { jobId: 'r-1', attempts: 1 });
    const worker = new Worker(queue.name, null, { connection: redis, prefix, autorun: false });
    const active = await worker.getNextJob('token');
    await active?.moveToFailed(new Error('[TRANSIENT] boom 3'), 'token', false);
    await worker.close();
    expect(await queue.getJobState('r-1')).toBe('failed');
    await addDeadLetter(redis, prefix, letter('r-1', 5000));

    expect(await redriveDeadLetter(redis, prefix, queue, 'default', 'r-1')).toEqual({
      status: 'redriven',
      taskId: 'r-1',
    });
    const job = await queue.getJob('r-1');
    expect(await queue.getJobState('r-1')).toBe('prioritized');
    expect(job).toMatchObject({
      name: 'echo',
      data: letter('r-1', 5000).data,
      attemptsMade: 0,
      opts: { attempts: 3, priority: 3, backoff: { type: 'agentq-exponential' } },
    });
    expect(await getDeadLetter(redis, prefix, 'default', 'r-1')).toBeUndefined();
    expect(await redriveDeadLetter(redis, prefix, queue, 'default', 'r-1')).toEqual({
      status: 'not-found',
    });
  });

  it('re-adds a task whose failed job retention already removed', async () => {
    await addDeadLetter(redis, prefix, letter('r-2', 6000));
    await redriveDeadLetter(redis, prefix, queue, 'default', 'r-2');
    expect((await queue.getJob('r-2'))?.data).toEqual(letter('r-2', 6000).data);
  });

  it('refuses when the task id is held by a task that is not failed', async () => {
    await queue.add('echo', {}, { jobId: 'r-3' });
    await addDeadLetter(redis, prefix, letter('r-3', 7000));
    expect(await redriveDeadLetter(redis, prefix, queue, 'default', 'r-3')).toEqual({
      status: 'conflict',
      state: 'waiting',
    });
    expect(await getDeadLetter(redis, prefix, 'default', 'r-3')).toBeDefined();
  });
});

describe(removeDeadLetterUpTo.name, () => {
  const listed = async (taskId: string) => {
    const scopes = [{}, { pool: 'default' }, { tenant: 't' }, { tenant: 't', pool: 'default' }];
    const pages = await Promise.all(
      scopes.map((scope) => listDeadLetters(redis, prefix, { offset: 0, limit: 1000, ...scope })),
    );
    return pages.map((page) => page.items.some((entry) => entry.taskId === taskId));
  };

  it('removes the dead letter of the failure that was retried, from every index', async () => {
    await addDeadLetter(redis, prefix, letter('u-1', 8000));
    expect(await listed('u-1')).toEqual([true, true, true, true]);
    expect(await removeDeadLetterUpTo(redis, prefix, 'default', 'u-1', 8000)).toBe(true);
    expect(await getDeadLetter(redis, prefix, 'default', 'u-1')).toBeUndefined();
    expect(await listed('u-1')).toEqual([false, false, false, false]);
    expect(await removeDeadLetterUpTo(redis, prefix, 'default', 'u-1', 8000)).toBe(false);
  });

  it('keeps a dead letter of a later failure', async () => {
    await addDeadLetter(redis, prefix, letter('u-2', 9000));
    expect(await removeDeadLetterUpTo(redis, prefix, 'default', 'u-2', 8999)).toBe(false);
    expect(await getDeadLetter(redis, prefix, 'default', 'u-2')).toEqual(letter('u-2', 9000));
    expect(await listed('u-2')).toEqual([true, true, true, true]);
  });
});
