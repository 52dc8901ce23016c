import { Worker } from 'bullmq';
import { ErrorCode } from '@agentq/contracts';
import { getDeadLetter, recordAttempt } from '@agentq/queue';
import { STALLED_RUN_MESSAGE } from '../src/settle-failure.js';
import { testPool } from './pool-fixture.js';

// Pools that never run a task twice. The stall is found by another process's checker (a
// bare BullMQ worker here), which records nothing: the pool's worker, which fetches the
// task next and fails it, must record the attempt its last worker died in. Each test has a
// pool of its own, started only once its task has stalled.
type Pool = ReturnType<typeof testPool>;

/** Leaves the task active with no lock, as a worker killed while running it does. */
async function strandActive({ connection, prefix, queue }: Pool, taskId: string): Promise<void> {
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
async function findStalledElsewhere({ connection, prefix, queue }: Pool, taskId: string) {
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

/** Starts the pool, lets it fail the stalled task; answers the dead letter's attempts. */
async function failAndReadAttempts(pool: Pool, taskId: string) {
  await pool.start();
  const job = await pool.queue.getJob(taskId);
  if (!job) throw new Error('the stranded task is gone');
  expect(await pool.settle(job)).toMatchObject({
    state: 'failed',
    error: { code: 'WORKER_LOST', message: expect.stringContaining('never runs a task twice') },
  });
  return (await getDeadLetter(pool.connection, pool.prefix, 'default', taskId))?.attempts;
}

const stallRecord = expect.objectContaining({
  attempt: 1,
  code: 'WORKER_LOST',
  message: STALLED_RUN_MESSAGE,
});

describe('a task that stalled once too often', () => {
  let pool: Pool;
  beforeEach(() => {
    pool = testPool('stall-failure', { settings: { maxStalledCount: 0 } });
  });
  afterEach(() => pool.stop());

  it('fails with a clear error, its dead letter holding the attempt its worker died in', async () => {
    await strandActive(pool, 'stalled-1');
    await findStalledElsewhere(pool, 'stalled-1');

    expect(await failAndReadAttempts(pool, 'stalled-1')).toEqual([stallRecord]);
  });

  it('records that attempt once, though a failing of it that broke off recorded it', async () => {
    // As a worker leaves it whose move to failed broke off after its record (BullMQ retries
    // the move after a connection error), for a task that stalled once.
    await strandActive(pool, 'stalled-2');
    await findStalledElsewhere(pool, 'stalled-2');
    const record = { attempt: 1, code: ErrorCode.WorkerLost, message: STALLED_RUN_MESSAGE, at: 1 };
    await recordAttempt(pool.connection, pool.prefix, pool.queue.name, 'stalled-2', record);

    expect(await failAndReadAttempts(pool, 'stalled-2')).toEqual([stallRecord]);
  });
});
