import { Worker } from 'bullmq';
import { getDeadLetter } from '@agentq/queue';
import { testPool } from './pool-fixture.js';

// A pool that never runs a task twice. The stall is found by another process's checker (a
// bare BullMQ worker here), which records nothing: the pool's worker, which fetches the
// task next and fails it, must record the attempt its last worker died in.
const pool = testPool('stall-failure', { settings: { maxStalledCount: 0 } });
const { connection, prefix, queue } = pool;

afterAll(() => pool.stop());

/** Leaves the task active with no lock, as a worker killed while running it does. */
async function strandActive(taskId: string): Promise<void> {
  await queue.add('echo', { v: 1, agent: 'echo', input: {}, tenant: 't' }, { jobId: taskId });
  const dead = new Worker(queue.name, null, { connection, prefix, autorun: false });
  try {
    await dead.getNextJob('dead-token');
  } finally {
    await dead.close();
  }
  await connection.del(`${prefix}:${queue.name}:${taskId}:lock`);
}

/** Runs another worker's stalled-task check until it reports the task. */
async function findStalledElsewhere(taskId: string): Promise<void> {
  const checker = new Worker(queue.name, null, {
    connection,
    prefix,
    autorun: false,
    maxStalledCount: 0,
    stalledInterval: 50,
  });
  try {
    const found = new Promise<void>((resolve) =>
      checker.on('stalled', (id) => id === taskId && resolve()),
    );
    await checker.startStalledCheckTimer();
    await found;
  } finally {
    await checker.close();
  }
}

describe('a task that stalled once too often', () => {
  it('fails with a clear error, its dead letter holding the attempt its worker died in', async () => {
    await strandActive('stalled-1');
    await findStalledElsewhere('stalled-1');
    await pool.start();

    const job = await queue.getJob('stalled-1');
    if (!job) throw new Error('the stranded task is gone');
    expect(await pool.settle(job)).toMatchObject({
      state: 'failed',
      error: { code: 'AGENT_FAILED', message: expect.stringContaining('stopped 1 time(s)') },
    });
    const letter = await getDeadLetter(connection, prefix, 'default', 'stalled-1');
    expect(letter?.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        code: 'AGENT_FAILED',
        message: expect.stringContaining('the worker running the task stopped') as string,
      }),
    ]);
  });
});
