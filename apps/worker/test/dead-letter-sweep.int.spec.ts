import { Worker } from 'bullmq';
import { encodeTaskError } from '@agentq/contracts';
import { getDeadLetter } from '@agentq/queue';
import { sweepFailedTasks } from '../src/dead-letter-task.js';
import { testPool } from './pool-fixture.js';

// The pool's worker is not started: tasks are failed by hand, as a worker killed right
// after failing them (before writing their dead letters) would leave them.
const pool = testPool('sweep');
const { connection, prefix, queue } = pool;

afterAll(() => pool.stop());

async function failByHand(taskId: string, reason: string): Promise<void> {
  await queue.add('echo', { v: 1, agent: 'echo', input: {}, tenant: 't' }, { jobId: taskId });
  const worker = new Worker(queue.name, null, { connection, prefix, autorun: false });
  try {
    const job = await worker.getNextJob('token');
    await job?.moveToFailed(new Error(reason), 'token', false);
  } finally {
    await worker.close();
  }
}

describe(sweepFailedTasks.name, () => {
  it('dead-letters failed tasks left without a dead letter, but not cancelled ones', async () => {
    await failByHand('lost-1', encodeTaskError({ code: 'TRANSIENT', message: 'boom' }));
    await failByHand('cancelled-1', encodeTaskError({ code: 'CANCELLED', message: 'stop' }));

    expect(await sweepFailedTasks(queue, connection, prefix, 'default')).toEqual(['lost-1']);
    expect(await getDeadLetter(connection, prefix, 'default', 'lost-1')).toMatchObject({
      name: 'echo',
      failedReason: '[TRANSIENT] boom',
    });
    expect(await getDeadLetter(connection, prefix, 'default', 'cancelled-1')).toBeUndefined();
    // A second sweep finds nothing left to do.
    expect(await sweepFailedTasks(queue, connection, prefix, 'default')).toEqual([]);
  });
});
