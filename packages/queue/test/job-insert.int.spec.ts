import { QueueEvents, Worker, type JobsOptions } from 'bullmq';
import { createRedis } from '../src/connection.js';
import { INSERT_JOB_LUA, jobInsert } from '../src/job-insert.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('job-insert');
const connection = createRedis(REDIS_URL, 'worker', 'test');
const queue = createTaskQueue('default', { connection, prefix });

/** One job through `insertJob`, as a script of agentq's would run it. */
const INSERT_ONE = `${INSERT_JOB_LUA}
return insertJob(tonumber(ARGV[1]), KEYS, ARGV[2], ARGV[3], ARGV[4])`;

async function insert(name: string, data: unknown, opts: JobsOptions & { jobId: string }) {
  const { kind, keys, argv } = jobInsert(queue, name, data, opts);
  return connection.eval(INSERT_ONE, keys.length, ...keys, String(kind), ...argv);
}

/** A job's stored fields, less what differs between any two jobs: its id and when it was added. */
async function storedFields(id: string): Promise<Record<string, string>> {
  const fields = await connection.hgetall(queue.toKey(id));
  delete fields.timestamp;
  return { ...fields, opts: (fields.opts ?? '').replace(id, '<id>') };
}

/** The events the queue's stream holds for a job, oldest first. */
async function eventsOf(id: string): Promise<string[]> {
  const entries = await connection.xrange(queue.toKey('events'), '-', '+');
  return entries
    .map(([, fields]) => Object.fromEntries(fieldPairs(fields)))
    .filter((event) => event.jobId === id)
    .map((event) => event.event ?? '');
}

function fieldPairs(fields: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([fields[i] ?? '', fields[i + 1] ?? '']);
  return pairs;
}

afterAll(async () => {
  await queue.close();
  await connection.quit();
  await deletePrefix(prefix);
});

describe('jobInsert and INSERT_JOB_LUA', () => {
  const kinds: [string, JobsOptions][] = [
    ['standard', { attempts: 3, backoff: { type: 'exponential', delay: 100 } }],
    ['prioritized', { priority: 7, removeOnComplete: { age: 60, count: 10 } }],
    ['delayed', { delay: 60_000, priority: 2 }],
  ];

  it.each(kinds)('stores a %s job exactly as queue.add does', async (kind, opts) => {
    const data = { input: { text: 'héllo' }, n: 1 };
    await queue.add('echo', data, { ...opts, jobId: `added-${kind}` });
    const id = await insert('echo', data, { ...opts, jobId: `inserted-${kind}` });

    expect(id).toBe(`inserted-${kind}`);
    expect(await storedFields(`inserted-${kind}`)).toEqual(await storedFields(`added-${kind}`));
    expect(await queue.getJobState(`inserted-${kind}`)).toBe(
      await queue.getJobState(`added-${kind}`),
    );
    expect(await eventsOf(`inserted-${kind}`)).toEqual(await eventsOf(`added-${kind}`));
  });

  it('gives every job of a kind the same keys, so a script can pass them once', () => {
    const first = jobInsert(queue, 'echo', {}, { jobId: 'k1', priority: 3 });
    const second = jobInsert(queue, 'other', { x: 1 }, { jobId: 'k2', priority: 9 });
    const delayed = jobInsert(queue, 'echo', {}, { jobId: 'k3', delay: 5 });

    expect(second.kind).toBe(first.kind);
    expect(second.keys).toEqual(first.keys);
    expect(delayed.kind).not.toBe(first.kind);
  });

  it('applies BullMQ option checks before anything is sent', () => {
    expect(() => jobInsert(queue, 'echo', {}, { jobId: 'bad', priority: 1.5 })).toThrow(
      'Priority should not be float',
    );
    expect(() => jobInsert(queue, 'echo', {}, { jobId: '42' })).toThrow(
      'Custom Id cannot be integers',
    );
  });

  it('adds a job that a worker runs and that completes once', async () => {
    const eventsConnection = createRedis(REDIS_URL, 'worker', 'test-events');
    const events = new QueueEvents(queue.name, { connection: eventsConnection, prefix });
    await events.waitUntilReady();
    const workerConnection = createRedis(REDIS_URL, 'worker', 'test-worker');
    const worker = new Worker(
      queue.name,
      (job) => Promise.resolve({ echoed: job.data as unknown }),
      {
        connection: workerConnection,
        prefix,
        autorun: false,
      },
    );
    try {
      const completed = new Promise<unknown>((resolve) =>
        events.on('completed', ({ jobId, returnvalue }) => {
          if (jobId === 'run-me') resolve(returnvalue);
        }),
      );
      void worker.run();
      await insert('echo', { say: 'hi' }, { jobId: 'run-me', priority: 1 });

      expect(await completed).toEqual({ echoed: { say: 'hi' } });
      expect(await queue.getJobState('run-me')).toBe('completed');
    } finally {
      await worker.close();
      await workerConnection.quit();
      await events.close();
      await eventsConnection.quit();
    }
  });
});
